package io.paasoperator.apiserver.bootstrap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paasoperator.apiserver.testing.SshTestHost;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bootstrap's upload through {@code cat} on a real SSH server: every byte arrives, or the upload says why not. */
class SshUploadTest {

    /** Apache MINA SSHD's default channel window: what a server takes before the client must wait for it. */
    private static final int SERVER_WINDOW = 2 * 1024 * 1024;
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    Path base;
    private SshTestHost host;

    @BeforeEach
    void startHost() throws Exception {
        host = SshTestHost.start("127.0.0.36", base);
    }

    @AfterEach
    void stopHost() throws Exception {
        host.close();
    }

    private SshConnection connect() throws BootstrapException {
        return SshConnection.open(host.ip, host.sshPort(), new Account(host.username, host.password, null, null, "auth[0]"), null, TIMEOUT);
    }

    /**
     * The case that damaged agents: the content ends just after the server's window is used up, while the host is slow
     * to read. SSHJ's {@code close()} flushes only what the window allows, then sends EOF: the tail was lost.
     */
    @Test
    void everyByteArrivesWhenTheHostIsSlowToRead() throws Exception {
        Path slowBin = Files.createDirectories(base.resolve("slow-bin"));
        Path slowCat = slowBin.resolve("cat");
        Files.writeString(slowCat, "#!/bin/sh\nsleep 2\nexec /bin/cat \"$@\"\n");
        Files.setPosixFilePermissions(slowCat, PosixFilePermissions.fromString("rwx------"));
        host.setPath(slowBin + ":/usr/bin:/bin");
        byte[] content = new byte[SERVER_WINDOW + 1000];
        new Random(7).nextBytes(content);
        Path remote = host.home.resolve("uploaded.bin");

        try (SshConnection ssh = connect()) {
            SshConnection.Result result = ssh.upload(new ByteArrayInputStream(content), remote.toString(), TIMEOUT);
            assertTrue(result.succeeded(), result.output());
        }
        assertArrayEquals(content, Files.readAllBytes(remote), "the file on the host is the one sent");
    }

    @Test
    void anUploadTheHostCannotWriteSaysWhy() throws Exception {
        byte[] content = new byte[SERVER_WINDOW * 2];
        String remote = host.home.resolve("no-such-dir/uploaded.bin").toString();
        try (SshConnection ssh = connect()) {
            try {
                SshConnection.Result result = ssh.upload(new ByteArrayInputStream(content), remote, TIMEOUT);
                assertFalse(result.succeeded(), "the upload cannot have worked");
                assertTrue(result.output().contains("no-such-dir"), "the host's own words: " + result.output());
            } catch (BootstrapException e) {
                assertTrue(e.getMessage().contains("the host says: ") && e.getMessage().contains("no-such-dir"), e.getMessage());
            }
        }
    }
}
