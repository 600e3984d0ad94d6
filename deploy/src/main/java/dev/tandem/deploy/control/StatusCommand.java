package dev.tandem.deploy.control;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tandem.deploy.lifecycle.ControlUnavailableException;
import dev.tandem.deploy.lifecycle.MigrationStatus;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code tandem status}: a migration's durable state, read from the control schema in the new database. */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Shows a migration's backfill, applied position, paused tables and recent operator decisions.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:no table is paused", "1:at least one table is paused (see its reason)",
                "2:invalid options, database unreachable, or no such migration"})
public final class StatusCommand implements Callable<Integer> {

    @Mixin
    ControlOptions control;

    @Option(names = "--json", description = "Print the status as one JSON object.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        Map<String, Object> status;
        try {
            status = MigrationStatus.read(control.target(), control.migration);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            return 2;
        } catch (ControlUnavailableException e) {
            System.err.println(e.getMessage());
            return 2;
        }
        if (status == null) {
            System.err.println("no migration '" + control.migration + "' in " + control.targetUrl
                    + "; check --migration and --target");
            return 2;
        }
        print(status);
        return ((List<?>) status.get("paused")).isEmpty() ? 0 : 1;
    }

    private void print(Map<String, Object> status) throws Exception {
        if (json) {
            System.out.println(new ObjectMapper().writeValueAsString(status));
            return;
        }
        System.out.println("migration " + status.get("migration") + ": " + status.get("phase") + " (route: " + status.get("route")
                + "), backfill "
                + (Boolean.TRUE.equals(status.get("backfill_done")) ? "done" : "not finished") + ", created " + status.get("created_at"));
        for (Map<String, Object> table : list(status, "backfill")) {
            System.out.println("  backfilled " + table.get("target_table") + ": " + table.get("rows_copied") + " rows as of "
                    + table.get("snapshot_lsn") + " (" + table.get("done_at") + ")");
        }
        if (!Boolean.TRUE.equals(status.get("backfill_done"))) {
            for (Map<String, Object> table : list(status, "backfill_progress")) {
                System.out.println("  copying " + table.get("target_table") + ": " + table.get("rows_copied") + " of about "
                        + table.get("rows_estimated") + " rows, " + table.get("chunks_copied") + "/" + table.get("chunks_planned")
                        + " chunks, " + table.get("rows_per_second_last_minute") + " rows/s over the last minute, ETA "
                        + (table.get("eta_seconds") == null ? "unknown" : table.get("eta_seconds") + " s"));
            }
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> sync = (Map<String, Object>) status.get("sync");
        if (sync != null) {
            System.out.println("  sync: " + sync.get("direction") + (sync.get("changes_applied") == null ? ""
                    : ", " + sync.get("changes_applied") + " changes applied since it started, lag p99 " + sync.get("lag_ms_p99")
                    + " ms over the last minute") + " (reported " + sync.get("reported_seconds_ago") + " s ago by `tandem run`)");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> leader = (Map<String, Object>) status.get("capture_leader");
        System.out.println(leader == null ? "  capture leader: none yet (no `tandem run` has captured)"
                : "  capture leader: instance " + leader.get("instance") + " on " + leader.get("host") + " since "
                  + leader.get("since") + ", heartbeat " + leader.get("heartbeat_seconds_ago") + " s ago"
                  + (Boolean.TRUE.equals(leader.get("lease_held")) ? "" : " (its lease is free: it stopped, and no standby "
                  + "has taken over yet)"));
        printSlotCreationWait(list(status, "slot_creation_wait"));
        @SuppressWarnings("unchecked")
        Map<String, Object> applied = (Map<String, Object>) status.get("applied");
        System.out.println(applied == null ? "  applied (forward): nothing streamed yet"
                : "  applied (forward): source transaction " + applied.get("tx_id") + " (after commit " + applied.get("after_commit")
                  + ", committed " + applied.get("last_source_commit") + "), applied " + applied.get("applied_at")
                  + ", " + applied.get("last_apply_delay_ms") + " ms after its commit"
                  + (applied.get("partitions") instanceof Number n && n.longValue() > 1
                        ? " (per-key ordering: the furthest behind of " + n + " partitions)" : ""));
        List<Map<String, Object>> paused = list(status, "paused");
        System.out.println(paused.isEmpty() ? "  paused tables: none" : "  paused tables:");
        for (Map<String, Object> table : paused) {
            System.out.println("    " + table.get("target_table") + " [" + table.get("state") + ", " + table.get("parked_changes")
                    + " parked changes]: " + table.get("reason"));
        }
        for (Map<String, Object> decision : list(status, "recent_decisions")) {
            System.out.println("  decision: " + decision.get("decision") + " " + decision.get("target_table") + " by "
                    + decision.get("decided_by") + " at " + decision.get("decided_at") + ": " + decision.get("detail"));
        }
    }

    /** What a slot creation waits for, from the last check of the instance creating it; nothing when none waits. */
    private static void printSlotCreationWait(List<Map<String, Object>> waits) {
        String slot = null;
        for (Map<String, Object> tx : waits) {
            if (!tx.get("slot_name").equals(slot)) {
                slot = (String) tx.get("slot_name");
                long count = waits.stream().filter(w -> w.get("slot_name").equals(tx.get("slot_name"))).count();
                System.out.println("  slot creation: " + slot + " waits for " + count + " transaction(s) that had written "
                        + "before it began (PostgreSQL starts a slot only once they end: commit or roll them back, or end "
                        + "idle sessions):");
            }
            System.out.println("    pid " + tx.get("pid") + " (" + tx.get("user") + "@" + tx.get("database")
                    + (tx.get("application") == null || tx.get("application").toString().isEmpty() ? ""
                            : ", " + tx.get("application")) + ", " + tx.get("state") + "): transaction open "
                    + tx.get("open_seconds") + " s, last ran: " + tx.get("last_query") + " (checked "
                    + tx.get("checked_seconds_ago") + " s ago)");
        }
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> list(Map<String, Object> status, String key) {
        return (List<Map<String, Object>>) status.get(key);
    }
}
