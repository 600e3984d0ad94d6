package dev.tandem.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tandem.capture.PgDatabase;
import dev.tandem.deploy.api.ApiServer;
import dev.tandem.deploy.api.ApiToken;
import dev.tandem.deploy.control.PausedTablesMetrics;
import dev.tandem.deploy.lifecycle.PhaseStore;
import dev.tandem.deploy.metrics.WriteBlockMetrics;
import dev.tandem.deploy.metrics.PipelineMetrics;
import dev.tandem.deploy.run.ConfigLoader;
import dev.tandem.deploy.run.MigrationConfig;
import dev.tandem.sync.backfill.ChunkLedger;
import dev.tandem.sync.mapping.MappingParser;
import dev.tandem.sync.pipeline.Pipeline;
import dev.tandem.sync.pipeline.PipelineConfig;
import java.io.IOException;
import java.io.StringReader;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

/**
 * Checks the deployment assets against the code: every metric the Grafana dashboard and the alert rules query is
 * exported by a real registry and documented, and the Kubernetes manifests run {@code tandem run} with a config that
 * loads and keeps its secrets in the Secret.
 */
class DeployAssetsTest {

    private static final Path DEPLOY = Path.of("").toAbsolutePath();
    private static final Path DASHBOARD = DEPLOY.resolve("grafana/tandem-dashboard.json");
    private static final Path ALERTS = DEPLOY.resolve("prometheus/tandem-alerts.yaml");
    private static final Path K8S = DEPLOY.resolve("k8s");
    private static final Path METRICS_DOC = DEPLOY.resolve("../docs/metrics.md");
    /** A metric name in PromQL; quoted label values are removed first. */
    private static final Pattern METRIC = Pattern.compile("(?<![A-Za-z0-9_:$.])((?:tandem|jvm|process|system)_[A-Za-z0-9_]+)");
    /** A name in the first column of docs/metrics.md's table, e.g. {@code `tandem_drifted_rows{table}`} or {@code `jvm_gc_*`}. */
    private static final Pattern DOCUMENTED = Pattern.compile("`([a-z_]+\\*?)(?:\\{[^`]*})?`");
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Nothing listens here: meters that read a database exist but read nothing. */
    private static final PgDatabase NOWHERE = new PgDatabase("127.0.0.1", 1, "none", "tandem", "");

    @Test
    void everyMetricTheDashboardAndAlertsUseIsExportedAndDocumented() throws IOException {
        Set<String> used = new TreeSet<>(dashboardMetrics());
        used.addAll(alertMetrics());
        Set<String> exported = exportedSampleNames();
        Set<String> documented = documentedNames();

        List<String> problems = new ArrayList<>();
        for (String name : used) {
            if (!exported.contains(name)) {
                problems.add(name + " is not exported by `tandem run` (exported: " + exported + ")");
            }
            if (!isDocumented(name, documented)) {
                problems.add(name + " is not listed in docs/metrics.md");
            }
        }
        assertEquals(List.of(), problems);
    }

    @Test
    void dashboardHasThePanelsAnOperatorNeeds() throws IOException {
        Set<String> used = dashboardMetrics();
        for (String needed : List.of("tandem_apply_lag_seconds", "tandem_apply_changes_total", "tandem_backfill_eta_seconds",
                "tandem_backfill_rows_copied_total", "tandem_slot_wal_retained_bytes", "tandem_verified_fraction",
                "tandem_reconciliation_lag_seconds", "tandem_drifted_rows", "tandem_write_block_last_ms",
                "tandem_paused_tables", "tandem_pipeline_failed", "jvm_memory_used_bytes")) {
            assertTrue(used.contains(needed), "the dashboard shows no panel on " + needed + "; it uses " + used);
        }
        JsonNode dashboard = JSON.readTree(DASHBOARD.toFile());
        for (JsonNode panel : dashboard.path("panels")) {
            if (!panel.path("type").asText().equals("row")) {
                assertFalse(panel.path("targets").isEmpty(), "panel '" + panel.path("title").asText() + "' has no query");
                panel.path("targets").forEach(t -> assertBalanced(t.path("expr").asText()));
            }
        }
    }

