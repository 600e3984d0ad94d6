package dev.tandem.deploy.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tandem.deploy.TandemCli;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * {@code tandem demo --json --exit-when-consistent} end to end, on its own embedded stack: backfill, stream, verify,
 * cutover, the workload on the new schema (following the OFREP route flag), rollback, the workload on legacy again,
 * and the final comparison.
 */
class DemoIT {

    @Test
    void demoCutsOverAndRollsBackUnderWritesAndEndsConsistent() throws Exception {
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        PrintStream original = System.out;
        int exit;
        System.setOut(new PrintStream(stdout, true, StandardCharsets.UTF_8));
        try {
            exit = TandemCli.commandLine().execute("demo", "--rows", "5000", "--write-rate", "100", "--duration", "9s",
                    "--write-block-budget", "3s",
                    "--exit-when-consistent", "--json", "--work-dir", "target/demo-it", "--progress-interval", "1s");
        } finally {
            System.setOut(original);
        }
        String out = stdout.toString(StandardCharsets.UTF_8).trim();
        assertEquals(0, exit, "demo exit code; stdout was: " + out);
        JsonNode report = new ObjectMapper().readTree(out); // stdout holds exactly one JSON object
        assertTrue(report.get("consistent").asBoolean());
        long legacyRows = report.get("rows_legacy").asLong();
        assertEquals(legacyRows, report.get("rows_new").asLong());
        assertTrue(legacyRows >= 5000, "legacy rows " + legacyRows);
        assertTrue(report.get("events_applied").asLong() > 0, "no change was streamed: " + out);
        assertTrue(report.get("workload_tx").asLong() > 0);
        assertTrue(report.get("lag_ms_p99").asLong() >= report.get("lag_ms_p50").asLong());
        assertEquals(4, report.get("tables").size()); // customer is split in two, loyalty merged into it
        assertTrue(report.get("tables").toString().contains("legacy.tbl_customer + legacy.tbl_cust_loyalty"),
                "shop.customer is verified as the merge of two legacy tables: " + report.get("tables"));

        for (String operation : new String[] {"cutover", "rollback"}) {
            JsonNode figures = report.get(operation);
            assertEquals("switched", figures.get("outcome").asText(), operation + ": " + figures);
            assertTrue(figures.get("block_ms").asLong() > 0, operation + " reports its write block: " + figures);
            assertTrue(figures.get("phase_ms").has("drain"), operation + " reports the block per phase: " + figures);
        }
        JsonNode orderSequence = null;
        for (JsonNode sequence : report.get("cutover").get("sequences")) {
            if (sequence.get("column").asText().equals("shop.orders.id")) {
                orderSequence = sequence;
            }
        }
        assertTrue(orderSequence != null, "the cutover set the new side's order sequence: " + report.get("cutover"));
        JsonNode newSide = report.get("new_side");
        long orders = newSide.get("orders").asLong();
        assertTrue(newSide.get("transactions").asLong() > 0 && orders > 0, "the workload wrote to the new schema: " + newSide);
        assertTrue(newSide.get("first_order_key").asLong() >= orderSequence.get("next").asLong()
                        && orderSequence.get("next").asLong() > orderSequence.get("column_max").asLong(),
                "new-side orders take their keys from the new side's sequence, set past every order by the cutover: "
                        + newSide + " " + orderSequence);
        assertEquals(orders, newSide.get("orders_on_legacy").asLong(),
                "every order written on the new side reached legacy through the reverse sync: " + newSide);
        assertTrue(report.get("workload_tx").asLong() > newSide.get("transactions").asLong(),
                "the workload also wrote to legacy, before the cutover and after the rollback");
        assertTrue(report.get("timeline").toString().contains("rollback"), report.get("timeline").toString());
    }

    @Test
    void negativeRowsAreRefusedWithExitCode2() {
        int exit = TandemCli.commandLine().execute("demo", "--rows", "-1", "--work-dir", "target/demo-it-bad");
        assertEquals(2, exit);
    }
}
