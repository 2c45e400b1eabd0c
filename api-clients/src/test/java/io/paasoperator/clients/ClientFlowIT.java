package io.paasoperator.clients;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paasoperator.client.ApiClient;
import io.paasoperator.client.ApiException;
import io.paasoperator.client.api.MiddlewareApi;
import io.paasoperator.client.model.AppSpecInput;
import io.paasoperator.client.model.CredentialInput;
import io.paasoperator.client.model.DeleteResult;
import io.paasoperator.client.model.EventView;
import io.paasoperator.client.model.ExpectedState;
import io.paasoperator.client.model.HostSpecInput;
import io.paasoperator.client.model.Problem;
import io.paasoperator.client.model.ResourcePage;
import io.paasoperator.client.model.ResourceSpec;
import io.paasoperator.client.model.ResourceView;
import io.paasoperator.client.model.StatusView;
import io.paasoperator.itsupport.PackagedApiserver;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The clients generated from the apiserver's OpenAPI document, against the packaged apiserver (reconciler on, embedded
 * PostgreSQL): create, status, PUT stopped, list, events, delete, then a 404 and a 401 as problems. Java through the
 * generated java/native client, TypeScript through the generated typescript-fetch client (ts/flow.ts, built by tsc, run by
 * node). No request or body here is written by hand. The host is a loopback address with no agent: the app is never
 * installed, which the flow does not need.
 */
class ClientFlowIT {

    static final Path TS_DIR = Path.of(System.getProperty("ts.dir", "ts")).toAbsolutePath().normalize();
    static final String HOST = "127.0.0.77";

    static PackagedApiserver apiserver;

    @BeforeAll
    static void startApiserver() throws Exception {
        apiserver = PackagedApiserver.start("client-flow-apiserver.log");
    }

    @AfterAll
    static void stopApiserver() throws Exception {
        if (apiserver != null) {
            apiserver.close();
        }
    }

    private static MiddlewareApi middleware(boolean withToken) {
        ApiClient client = new ApiClient();
        client.updateBaseUri(apiserver.baseUrl());
        if (withToken) {
            // The java/native library generates no setter for the document's bearer scheme (apiToken); its request
            // interceptor is the library's own way to add a header to every request.
            String authorization = "Bearer " + apiserver.token;
            client.setRequestInterceptor(request -> request.header("Authorization", authorization));
        }
        return new MiddlewareApi(client);
    }

    private static ResourceSpec spec(String name) {
        return new ResourceSpec()
                .name(name)
                .type(ResourceSpec.TypeEnum.MIDDLEWARE)
                // ssh_port 1: nothing listens there, so the reconciler's install attempt fails at once, on loopback.
                .host(List.of(new HostSpecInput().ip(HOST).sshPort(1)
                        .auth(List.of(new CredentialInput().username("paas").password("pw-" + name)))))
                .app(new AppSpecInput()
                        .repoUrl("http://127.0.0.1:1/repo/")
                        .install("install.sh").start("start.sh").stop("stop.sh")
                        .check("check.sh").uninstall("uninstall.sh")
                        .metadata(Map.of("PORT", "6379")));
    }

    private static Problem problem(ApiException e) throws Exception {
        assertEquals("application/problem+json",
                e.getResponseHeaders().firstValue("Content-Type").orElse("").split(";")[0].trim(),
                "an error answer is a problem document");
        return new ApiClient().getObjectMapper().readValue(e.getResponseBody(), Problem.class);
    }

