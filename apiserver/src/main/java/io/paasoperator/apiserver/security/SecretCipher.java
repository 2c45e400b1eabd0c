package io.paasoperator.apiserver.security;

import io.quarkus.runtime.Startup;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Encrypts host passwords at rest with AES-256-GCM. The key comes from {@code PAAS_SECRET_KEY} (base64, 32 bytes) or,
 * in local mode, from {@code secret.key} in the data directory, generated on first start, readable by its owner only.
 * Stored form: {@code aesgcm:<key id>:<base64 of iv + ciphertext + tag>}; the key id tells which key sealed a value.
 * To rotate: set the new key as {@code PAAS_SECRET_KEY} and the old one in {@code PAAS_SECRET_KEY_PREVIOUS}
 * (comma-separated); old values still open, and {@link KeyRotation} re-seals them under the new key at start-up.
 */
@Singleton
@Startup // reads or writes the key file at boot, never on an event loop
public class SecretCipher {

    static final String KEY_FILE = "secret.key";
    private static final String PREFIX = "aesgcm:";
    private static final int KEY_BYTES = 32;
    private static final int IV_BYTES = 12;
    private static final int TAG_BITS = 128;

    private final SecretKeySpec key;
    private final String keyId;
    /** Every key that may open a stored value, by id: the current one and the previous ones. */
    private final Map<String, SecretKeySpec> openers = new HashMap<>();
    private final SecureRandom random = new SecureRandom();

    public SecretCipher(@ConfigProperty(name = "paas.secret-key") Optional<String> configuredKey,
            @ConfigProperty(name = "paas.secret-key-previous") Optional<List<String>> previousKeys,
            @ConfigProperty(name = "paas.data-dir") Path dataDir) {
        byte[] raw = configuredKey.filter(k -> !k.isBlank()).map(SecretCipher::decodeKey)
                .orElseGet(() -> loadOrCreateKeyFile(dataDir.resolve(KEY_FILE)));
        this.key = new SecretKeySpec(raw, "AES");
        this.keyId = keyIdOf(raw);
        for (String previous : previousKeys.orElse(List.of())) {
            if (!previous.isBlank()) {
                byte[] old = decodeKey(previous);
                openers.put(keyIdOf(old), new SecretKeySpec(old, "AES"));
            }
        }
        openers.put(keyId, key);
    }

    /** Whether a stored value is sealed (by any key), rather than clear text stored before it was to be sealed. */
    public boolean isSealed(String stored) {
        return stored.startsWith(PREFIX) && stored.split(":", 3).length == 3;
    }

    /** Whether a stored value was sealed with a key other than the current one. */
    public boolean sealedWithOlderKey(String stored) {
        String[] parts = stored.split(":", 3);
        return parts.length == 3 && stored.startsWith(PREFIX) && !parts[1].equals(keyId);
    }

    public String encrypt(String plain) {
        try {
            byte[] iv = new byte[IV_BYTES];
            random.nextBytes(iv);
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, iv));
            byte[] sealed = cipher.doFinal(plain.getBytes(StandardCharsets.UTF_8));
            byte[] out = new byte[iv.length + sealed.length];
            System.arraycopy(iv, 0, out, 0, iv.length);
            System.arraycopy(sealed, 0, out, iv.length, sealed.length);
            return PREFIX + keyId + ":" + Base64.getEncoder().encodeToString(out);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is unavailable in this JVM", e);
        }
    }

    public String decrypt(String stored) {
        String[] parts = stored.split(":", 3);
        if (parts.length != 3 || !stored.startsWith(PREFIX)) {
            throw new IllegalArgumentException("not an encrypted secret");
        }
        SecretKeySpec opener = openers.get(parts[1]);
        if (opener == null) {
            throw new IllegalStateException("secret was encrypted with key " + parts[1] + ", which is neither PAAS_SECRET_KEY ("
                    + keyId + ") nor in PAAS_SECRET_KEY_PREVIOUS: configure the key it was written with");
        }
        try {
            byte[] in = Base64.getDecoder().decode(parts[2]);
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, opener, new GCMParameterSpec(TAG_BITS, in, 0, IV_BYTES));
            return new String(cipher.doFinal(in, IV_BYTES, in.length - IV_BYTES), StandardCharsets.UTF_8);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("secret could not be decrypted: it was altered or written with another key", e);
        }
    }

    private static byte[] decodeKey(String base64) {
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(base64.trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("PAAS_SECRET_KEY is not base64");
        }
        if (raw.length != KEY_BYTES) {
            throw new IllegalStateException("PAAS_SECRET_KEY must decode to " + KEY_BYTES + " bytes, not " + raw.length);
        }
        return raw;
    }

    private byte[] loadOrCreateKeyFile(Path file) {
        try {
            if (Files.notExists(file)) {
                Files.createDirectories(file.getParent());
                byte[] fresh = new byte[KEY_BYTES];
                random.nextBytes(fresh);
                try {
                    // Created owner-only from the start: there is no moment when others could read it.
                    Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                    Files.writeString(file, Base64.getEncoder().encodeToString(fresh) + "\n");
                } catch (FileAlreadyExistsException raced) {
                    // another process made it first; read theirs
                }
            }
            return decodeKey(Files.readString(file));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or create the key file " + file, e);
        }
    }

    private static String keyIdOf(byte[] raw) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(raw);
            return HexFormat.of().formatHex(digest, 0, 4);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
