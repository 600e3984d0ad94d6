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

/** {@code tandem demo --json --exit-when-consistent} end to end, on its own embedded stack. */
class DemoIT {

    @Test
    void demoReachesConsistencyUnderWritesAndReportsJson() throws Exception {
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        PrintStream original = System.out;
        int exit;
        System.setOut(new PrintStream(stdout, true, StandardCharsets.UTF_8));
        try {
            exit = TandemCli.commandLine().execute("demo", "--rows", "5000", "--write-rate", "100", "--duration", "8s",
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
    }

    @Test
    void negativeRowsAreRefusedWithExitCode2() {
        int exit = TandemCli.commandLine().execute("demo", "--rows", "-1", "--work-dir", "target/demo-it-bad");
        assertEquals(2, exit);
    }
}
