package dev.tandem.deploy.api;

import static dev.tandem.deploy.TestSql.exec;
import static dev.tandem.deploy.api.HeadlessChromium.tag;
import static dev.tandem.deploy.api.HeadlessChromium.text;
import static dev.tandem.deploy.api.HeadlessChromium.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tandem.capture.PgDatabase;
import dev.tandem.deploy.lifecycle.PhaseListener;
import dev.tandem.deploy.lifecycle.PhaseStore;
import dev.tandem.deploy.metrics.PipelineMetrics;
import dev.tandem.deploy.metrics.WriteBlockMetrics;
import dev.tandem.embedded.EmbeddedPostgres;
import dev.tandem.embedded.SharedTestStack;
import dev.tandem.sync.mapping.MappingParser;
import dev.tandem.sync.pipeline.Pipeline;
import dev.tandem.sync.pipeline.PipelineConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.text.NumberFormat;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The status page at {@code /}, loaded in headless Chromium against a running migration, shows the numbers the
 * API and the databases hold at that moment, and never the API token.
 */
class StatusPageIT {

    private static final String MIGRATION = "page_it";
    private static final String TOKEN = "page-it-secret-token-7f3a";
    private static final Pattern CHANGES = Pattern.compile("(?m)^tandem_apply_changes_total\\{migration=\"page_it\"} (\\S+)$");
    private final HttpClient http = HttpClient.newHttpClient();
    private final ObjectMapper json = new ObjectMapper();

    @Test
    void thePageShowsTheLiveNumbersOfARunningMigration(@TempDir Path dir) throws Exception {
        HeadlessChromium.requireInstalled();
        EmbeddedPostgres postgres = SharedTestStack.get().postgres();
        postgres.createDatabase("page_legacy");
        postgres.createDatabase("page_new");
        exec(postgres, "page_legacy", "CREATE TABLE public.item (id int PRIMARY KEY, name text, qty int NOT NULL)",
                "INSERT INTO public.item SELECT g, 'item ' || g, g FROM generate_series(1, 300) g",
                "CREATE TABLE public.note (id int PRIMARY KEY, body text)",
                "INSERT INTO public.note SELECT g, 'note ' || g FROM generate_series(1, 40) g");
        exec(postgres, "page_new", "CREATE TABLE public.item (id int PRIMARY KEY, name text, qty int NOT NULL CHECK (qty >= 0))",
                "CREATE TABLE public.note (id int PRIMARY KEY, body text)");
        Path mapping = dir.resolve("mapping.yaml");
        Files.writeString(mapping, """
                tables:
                  - target: public.item
                    from: public.item i
                    copy_same_named: true
                  - target: public.note
                    from: public.note n
                    copy_same_named: true
                """);
        PgDatabase legacy = new PgDatabase("127.0.0.1", postgres.port(), "page_legacy", "postgres", "");
        PgDatabase newDb = new PgDatabase("127.0.0.1", postgres.port(), "page_new", "postgres", "");
        PhaseStore store = new PhaseStore(MIGRATION, newDb);
        PipelineConfig config = new PipelineConfig(MIGRATION, legacy, newDb, MappingParser.parse(mapping),
                SharedTestStack.get().kafka().bootstrapServers());

        try (Pipeline pipeline = new Pipeline(config).reportingTo(new PhaseListener(store, "test"));
             PipelineMetrics metrics = new PipelineMetrics(MIGRATION, pipeline).bind(new WriteBlockMetrics(store));
             ApiServer api = new ApiServer(MIGRATION, "127.0.0.1", 0, newDb, ApiToken.load(null, TOKEN), metrics::scrape)) {
            pipeline.start();
            String base = api.uri().toString();

            // live: a workload streams while the page polls
            AtomicBoolean writing = new AtomicBoolean(true);
            AtomicInteger notesWritten = new AtomicInteger();
            Thread workload = new Thread(() -> write(postgres, writing, notesWritten), "page-it-workload");
            workload.start();
            long before;
            long after;
            String live;
            try {
                awaitChanges(metrics, 1);
                before = changesApplied(metrics);
                live = HeadlessChromium.dumpDom(base, 8000, dir);
                after = changesApplied(metrics);
            } finally {
                writing.set(false);
                workload.join();
            }
            long shown = Long.parseLong(value(live, "changes-applied"));
            assertTrue(before <= shown && shown <= after,
                    "changes applied on the page " + shown + " is not between the metric before (" + before
                            + ") and after (" + after + ") the page was loaded");
            assertTrue(shown > 0, "the page shows no applied change");
            assertEquals(NumberFormat.getIntegerInstance(Locale.US).format(shown), text(live, "changes-applied"));
            assertEquals(MIGRATION, text(live, "migration-name"));
            assertEquals("legacy", text(live, "route"));
            assertEquals("syncing", text(live, "phase"));
            assertEquals("running", text(live, "pipeline-state"));
            assertTrue(Double.parseDouble(value(live, "apply-rate")) > 0, "apply rate while writing: " + tag(live, "apply-rate"));
            assertFalse(value(live, "lag-p99").isEmpty(), "lag p99 shown");
            assertEquals("340", value(live, "backfill-rows"));
            assertEquals("done", text(live, "backfill-state"));
            assertTrue(live.contains("id=\"table-public.item\"") && live.contains("id=\"table-public.note\""),
                    "both tables are listed");
            Matcher ratePoints = Pattern.compile("<polyline class=\"series\"[^>]*data-points=\"(\\d+)\"").matcher(live);
            assertTrue(ratePoints.find() && Integer.parseInt(ratePoints.group(1)) >= 2, "the apply-rate chart has a line");
            assertEquals("—", text(live, "wb-cutover-total"), "no cutover yet");
            assertTrue(live.contains("<ul id=\"errors\" class=\"errors\"></ul>"), "no endpoint failed: " + tag(live, "errors"));

            // quiet: a rejected row pauses a table, a coordinator's note and a write block are recorded
            exec(postgres, "page_legacy", "INSERT INTO public.item VALUES (1000, 'broken', -1)");
            try (Connection c = postgres.connect("page_new")) {
                PhaseStore.ensure(c);
                store.record(c, "page-it", "note", "coordinator checked the dashboard");
                store.recordBlock(c, "cutover", Map.of("fence", 12L, "drain", 34L, "verify", 56L, "switch", 7L), 123L);
            }
            JsonNode paused = awaitPaused(base).get("paused").get(0);
            long settled = awaitSettled(metrics);
            String quiet = HeadlessChromium.dumpDom(base, 5000, dir);
            assertEquals(Long.toString(settled), value(quiet, "changes-applied"));
            assertEquals(Integer.toString(notesWritten.get()), tableValue(quiet, "public.note", "changes-applied"),
                    "every streamed note is counted for public.note");
            assertEquals("0", tableValue(quiet, "public.item", "changes-applied"), "the rejected item change is parked");
            assertTrue(quiet.contains(html(paused.get("reason").asText())), "the paused table's reason is shown: "
                    + paused.get("reason").asText());
            assertTrue(quiet.contains("<li data-table=\"public.item\">"), "public.item is listed as paused");
            assertTrue(quiet.contains("coordinator checked the dashboard"), "the newest audit entry is shown");
            assertEquals("123", value(quiet, "wb-cutover-total"));
            assertEquals("12", value(quiet, "wb-cutover-fence"));
            assertEquals("", value(quiet, "wb-rollback-total"));
            assertEquals("—", text(quiet, "wb-rollback-total"), "no rollback yet");
            assertEquals("—", text(quiet, "verified-fraction"), "no verification metric in this process");

            // the page and its assets are served by tandem, without secrets
            assertEquals(Map.of("migrations", java.util.List.of(MIGRATION)),
                    json.readValue(get(base + "api/v1/migrations").body(), Map.class));
            for (String asset : new String[] {"", "index.html", "page.js", "page.css"}) {
                HttpResponse<String> response = get(base + asset);
                assertEquals(200, response.statusCode(), asset);
                assertFalse(response.body().contains(TOKEN), asset + " carries the API token");
                assertTrue(response.headers().firstValue("Content-Security-Policy").orElse("").contains("default-src 'none'"),
                        asset + " has the content security policy");
            }
            assertFalse(live.contains(TOKEN) || quiet.contains(TOKEN), "the rendered page carries the API token");
        }
    }

