package dev.tandem.deploy.demo;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * What a demo run measured, printed as JSON with {@code --json} and as text otherwise.
 *
 * @param consistent      both schemas held the same rows when the run ended
 * @param rowsLegacy      rows in the legacy tables at the end
 * @param rowsNew         rows in the new tables at the end
 * @param eventsApplied   changes the applier wrote after the backfill
 * @param lagMsP50        median source-commit → applied delay
 * @param lagMsP99        99th percentile of that delay
 * @param backfillRows    rows copied by the backfill
 * @param backfillSeconds how long the backfill took
 * @param startupMs       time from start to the embedded stack being up
 * @param workloadTx      transactions the demo application committed
 * @param durationSeconds how long the workload ran
 * @param tables          per-table comparison
 */
record DemoReport(
        boolean consistent,
        @JsonProperty("rows_legacy") long rowsLegacy,
        @JsonProperty("rows_new") long rowsNew,
        @JsonProperty("events_applied") long eventsApplied,
        @JsonProperty("lag_ms_p50") long lagMsP50,
        @JsonProperty("lag_ms_p99") long lagMsP99,
        @JsonProperty("backfill_rows") long backfillRows,
        @JsonProperty("backfill_seconds") double backfillSeconds,
        @JsonProperty("startup_ms") long startupMs,
        @JsonProperty("workload_tx") long workloadTx,
        @JsonProperty("duration_seconds") double durationSeconds,
        List<TableReport> tables) {

    /** One mapped table's end state on both sides. */
    record TableReport(String legacy, @JsonProperty("new") String newDb, @JsonProperty("rows_legacy") long rowsLegacy,
                       @JsonProperty("rows_new") long rowsNew, boolean consistent) {
    }

    String asText() {
        StringBuilder sb = new StringBuilder();
        sb.append(consistent ? "CONSISTENT" : "NOT CONSISTENT").append(": legacy ").append(rowsLegacy)
                .append(" rows, new ").append(rowsNew).append(" rows\n");
        int legacyWidth = tables.stream().mapToInt(t -> t.legacy().length()).max().orElse(0);
        int freshWidth = tables.stream().mapToInt(t -> t.newDb().length()).max().orElse(0);
        String row = "  %-" + Math.max(1, legacyWidth) + "s → %-" + Math.max(1, freshWidth) + "s %9d | %9d  %s%n";
        for (TableReport t : tables) {
            sb.append(String.format(row, t.legacy(), t.newDb(), t.rowsLegacy(), t.rowsNew(), t.consistent() ? "equal" : "DIFFERENT"));
        }
        sb.append(String.format("backfill %d rows in %.1f s; %d changes applied after it; lag p50 %d ms, p99 %d ms; "
                        + "workload %d tx in %.0f s; stack up in %d ms",
                backfillRows, backfillSeconds, eventsApplied, lagMsP50, lagMsP99, workloadTx, durationSeconds, startupMs));
        return sb.toString();
    }
}
