package io.paasoperator.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;

/**
 * Files that hold a token (a token file, the config file): read only when group and others have no access to them,
 * as ssh does with keys. A token anyone else can read is not a secret any more, and a config file others can write
 * could send the token to another server.
 */
final class PrivateFile {

    private static final Set<PosixFilePermission> GROUP_OR_OTHERS = EnumSet.of(
            PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

    private PrivateFile() {
    }

    /** The file's text; {@code what} names it in errors ("token file", "config file"). */
    static String read(Path file, String what) {
        return read(file, what, ExitCode.AUTH);
    }

    /** {@link #read(Path, String)}, failing with {@code exitCode}. */
    static String read(Path file, String what, int exitCode) {
        try {
            Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
            Set<PosixFilePermission> open = EnumSet.copyOf(GROUP_OR_OTHERS);
            open.retainAll(permissions);
            if (!open.isEmpty()) {
                throw new CliException(exitCode, what + " " + file + " is open to group or others (" + mode(permissions)
                        + "); it holds a secret, so paasctl will not use it: chmod 600 " + file);
            }
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new CliException(exitCode, what + " " + file + " does not exist");
        } catch (UnsupportedOperationException e) {
            throw new CliException(exitCode, what + " " + file + ": this file system has no POSIX permissions to check");
        } catch (IOException e) {
            throw new CliException(exitCode, "cannot read " + what + " " + file + ": " + e.getMessage());
        }
    }

    private static String mode(Set<PosixFilePermission> permissions) {
        return PosixFilePermissions.toString(permissions);
    }
}
