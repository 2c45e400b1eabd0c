package io.paasoperator.apiserver.testing;

import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import net.schmizz.sshj.common.Buffer;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.jcajce.JcaMiscPEMGenerator;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcePEMEncryptorBuilder;

/**
 * SSH key pairs made for a test: the private key's text, as a user would paste it into a host's auth, and the
 * public-key line for an account's authorized_keys. Passphrases stay in memory: no key generator ever sees one on its
 * command line.
 */
public final class SshKeys {

    /** A key pair: {@code privateKey} the text (OpenSSH or PEM), {@code publicKey} an authorized_keys line. */
    public record Pair(String privateKey, String publicKey) {
        @Override
        public String toString() {
            return "SshKeys.Pair[" + publicKey + "]"; // never the private key
        }
    }

    private SshKeys() {
    }

    /** An Ed25519 key in OpenSSH's own format, made by ssh-keygen with no passphrase, its files 0600 and removed after. */
    public static Pair openSsh() throws Exception {
        Path dir = Files.createTempDirectory("paas-test-key", PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwx------")));
        Path key = dir.resolve("id_ed25519");
        try {
            Process keygen = new ProcessBuilder(List.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "paas-test",
                    "-f", key.toString())).redirectErrorStream(true).start();
            keygen.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
            if (!keygen.waitFor(30, TimeUnit.SECONDS) || keygen.exitValue() != 0) {
                throw new AssertionError("ssh-keygen failed");
            }
            if (!"rw-------".equals(PosixFilePermissions.toString(Files.getPosixFilePermissions(key)))) {
                throw new AssertionError("ssh-keygen left the private key readable by others");
            }
            return new Pair(Files.readString(key), Files.readString(Path.of(key + ".pub")).strip());
        } finally {
            Files.deleteIfExists(key);
            Files.deleteIfExists(Path.of(key + ".pub"));
            Files.delete(dir);
        }
    }

    /** An RSA key as PEM ("BEGIN RSA PRIVATE KEY"), encrypted with {@code passphrase} (AES-256-CBC) unless null. */
    public static Pair pemRsa(String passphrase) throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        KeyPair pair = generator.generateKeyPair();
        StringWriter text = new StringWriter();
        try (JcaPEMWriter pem = new JcaPEMWriter(text)) {
            pem.writeObject(passphrase == null ? new JcaMiscPEMGenerator(pair.getPrivate())
                    : new JcaMiscPEMGenerator(pair.getPrivate(), new JcePEMEncryptorBuilder("AES-256-CBC")
                            .setProvider(new BouncyCastleProvider()).build(passphrase.toCharArray())));
        }
        String blob = Base64.getEncoder().encodeToString(new Buffer.PlainBuffer().putPublicKey(pair.getPublic()).getCompactData());
        return new Pair(text.toString(), "ssh-rsa " + blob + " paas-test");
    }
}
