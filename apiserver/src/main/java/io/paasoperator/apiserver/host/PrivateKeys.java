package io.paasoperator.apiserver.host;

import java.io.IOException;
import java.util.List;
import net.schmizz.sshj.DefaultConfig;
import net.schmizz.sshj.common.Factory;
import net.schmizz.sshj.userauth.keyprovider.FileKeyProvider;
import net.schmizz.sshj.userauth.keyprovider.KeyFormat;
import net.schmizz.sshj.userauth.keyprovider.KeyProvider;
import net.schmizz.sshj.userauth.keyprovider.KeyProviderUtil;
import net.schmizz.sshj.userauth.password.PasswordFinder;
import net.schmizz.sshj.userauth.password.PasswordUtils;
import net.schmizz.sshj.userauth.password.Resource;

/**
 * SSH private keys as a host's auth gives them: OpenSSH or PEM text, opened in memory only (never written to a file),
 * by the same code when a resource is validated and when the bootstrap logs in.
 */
public final class PrivateKeys {

    /** Longer than any RSA-16384 key's text. */
    public static final int MAX_LENGTH = 16_384;

    private static final List<Factory.Named<FileKeyProvider>> FORMATS = new DefaultConfig().getFileKeyProviderFactories();

    private static final PasswordFinder NO_PASSPHRASE = new PasswordFinder() {
        @Override
        public char[] reqPassword(Resource<?> resource) {
            return null;
        }

        @Override
        public boolean shouldRetry(Resource<?> resource) {
            return false;
        }
    };

    private PrivateKeys() {
    }

    /**
     * The key, opened (decrypted with {@code passphrase}, null for none). Fails saying why in words a user can act on;
     * the message never holds the key or the passphrase.
     */
    public static KeyProvider open(String text, String passphrase) throws IOException {
        FileKeyProvider keys = reader(text);
        keys.init(text, null, passphrase == null ? NO_PASSPHRASE : PasswordUtils.createOneOff(passphrase.toCharArray()));
        try {
            keys.getPrivate(); // the provider is lazy: open it now, so that a bad key or passphrase shows here
            keys.getPublic();
        } catch (IOException | RuntimeException e) {
            throw new IOException(passphrase == null ? "does not open: it is damaged, or encrypted and needs its passphrase"
                    : "does not open with the passphrase given, or is damaged");
        }
        return keys;
    }

    /**
     * Fails unless the text has the form of a private key this apiserver reads. Cheap, where {@link #open} is not: an
     * encrypted OpenSSH key's passphrase goes through bcrypt (about half a second).
     */
    public static void checkForm(String text) throws IOException {
        reader(text);
    }

    private static FileKeyProvider reader(String text) throws IOException {
        KeyFormat format = KeyProviderUtil.detectKeyFileFormat(text, false);
        FileKeyProvider keys = format == KeyFormat.Unknown ? null : Factory.Named.Util.create(FORMATS, format.toString());
        if (keys == null) {
            throw new IOException("is not an OpenSSH or PEM private key (its text begins -----BEGIN ... PRIVATE KEY-----)");
        }
        return keys;
    }
}
