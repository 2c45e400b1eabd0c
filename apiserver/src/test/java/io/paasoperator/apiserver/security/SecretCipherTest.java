package io.paasoperator.apiserver.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SecretCipherTest {

    @TempDir
    Path dataDir;

    @Test
    void roundTripsAndNeverRepeatsACiphertext() {
        SecretCipher cipher = new SecretCipher(Optional.empty(), Optional.empty(), dataDir);
        String a = cipher.encrypt("root123");
        String b = cipher.encrypt("root123");
        assertNotEquals(a, b, "a fresh IV each time");
        assertFalse(a.contains("root123"));
        assertTrue(a.startsWith("aesgcm:"));
        assertEquals("root123", cipher.decrypt(a));
    }

    @Test
    void generatedKeyFileIsOwnerOnlyAndReusedAcrossRestarts() throws Exception {
        String sealed = new SecretCipher(Optional.empty(), Optional.empty(), dataDir).encrypt("s3cret");
        Path keyFile = dataDir.resolve(SecretCipher.KEY_FILE);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(keyFile)));
        assertEquals("s3cret", new SecretCipher(Optional.empty(), Optional.empty(), dataDir).decrypt(sealed));
    }

    @Test
    void aConfiguredKeyWinsAndAWrongKeyIsToldApart() {
        String key = Base64.getEncoder().encodeToString(new byte[32]);
        SecretCipher configured = new SecretCipher(Optional.of(key), Optional.empty(), dataDir);
        String sealed = configured.encrypt("pw");
        assertFalse(Files.exists(dataDir.resolve(SecretCipher.KEY_FILE)), "no key file when one is configured");
        SecretCipher other = new SecretCipher(Optional.empty(), Optional.empty(), dataDir);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> other.decrypt(sealed));
        assertTrue(e.getMessage().contains("key"));
    }

    @Test
    void aRotatedKeyStillOpensWhatTheOldOneSealed() {
        String oldKey = Base64.getEncoder().encodeToString(new byte[32]);
        byte[] fresh = new byte[32];
        fresh[0] = 1;
        String newKey = Base64.getEncoder().encodeToString(fresh);
        String sealedByOld = new SecretCipher(Optional.of(oldKey), Optional.empty(), dataDir).encrypt("pw");

        SecretCipher rotated = new SecretCipher(Optional.of(newKey), Optional.of(List.of(oldKey)), dataDir);
        assertEquals("pw", rotated.decrypt(sealedByOld));
        assertTrue(rotated.sealedWithOlderKey(sealedByOld));
        assertFalse(rotated.sealedWithOlderKey(rotated.encrypt("pw")));

        SecretCipher forgotten = new SecretCipher(Optional.of(newKey), Optional.empty(), dataDir);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> forgotten.decrypt(sealedByOld));
        assertTrue(e.getMessage().contains("PAAS_SECRET_KEY_PREVIOUS"), e.getMessage());
    }

    @Test
    void tamperingIsDetected() {
        SecretCipher cipher = new SecretCipher(Optional.empty(), Optional.empty(), dataDir);
        String sealed = cipher.encrypt("pw");
        char last = sealed.charAt(sealed.length() - 3);
        String tampered = sealed.substring(0, sealed.length() - 3) + (last == 'A' ? 'B' : 'A') + sealed.substring(sealed.length() - 2);
        assertThrows(IllegalStateException.class, () -> cipher.decrypt(tampered));
    }

    @Test
    void malformedKeysAreRefusedClearly() {
        assertThrows(IllegalStateException.class, () -> new SecretCipher(Optional.of("not base64!"), Optional.empty(), dataDir));
        assertThrows(IllegalStateException.class,
                () -> new SecretCipher(Optional.of(Base64.getEncoder().encodeToString(new byte[16])), Optional.empty(), dataDir));
    }
}