    @Test
    void alertsCoverEachFailureWithSeverityAndAFix() throws IOException {
        List<Map<String, Object>> rules = alertRules();
        Set<String> names = new TreeSet<>();
        for (Map<String, Object> rule : rules) {
            String name = (String) rule.get("alert");
            names.add(name);
            assertTrue(rule.get("for") instanceof String, name + ": no `for:` duration");
            Map<?, ?> labels = (Map<?, ?>) rule.get("labels");
            assertTrue(Set.of("warning", "critical").contains(labels.get("severity")), name + ": severity must be warning or critical");
            Map<?, ?> annotations = (Map<?, ?>) rule.get("annotations");
            assertFalse(String.valueOf(annotations.get("summary")).isBlank(), name + ": no summary");
            assertTrue(String.valueOf(annotations.get("description")).length() > 100, name + ": the description must say what to do");
            assertBalanced((String) rule.get("expr"));
        }
        Set<String> metrics = alertMetrics();
        for (String needed : List.of("tandem_apply_lag_seconds", "tandem_drifted_rows", "tandem_slot_wal_retained_bytes",
                "tandem_paused_tables", "tandem_pipeline_failed", "tandem_reconciliation_lag_seconds")) {
            assertTrue(metrics.contains(needed), "no alert on " + needed + "; alerts: " + names);
        }
    }

    @Test
    void manifestsRunTandemWithItsConfigAndSecretsFromTheSecret(@TempDir Path dir) throws IOException {
        Map<String, Map<String, Object>> byKind = manifests();
        assertEquals(Set.of("Namespace", "Deployment", "Service", "ConfigMap", "Secret"), byKind.keySet());
        Map<String, Object> deployment = byKind.get("Deployment");
        Map<String, Object> spec = map(deployment, "spec");
        assertTrue((Integer) spec.get("replicas") >= 2, "standbys take the capture over when the leader's pod dies");
        Map<String, Object> rollout = map(spec, "strategy");
        assertEquals("RollingUpdate", rollout.get("type"), "a new pod joins as a standby before an old one stops");
        assertEquals(0, map(rollout, "rollingUpdate").get("maxUnavailable"), "a rollout must never leave fewer standbys");
        Map<String, Object> pod = map(map(spec, "template"), "spec");
        assertEquals("kubernetes.io/hostname", list(map(map(pod, "affinity"), "podAntiAffinity"),
                "preferredDuringSchedulingIgnoredDuringExecution").get(0).entrySet().stream()
                .filter(e -> e.getKey().equals("podAffinityTerm")).map(e -> ((Map<?, ?>) e.getValue()).get("topologyKey"))
                .findFirst().orElse(null), "standbys spread over nodes: a lost node must leave one");
        assertEquals("/readyz", map(map(list(pod, "containers").get(0), "readinessProbe"), "httpGet").get("path"),
                "readiness reflects the capture role");
        assertEquals(true, map(pod, "securityContext").get("runAsNonRoot"));
        Map<String, Object> container = list(pod, "containers").get(0);
        List<String> args = strings(container, "args");
        assertTrue(strings(container, "command").contains("/opt/tandem/tandem.jar"), "the container must run the tandem jar");
        assertEquals("run", args.get(0), "the container must run `tandem run`");
        String configPath = args.get(args.indexOf("--config") + 1);
        int apiPort = Integer.parseInt(args.get(args.indexOf("--api-port") + 1));
        assertEquals("0.0.0.0", args.get(args.indexOf("--api-host") + 1), "probes and the Service need a non-loopback bind");
        assertEquals(apiPort, list(container, "ports").get(0).get("containerPort"));
        assertTrue(map(map(container, "resources"), "limits").containsKey("memory"));

        // the Secret's values, and the environment the Deployment builds from them
        Map<String, Object> secret = byKind.get("Secret");
        Map<String, String> secretValues = new HashMap<>();
        ((Map<?, ?>) secret.getOrDefault("stringData", Map.of())).forEach((k, v) -> secretValues.put((String) k, (String) v));
        ((Map<?, ?>) secret.getOrDefault("data", Map.of())).forEach((k, v) -> secretValues.put((String) k,
                new String(Base64.getDecoder().decode((String) v), StandardCharsets.UTF_8)));
        Map<String, String> environment = new HashMap<>();
        for (Map<String, Object> env : list(container, "env")) {
            Map<String, Object> ref = map(map(env, "valueFrom"), "secretKeyRef");
            assertEquals(map(secret, "metadata").get("name"), ref.get("name"), env.get("name") + " must come from the Secret");
            assertTrue(secretValues.containsKey((String) ref.get("key")), "the Secret has no key " + ref.get("key"));
            environment.put((String) env.get("name"), secretValues.get((String) ref.get("key")));
        }
        assertTrue(environment.containsKey("TANDEM_API_TOKEN"), "mutating API calls need TANDEM_API_TOKEN");

        // the ConfigMap, mounted where --config points, holds no secret and loads with that environment
        Map<String, Object> configMap = byKind.get("ConfigMap");
        Map<String, Object> data = map(configMap, "data");
        for (Object text : data.values()) {
            for (Map.Entry<String, String> value : secretValues.entrySet()) {
                assertFalse(((String) text).contains(value.getValue()), "the ConfigMap holds the Secret's " + value.getKey());
            }
            assertFalse(((String) text).toLowerCase().contains("password="), "a password in a URL: use ${VAR} from the Secret");
        }
        Map<String, Object> mount = list(container, "volumeMounts").stream()
                .filter(m -> configPath.startsWith(m.get("mountPath") + "/")).findFirst().orElseThrow();
        Map<String, Object> volume = list(pod, "volumes").stream().filter(v -> v.get("name").equals(mount.get("name")))
                .findFirst().orElseThrow();
        assertEquals(map(configMap, "metadata").get("name"), map(volume, "configMap").get("name"));
        for (Map.Entry<String, Object> file : data.entrySet()) {
            Files.writeString(dir.resolve(file.getKey()), (String) file.getValue());
        }
        MigrationConfig config = ConfigLoader.load(dir.resolve(Path.of(configPath).getFileName()), environment::get);
        assertEquals(secretValues.get("source-password"), config.source().password());
        MappingParser.parse(config.mapping());

        // the Service reaches the API port; the probes ask for paths the API serves
        Map<String, Object> service = map(byKind.get("Service"), "spec");
        assertTrue(map(map(map(spec, "template"), "metadata"), "labels").entrySet().containsAll(map(service, "selector").entrySet()),
                "the Service selector must match the pod's labels");
        Object targetPort = list(service, "ports").get(0).get("targetPort");
        assertTrue(targetPort.equals(apiPort) || targetPort.equals(list(container, "ports").get(0).get("name")));
        assertEquals("/healthz", map(map(container, "livenessProbe"), "httpGet").get("path"));
        assertEquals("/readyz", map(map(container, "readinessProbe"), "httpGet").get("path"));
    }

