package dev.tandem.deploy.lifecycle;

import static dev.tandem.deploy.lifecycle.CutoverIT.awaitTrue;
import static dev.tandem.deploy.lifecycle.CutoverIT.exec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.capture.CaptureConfig;
import dev.tandem.capture.PgDatabase;
import dev.tandem.deploy.lifecycle.switchover.SwitchOutcome;
import dev.tandem.deploy.lifecycle.switchover.SwitchSettings;
import dev.tandem.deploy.lifecycle.verify.ContinuousReconciler;
import dev.tandem.deploy.metrics.PipelineMetrics;
import dev.tandem.reconcile.ReconcileSettings;
import dev.tandem.reconcile.Reconciler;
import dev.tandem.sync.fence.SourceFence;
import dev.tandem.sync.mapping.CompiledTable;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * After a cutover the reverse sync is what runs: the status (CLI, API) and the metrics describe it, labelled, with its
 * own counters, and the WAL of both slots is exported, not the forward sync's frozen figures; background verification
 * compares new → legacy.
 */
class ReverseVisibleIT {

    @Test
    void afterACutoverStatusAndMetricsDescribeTheReverseSync() throws Exception {
        try (CutoverFixture f = new CutoverFixture("revvisible", "(n.balance_cents / 100.0)::numeric(12,2)")) {
            f.startSync();
            Map<String, LongSupplier> slots = Map.of(
                    "forward", new SlotRetention(new CaptureConfig(f.migration, f.legacy, List.of("legacy.account"), "")),
                    "reverse", new SlotRetention(new CaptureConfig(Sides.reverseName(f.migration), f.newDb,
                            List.of("app.account"), "")));
            Sides sides = f.switchover(SwitchSettings.DEFAULTS).sides();
            ContinuousReconciler verification = new ContinuousReconciler(
                    reconciler(f.migration, f.legacy, f.newDb, sides.forward()),
                    () -> reconciler(Sides.reverseName(f.migration), f.newDb, f.legacy, sides.reverse()),
                    f.follower::direction, Duration.ofMillis(200), true);
            try (PipelineMetrics metrics = new PipelineMetrics(f.migration, f.follower::active,
                    () -> f.follower.direction().name().toLowerCase(), slots);
                 ContinuousReconciler verifying = verification.start()) {
                awaitTrue(() -> "forward".equals(sync(f).get("direction")), "the status to report the forward sync");
                assertEquals(1.0, value(metrics, "tandem_sync_direction\\{direction=\"forward\""));

                assertEquals(SwitchOutcome.SWITCHED, f.switchover(CutoverIT.LOOSE).cutover(false).outcome());
                awaitTrue(() -> f.follower.direction() == MigrationPhase.SyncDirection.REVERSE, "the reverse sync to start");
                for (int i = 0; i < 25; i++) {
                    exec(f.newDb, "INSERT INTO app.account VALUES (" + (20_000 + i) + ", 'new side', 100)");
                }
                awaitTrue(() -> "reverse".equals(sync(f).get("direction"))
                        && ((Number) sync(f).get("changes_applied")).longValue() >= 25, "the status to show the reverse sync");
                assertEquals(1.0, value(metrics, "tandem_sync_direction\\{direction=\"reverse\""));
                assertEquals(0.0, value(metrics, "tandem_sync_direction\\{direction=\"forward\""));
                awaitTrue(() -> value(metrics, "tandem_apply_changes_total\\{") >= 25, "the apply counter to follow the reverse sync");
                awaitTrue(() -> value(metrics, "tandem_slot_wal_retained_bytes\\{[^}]*slot=\"reverse\"") >= 0,
                        "the reverse slot's WAL to be exported (read every 5 s) after the cutover created it");
                assertTrue(value(metrics, "tandem_slot_wal_retained_bytes\\{[^}]*slot=\"forward\"") >= 0,
                        "the idle forward slot's WAL is exported too");
                // Verification follows too: new → legacy, fenced through the reverse sync (a forward fence would
                // wait for a sync that no longer runs and fail every pass).
                awaitTrue(() -> verifying.latest() != null && verifying.latest().tables().stream()
                        .anyMatch(t -> t.table().equals("legacy.account")) && verifying.latest().consistent(),
                        "a consistent new → legacy verification pass while the new side is live");
            }
        }
    }

    private static Reconciler reconciler(String syncMigration, PgDatabase from, PgDatabase to, List<CompiledTable> tables) {
        return new Reconciler(syncMigration, from, to, tables, ReconcileSettings.DEFAULTS, new SourceFence(syncMigration, from, to));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> sync(CutoverFixture f) throws Exception {
        Map<String, Object> status = MigrationStatus.read(f.newDb, f.migration);
        Object sync = status == null ? null : status.get("sync");
        return sync == null ? Map.of() : (Map<String, Object>) sync;
    }

    private static double value(PipelineMetrics metrics, String series) {
        Matcher m = Pattern.compile("(?m)^" + series + "[^\\n]*\\s(\\S+)$").matcher(metrics.scrape());
        return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
    }
}
