package io.paasoperator.apiserver.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Kubernetes manifests agree with each other and with the apiserver: selectors find their pods, ports line up,
 * every secret key exists, and every environment variable set is one the apiserver reads. (.ci/run also validates
 * each manifest against the Kubernetes schemas.)
 */
class KubernetesManifestsTest {

    private static final Path K8S = Path.of("..", "k8s");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    /** The datasource settings of SPEC.md §8, read by Quarkus itself. */
    private static final Set<String> QUARKUS_READS = Set.of("QUARKUS_HTTP_PORT", "QUARKUS_DATASOURCE_REACTIVE_URL",
            "QUARKUS_DATASOURCE_JDBC_URL", "QUARKUS_DATASOURCE_USERNAME", "QUARKUS_DATASOURCE_PASSWORD");

    static final Map<String, JsonNode> objects = new HashMap<>();

    @TempDir
    static Path work;

    @BeforeAll
    static void readManifests() throws IOException {
        JsonNode kustomization = YAML.readTree(K8S.resolve("kustomization.yaml").toFile());
        for (JsonNode file : kustomization.get("resources")) {
            try (var parser = YAML.getFactory().createParser(K8S.resolve(file.asText()).toFile())) {
                for (JsonNode doc : YAML.readValues(parser, JsonNode.class).readAll()) {
                    objects.put(doc.get("kind").asText() + "/" + doc.at("/metadata/name").asText(), doc);
                }
            }
        }
    }