    @Test
    void probePathsAreServedByTheApi() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        try (ApiServer api = new ApiServer("shop", "127.0.0.1", 0, NOWHERE, ApiToken.load(null, null), () -> "")) {
            HttpResponse<String> live = http.send(HttpRequest.newBuilder(api.uri().resolve("/healthz")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, live.statusCode());
            assertEquals("ok", live.body().strip());
            HttpResponse<String> ready = http.send(HttpRequest.newBuilder(api.uri().resolve("/api/v1/migrations/shop/status")).build(),
                    HttpResponse.BodyHandlers.ofString());
            // without a new database the pod is not ready, and the answer says why (not a dropped connection)
            assertEquals(503, ready.statusCode(), ready.body());
            assertTrue(ready.body().contains("cannot read the status from tandem@127.0.0.1:1/none"), ready.body());
        }
        // readiness is the instance's role: a standby is ready, an instance that cannot hold or try the lease is not
        for (boolean reachable : new boolean[] {true, false}) {
            try (ApiServer api = new ApiServer("shop", "127.0.0.1", 0, NOWHERE, ApiToken.load(null, null), () -> "")
                    .withInstance(() -> Map.of("instance", "pod-1/7", "role", "standby", "ready", reachable))) {
                HttpResponse<String> ready = http.send(HttpRequest.newBuilder(api.uri().resolve("/readyz")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(reachable ? 200 : 503, ready.statusCode(), ready.body());
                assertTrue(ready.body().contains("\"role\":\"standby\""), ready.body());
            }
        }
    }

    /** Every sample name a scrape of the service's registry shows, with every kind of meter registered. */
    private static Set<String> exportedSampleNames() {
        PipelineConfig config = new PipelineConfig("shop", NOWHERE, NOWHERE, MappingParser.parse("mapping.yaml",
                new StringReader("tables:\n  - target: app.item\n    from: legacy.item i\n    copy_same_named: true\n")), "127.0.0.1:1");
        try (Pipeline pipeline = new Pipeline(config);
             PipelineMetrics metrics = new PipelineMetrics("shop", pipeline)
                     .bind(new WriteBlockMetrics(new PhaseStore("shop", NOWHERE)))
                     .bind(new PausedTablesMetrics("shop", NOWHERE))) {
            pipeline.backfillProgress().plan("app.item", new ChunkLedger.TableState(0, 100, 0, 2));
            metrics.reconcileGauges().tableStarted("app.item", 100);
            metrics.reconcileGauges().compared("app.item", 10);
            Set<String> names = new TreeSet<>();
            metrics.scrape().lines().filter(l -> !l.startsWith("#") && !l.isBlank())
                    .forEach(l -> names.add(l.split("[{ ]", 2)[0]));
            return names;
        } catch (IOException | InterruptedException e) {
            throw new AssertionError("cannot close the pipeline: " + e.getMessage(), e);
        }
    }

    private static boolean isDocumented(String name, Set<String> documented) {
        String base = name.replaceAll("_(bucket|count|sum|max)$", "");
        return documented.contains(name) || documented.contains(base) || documented.stream()
                .anyMatch(d -> d.endsWith("*") && name.startsWith(d.substring(0, d.length() - 1)));
    }

    private static Set<String> documentedNames() throws IOException {
        Set<String> names = new TreeSet<>();
        for (String line : Files.readAllLines(METRICS_DOC)) {
            if (line.startsWith("| `")) {
                Matcher m = DOCUMENTED.matcher(line.split("(?<!\\\\)\\|")[1]); // a cell may hold an escaped pipe
                while (m.find()) {
                    names.add(m.group(1));
                }
            }
        }
        return names;
    }

    private static Set<String> dashboardMetrics() throws IOException {
        JsonNode dashboard = JSON.readTree(DASHBOARD.toFile());
        List<String> expressions = new ArrayList<>();
        dashboard.path("panels").forEach(p -> p.path("targets").forEach(t -> expressions.add(t.path("expr").asText())));
        dashboard.path("templating").path("list").forEach(v -> expressions.add(v.path("query").asText()));
        return metricNames(expressions);
    }

    private static Set<String> alertMetrics() throws IOException {
        return metricNames(alertRules().stream().map(r -> (String) r.get("expr")).toList());
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> alertRules() throws IOException {
        Map<String, Object> root = new Yaml().load(Files.readString(ALERTS));
        List<Map<String, Object>> rules = new ArrayList<>();
        for (Map<String, Object> group : (List<Map<String, Object>>) root.get("groups")) {
            rules.addAll((List<Map<String, Object>>) group.get("rules"));
        }
        assertFalse(rules.isEmpty(), ALERTS + " holds no rules");
        return rules;
    }

    private static Set<String> metricNames(List<String> expressions) {
        Set<String> names = new TreeSet<>();
        for (String expression : expressions) {
            Matcher m = METRIC.matcher(expression.replaceAll("\"[^\"]*\"", "\"\""));
            while (m.find()) {
                names.add(m.group(1));
            }
        }
        assertFalse(names.isEmpty(), "no metric found in " + expressions);
        return names;
    }

    private static void assertBalanced(String expression) {
        int depth = 0;
        for (char c : expression.toCharArray()) {
            depth += c == '(' || c == '{' || c == '[' ? 1 : c == ')' || c == '}' || c == ']' ? -1 : 0;
            assertTrue(depth >= 0, "unbalanced brackets in " + expression);
        }
        assertEquals(0, depth, "unbalanced brackets in " + expression);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Map<String, Object>> manifests() throws IOException {
        Map<String, Map<String, Object>> byKind = new HashMap<>();
        try (Stream<Path> files = Files.list(K8S)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
                for (Object document : new Yaml().loadAll(Files.readString(file))) {
                    Map<String, Object> manifest = (Map<String, Object>) document;
                    assertEquals(null, byKind.put((String) manifest.get("kind"), manifest), "two " + manifest.get("kind") + "s");
                }
            }
        }
        return byKind;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Map<String, Object> parent, String key) {
        Object value = parent.get(key);
        assertTrue(value instanceof Map, key + " is missing in " + parent.keySet());
        return (Map<String, Object>) value;
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> list(Map<String, Object> parent, String key) {
        Object value = parent.get(key);
        assertTrue(value instanceof List, key + " is missing in " + parent.keySet());
        return (List<Map<String, Object>>) value;
    }

    @SuppressWarnings("unchecked")
    private static List<String> strings(Map<String, Object> parent, String key) {
        return ((List<Object>) parent.get(key)).stream().map(String::valueOf).toList();
    }
}
