package io.paasoperator.apiserver.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;

/** Bearer secrets (API tokens, agents' secrets): how they are made, and the hash they are known by. */
public final class Secrets {

    private static final int BYTES = 32;

    private Secrets() {
    }

    /**
     * 256 random bits, URL-safe base64: fits a header, an environment file and a shell variable unquoted. A generator
     * per call, not one in a static field: a native build initializes classes while it is built, and would carry a
     * generator seeded on the build machine (GraalVM refuses one in the image).
     */
    public static String generate() {
        byte[] raw = new byte[BYTES];
        new SecureRandom().nextBytes(raw);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
    }

    public static byte[] sha256(String secret) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
