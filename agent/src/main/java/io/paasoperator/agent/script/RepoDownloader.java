package io.paasoperator.agent.script;

import io.paasoperator.contract.NamingRules;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Fetches an application's scripts and package from its repository ({@code http}, {@code https}, or {@code file} for
 * offline hosts) into a staging directory, verifying {@code sha256:} checksums where given. Only plain file names are
 * fetched, so nothing lands outside the staging directory; a failed or mismatching file fails the whole fetch.
 */
@Singleton
public class RepoDownloader {

    /** A download that did not produce the file it should have; the message says why. */
    public static class DownloadException extends IOException {
        public DownloadException(String message) {
            super(message);
        }
    }

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration FILE_TIMEOUT = Duration.ofMinutes(10);

    /** Made at the first install, not at start-up: a client loads the JDK's TLS stack and trust store, and starts a thread. */
    private HttpClient http;

    public void fetchAll(String repoUrl, List<String> files, Map<String, String> checksums, Path staging)
            throws IOException, InterruptedException {
        URI base = baseOf(repoUrl);
        for (String file : files) {
            if (!NamingRules.isPlainFileName(file)) {
                throw new DownloadException("refusing to fetch '" + file + "': not a plain file name");
            }
            Path target = staging.resolve(file);
            URI source = base.resolve(file);
            fetch(source, target);
            String expected = checksums == null ? null : checksums.get(file);
            if (expected != null) {
                verify(target, expected, source);
            }
        }
    }

    /** The repository as a directory URI: with or without a trailing slash, files resolve inside it. */
    static URI baseOf(String repoUrl) throws DownloadException {
        try {
            URI uri = URI.create(repoUrl.endsWith("/") ? repoUrl : repoUrl + "/");
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!List.of("http", "https", "file").contains(scheme)) {
                throw new DownloadException("repository " + repoUrl + " is not an http, https or file URL");
            }
            return uri;
        } catch (IllegalArgumentException e) {
            throw new DownloadException("repository URL is not valid: " + e.getMessage());
        }
    }

    private void fetch(URI source, Path target) throws IOException, InterruptedException {
        if ("file".equalsIgnoreCase(source.getScheme())) {
            Path path = Path.of(source);
            if (!Files.isRegularFile(path)) {
                throw new DownloadException(source + " does not exist");
            }
            Files.copy(path, target, StandardCopyOption.REPLACE_EXISTING);
            return;
        }
        HttpRequest request = HttpRequest.newBuilder(source).timeout(FILE_TIMEOUT).GET().build();
        HttpResponse<Path> response;
        try {
            response = http().send(request, HttpResponse.BodyHandlers.ofFile(target));
        } catch (IOException e) {
            throw new DownloadException("GET " + source + " failed: " + e.getMessage());
        }
        if (response.statusCode() != 200) {
            Files.deleteIfExists(target);
            throw new DownloadException("GET " + source + " answered " + response.statusCode());
        }
    }

    static void verify(Path file, String expected, URI source) throws IOException {
        String wanted = expected.toLowerCase(Locale.ROOT);
        if (!wanted.startsWith("sha256:")) {
            throw new DownloadException("checksum of " + file.getFileName() + " is not sha256:<hex>");
        }
        String actual = "sha256:" + sha256(file);
        if (!actual.equals(wanted)) {
            throw new DownloadException(source + " has checksum " + actual + ", expected " + wanted);
        }
    }

    static String sha256(Path file) throws IOException {
        try (DigestInputStream in = new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance("SHA-256"))) {
            in.transferTo(OutputStream.nullOutputStream());
            return HexFormat.of().formatHex(in.getMessageDigest().digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private synchronized HttpClient http() {
        if (http == null) {
            http = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT).followRedirects(HttpClient.Redirect.NORMAL).build();
        }
        return http;
    }
}
