package io.paasoperator.apiserver.security;

import io.quarkus.runtime.Startup;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The bearer tokens API clients must present. From {@code PAAS_API_TOKENS} (comma-separated: several are valid at once,
 * so a token can be rotated without downtime); with none configured — the zero-configuration mode — one is generated
 * on first start, printed once on the console, and only its SHA-256 hash is kept, in the data directory, readable by
 * its owner alone. Tokens are compared as hashes, in constant time.
 */
@Singleton
@Startup // reads or writes the hash file at boot, never on an event loop
public class ApiTokens {

    static final String HASH_FILE = "api-token.sha256";

    private final List<byte[]> hashes;

    public ApiTokens(@ConfigProperty(name = "paas.api-tokens") Optional<List<String>> configured,
            @ConfigProperty(name = "paas.data-dir") Path dataDir) {
        List<String> tokens = configured.orElse(List.of()).stream().map(String::trim).filter(t -> !t.isEmpty()).toList();
        this.hashes = tokens.isEmpty() ? List.of(localToken(dataDir.resolve(HASH_FILE))) : tokens.stream().map(Secrets::sha256).toList();
    }

    /** Whether {@code token} is one of the valid ones; the time taken does not depend on where they differ. */
    public boolean accepts(String token) {
        byte[] presented = Secrets.sha256(token);
        boolean accepted = false;
        for (byte[] valid : hashes) {
            accepted |= MessageDigest.isEqual(valid, presented);
        }
        return accepted;
    }

    /** The local mode's token: its hash from the file, or a new token, printed once, whose hash goes into the file. */
    private static byte[] localToken(Path file) {
        try {
            if (Files.exists(file)) {
                return HexFormat.of().parseHex(Files.readString(file).trim());
            }
            Files.createDirectories(file.getParent());
            String token = Secrets.generate();
            byte[] hash = Secrets.sha256(token);
            try {
                Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } catch (FileAlreadyExistsException raced) {
                return HexFormat.of().parseHex(Files.readString(file).trim());
            }
            Files.writeString(file, HexFormat.of().formatHex(hash) + "\n");
            // On the console once, never in a log file: only its hash is kept.
            System.out.println("""

                    paas-operator: no PAAS_API_TOKENS configured; generated an API token for this data directory.
                    It is shown this once (only its hash is kept in %s):

                        Authorization: Bearer %s
                    """.formatted(file, token));
            return hash;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or create " + file, e);
        }
    }

}
