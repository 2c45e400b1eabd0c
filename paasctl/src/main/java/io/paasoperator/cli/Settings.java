package io.paasoperator.cli;

import java.io.IOException;
import java.io.StringReader;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;

/**
 * Where the apiserver is and which token to present, from the command line, the environment and the config file, in
 * that order. The token itself is never an argument (command lines are visible to every user of the machine): it
 * comes from a file ({@code --token-file}, {@code PAAS_TOKEN_FILE}, {@code token-file =}), the environment
 * ({@code PAAS_TOKEN}) or the config file ({@code token =}); files holding it must be private to their owner.
 */
final class Settings {

    /** bin/run-local's, and the apiserver's default port. */
    static final String DEFAULT_SERVER = "http://127.0.0.1:3334";
    static final Set<String> CONFIG_KEYS = Set.of("server", "token", "token-file");

    final URI server;
    final String token;
    /** Where the token came from, for errors: never the token. */
    final String tokenSource;

    private Settings(URI server, String token, String tokenSource) {
        this.server = server;
        this.token = token;
        this.tokenSource = tokenSource;
    }

    static Settings resolve(String serverFlag, Path tokenFileFlag, Path configFlag, Map<String, String> env) {
        Properties config = config(configFlag, env);
        Path configFile = configPath(configFlag, env);
        String server = first(serverFlag, env.get("PAAS_SERVER"), config.getProperty("server"), DEFAULT_SERVER);
        URI uri = serverUri(server);

        if (tokenFileFlag != null) {
            return new Settings(uri, tokenFromFile(tokenFileFlag), "--token-file " + tokenFileFlag);
        }
        if (present(env.get("PAAS_TOKEN"))) {
            return new Settings(uri, checked(env.get("PAAS_TOKEN").trim(), "PAAS_TOKEN"), "PAAS_TOKEN");
        }
        if (present(env.get("PAAS_TOKEN_FILE"))) {
            Path file = Path.of(env.get("PAAS_TOKEN_FILE"));
            return new Settings(uri, tokenFromFile(file), "PAAS_TOKEN_FILE " + file);
        }
        if (present(config.getProperty("token"))) {
            return new Settings(uri, checked(config.getProperty("token").trim(), "token in " + configFile), "the config file " + configFile);
        }
        if (present(config.getProperty("token-file"))) {
            Path file = Path.of(config.getProperty("token-file").trim());
            return new Settings(uri, tokenFromFile(file), "token-file " + file + " of the config file");
        }
        throw new CliException(ExitCode.AUTH, "no API token: give --token-file FILE, set PAAS_TOKEN or PAAS_TOKEN_FILE, or put"
                + " 'token = ...' or 'token-file = ...' in " + configFile + " (mode 600). The apiserver prints its token once,"
                + " at its first start");
    }

    /** The config file: --config, PAAS_CONFIG, $XDG_CONFIG_HOME/paasctl/config or $HOME/.config/paasctl/config. */
    static Path configPath(Path configFlag, Map<String, String> env) {
        if (configFlag != null) {
            return configFlag;
        }
        if (present(env.get("PAAS_CONFIG"))) {
            return Path.of(env.get("PAAS_CONFIG"));
        }
        String configHome = env.get("XDG_CONFIG_HOME");
        String home = present(env.get("HOME")) ? env.get("HOME") : System.getProperty("user.home");
        Path base = present(configHome) ? Path.of(configHome) : Path.of(home, ".config");
        return base.resolve("paasctl").resolve("config");
    }

    /** The config file's keys; empty when the default one does not exist. One named explicitly must exist. */
    private static Properties config(Path configFlag, Map<String, String> env) {
        Path file = configPath(configFlag, env);
        boolean named = configFlag != null || present(env.get("PAAS_CONFIG"));
        Properties properties = new Properties();
        if (!named && !Files.exists(file)) {
            return properties;
        }
        if (named && !Files.exists(file)) {
            throw new CliException(ExitCode.USAGE, "config file " + file + " does not exist");
        }
        try {
            properties.load(new StringReader(PrivateFile.read(file, "config file")));
        } catch (IOException | IllegalArgumentException e) {
            throw new CliException(ExitCode.USAGE, "config file " + file + " cannot be read as 'key = value' lines: " + e.getMessage());
        }
        Set<String> unknown = new TreeSet<>(properties.stringPropertyNames());
        unknown.removeAll(CONFIG_KEYS);
        if (!unknown.isEmpty()) {
            throw new CliException(ExitCode.USAGE, "config file " + file + ": unknown key(s) " + unknown + "; the keys are "
                    + new TreeSet<>(CONFIG_KEYS));
        }
        return properties;
    }

    /**
     * A token file's token: its first line that is not blank. The walk-through's header file ({@code Authorization: Bearer
     * …}) is accepted as it is.
     */
    private static String tokenFromFile(Path file) {
        String text = PrivateFile.read(file, "token file");
        String line = text.lines().map(String::trim).filter(l -> !l.isEmpty()).findFirst()
                .orElseThrow(() -> new CliException(ExitCode.AUTH, "token file " + file + " is empty"));
        if (line.regionMatches(true, 0, "Authorization:", 0, "Authorization:".length())) {
            line = line.substring("Authorization:".length()).trim();
        }
        if (line.regionMatches(true, 0, "Bearer ", 0, "Bearer ".length())) {
            line = line.substring("Bearer ".length()).trim();
        }
        return checked(line, "token file " + file);
    }

    /** A token goes into a header: no spaces or control characters (never echoed back in the error). */
    private static String checked(String token, String source) {
        if (token.isEmpty() || !token.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            throw new CliException(ExitCode.AUTH, "the token from " + source + " holds spaces or characters a token cannot hold");
        }
        return token;
    }

    private static URI serverUri(String server) {
        try {
            URI uri = new URI(server.endsWith("/") ? server.substring(0, server.length() - 1) : server);
            if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null
                    || (uri.getPath() != null && !uri.getPath().isEmpty()) || uri.getQuery() != null || uri.getUserInfo() != null) {
                throw new URISyntaxException(server, "not http(s)://host[:port]");
            }
            return uri;
        } catch (URISyntaxException e) {
            throw new CliException(ExitCode.USAGE, "the server '" + server + "' is not an address like http://127.0.0.1:3334");
        }
    }

    private static String first(String... values) {
        for (String value : values) {
            if (present(value)) {
                return value.trim();
            }
        }
        return null;
    }

    private static boolean present(String value) {
        return value != null && !value.isBlank();
    }
}
