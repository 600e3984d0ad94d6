package dev.tandem.deploy.api;

import static dev.tandem.deploy.TestSql.exec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tandem.deploy.TandemCli;
import dev.tandem.embedded.EmbeddedPostgres;
import dev.tandem.embedded.SharedTestStack;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tandem run --api-port}: status and metrics show the real pipeline; mutating calls need the token. */
class ApiIT {

    private static final String TOKEN = "s3cret-token-for-api-it";
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void statusAndMetricsAreServedAndMutationsNeedTheToken(@TempDir Path dir) throws Exception {
        EmbeddedPostgres postgres = SharedTestStack.get().postgres();
        postgres.createDatabase("api_legacy");
        postgres.createDatabase("api_new");
        exec(postgres, "api_legacy", "CREATE TABLE public.src (id int PRIMARY KEY, name text)",
                "INSERT INTO public.src SELECT g, 'n' FROM generate_series(1, 3000) g");
        exec(postgres, "api_new", "CREATE TABLE public.src (id int PRIMARY KEY, name text)");
        Files.writeString(dir.resolve("mapping.yaml"), "tables:\n  - target: public.src\n    from: public.src s\n    copy_same_named: true\n");
        Files.writeString(dir.resolve("token"), TOKEN + "\n");
        Path config = dir.resolve("migration.yaml");
        Files.writeString(config, """
                migration: api_it
                source: { url: "%s" }
                target: { url: "%s" }
                kafka: { bootstrap: "%s" }
                mapping: mapping.yaml
                backfill: { chunkRows: 300, rowsPerSecond: 1000 }
                """.formatted(postgres.jdbcUrl("api_legacy"), postgres.jdbcUrl("api_new"),
                SharedTestStack.get().kafka().bootstrapServers()));
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        String base = "http://127.0.0.1:" + port;
        CompletableFuture<Integer> run = CompletableFuture.supplyAsync(() -> TandemCli.commandLine().execute("run",
                "--config", config.toString(), "--duration", "25s", "--api-port", Integer.toString(port),
                "--api-token-file", dir.resolve("token").toString()));

        // the copy is throttled to about 3 s, long enough to see the lifecycle's phase during it
        HttpResponse<String> copying = awaitGet(base + "/api/v1/migrations/api_it/status", 200, "\"phase\":\"backfilling\"");
        assertTrue(copying.body().contains("\"route\":\"legacy\""), copying.body());
        assertTrue(awaitGet(base + "/api/v1/migrations/api_it/route", 200, "\"phase\"").body().contains("backfilling")
                || get(base + "/api/v1/migrations/api_it/status").body().contains("\"backfill_done\":true"),
                "the route shows the same phase as the status");
        HttpResponse<String> status = awaitGet(base + "/api/v1/migrations/api_it/status", 200, "\"backfill_done\":true");
        awaitGet(base + "/api/v1/migrations/api_it/status", 200, "\"phase\":\"syncing\"");
        assertEquals(3000, new ObjectMapper().readTree(status.body()).get("backfill").get(0).get("rows_copied").asInt());
        var progress = new ObjectMapper().readTree(status.body()).get("backfill_progress").get(0);
        assertEquals(3000, progress.get("rows_copied").asInt(), status.body());
        assertEquals(progress.get("chunks_planned").asInt(), progress.get("chunks_copied").asInt(), status.body());
        assertEquals(0, progress.get("eta_seconds").asInt(), status.body());

        exec(postgres, "api_legacy", "INSERT INTO public.src VALUES (3001, 'streamed')");
        HttpResponse<String> metrics = awaitGet(base + "/metrics", 200, "tandem_apply_changes_total{migration=\"api_it\"} 1");
        assertTrue(metrics.body().contains("tandem_apply_lag_seconds{migration=\"api_it\",quantile=\"0.99\"}"), metrics.body());
        assertTrue(metrics.body().contains("jvm_memory_used_bytes"), "JVM metrics");
        assertTrue(metrics.body().contains("tandem_backfill_rows_copied_total{migration=\"api_it\",table="), metrics.body());
        assertTrue(metrics.body().contains("tandem_backfill_eta_seconds{migration=\"api_it\",table=\"all\"} 0.0"),
                metrics.body());
        assertTrue(metrics.body().contains("tandem_slot_wal_retained_bytes{migration=\"api_it\",slot=\"forward\"}"),
                metrics.body());
        assertTrue(metrics.body().contains("tandem_slot_wal_retained_bytes{migration=\"api_it\",slot=\"reverse\"} -1"),
                "no reverse slot before a cutover: " + metrics.body());
        assertTrue(metrics.body().contains("tandem_sync_direction{direction=\"forward\",migration=\"api_it\"} 1"),
                metrics.body());

        String resume = base + "/api/v1/migrations/api_it/tables/public.src/resume";
        assertEquals(401, post(resume, null).statusCode());
        assertEquals(401, post(resume, "Bearer wrong").statusCode());
        HttpResponse<String> notPaused = post(resume, "Bearer " + TOKEN);
        assertEquals(409, notPaused.statusCode(), notPaused.body());
        assertFalse(notPaused.body().contains(TOKEN));
        assertEquals(404, get(base + "/api/v1/nothing").statusCode());
        assertEquals(404, get(base + "/api/v1/migrations/unknown/status").statusCode());
        assertEquals(0, run.get());
    }

    private HttpResponse<String> awaitGet(String url, int status, String contains) throws Exception {
        long deadline = System.nanoTime() + 60_000_000_000L;
        HttpResponse<String> last = null;
        while (System.nanoTime() < deadline) {
            try {
                last = get(url);
                if (last.statusCode() == status && last.body().contains(contains)) {
                    return last;
                }
            } catch (java.io.IOException notUpYet) {
                // the API starts with the run
            }
            Thread.sleep(250);
        }
        throw new AssertionError(url + " never answered " + status + " with '" + contains + "'; last: "
                + (last == null ? "no answer" : last.statusCode() + " " + last.body()));
    }

    private HttpResponse<String> get(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String url, String authorization) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).POST(HttpRequest.BodyPublishers.ofString("test"));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