    private static void write(EmbeddedPostgres postgres, AtomicBoolean writing, AtomicInteger written) {
        try (Connection c = postgres.connect("page_legacy");
             var insert = c.prepareStatement("INSERT INTO public.note VALUES (?, 'streamed')")) {
            for (int id = 1000; writing.get(); id++) {
                insert.setInt(1, id);
                insert.executeUpdate();
                written.incrementAndGet();
                Thread.sleep(20);
            }
        } catch (Exception e) {
            throw new IllegalStateException("the page test's workload failed", e);
        }
    }

    private static long changesApplied(PipelineMetrics metrics) {
        Matcher m = CHANGES.matcher(metrics.scrape());
        if (!m.find()) {
            throw new AssertionError("no tandem_apply_changes_total for " + MIGRATION + " in /metrics");
        }
        return (long) Double.parseDouble(m.group(1));
    }

    private static void awaitChanges(PipelineMetrics metrics, long atLeast) throws InterruptedException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (changesApplied(metrics) < atLeast) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no change was applied within 60 s");
            }
            Thread.sleep(100);
        }
    }

    /** The changes-applied count once it stopped moving for 1.5 s. */
    private static long awaitSettled(PipelineMetrics metrics) throws InterruptedException {
        long last = changesApplied(metrics);
        for (int stable = 0; stable < 3; ) {
            Thread.sleep(500);
            long now = changesApplied(metrics);
            stable = now == last ? stable + 1 : 0;
            last = now;
        }
        return last;
    }

    private JsonNode awaitPaused(String base) throws Exception {
        long deadline = System.nanoTime() + 60_000_000_000L;
        JsonNode status = null;
        while (System.nanoTime() < deadline) {
            status = json.readTree(get(base + "api/v1/migrations/" + MIGRATION + "/status").body());
            if (status.get("paused").size() > 0) {
                return status;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("public.item did not pause within 60 s; status: " + status);
    }

    private HttpResponse<String> get(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The {@code data-value} of a column (by its class) in a table's row of the tables section. */
    private static String tableValue(String dom, String table, String column) {
        Matcher row = Pattern.compile("<tr id=\"table-" + Pattern.quote(table) + "\".*?</tr>", Pattern.DOTALL).matcher(dom);
        assertTrue(row.find(), "no row for " + table + " in the tables section");
        Matcher cell = Pattern.compile("<td class=\"" + Pattern.quote(column) + "\" data-value=\"([^\"]*)\"").matcher(row.group());
        assertTrue(cell.find(), "no " + column + " cell for " + table + ": " + row.group());
        return cell.group(1);
    }

    private static String html(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\u00a0", "&nbsp;");
    }
}
