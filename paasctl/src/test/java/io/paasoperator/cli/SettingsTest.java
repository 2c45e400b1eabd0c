package io.paasoperator.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SettingsTest {

    @TempDir
    Path dir;

    private Path privateFile(String name, String text) throws Exception {
        Path file = dir.resolve(name);
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, text);
        return file;
    }

    private Map<String, String> env(String... pairs) {
        Map<String, String> env = new HashMap<>(Map.of("HOME", dir.toString()));
        for (int i = 0; i < pairs.length; i += 2) {
            env.put(pairs[i], pairs[i + 1]);
        }
        return env;
    }

    @Test
    void theFlagWinsOverTheEnvironmentWhichWinsOverTheConfigFile() throws Exception {
        Path config = privateFile("config", "server = http://127.0.0.170:1\ntoken = from-config-0123456789\n");
        Path tokenFile = privateFile("token", "\n  from-file-0123456789  \n");

        Settings onlyConfig = Settings.resolve(null, null, config, env());
        assertEquals("http://127.0.0.170:1", onlyConfig.server.toString());
        assertEquals("from-config-0123456789", onlyConfig.token);

        Settings environment = Settings.resolve(null, null, config, env("PAAS_SERVER", "http://127.0.0.170:2/",
                "PAAS_TOKEN", "from-env-0123456789"));
        assertEquals("http://127.0.0.170:2", environment.server.toString());
        assertEquals("from-env-0123456789", environment.token);
        assertEquals("PAAS_TOKEN", environment.tokenSource);

        Settings flags = Settings.resolve("http://127.0.0.170:3", tokenFile, config, env("PAAS_SERVER", "http://127.0.0.170:2",
                "PAAS_TOKEN", "from-env-0123456789"));
        assertEquals("http://127.0.0.170:3", flags.server.toString());
        assertEquals("from-file-0123456789", flags.token);
    }

    @Test
    void withNothingConfiguredTheServerIsRunLocalsAndATokenIsAskedFor() {
        CliException none = assertThrows(CliException.class, () -> Settings.resolve(null, null, null, env()));
        assertEquals(ExitCode.AUTH, none.exitCode);
        assertEquals("http://127.0.0.1:3334", Settings.resolve(null, null, null, env("PAAS_TOKEN", "t-0123456789")).server.toString());
    }

    @Test
    void theDefaultConfigFileIsUnderXdgConfigHomeOrHome() throws Exception {
        Files.createDirectories(dir.resolve(".config/paasctl"));
        Files.createFile(dir.resolve(".config/paasctl/config"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(dir.resolve(".config/paasctl/config"), "token-file = " + privateFile("t", "Authorization: Bearer hdr-0123456789"));
        assertEquals("hdr-0123456789", Settings.resolve(null, null, null, env()).token);
        assertEquals(dir.resolve("x/paasctl/config"), Settings.configPath(null, env("XDG_CONFIG_HOME", dir.resolve("x").toString())));
    }

    @Test
    void filesOthersCanReadOrWriteAreRefusedAndABadServerOrTokenIsNamedWithoutEchoingTheToken() throws Exception {
        Path config = privateFile("config", "token = t-0123456789\n");
        Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-----w-"));
        CliException open = assertThrows(CliException.class, () -> Settings.resolve(null, null, config, env()));
        assertEquals(ExitCode.AUTH, open.exitCode);
        assertTrue(open.getMessage().contains("is open to group or others (rw-----w-)"), open.getMessage());

        CliException server = assertThrows(CliException.class, () -> Settings.resolve("ftp://h", null, null, env("PAAS_TOKEN", "t")));
        assertEquals(ExitCode.USAGE, server.exitCode);
        CliException credentials = assertThrows(CliException.class,
                () -> Settings.resolve("http://user:pw@127.0.0.1:1", null, null, env("PAAS_TOKEN", "t")));
        assertEquals(ExitCode.USAGE, credentials.exitCode);

        CliException spaces = assertThrows(CliException.class, () -> Settings.resolve(null, null, null,
                env("PAAS_TOKEN", "two words-secret")));
        assertEquals(ExitCode.AUTH, spaces.exitCode);
        assertTrue(!spaces.getMessage().contains("secret"), spaces.getMessage());

        CliException missing = assertThrows(CliException.class, () -> Settings.resolve(null, null, dir.resolve("nope"), env()));
        assertEquals(ExitCode.USAGE, missing.exitCode);
    }
}
