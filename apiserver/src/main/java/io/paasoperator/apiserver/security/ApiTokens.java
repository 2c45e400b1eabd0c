package io.paasoperator.apiserver.security;

import io.paasoperator.contract.WireValue;
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
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The bearer tokens API clients must present. From {@code PAAS_API_TOKENS}, comma-separated (several are valid at once,
 * so a token can be rotated without downtime), each {@code name:role:token} or a bare token, which is an admin named
 * {@code token-<position>}. With none configured — the zero-configuration mode — one is generated on first start,
 * printed once on the console, and only its SHA-256 hash is kept, in the data directory, readable by its owner alone.
 * Tokens are compared as hashes, in constant time.
 */
@Singleton
@Startup // reads or writes the hash file at boot, never on an event loop
public class ApiTokens {

    static final String HASH_FILE = "api-token.sha256";

    static final String LOCAL_NAME = "local";
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}");

    private record Entry(Caller caller, byte[] hash) {
    }

    private final List<Entry> entries;

    public ApiTokens(@ConfigProperty(name = "paas.api-tokens") Optional<List<String>> configured,
            @ConfigProperty(name = "paas.data-dir") Path dataDir) {
        List<String> tokens = configured.orElse(List.of()).stream().map(String::trim).filter(t -> !t.isEmpty()).toList();
        this.entries = tokens.isEmpty() ? List.of(new Entry(new Caller(LOCAL_NAME, Role.ADMIN), localToken(dataDir.resolve(HASH_FILE))))
                : IntStream.range(0, tokens.size()).mapToObj(i -> entry(tokens.get(i), i + 1)).toList();
    }

    /**
     * Who presents {@code token}, if it is one of the valid ones. Every entry is compared, so the time taken does not
     * depend on which one matches or where they differ.
     */
    public Optional<Caller> caller(String token) {
        byte[] presented = Secrets.sha256(token);
        Caller found = null;
        for (Entry entry : entries) {
            if (MessageDigest.isEqual(entry.hash(), presented)) {
                found = entry.caller();
            }
        }
        return Optional.ofNullable(found);
    }

    /** {@code name:role:token}, or a bare token (a token holding ':' must use the first form). Refuses a bad entry by position, never echoing it. */
    private static Entry entry(String configured, int position) {
        String[] parts = configured.split(":", 3);
        if (parts.length < 3) {
            if (parts.length == 2) {
                throw new IllegalArgumentException("PAAS_API_TOKENS entry " + position + " is neither name:role:token nor a bare token"
                        + " without ':'");
            }
            return new Entry(new Caller("token-" + position, Role.ADMIN), Secrets.sha256(configured));
        }
        Role role = WireValue.parse(Role.class, parts[1]).orElseThrow(() -> new IllegalArgumentException(
                "PAAS_API_TOKENS entry " + position + ": the role must be viewer, operator or admin"));
        if (!NAME.matcher(parts[0]).matches()) {
            throw new IllegalArgumentException("PAAS_API_TOKENS entry " + position
                    + ": the name must be 1-64 letters, digits, '_', '.', '@' or '-', starting with a letter or digit");
        }
        if (parts[2].length() < 16) {
            throw new IllegalArgumentException("PAAS_API_TOKENS entry " + position + " (" + parts[0] + "): the token must be at"
                    + " least 16 characters");
        }
        return new Entry(new Caller(parts[0], role), Secrets.sha256(parts[2]));
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
