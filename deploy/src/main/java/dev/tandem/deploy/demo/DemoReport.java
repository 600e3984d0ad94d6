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
 * @param cutover         the cutover, or null when the demo did not switch
 * @param rollback        the rollback, or null when the demo did not get that far
 * @param newSide         what the application wrote while the new schema was live
 * @param timeline        each step of the run, with the seconds since the start
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
        List<TableReport> tables,
        SwitchFigures cutover,
        SwitchFigures rollback,
        @JsonProperty("new_side") NewSide newSide,
        List<DemoTimeline.Moment> timeline) {

    /**
     * The application's writes while the new schema was live.
     *
     * @param transactions   transactions committed on the new side
     * @param orders         orders inserted there, keys from the new side's sequence
     * @param firstOrderKey  the first of those keys (0 when none)
     * @param lastOrderKey   the last of them
     * @param ordersOnLegacy how many of those orders legacy holds at the end (all of them, after the rollback)
     * @param refusals       writes the write blocks refused and the application retried on the side the route named
     */
    record NewSide(long transactions, long orders, @JsonProperty("first_order_key") long firstOrderKey,
                   @JsonProperty("last_order_key") long lastOrderKey, @JsonProperty("orders_on_legacy") long ordersOnLegacy,
                   @JsonProperty("write_refusals") long refusals) {
    }

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
        if (cutover != null) {
            sb.append("\ncutover:  ").append(cutover.summary());
        }
        if (rollback != null) {
            sb.append("\nrollback: ").append(rollback.summary());
        }
        if (newSide != null && newSide.transactions() > 0) {
            sb.append(String.format("%nwhile the new schema was live: %d transactions, %d orders (keys %d–%d from its sequence), "
                            + "%d of them on legacy now; %d writes refused by a write block and retried",
                    newSide.transactions(), newSide.orders(), newSide.firstOrderKey(), newSide.lastOrderKey(),
                    newSide.ordersOnLegacy(), newSide.refusals()));
        }
        if (!timeline.isEmpty()) {
            sb.append("\ntimeline:");
            timeline.forEach(m -> sb.append("\n").append(m));
        }
        return sb.toString();
    }
}