    @Test
    void javaClientRunsTheWholeFlow() throws Exception {
        MiddlewareApi api = middleware(true);
        String name = "java-flow-" + ProcessHandle.current().pid();

        ResourceView created = api.createMiddleware(spec(name));
        assertEquals(name, created.getName());
        assertEquals("middleware", created.getType());
        assertEquals(HOST, created.getHost().get(0).getIp());

        StatusView status = api.getMiddlewareStatus(name);
        assertEquals(name, status.getName());
        assertEquals(ExpectedState.NOT_INSTALLED, status.getStatus().getExpect(), "a new resource expects not-installed");
        assertNotNull(status.getStatus().getRealtime());

        StatusView stopped = api.setMiddlewareExpect(name, ExpectedState.STOPPED);
        assertEquals(ExpectedState.STOPPED, stopped.getStatus().getExpect());

        ResourcePage page = api.listMiddlewares(null, null, null, null, null, 500, null);
        assertTrue(page.getItems().stream().anyMatch(item -> item.getName().equals(name)), "the list holds " + name);
        ResourcePage stoppedOnly = api.listMiddlewares(null, null, null, null, ExpectedState.STOPPED, 500, null);
        assertTrue(stoppedOnly.getItems().stream().anyMatch(item -> item.getName().equals(name)), "the expect filter holds it");

        List<EventView> events = api.listMiddlewareEvents(name, null);
        assertFalse(events.isEmpty(), "the resource has a history");
        events.forEach(event -> {
            assertNotNull(event.getAt(), "every event has a time");
            assertNotNull(event.getType(), "every event has a type");
        });
        for (String type : List.of("created", "expect")) {
            assertTrue(events.stream().anyMatch(e -> e.getType().equals(type) && PackagedApiserver.TOKEN_NAME.equals(e.getActor())),
                    "a " + type + " event names the token as its actor: " + events);
        }

        DeleteResult deleted = api.deleteMiddleware(name, null);
        assertEquals(name, deleted.getName());

        ApiException gone = assertThrows(ApiException.class, () -> api.getMiddleware(name));
        assertEquals(404, gone.getCode());
        Problem notFound = problem(gone);
        assertEquals(404, notFound.getStatus());
        assertFalse(notFound.getTitle().isBlank());
        assertFalse(notFound.getDetail().isBlank());
        System.out.printf("java flow: created, %s, stopped, listed, events [%s], deleted, then %d %s: %s%n",
                status.getStatus().getRealtime(),
                String.join("; ", events.stream().map(e -> e.getType() + " " + e.getFrom() + "->" + e.getTo() + " by " + e.getActor()).toList()),
                notFound.getStatus(), notFound.getTitle(), notFound.getDetail());
    }

    @Test
    void javaClientWithoutTheTokenGets401() throws Exception {
        ApiException refused = assertThrows(ApiException.class, () -> middleware(false).listMiddlewares(null, null, null, null, null, null, null));
        assertEquals(401, refused.getCode());
        assertEquals(401, problem(refused).getStatus());
        assertTrue(refused.getResponseHeaders().firstValue("WWW-Authenticate").orElse("").startsWith("Bearer"),
                "the 401 names the bearer scheme");
    }

    @Test
    void typescriptClientRunsTheWholeFlow() throws Exception {
        assertTrue(Files.isDirectory(TS_DIR.resolve("node_modules")), "npm ci runs in pre-integration-test: " + TS_DIR);

        Run tsc = run(List.of("node", "node_modules/typescript/bin/tsc", "-p", "tsconfig.json"), Map.of(), 180);
        assertEquals(0, tsc.exitCode, "tsc compiles flow.ts and the generated client:\n" + tsc.output);

        String name = "ts-flow-" + ProcessHandle.current().pid();
        Run flow = run(List.of("node", "../target/ts-build/ts/flow.js"), Map.of(
                "PAAS_API_BASE_URL", apiserver.baseUrl(),
                "PAAS_API_TOKEN", apiserver.token,
                "PAAS_API_TOKEN_NAME", PackagedApiserver.TOKEN_NAME,
                "FLOW_NAME", name), 120);
        assertFalse(flow.output.contains(apiserver.token), "the flow never prints the token");
        System.out.print(flow.output);
        assertEquals(0, flow.exitCode, "node flow.js:\n" + flow.output);
        for (String step : List.of("create: " + name, "status: expect=not-installed", "stopped: expect=stopped", "list: ",
                "events: ", "delete: ", "get after delete: 404", "without the token: 401", "typescript flow: ok")) {
            assertTrue(flow.output.contains(step), "the flow printed \"" + step + "\":\n" + flow.output);
        }
        assertEquals(404, assertThrows(ApiException.class, () -> middleware(true).getMiddleware(name)).getCode(),
                "the TypeScript flow deleted its resource");
    }

    record Run(int exitCode, String output) {
    }

    /** Runs a command in ts/ with a clean environment for the apiserver's settings, output captured, bounded in time. */
    static Run run(List<String> command, Map<String, String> env, long timeoutSeconds) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(command).directory(TS_DIR.toFile()).redirectErrorStream(true);
        builder.environment().keySet().removeIf(k -> k.startsWith("QUARKUS_") || k.startsWith("PAAS_") || k.startsWith("OPERATOR_"));
        builder.environment().putAll(env);
        Path output = Files.createTempFile("api-clients-run-", ".log");
        try {
            Process process = builder.redirectOutput(output.toFile()).start();
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError(command + " did not finish within " + timeoutSeconds + " s:\n"
                        + Files.readString(output, StandardCharsets.UTF_8));
            }
            return new Run(process.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(output);
        }
    }
}
