package dev.tandem.deploy.verify;

import dev.tandem.deploy.lifecycle.verify.ContinuousReconciler;
import static dev.tandem.deploy.TestSql.exec;
import static dev.tandem.deploy.TestSql.single;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tandem.capture.PgDatabase;
import dev.tandem.deploy.api.ApiServer;
import dev.tandem.deploy.api.ApiToken;
import dev.tandem.deploy.metrics.ReconcileGauges;
import dev.tandem.embedded.EmbeddedPostgres;
import dev.tandem.embedded.SharedTestStack;
import dev.tandem.reconcile.ReconcileSettings;
import dev.tandem.reconcile.Reconciler;
import dev.tandem.sync.fence.SyncFence;
import dev.tandem.sync.mapping.MappingParser;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tandem verify}, {@code diff} and {@code repair} from a config file, with their JSON and exit codes; the same
 * over the HTTP API; and the reconciler's metrics.
 */
class ReconcileCommandsIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static EmbeddedPostgres postgres;
    private static Path config;
    private static Path mapping;

    @BeforeAll
    static void databases(@TempDir Path dir) throws Exception {
        postgres = SharedTestStack.get().postgres();
        exec(postgres, "postgres", "DROP DATABASE IF EXISTS rcmd_legacy WITH (FORCE)", "DROP DATABASE IF EXISTS rcmd_new WITH (FORCE)",
                "CREATE DATABASE rcmd_legacy", "CREATE DATABASE rcmd_new");
        exec(postgres, "rcmd_legacy", "CREATE TABLE public.src (id int PRIMARY KEY, name text)",
                "INSERT INTO public.src SELECT g, 'n' || g FROM generate_series(1, 3000) g");
        exec(postgres, "rcmd_new", "CREATE TABLE public.dst (id int PRIMARY KEY, name text)",
                "INSERT INTO public.dst SELECT g, 'n' || g FROM generate_series(1, 3000) g");
        mapping = dir.resolve("mapping.yaml");
        Files.writeString(mapping, """
                tables:
                  - target: public.dst
                    from: public.src s
                    copy_same_named: true
                """);
        config = dir.resolve("migration.yaml");
        Files.writeString(config, """
                migration: rcmd
                source:
                  url: %s
                target:
                  url: %s
                kafka:
                  bootstrap: "127.0.0.1:1"
                mapping: mapping.yaml
                reconcile:
                  parallelism: 2
                  chunk_time: 200ms
                """.formatted(postgres.jdbcUrl("rcmd_legacy"), postgres.jdbcUrl("rcmd_new")));
    }

    @Test
    void commandsReportDriftWithExitCodesAndRepairIt() throws Exception {
        CliRun clean = run("verify", "--config", config.toString(), "--no-fence", "--json");
        assertEquals(0, clean.code(), clean::toString);
        assertTrue(JSON.readTree(clean.out()).get("consistent").asBoolean());
        assertEquals(3000, JSON.readTree(clean.out()).get("rows_compared").asLong());

        exec(postgres, "rcmd_new", "UPDATE public.dst SET name = 'changed' WHERE id = 7", "DELETE FROM public.dst WHERE id = 2500");
        CliRun drift = run("verify", "--config", config.toString(), "--no-fence", "--json");
        assertEquals(1, drift.code(), drift::toString);
        JsonNode table = JSON.readTree(drift.out()).get("tables").get(0);
        assertEquals(2, table.get("drifted_rows").asLong());
        assertEquals("different", table.get("drift").get(0).get("kind").asText().equals("missing")
                ? table.get("drift").get(1).get("kind").asText() : table.get("drift").get(0).get("kind").asText());

        CliRun ranged = run("diff", "--config", config.toString(), "--no-fence", "--table", "public.dst", "--key-range", "1..100", "--json");
        assertEquals(1, ranged.code(), ranged::toString);
        JsonNode rangedTable = JSON.readTree(ranged.out());
        assertEquals(1, rangedTable.get("drifted_rows").asLong(), "only id 7 lies in (1, 100]");
        assertEquals("[\"7\"]", rangedTable.get("drift").get(0).get("target_key").toString());
        assertEquals("[\"name\"]", rangedTable.get("drift").get(0).get("columns").toString());
        assertEquals(2, run("diff", "--config", config.toString(), "--no-fence", "--table", "public.dst", "--key-range", "1,2..3").code(),
                "a composite range for a one-column key is refused");
        assertEquals(2, run("diff", "--config", config.toString(), "--no-fence", "--table", "public.nope").code());

        CliRun dry = run("repair", "--config", config.toString(), "--no-fence", "--dry-run", "--json");
        assertEquals(0, dry.code(), dry::toString);
        assertEquals(2, JSON.readTree(dry.out()).get("tables").get(0).get("actions").size());
        assertEquals("changed", single(postgres, "rcmd_new", "SELECT name FROM public.dst WHERE id = 7"), "a dry run writes nothing");
        CliRun repaired = run("repair", "--config", config.toString(), "--no-fence");
        assertEquals(0, repaired.code(), repaired::toString);
        assertEquals(0, run("verify", "--config", config.toString(), "--no-fence").code());
    }

    @Test
    void apiServesVerificationStatusAndRunsVerifyAndRepair() throws Exception {
        PgDatabase legacy = PgDatabase.fromUrl(postgres.jdbcUrl("rcmd_legacy"), "");
        PgDatabase target = PgDatabase.fromUrl(postgres.jdbcUrl("rcmd_new"), "");
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Reconciler reconciler = Reconciler.forMapping("rcmd_api", legacy, target, MappingParser.parse(mapping), ReconcileSettings.DEFAULTS,
                SyncFence.NONE).reportingTo(new ReconcileGauges(registry));
        HttpClient http = HttpClient.newHttpClient();
        try (ContinuousReconciler background = new ContinuousReconciler(reconciler, Duration.ofHours(1), false).start();
             ApiServer api = new ApiServer("rcmd_api", "127.0.0.1", 0, target, ApiToken.load(null, "secret"), registry::scrape, () -> background)) {
            String base = api.uri() + "api/v1/migrations/rcmd_api/";
            assertEquals(401, post(http, base + "verify", null).statusCode());
            assertEquals(202, post(http, base + "verify", "secret").statusCode());
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (background.latest() == null && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            HttpResponse<String> status = http.send(HttpRequest.newBuilder(URI.create(base + "verification")).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, status.statusCode());
            JsonNode body = JSON.readTree(status.body());
            assertTrue(body.get("pass_consistent").asBoolean(), status.body());
            assertEquals(3000, body.get("tables").get(0).get("rows_compared").asLong());
            HttpResponse<String> repair = post(http, base + "repair?dry_run=true", "secret");
            assertEquals(200, repair.statusCode(), repair.body());
            assertTrue(JSON.readTree(repair.body()).get("repaired").asBoolean());
            String metrics = registry.scrape();
            assertTrue(metrics.contains("tandem_verified_fraction{table=\"public.dst\"} 1.0"), metrics);
            assertTrue(metrics.contains("tandem_reconcile_rows_compared_total{table=\"public.dst\"} 3000.0"), metrics);
            assertTrue(metrics.contains("tandem_drifted_rows{table=\"public.dst\"} 0.0"), metrics);
            assertTrue(metrics.contains("tandem_unsettled_rows{table=\"public.dst\"} 0.0"), metrics);
            assertTrue(metrics.contains("tandem_reconciliation_lag_seconds{table=\"public.dst\"}"), metrics);
        }
    }

    private static HttpResponse<String> post(HttpClient http, String url, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).POST(HttpRequest.BodyPublishers.noBody());
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static CliRun run(String... args) {
        return CliRun.of(args);
    }
}
