package io.paasoperator.apiserver.host;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/** SSH host keys as pinned: OpenSSH public-key lines ("ssh-ed25519 AAAA…"), shown by their SHA256 fingerprint. */
public final class HostKeys {

    private HostKeys() {
    }

    /** The fingerprint {@code ssh-keygen -lf} prints: "SHA256:" and the unpadded base64 of the key blob's digest. */
    public static String fingerprint(String keyLine) {
        String[] parts = keyLine.trim().split(" ");
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(Base64.getDecoder().decode(parts[1]));
            return "SHA256:" + Base64.getEncoder().withoutPadding().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The key's type, the line's first word. */
    public static String type(String keyLine) {
        return keyLine.trim().split(" ")[0];
    }
}
