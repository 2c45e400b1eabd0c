package io.paasoperator.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.paasoperator.cli.PaasctlProcess.Result;
import io.paasoperator.itsupport.AgentProcess;
import io.paasoperator.itsupport.PackagedApiserver;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * paasctl end to end: the built jar run as a process against the packaged apiserver (its own embedded PostgreSQL) and,
 * for a real application, a packaged agent registered on 127.0.0.171 (no SSH). Hosts named in resources that are never
 * driven: 127.0.0.172-173. Every run's output is checked for the password of the files applied and for the token.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PaasctlIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PASSWORD = "cli-secret-" + Math.abs(new SecureRandom().nextLong());
    private static final String AGENT_IP = "127.0.0.171";
    private static final Path COUNTER_REPO = Path.of(System.getProperty("counter.repo", "../apiserver/src/test/resources/repo/counter"))
            .toAbsolutePath().normalize();

    static PackagedApiserver apiserver;
    static AgentProcess agent;
    static Path work;
    static Path home;
    static Path tokenFile;
    static String createdEtag;
    /** Every run's output, read for secrets at the end. */
    static final List<Result> results = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        apiserver = PackagedApiserver.start("paasctl-it-apiserver.log");
        work = Files.createTempDirectory("paasctl-it-");
        home = Files.createDirectories(work.resolve("home"));
        tokenFile = privateFile(work.resolve("token"), apiserver.token + "\n");
    }

    @AfterAll
    static void stop() throws Exception {
        if (agent != null) {
            agent.close();
        }
        if (apiserver != null) {
            apiserver.close();
        }
    }

    // ---- apply, get, list ---------------------------------------------------------------------------------------

    @Test
    @Order(1)
    void applyCreatesThenChangesNothingForTheSameFileThenUpdates() throws Exception {
        // The seed's body: a comment key, a trailing comma, app.status, no "type" (so --kind). Expected and seen
        // not-installed, it is never driven: no agent is asked about 127.0.0.172.
        Path file = write("cli-web.json", """
                {"// a seed-shaped body": "comments and trailing commas are fine",
                 "name": "cli-web",
                 "host": [{"ip": "127.0.0.172", "auth": [{"username": "paas", "password": "%s"}]}],
                 "app": {"repo_url": "http://127.0.0.1:9/web/", "install": "install.sh", "start": "start.sh",
                         "stop": "stop.sh", "check": "check.sh", "uninstall": "uninstall.sh",
                         "metadata": {"PORT": "8081"},
                         "status": {"expect": "not-installed", "realtime": "not-installed"},},
                }
                """.formatted(PASSWORD));
        Result created = paasctl("apply", "-f", file.toString(), "--kind", "middleware");
        assertEquals(0, created.exit(), created.toString());
        assertEquals("middleware/cli-web created\n", created.stdout());
        Answer stored = api("GET", "/apis/v1alpha1/middleware/cli-web");
        assertEquals("8081", stored.json().at("/app/metadata/PORT").asText());
        createdEtag = stored.etag();

        Result again = paasctl("apply", "-f", file.toString(), "--kind", "middleware");
        assertEquals(0, again.exit(), again.toString());
        assertEquals("middleware/cli-web unchanged\n", again.stdout());
        // The spec was not written again: the same ETag, generation 1, no second spec event.
        Answer afterAgain = api("GET", "/apis/v1alpha1/middleware/cli-web");
        assertEquals(createdEtag, afterAgain.etag());
        assertEquals(1, afterAgain.json().at("/detail/generation").asLong());
        assertEquals(0, specEvents("cli-web"));

        Files.writeString(file, Files.readString(file).replace("8081", "8082"));
        Result updated = paasctl("-o", "json", "apply", "-f", file.toString(), "--kind", "middleware");
        assertEquals(0, updated.exit(), updated.toString());
        JsonNode answer = JSON.readTree(updated.stdout());
        assertEquals("updated", answer.path("result").asText());
        assertEquals("8082", answer.at("/resource/app/metadata/PORT").asText());
        assertEquals(2, answer.at("/resource/detail/generation").asLong());
        assertEquals(1, specEvents("cli-web"));
        assertEquals("******", answer.at("/resource/host/0/auth/0/password").asText());
        // The state in the file is the seed's: an update leaves states alone, and says nothing when they agree.
        assertFalse(updated.stderr().contains("note:"), updated.toString());
    }

    @Test
    @Order(2)
    void applyTakesYamlAndTheJsonGetPrintsAndSaysWhenTheFileExpectsAnotherState() throws Exception {
        Path yaml = write("cli-db.yaml", """
                type: database
                name: cli-db
                host:
                  - ip: 127.0.0.172
                    auth:
                      - username: paas
                        password: %s
                app:
                  repo_url: http://127.0.0.1:9/db/
                  install: install.sh
                  start: start.sh
                  stop: stop.sh
                  check: check.sh
                  uninstall: uninstall.sh
                """.formatted(PASSWORD));
        Result created = paasctl("apply", "-f", yaml.toString());
        assertEquals(0, created.exit(), created.toString());
        assertEquals("database/cli-db created\n", created.stdout());

        // GET, edit, apply: the printed object goes back as it is (passwords ******, detail and app.status left out).
        Result got = paasctl("get", "database", "cli-db", "-o", "json");
        assertEquals(0, got.exit(), got.toString());
        String edited = got.stdout().replace("\"expect\" : \"not-installed\"", "\"expect\" : \"running\"")
                .replace("\"install\" : \"install.sh\"", "\"install\" : \"setup.sh\"");
        Path saved = write("cli-db.json", edited);
        Result applied = paasctl("apply", "-f", saved.toString());
        assertEquals(0, applied.exit(), applied.toString());
        assertEquals("database/cli-db updated\n", applied.stdout());
        assertTrue(applied.stderr().contains("expects 'running' and database/cli-db expects 'not-installed'; apply changes the"
                + " spec only: paasctl set database cli-db running"), applied.toString());
        JsonNode stored = api("GET", "/apis/v1alpha1/database/cli-db").json();
        assertEquals("setup.sh", stored.at("/app/install").asText());
        assertEquals("not-installed", stored.at("/app/status/expect").asText());
    }

    @Test
    @Order(3)
    void getAndListPrintAlignedTablesAndJson() throws Exception {
        Result get = paasctl("get", "middleware", "cli-web");
        assertEquals(0, get.exit(), get.toString());
        assertTrue(get.stdout().contains("name:        cli-web\n"), get.stdout());
        assertTrue(get.stdout().contains("expect:      not-installed\n"), get.stdout());
        assertTrue(get.stdout().contains("generation:  2\n"), get.stdout());
        assertAligned(get.stdout().substring(get.stdout().indexOf("HOST")), "REALTIME", "GENERATION");
        assertTrue(get.stdout().lines().anyMatch(l -> l.startsWith("127.0.0.172  not-installed")), get.stdout());

        apply("cli-web-2", "127.0.0.172");
        Result list = paasctl("list", "middleware");
        assertEquals(0, list.exit(), list.toString());
        List<String> lines = list.stdout().lines().toList();
        assertEquals(List.of("NAME", "EXPECT", "REALTIME", "GENERATION", "HOSTS"), List.of(lines.get(0).split("\\s+")));
        assertEquals("cli-web", lines.get(1).split("\\s+")[0]);
        assertEquals("cli-web-2", lines.get(2).split("\\s+")[0]);
        assertAligned(list.stdout(), "EXPECT", "REALTIME", "GENERATION", "HOSTS");

        Result json = paasctl("list", "middleware", "-o", "json", "--expect", "not-installed");
        assertEquals(0, json.exit(), json.toString());
        List<String> names = new ArrayList<>();
        JSON.readTree(json.stdout()).path("items").forEach(item -> names.add(item.path("name").asText()));
        assertEquals(List.of("cli-web", "cli-web-2"), names);

        Result none = paasctl("list", "middleware", "-o", "json", "--expect", "running");
        assertEquals(0, none.exit(), none.toString());
        assertEquals(0, JSON.readTree(none.stdout()).path("items").size());
    }

    // ---- errors a script can tell apart ---------------------------------------------------------------------------

    @Test
    @Order(4)
    void anUnknownResourceIsExit3AndAnUnknownKindExit2() throws Exception {
        Result missing = paasctl("get", "middleware", "no-such-app");
        assertEquals(ExitCode.NOT_FOUND, missing.exit(), missing.toString());
        assertEquals("", missing.stdout());
        assertEquals("paasctl: middleware 'no-such-app' does not exist (404)\n", missing.stderr());

        Result events = paasctl("events", "database", "no-such-app");
        assertEquals(ExitCode.NOT_FOUND, events.exit(), events.toString());

        Result kind = paasctl("get", "databases", "cli-db");
        assertEquals(ExitCode.USAGE, kind.exit(), kind.toString());
        assertTrue(kind.stderr().contains("unknown kind 'databases': one of [database, middleware]"), kind.toString());

        Result state = paasctl("set", "database", "cli-db", "started");
        assertEquals(ExitCode.USAGE, state.exit(), state.toString());
        assertTrue(state.stderr().contains("'started' is not a state to set: one of [not-installed, running, stopped]"), state.toString());
    }

    @Test
    @Order(5)
    void aWrongTokenIsExit4SayingWhereItCameFrom() throws Exception {
        Path wrong = privateFile(work.resolve("wrong-token"), "Authorization: Bearer not-the-token-" + Math.abs(new SecureRandom().nextLong()));
        Result refused = paasctl(Map.of("PAAS_SERVER", apiserver.baseUrl()), "list", "database", "--token-file", wrong.toString());
        assertEquals(ExitCode.AUTH, refused.exit(), refused.toString());
        assertTrue(refused.stderr().contains("(401)\nthe apiserver does not accept the token from --token-file " + wrong), refused.toString());
        assertEquals("", refused.stdout());

        Result none = paasctl(Map.of("PAAS_SERVER", apiserver.baseUrl()), "list", "database");
        assertEquals(ExitCode.AUTH, none.exit(), none.toString());
        assertTrue(none.stderr().startsWith("paasctl: no API token: give --token-file FILE, set PAAS_TOKEN or PAAS_TOKEN_FILE"),
                none.toString());

        // Nothing listens there: exit 1, naming the address and where it came from.
        Result unreachable = paasctl("hosts", "--server", "http://127.0.0.170:9");
        assertEquals(ExitCode.ERROR, unreachable.exit(), unreachable.toString());
        assertTrue(unreachable.stderr().startsWith("paasctl: cannot reach the apiserver at http://127.0.0.170:9 (connection refused);"),
                unreachable.toString());

        Path open = work.resolve("open-token");
        Files.writeString(open, apiserver.token);
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rw-r--r--"));
        Result loose = paasctl(Map.of("PAAS_SERVER", apiserver.baseUrl()), "list", "database", "--token-file", open.toString());
        assertEquals(ExitCode.AUTH, loose.exit(), loose.toString());
        assertTrue(loose.stderr().contains("token file " + open + " is open to group or others (rw-r--r--)"), loose.toString());
    }

    @Test
    @Order(6)
    void theConfigFileServesWhenPrivateAndIsRefusedWhenOthersCanReadIt() throws Exception {
        Path config = Files.createDirectories(home.resolve(".config").resolve("paasctl")).resolve("config");
        privateFile(config, "# paasctl\nserver = " + apiserver.baseUrl() + "\ntoken = " + apiserver.token + "\n");
        Result viaConfig = paasctl(Map.of(), "list", "database", "-o", "json");
        assertEquals(0, viaConfig.exit(), viaConfig.toString());
        assertEquals("cli-db", JSON.readTree(viaConfig.stdout()).at("/items/0/name").asText());

        Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-r-----"));
        Result loose = paasctl(Map.of(), "list", "database");
        assertEquals(ExitCode.AUTH, loose.exit(), loose.toString());
        assertEquals("paasctl: config file " + config + " is open to group or others (rw-r-----); it holds a secret, so paasctl"
                + " will not use it: chmod 600 " + config + "\n", loose.stderr());

        Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-------"));
        Files.writeString(config, "server = " + apiserver.baseUrl() + "\ntokne = x\n");
        Result typo = paasctl(Map.of(), "list", "database");
        assertEquals(ExitCode.USAGE, typo.exit(), typo.toString());
        assertTrue(typo.stderr().contains("unknown key(s) [tokne]; the keys are [server, token, token-file]"), typo.toString());
        Files.delete(config);
    }

    @Test
    @Order(7)
    void aMalformedFileIsExit2NamingWhereAndWhatButNeverItsText() throws Exception {
        Path broken = write("broken.json", """
                {"name": "cli-broken",
                 "host": [{"ip": "127.0.0.172", "auth": [{"username": "paas", "password": %s}]}]}
                """.formatted(PASSWORD));
        Result syntax = paasctl("apply", "-f", broken.toString(), "--kind", "middleware");
        assertEquals(ExitCode.USAGE, syntax.exit(), syntax.toString());
        assertTrue(syntax.stderr().startsWith("paasctl: " + broken + " is not valid JSON: line 2, column "), syntax.toString());

        Path yaml = write("broken.yaml", "name: cli-broken\nhost:\n  - ip: 127.0.0.172\n\tauth: " + PASSWORD + "\n");
        Result yamlSyntax = paasctl("apply", "-f", yaml.toString(), "--kind", "middleware");
        assertEquals(ExitCode.USAGE, yamlSyntax.exit(), yamlSyntax.toString());
        assertTrue(yamlSyntax.stderr().startsWith("paasctl: " + yaml + " is not valid YAML: line 4, column 1: "), yamlSyntax.toString());

        // Well-formed, but not a resource the apiserver takes: its 400, every field it names.
        Path invalid = write("invalid.json", """
                {"name": "cli-invalid", "host": [{"ip": "not-an-ip", "auth": [{"username": "paas", "password": "%s"}]}],
                 "app": {"repo_url": "http://127.0.0.1:9/x/", "start": "start.sh", "stop": "stop.sh", "check": "check.sh",
                         "uninstall": "uninstall.sh"}}
                """.formatted(PASSWORD));
        Result refused = paasctl("apply", "-f", invalid.toString(), "--kind", "middleware");
        assertEquals(ExitCode.USAGE, refused.exit(), refused.toString());
        assertTrue(refused.stderr().contains("\n  host[0].ip: "), refused.toString());
        assertTrue(refused.stderr().contains("\n  app.install: "), refused.toString());
        assertEquals(404, api("GET", "/apis/v1alpha1/middleware/cli-invalid").status());

        Path nameless = write("nameless.json", "{\"host\": []}");
        Result noName = paasctl("apply", "-f", nameless.toString(), "--kind", "middleware");
        assertEquals(ExitCode.USAGE, noName.exit(), noName.toString());
        assertTrue(noName.stderr().contains(nameless + ": \"name\" is missing"), noName.toString());
    }

    @Test
    @Order(8)
    void aConflictIsExit5() throws Exception {
        // A host's agent set up differently (another agent_port) than by the resources already on it: a 409.
        Result conflict = paasctl("apply", "-f", write("cli-conflict.json", """
                {"name": "cli-conflict", "host": [{"ip": "127.0.0.172", "agent_port": 4444,
                  "auth": [{"username": "paas", "password": "%s"}]}],
                 "app": {"repo_url": "http://127.0.0.1:9/x/", "install": "install.sh", "start": "start.sh", "stop": "stop.sh",
                         "check": "check.sh", "uninstall": "uninstall.sh"}}
                """.formatted(PASSWORD)).toString(), "--kind", "middleware");
        assertEquals(ExitCode.CONFLICT, conflict.exit(), conflict.toString());
        assertTrue(conflict.stderr().contains("(409)"), conflict.toString());
        assertTrue(conflict.stderr().contains("\n  host[0]: "), conflict.toString());
    }

    @Test
    @Order(9)
    void watchPrintsEveryResourceThenEachChangeAsItHappens() throws Exception {
        try (Watch all = new Watch("watch", "middleware", "-o", "json");
                Watch one = new Watch("watch", "middleware", "cli-watched")) {
            // First every resource as it is, all with the snapshot's id.
            JsonNode first = all.next();
            JsonNode second = all.next();
            assertEquals(List.of("ADDED", "ADDED"), List.of(first.path("event").asText(), second.path("event").asText()));
            assertEquals(java.util.Set.of("cli-web", "cli-web-2"), java.util.Set.of(first.at("/resource/name").asText(),
                    second.at("/resource/name").asText()));
            assertEquals(first.path("id"), second.path("id"));

            apply("cli-watched", "127.0.0.172");
            String header = one.nextLine();
            assertEquals("EVENT     ID                EXPECT         REALTIME       NAME", header);
            JsonNode added = all.nextAbout("cli-watched");
            assertEquals("ADDED", added.path("event").asText(), added.toString());
            assertEquals("not-installed", added.at("/resource/app/status/expect").asText(), added.toString());
            assertTrue(Long.parseLong(added.path("id").asText()) > Long.parseLong(first.path("id").asText()), added.toString());
            String row = one.nextLine();
            assertTrue(row.matches("ADDED\\s+\\d+\\s+not-installed\\s+not-installed\\s+middleware/cli-watched"), row);
            // Aligned, two spaces apart (ids have up to 16 digits; not-installed fills its column).
            assertEquals(header.indexOf("EXPECT"), row.indexOf("not-installed"), "the columns line up: " + row);
            assertEquals(header.indexOf("NAME"), row.indexOf("middleware/"), "the columns line up: " + row);
            assertTrue(row.contains("not-installed  middleware/"), "two spaces apart: " + row);

            assertEquals(0, paasctl("delete", "middleware", "cli-watched").exit());
            assertEquals("DELETED", all.nextAbout("cli-watched").path("event").asText());
            assertTrue(one.nextLine().startsWith("DELETED "));
        }
    }

    /**
     * The apiserver behind the address is restarted, and comes back with another database (a new one, or a backup
     * restored): the watch waits for it, finds that it knows no event of the id it resumes from, and lists again.
     */
    @Test
    @Order(17)
    void watchWaitsForARestartedApiserverAndListsAgainWhenItsHistoryIsAnotherOne() throws Exception {
        Map<String, String> place = Map.of("QUARKUS_HTTP_HOST", "127.0.0.174", "OPERATOR_IP", "127.0.0.174",
                "PAAS_API_TOKENS", PackagedApiserver.TOKEN_NAME + ":admin:" + apiserver.token);
        PackagedApiserver before = PackagedApiserver.start("paasctl-it-before.log", place);
        String server = before.baseUrl();
        Map<String, String> there = Map.of("PAAS_SERVER", server, "PAAS_TOKEN_FILE", tokenFile.toString());
        try (Watch watch = Watch.on(server, "watch", "middleware", "-o", "json")) {
            for (String name : List.of("moved-1", "moved-2")) {
                Path file = write(name + ".json", body(name, "127.0.0.172", "8080"));
                assertEquals(0, paasctl(there, "apply", "-f", file.toString(), "--kind", "middleware").exit());
                assertEquals("ADDED", watch.nextAbout(name).path("event").asText());
            }
            assertEquals(0, paasctl(there, "set", "middleware", "moved-1", "stopped").exit());
            JsonNode modified = watch.nextAbout("moved-1");
            assertEquals("MODIFIED", modified.path("event").asText(), modified.toString());

            before.close();
            Map<String, String> samePlace = new HashMap<>(place);
            samePlace.put("QUARKUS_HTTP_PORT", String.valueOf(before.port));
            try (PackagedApiserver after = PackagedApiserver.start("paasctl-it-after.log", samePlace)) {
                Path file = write("after-move.json", body("after-move", "127.0.0.172", "8080"));
                assertEquals(0, paasctl(there, "apply", "-f", file.toString(), "--kind", "middleware").exit());
                JsonNode added = watch.nextAbout("after-move");
                assertEquals("ADDED", added.path("event").asText(), added.toString());
                String stderr = Files.readString(work.resolve("watch-stderr.txt"));
                // Out of reach, however the watch met the stop: refused, or taken and closed with no answer.
                assertTrue(stderr.contains("apiserver at " + server) && stderr.contains("; trying again for up to"), stderr);
                assertTrue(stderr.contains("paasctl: the apiserver answers again; resuming after event "), stderr);
                // The last id it had: the MODIFIED above, or a later change of the reconciler's.
                java.util.regex.Matcher unknown = java.util.regex.Pattern.compile("the apiserver knows no event (\\d+) ").matcher(stderr);
                assertTrue(unknown.find(), stderr);
                assertTrue(Long.parseLong(unknown.group(1)) >= modified.path("id").asLong(), stderr);
                assertTrue(watch.alive(), "the watch ended: " + stderr);
            }
        }
    }

    // ---- a real application through a registered agent ------------------------------------------------------------

    @Test
    @Order(10)
    void setWaitRestartEventsAndHostsThroughARegisteredAgent() throws Exception {
        byte[] random = new byte[24];
        new SecureRandom().nextBytes(random);
        String secret = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        agent = AgentProcess.start(AGENT_IP, work.resolve("agent-home"), secret, apiserver.baseUrl(),
                Path.of("target", "it-logs", "paasctl-it-agent.log").toAbsolutePath());
        String port = String.valueOf(agent.port);
        int runsBefore = results.size();
        // The secret is never an argument: a file only its owner can read, or standard input.
        Path openSecret = work.resolve("agent-open.secret");
        Files.writeString(openSecret, secret + "\n");
        Files.setPosixFilePermissions(openSecret, PosixFilePermissions.fromString("rw-r--r--"));
        Result refused = paasctl("hosts", "register", AGENT_IP, "--agent-port", port, "--secret-file", openSecret.toString());
        assertEquals(ExitCode.USAGE, refused.exit(), refused.toString());
        assertTrue(refused.stderr().contains("secret file " + openSecret + " is open to group or others"), refused.toString());
        assertEquals(404, api("GET", "/apis/v1alpha1/hosts/" + AGENT_IP).status(), "registered from a file others can read");
        Path secretFile = privateFile(work.resolve("agent.secret"), secret + "\n");
        Result badPort = paasctl("hosts", "register", AGENT_IP, "--agent-port", "0", "--secret-file", secretFile.toString());
        assertEquals(ExitCode.USAGE, badPort.exit(), badPort.toString());
        assertTrue(badPort.stderr().contains("agent_port"), badPort.toString());
        // Another secret than the agent's: registered, and told at once that the agent refuses it.
        Path wrongFile = privateFile(work.resolve("wrong.secret"), "not-" + secret + "\n");
        Result wrong = paasctl("hosts", "register", AGENT_IP, "--agent-port", port, "--secret-file", wrongFile.toString());
        assertEquals(0, wrong.exit(), wrong.toString());
        assertTrue(wrong.stderr().contains("registered, but the agent cannot be used yet: the registered agent on " + AGENT_IP
                + ":" + port + " refuses the registered secret"), wrong.toString());
        Result registered = paasctlWithInput(secretFile, "hosts", "register", AGENT_IP, "--agent-port", port, "--secret-file", "-");
        assertEquals(0, registered.exit(), registered.toString());
        assertFalse(registered.stderr().contains("cannot be used"), registered.toString());
        assertTrue(registered.stdout().lines().anyMatch(l -> l.matches(AGENT_IP.replace(".", "\\.") + "\\s+" + port + "\\s+yes\\s.*")),
                registered.toString());
        Result again = paasctl("hosts", "register", AGENT_IP, "--agent-port", port, "--secret-file", secretFile.toString(), "-o", "json");
        assertEquals(0, again.exit(), again.toString());
        assertTrue(JSON.readTree(again.stdout()).path("registered").asBoolean(), again.toString());
        assertTrue(results.stream().skip(runsBefore).noneMatch(r -> r.stdout().contains(secret) || r.stderr().contains(secret)),
                "the agent's secret printed");

        Path file = write("cli-counter.json", """
                {"name": "cli-counter", "host": [{"ip": "%s", "agent_port": %d}],
                 "app": {"repo_url": "%s", "install": "install.sh", "start": "start.sh", "stop": "stop.sh",
                         "check": "check.sh", "uninstall": "uninstall.sh", "check_interval": 1,
                         "metadata": {"INSTALL_SECONDS": "1"}}}
                """.formatted(AGENT_IP, agent.port, COUNTER_REPO.toUri()));
        assertEquals(0, paasctl("apply", "-f", file.toString(), "--kind", "middleware").exit());
        Result listed = paasctl("hosts", "forget", AGENT_IP);
        assertEquals(ExitCode.CONFLICT, listed.exit(), "forgotten while a resource lists it: " + listed);

        Result running = paasctl("set", "middleware", "cli-counter", "running", "--wait", "--timeout", "150s");
        assertEquals(0, running.exit(), running.toString());
        assertEquals("middleware/cli-counter: expect running, realtime running\n", running.stdout());
        // Not a terminal: one progress line per realtime state seen, then the outcome.
        assertTrue(running.stderr().contains("waiting for middleware/cli-counter to be running: realtime "), running.toString());
        assertTrue(running.stderr().lines().reduce((a, b) -> b).orElse("").matches("middleware/cli-counter is running \\(\\d+s\\)"),
                running.toString());
        Path appHome = agent.home.resolve("apps").resolve("middleware").resolve("cli-counter");
        assertTrue(Files.exists(appHome.resolve("running")), "the start script did not run");

        // An update applied with --wait: the new generation rolled out to the host and the resource running again.
        Files.writeString(file, Files.readString(file).replace("\"INSTALL_SECONDS\": \"1\"", "\"INSTALL_SECONDS\": \"2\""));
        Result updated = paasctl("apply", "-f", file.toString(), "--kind", "middleware", "--wait", "--timeout", "150s");
        assertEquals(0, updated.exit(), updated.toString());
        assertEquals("middleware/cli-counter updated\n", updated.stdout());
        assertTrue(updated.stderr().lines().reduce((a, b) -> b).orElse("")
                .matches("middleware/cli-counter is running at generation 2 \\(\\d+s\\)"), updated.toString());
        JsonNode rolledOut = api("GET", "/apis/v1alpha1/middleware/cli-counter").json();
        assertEquals(2, rolledOut.at("/detail/hosts/0/generation").asLong(), rolledOut.toString());
        assertEquals("running", rolledOut.at("/detail/hosts/0/realtime").asText(), rolledOut.toString());

        Result restarted = paasctl("restart", "middleware", "cli-counter", "--wait", "--timeout", "150s", "-o", "json");
        assertEquals(0, restarted.exit(), restarted.toString());
        assertEquals("running", JSON.readTree(restarted.stdout()).at("/status/realtime").asText());
        JsonNode afterRestart = api("GET", "/apis/v1alpha1/middleware/cli-counter").json();
        assertFalse(afterRestart.at("/detail/hosts/0/restart_pending").asBoolean(), afterRestart.toString());

        Result stopped = paasctl("set", "middleware", "cli-counter", "stopped", "--wait", "--timeout", "150s");
        assertEquals(0, stopped.exit(), stopped.toString());
        assertEquals("middleware/cli-counter: expect stopped, realtime stopped\n", stopped.stdout());
        assertFalse(Files.exists(appHome.resolve("running")), "the stop script did not run");

        Result events = paasctl("events", "middleware", "cli-counter");
        assertEquals(0, events.exit(), events.toString());
        List<String> rows = events.stdout().lines().toList();
        assertEquals(List.of("AT", "TYPE", "HOST", "CHANGE", "OPERATION", "EXIT", "MESSAGE"), List.of(rows.get(0).split("\\s+")));
        assertTrue(rows.stream().anyMatch(r -> r.contains(AGENT_IP) && r.contains("stopping -> stopped")), events.stdout());
        Result eventsJson = paasctl("events", "middleware", "cli-counter", "-o", "json", "--limit", "1000");
        JsonNode all = JSON.readTree(eventsJson.stdout());
        assertTrue(Stream.of("install", "start", "stop").allMatch(action -> contains(all, action)), all.toString());

        Result hosts = paasctl("hosts");
        assertEquals(0, hosts.exit(), hosts.toString());
        assertTrue(hosts.stdout().lines().anyMatch(l -> l.matches(AGENT_IP.replace(".", "\\.") + "\\s+" + agent.port + "\\s+yes\\s.*")),
                hosts.stdout());
        Result host = paasctl("hosts", AGENT_IP, "-o", "json");
        assertTrue(JSON.readTree(host.stdout()).path("registered").asBoolean(), host.toString());
        assertFalse(host.stdout().contains(secret), "the agent's secret in an answer");
        Result unknownHost = paasctl("hosts", "127.0.0.179");
        assertEquals(ExitCode.NOT_FOUND, unknownHost.exit(), unknownHost.toString());

    }

    @Test
    @Order(11)
    void logsPrintAnActionsWholeOutputFromItsAgent() throws Exception {
        String install = null;
        for (JsonNode event : api("GET", "/apis/v1alpha1/middleware/cli-counter/events?limit=1000").json()) {
            if (event.path("message").asText().equals("install succeeded")) {
                install = event.path("operation_id").asText();
            }
        }
        Result log = paasctl("logs", "middleware", "cli-counter", install);
        assertEquals(0, log.exit(), log.toString());
        assertTrue(log.stdout().contains("installed\n"), log.toString());
        Result onHost = paasctl("logs", "middleware", "cli-counter", install, "--host", AGENT_IP);
        assertEquals(log.stdout(), onHost.stdout(), onHost.toString());
        // Without an id: the newest action, the stop (whose script prints nothing).
        Result newest = paasctl("logs", "middleware", "cli-counter");
        assertEquals(0, newest.exit(), newest.toString());
        assertFalse(newest.stdout().contains("installed"), newest.toString());
        Result unknown = paasctl("logs", "middleware", "cli-counter", "no-such-operation");
        assertEquals(ExitCode.NOT_FOUND, unknown.exit(), unknown.toString());
    }

    @Test
    @Order(12)
    void deleteWithUninstallWaitsUntilEveryHostUninstalledAndTheRecordIsGone() throws Exception {
        Path appHome = agent.home.resolve("apps").resolve("middleware").resolve("cli-counter");
        assertTrue(Files.exists(appHome));
        Result deleted = paasctl("delete", "middleware", "cli-counter", "--uninstall", "--wait", "--timeout", "150s");
        assertEquals(0, deleted.exit(), deleted.toString());
        assertTrue(deleted.stderr().contains("middleware/cli-counter is uninstalled and deleted"), deleted.toString());
        assertEquals(404, api("GET", "/apis/v1alpha1/middleware/cli-counter").status());
        assertFalse(Files.exists(appHome), "the uninstall script did not run");
    }

    @Test
    @Order(13)
    void waitEndsWithExit6WhenTheResourceFailsSayingWhy() throws Exception {
        // 127.0.0.173: neither a registered agent nor auth, so the install fails at once, saying what to do.
        Path file = write("cli-nowhere.json", """
                {"name": "cli-nowhere", "host": [{"ip": "127.0.0.173"}],
                 "app": {"repo_url": "%s", "install": "install.sh", "start": "start.sh", "stop": "stop.sh",
                         "check": "check.sh", "uninstall": "uninstall.sh"}}
                """.formatted(COUNTER_REPO.toUri()));
        assertEquals(0, paasctl("apply", "-f", file.toString(), "--kind", "middleware").exit());
        Result failed = paasctl("set", "middleware", "cli-nowhere", "running", "--wait", "--timeout", "150s");
        assertEquals(ExitCode.WAIT_FAILED, failed.exit(), failed.toString());
        assertTrue(failed.stderr().contains("paasctl: middleware/cli-nowhere failed on its way to running\n  127.0.0.173: "),
                failed.toString());
        assertTrue(failed.stderr().endsWith("the apiserver tries again after a backoff: paasctl events middleware cli-nowhere\n"),
                failed.toString());

        // An install that takes a minute cannot be running within 2 s.
        Path slow = write("cli-slow.json", """
                {"name": "cli-slow", "host": [{"ip": "%s", "agent_port": %d}],
                 "app": {"repo_url": "%s", "install": "install.sh", "start": "start.sh", "stop": "stop.sh",
                         "check": "check.sh", "uninstall": "uninstall.sh", "metadata": {"INSTALL_SECONDS": "60"}}}
                """.formatted(AGENT_IP, agent.port, COUNTER_REPO.toUri()));
        assertEquals(0, paasctl("apply", "-f", slow.toString(), "--kind", "middleware").exit());
        Result timedOut = paasctl("set", "middleware", "cli-slow", "running", "--wait", "--timeout", "2s");
        assertEquals(ExitCode.WAIT_FAILED, timedOut.exit(), timedOut.toString());
        assertTrue(timedOut.stderr().matches("(?s).*paasctl: timed out after \\ds: middleware/cli-slow is still \\S+, not running"
                + " \\(--timeout 2s\\)\n"), timedOut.toString());
        assertEquals(0, paasctl("delete", "middleware", "cli-slow").exit());
    }

    @Test
    @Order(14)
    void deleteWithoutUninstallForgetsTheRecord() throws Exception {
        Result deleted = paasctl("delete", "middleware", "cli-web-2");
        assertEquals(0, deleted.exit(), deleted.toString());
        assertEquals("deleted middleware 'cli-web-2'\n", deleted.stdout());
        assertEquals(404, api("GET", "/apis/v1alpha1/middleware/cli-web-2").status());
        Result again = paasctl("delete", "middleware", "cli-web-2", "-o", "json");
        assertEquals(0, again.exit(), again.toString());
        assertTrue(JSON.readTree(again.stdout()).path("message").asText().contains("does not exist"), again.toString());
        Result waitAlone = paasctl("delete", "middleware", "cli-web", "--wait");
        assertEquals(ExitCode.USAGE, waitAlone.exit(), waitAlone.toString());
    }

    @Test
    @Order(15)
    void hostsForgetDropsTheRegisteredAgentOnceNoResourceListsIt() throws Exception {
        Result forgotten = paasctl("hosts", "forget", AGENT_IP);
        assertEquals(0, forgotten.exit(), forgotten.toString());
        assertEquals("host " + AGENT_IP + " is forgotten\n", forgotten.stdout());
        assertEquals(404, api("GET", "/apis/v1alpha1/hosts/" + AGENT_IP).status());
        Result again = paasctl("hosts", "forget", AGENT_IP);
        assertEquals(ExitCode.NOT_FOUND, again.exit(), again.toString());
    }

    @Test
    @Order(16)
    void everyCommandPrintsItsOwnHelpWithoutItsArguments() throws Exception {
        for (String command : List.of("get", "list", "apply", "set", "restart", "delete", "events", "logs", "watch", "hosts",
                "hosts register", "hosts forget")) {
            List<String> args = new ArrayList<>(List.of(command.split(" ")));
            args.add("--help");
            Result help = paasctl(args.toArray(String[]::new));
            assertEquals(0, help.exit(), help.toString());
            assertTrue(help.stdout().startsWith("Usage: paasctl " + command + " "), help.toString());
            assertEquals("", help.stderr(), help.toString());
        }
    }

    @Test
    @Order(100)
    void noRunPrintedThePasswordOrTheToken() {
        assertFalse(results.isEmpty());
        for (Result result : results) {
            assertFalse(result.stdout().contains(PASSWORD) || result.stderr().contains(PASSWORD), "a password printed: " + result);
            assertFalse(result.stdout().contains(apiserver.token) || result.stderr().contains(apiserver.token), "the token printed");
        }
    }

    // ---- helpers ----------------------------------------------------------------------------------------------------

    record Answer(int status, String body, String etag) {
        JsonNode json() throws Exception {
            return JSON.readTree(body);
        }
    }

    /** paasctl with the apiserver from PAAS_SERVER and the token from PAAS_TOKEN_FILE (a private file). */
    private static Result paasctl(String... args) throws Exception {
        return paasctl(Map.of("PAAS_SERVER", apiserver.baseUrl(), "PAAS_TOKEN_FILE", tokenFile.toString()), args);
    }

    private static Result paasctl(Map<String, String> env, String... args) throws Exception {
        return paasctl(env, Path.of("/dev/null"), args);
    }

    private static Result paasctl(Map<String, String> env, Path input, String... args) throws Exception {
        Map<String, String> all = new HashMap<>(env);
        all.put("HOME", home.toString());
        Result result = PaasctlProcess.run(all, work, input, args);
        results.add(result);
        return result;
    }

    private static Result paasctlWithInput(Path input, String... args) throws Exception {
        return paasctl(Map.of("PAAS_SERVER", apiserver.baseUrl(), "PAAS_TOKEN_FILE", tokenFile.toString()), input, args);
    }

    private static void apply(String name, String ip) throws Exception {
        Result result = paasctl("apply", "-f", write(name + ".json", body(name, ip, "8080")).toString(), "--kind", "middleware");
        assertEquals(0, result.exit(), result.toString());
    }

    private static String body(String name, String ip, String port) {
        return """
                {"name": "%s", "host": [{"ip": "%s", "auth": [{"username": "paas", "password": "%s"}]}],
                 "app": {"repo_url": "http://127.0.0.1:9/web/", "install": "install.sh", "start": "start.sh", "stop": "stop.sh",
                         "check": "check.sh", "uninstall": "uninstall.sh", "metadata": {"PORT": "%s"}}}
                """.formatted(name, ip, PASSWORD, port);
    }

    /** A running {@code paasctl watch}: its stdout read line by line, as it comes. */
    static final class Watch implements AutoCloseable {
        private final Process process;
        private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

        Watch(String... args) throws Exception {
            this(apiserver.baseUrl(), List.of(args));
        }

        /** A watch of the apiserver at {@code server}. */
        static Watch on(String server, String... args) throws Exception {
            return new Watch(server, List.of(args));
        }

        private Watch(String server, List<String> args) throws Exception {
            process = PaasctlProcess.builder(Map.of("PAAS_SERVER", server, "PAAS_TOKEN_FILE", tokenFile.toString(),
                    "HOME", home.toString()), args).redirectError(work.resolve("watch-stderr.txt").toFile()).start();
            Thread reader = new Thread(() -> {
                try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    out.lines().forEach(lines::add);
                } catch (IOException ended) {
                    // the process was stopped
                }
            });
            reader.setDaemon(true);
            reader.start();
        }

        String nextLine() throws Exception {
            String line = lines.poll(60, TimeUnit.SECONDS);
            assertNotNull(line, "no line from paasctl watch within 60 s; stderr: " + Files.readString(work.resolve("watch-stderr.txt")));
            results.add(new Result(0, line, ""));
            return line;
        }

        JsonNode next() throws Exception {
            return JSON.readTree(nextLine());
        }

        /** The next event about {@code name}, skipping others'. */
        JsonNode nextAbout(String name) throws Exception {
            while (true) {
                JsonNode event = next();
                if (event.at("/resource/name").asText().equals(name)) {
                    return event;
                }
            }
        }

        boolean alive() {
            return process.isAlive();
        }

        @Override
        public void close() throws Exception {
            process.destroy();
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }

    /** How many times the resource's spec was replaced. */
    private static long specEvents(String name) throws Exception {
        long count = 0;
        for (JsonNode event : api("GET", "/apis/v1alpha1/middleware/" + name + "/events?limit=1000").json()) {
            count += event.path("type").asText().equals("spec") ? 1 : 0;
        }
        return count;
    }

    private static boolean contains(JsonNode events, String action) {
        for (JsonNode event : events) {
            if (event.path("type").asText().equals("action") && event.path("message").asText().startsWith(action + " succeeded")
                    && event.hasNonNull("operation_id")) {
                return true;
            }
        }
        return false;
    }

    /** Each named column starts at the same place on every line. */
    private static void assertAligned(String table, String... columns) {
        List<String> lines = table.lines().filter(l -> !l.isBlank()).toList();
        String header = lines.get(0);
        for (String column : columns) {
            int at = header.indexOf(column);
            assertTrue(at > 0, column + " in " + header);
            for (String line : lines.subList(1, lines.size())) {
                assertTrue(line.length() > at && line.charAt(at - 1) == ' ' && line.charAt(at - 2) == ' ' && line.charAt(at) != ' ',
                        column + " not aligned in:\n" + table);
            }
        }
    }

    private static Path write(String name, String text) throws Exception {
        return privateFile(work.resolve(name), text);
    }

    private static Path privateFile(Path file, String text) throws Exception {
        Files.deleteIfExists(file);
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, text);
        return file;
    }

    private static Answer api(String method, String path) throws Exception {
        return api(method, path, null, Map.of());
    }

    private static Answer api(String method, String path, String body, Map<String, String> headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(apiserver.baseUrl() + path))
                .header("Authorization", "Bearer " + apiserver.token)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(request::header);
        HttpResponse<String> response = HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
        return new Answer(response.statusCode(), response.body(), response.headers().firstValue("ETag").orElse(null));
    }
}