    @Test
    void theKustomizationListsEveryManifest() throws IOException {
        JsonNode kustomization = YAML.readTree(K8S.resolve("kustomization.yaml").toFile());
        Set<String> listed = new HashSet<>();
        kustomization.get("resources").forEach(r -> listed.add(r.asText()));
        try (Stream<Path> files = Files.list(K8S)) {
            Set<String> present = new HashSet<>(files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".yaml") && !n.equals("kustomization.yaml")).toList());
            assertEquals(present, listed);
        }
    }

    @Test
    void selectorsFindTheirPods() {
        for (String workload : List.of("Deployment/paas-apiserver", "StatefulSet/paas-postgres")) {
            JsonNode spec = objects.get(workload).get("spec");
            assertLabelsMatch(spec.at("/selector/matchLabels"), spec.at("/template/metadata/labels"), workload);
        }
        assertLabelsMatch(objects.get("Service/paas-apiserver").at("/spec/selector"),
                objects.get("Deployment/paas-apiserver").at("/spec/template/metadata/labels"), "apiserver service");
        assertLabelsMatch(objects.get("Service/paas-postgres").at("/spec/selector"),
                objects.get("StatefulSet/paas-postgres").at("/spec/template/metadata/labels"), "postgres service");
        assertEquals("paas-postgres", objects.get("StatefulSet/paas-postgres").at("/spec/serviceName").asText());
    }

    @Test
    void portsLineUpFromNodePortToContainerToAgents() {
        JsonNode container = apiserverContainer();
        Map<String, String> env = plainEnv(container);
        JsonNode port = container.at("/ports/0");
        assertEquals(env.get("QUARKUS_HTTP_PORT"), port.get("containerPort").asText());
        JsonNode servicePort = objects.get("Service/paas-apiserver").at("/spec/ports/0");
        assertEquals("NodePort", objects.get("Service/paas-apiserver").at("/spec/type").asText());
        assertEquals(port.get("name").asText(), servicePort.get("targetPort").asText());
        assertEquals(servicePort.get("nodePort").asText(), env.get("OPERATOR_PORT"), "agents must report to the node port");
        JsonNode operatorIp = envEntry(container, "OPERATOR_IP");
        assertEquals("status.hostIP", operatorIp.at("/valueFrom/fieldRef/fieldPath").asText());
        assertEquals("http", container.at("/readinessProbe/httpGet/port").asText());
        assertEquals("/q/health/ready", container.at("/readinessProbe/httpGet/path").asText());
        assertEquals("/q/health/live", container.at("/livenessProbe/httpGet/path").asText());
    }

    @Test
    void theApiserverReachesThePostgresTheManifestsRun() {
        Map<String, String> env = plainEnv(apiserverContainer());
        JsonNode postgres = objects.get("StatefulSet/paas-postgres").at("/spec/template/spec/containers/0");
        Map<String, String> pgEnv = plainEnv(postgres);
        String address = "paas-postgres:" + objects.get("Service/paas-postgres").at("/spec/ports/0/port").asText()
                + "/" + pgEnv.get("POSTGRES_DB");
        assertEquals("postgresql://" + address, env.get("QUARKUS_DATASOURCE_REACTIVE_URL"));
        assertEquals("jdbc:postgresql://" + address, env.get("QUARKUS_DATASOURCE_JDBC_URL"));
        assertEquals(pgEnv.get("POSTGRES_USER"), env.get("QUARKUS_DATASOURCE_USERNAME"));
        assertEquals(secretRef(postgres, "POSTGRES_PASSWORD"), secretRef(apiserverContainer(), "QUARKUS_DATASOURCE_PASSWORD"));
    }

    @Test
    void everySecretKeyReferencedIsGenerated() throws Exception {
        Path secrets = work.resolve("secrets.env");
        Process generate = new ProcessBuilder("sh", K8S.resolve("generate-secrets.sh").toString(), secrets.toString())
                .inheritIO().start();
        assertEquals(0, generate.waitFor());
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(secrets)));
        Properties generated = new Properties();
        try (var in = Files.newInputStream(secrets)) {
            generated.load(in);
        }
        String secretName = YAML.readTree(K8S.resolve("kustomization.yaml").toFile()).at("/secretGenerator/0/name").asText();
        List<JsonNode> refs = new ArrayList<>();
        objects.values().forEach(o -> o.findValues("secretKeyRef").forEach(refs::add));
        assertTrue(refs.size() >= 3);
        for (JsonNode ref : refs) {
            assertEquals(secretName, ref.get("name").asText());
            assertTrue(generated.containsKey(ref.get("key").asText()), "no generated key " + ref.get("key"));
        }
        assertEquals(32, java.util.Base64.getDecoder().decode(generated.getProperty("secret-key")).length,
                "PAAS_SECRET_KEY must be 32 bytes of base64");
    }

    @Test
    void everyVariableTheDeploymentSetsIsOneTheApiserverReads() throws IOException {
        Set<String> reads = new HashSet<>(QUARKUS_READS);
        Properties properties = new Properties();
        try (var in = Files.newInputStream(Path.of("src/main/resources/application.properties"))) {
            properties.load(in);
        }
        properties.stringPropertyNames().forEach(k -> reads.add(envName(k)));
        Pattern configProperty = Pattern.compile("@ConfigProperty\\(name = \"([^\"]+)\"");
        try (Stream<Path> sources = Files.walk(Path.of("src/main/java"))) {
            for (Path source : sources.filter(p -> p.toString().endsWith(".java")).toList()) {
                Matcher m = configProperty.matcher(Files.readString(source));
                while (m.find()) {
                    reads.add(envName(m.group(1)));
                }
            }
        }
        for (JsonNode entry : apiserverContainer().get("env")) {
            assertTrue(reads.contains(entry.get("name").asText()), entry.get("name") + " is read by nothing in the apiserver");
        }
    }

    @Test
    void theApiserverRunsLockedDown() {
        JsonNode pod = objects.get("Deployment/paas-apiserver").at("/spec/template/spec");
        assertTrue(pod.at("/securityContext/runAsNonRoot").asBoolean());
        JsonNode container = apiserverContainer();
        assertTrue(container.at("/securityContext/readOnlyRootFilesystem").asBoolean());
        assertEquals(false, container.at("/securityContext/allowPrivilegeEscalation").asBoolean(true));
        assertTrue(container.at("/resources/limits/memory").isTextual());
        assertTrue(objects.get("Deployment/paas-apiserver").at("/spec/replicas").asInt() >= 2);
        String dataDir = plainEnv(container).get("PAAS_DATA_DIR");
        assertTrue(container.findValues("mountPath").stream().anyMatch(p -> p.asText().equals(dataDir)),
                "the data directory must be a writable volume under a read-only root");
    }

    private static JsonNode apiserverContainer() {
        return objects.get("Deployment/paas-apiserver").at("/spec/template/spec/containers/0");
    }

    private static Map<String, String> plainEnv(JsonNode container) {
        Map<String, String> env = new HashMap<>();
        container.get("env").forEach(e -> {
            if (e.has("value")) {
                env.put(e.get("name").asText(), e.get("value").asText());
            }
        });
        return env;
    }

    private static JsonNode envEntry(JsonNode container, String name) {
        for (JsonNode e : container.get("env")) {
            if (e.get("name").asText().equals(name)) {
                return e;
            }
        }
        throw new AssertionError("no " + name);
    }

    private static String secretRef(JsonNode container, String name) {
        JsonNode ref = envEntry(container, name).at("/valueFrom/secretKeyRef");
        return ref.get("name").asText() + "/" + ref.get("key").asText();
    }

    private static void assertLabelsMatch(JsonNode selector, JsonNode labels, String what) {
        assertTrue(selector.size() > 0, what + " selects nothing");
        selector.fields().forEachRemaining(e -> assertEquals(e.getValue(), labels.get(e.getKey()), what + ": " + e.getKey()));
    }

    /** A Quarkus property's environment-variable form: paas.data-dir is PAAS_DATA_DIR. */
    private static String envName(String property) {
        return property.replaceFirst("^%\\w+\\.", "").replaceAll("[^A-Za-z0-9]", "_").toUpperCase();
    }
}
