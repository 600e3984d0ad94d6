package dev.tandem.deploy.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tandem.deploy.TandemCli;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code tandem bench --quick --json} end to end, on its own embedded servers: checks the report's
 * shape only. Performance is never asserted here; the numbers of a quick run mean nothing.
 */
class BenchIT {

    /** Figures every part that ran must report as positive numbers. */
    private static final List<String> MEASURED = List.of(
            "sync.tandem_rows_per_s", "sync.native_rows_per_s", "sync.ratio",
            "steady.p50_ms", "steady.p95_ms", "steady.p99_ms",
            "steady.native_p50_ms", "steady.native_p95_ms", "steady.native_p99_ms",
            "backfill.ratio", "backfill.tandem_rows_per_s", "backfill.copy_rows_per_s",
            "reconcile.ratio", "reconcile.tandem_rows_per_s", "reconcile.baseline_rows_per_s",
            "cutover.write_block_median_ms", "cutover.write_block_max_ms", "cutover.rollback_write_block_median_ms",
            "cutover.rollback_write_block_max_ms", "cutover.application_tx_per_s",
            "large_tx.tandem_rows_per_s", "large_tx.native_rows_per_s", "large_tx.ratio",
            "large_tx.tandem_commit_to_visible_s", "large_tx.native_commit_to_visible_s",
            "large_tx.tandem_peak_heap_mib", "large_tx.heap_max_mib",
            "resources.peak_heap_mib", "resources.peak_rss_mib", "resources.cpu_s_per_million_events");

    @Test
    void quickBenchPrintsOneJsonReportWithEveryFigure() throws Exception {
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        PrintStream original = System.out;
        int exit;
        System.setOut(new PrintStream(stdout, true, StandardCharsets.UTF_8));
        try {
            exit = TandemCli.commandLine().execute("bench", "--quick", "--json", "--work-dir", "target/bench-it");
        } finally {
            System.setOut(original);
        }
        String out = stdout.toString(StandardCharsets.UTF_8).trim();
        assertEquals(0, exit, "bench exit code; stdout was: " + out);
        JsonNode report = new ObjectMapper().readTree(out); // stdout holds exactly one JSON object

        for (String key : MEASURED) {
            JsonNode value = at(report, key);
            assertTrue(value.isNumber() && value.asDouble() > 0, key + " should be a positive number, was " + value);
        }
        assertEquals(2, report.at("/cutover/switches").size(), "--quick runs one cutover and one rollback");
        assertEquals(1, report.at("/sync/runs").size(), "--quick runs each part once");
        assertEquals(1, report.at("/backfill/sizes").size());
        assertLargeTransactionFiguresAgree(report.get("large_tx"));
        assertTrue(report.at("/machine/cpus").asInt() > 0, "machine.cpus is reported");
        assertTrue(report.at("/machine/postgresql").asText().startsWith("18"), "PostgreSQL version reported");
        assertEquals(0, report.get("errors").size(), "no part failed: " + report.get("errors"));
    }

    @Test
    void unknownPartIsRefusedWithExitCode2() {
        int exit = TandemCli.commandLine().execute("bench", "--parts", "sync,warp", "--work-dir", "target/bench-it-bad");
        assertEquals(2, exit);
    }

    /** The large-tx part's figures follow from each other: a quick run has one run, so medians are that run's. */
    private static void assertLargeTransactionFiguresAgree(JsonNode largeTx) {
        assertEquals(BenchSettings.QUICK_LARGE_TX_ROWS, largeTx.get("rows").asLong(), "--quick updates " + BenchSettings.QUICK_LARGE_TX_ROWS + " rows");
        assertEquals(1, largeTx.get("runs").size());
        double tandem = largeTx.get("tandem_rows_per_s").asDouble();
        double nativeRate = largeTx.get("native_rows_per_s").asDouble();
        assertEquals(tandem / nativeRate, largeTx.get("ratio").asDouble(), 0.01 * tandem / nativeRate,
                "ratio is tandem's rows/s over native's");
        assertEquals(largeTx.get("rows").asDouble() / largeTx.get("tandem_commit_to_visible_s").asDouble(), tandem,
                0.05 * tandem, "tandem's rows/s is the rows over its commit→visible seconds");
        assertTrue(largeTx.get("tandem_peak_heap_mib").asDouble() <= largeTx.get("heap_max_mib").asDouble(),
                "the peak heap cannot exceed the maximum heap: " + largeTx);
    }

    /** The node at a dotted key ({@code sync.ratio} is {@code {"sync": {"ratio": …}}}); fails when it is missing. */
    private static JsonNode at(JsonNode report, String dotted) {
        JsonNode node = report.at("/" + dotted.replace('.', '/'));
        assertNotNull(node);
        assertTrue(!node.isMissingNode(), dotted + " is missing from the report");
        return node;
    }
}
