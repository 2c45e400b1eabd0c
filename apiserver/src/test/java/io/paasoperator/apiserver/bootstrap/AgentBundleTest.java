package io.paasoperator.apiserver.bootstrap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where the agent to install is packed, and what a start leaves behind. */
class AgentBundleTest {

    @TempDir
    Path work;

    @Test
    void eachStartPacksIntoTheSameOwnerOnlyFileOfItsDataDirectoryAndTheSameAgentPacksToTheSameBuild() throws Exception {
        Path agent = work.resolve("paas-agent");
        Files.writeString(agent, "#!/bin/sh\necho a native agent stands here\n");
        Path data = work.resolve("data");

        AgentBundle.Packed first = new AgentBundle(agent, "1.0", data).packed();
        assertEquals(data.resolve(AgentBundle.ARCHIVE), first.archive());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(first.archive())));

        // The next start (a killed apiserver never ran its exit hooks) replaces that file, and adds none.
        AgentBundle.Packed second = new AgentBundle(agent, "1.0", data).packed();
        assertEquals(first.archive(), second.archive());
        assertEquals(first.build(), second.build(), "the same agent packed to another build");
        try (Stream<Path> files = Files.list(data)) {
            assertEquals(List.of(AgentBundle.ARCHIVE), files.map(f -> f.getFileName().toString()).toList());
        }

        Files.writeString(agent, "#!/bin/sh\necho another agent\n");
        assertNotEquals(first.build(), new AgentBundle(agent, "1.0", data).packed().build(), "another agent, the same build");
    }
}
