package dev.tandem.reconcile;

import static dev.tandem.reconcile.ReconcileFixture.exec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.capture.PgDatabase;
import dev.tandem.reconcile.repair.RepairReport;
import dev.tandem.reconcile.repair.Repairer;
import dev.tandem.sync.fence.SyncFence;
import dev.tandem.sync.mapping.CompiledTable;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Repair writes like the sync does (session_replication_role = replica): a missing child row is repaired before its
 * missing parent, as the tables come, without the new side's foreign key refusing it in between.
 */
class RepairForeignKeyIT {

    private static final String MAPPING = """
            tables:
              - target: app.line
                from: legacy.line l
                key: { id: l.id }
                columns: { order_id: l.order_id, qty: l.qty }
              - target: app.orders
                from: legacy.orders o
                key: { id: o.id }
                columns: { note: o.note }
            """;

    @Test
    void aChildIsRepairedBeforeItsParentWithoutTheForeignKeyRefusingIt() throws Exception {
        PgDatabase legacy = ReconcileFixture.fresh("rc_fk_legacy");
        PgDatabase target = ReconcileFixture.fresh("rc_fk_new");
        exec(legacy, "CREATE SCHEMA legacy", "CREATE TABLE legacy.orders (id int PRIMARY KEY, note text)",
                "CREATE TABLE legacy.line (id int PRIMARY KEY, order_id int NOT NULL REFERENCES legacy.orders, qty int)",
                "INSERT INTO legacy.orders SELECT g, 'order ' || g FROM generate_series(1, 50) g",
                "INSERT INTO legacy.line SELECT g, g, 1 FROM generate_series(1, 50) g");
        exec(target, "CREATE SCHEMA app", "CREATE TABLE app.orders (id int PRIMARY KEY, note text)",
                "CREATE TABLE app.line (id int PRIMARY KEY, order_id int NOT NULL REFERENCES app.orders, qty int)",
                "INSERT INTO app.orders SELECT g, 'order ' || g FROM generate_series(1, 49) g",
                "INSERT INTO app.line SELECT g, g, 1 FROM generate_series(1, 49) g");
        List<CompiledTable> tables = ReconcileFixture.compile(MAPPING, legacy, target);
        ReconcileSettings settings = new ReconcileSettings(Duration.ofMillis(500), 700, 2_000, 2, 2,
                Duration.ofSeconds(10), 40, 100, 1000, Duration.ZERO);
        Reconciler reconciler = new Reconciler("rc_fk", legacy, target, tables, settings, SyncFence.NONE);
        PassReport drifted = reconciler.verifyPass();
        assertFalse(drifted.consistent(), "order 50 and its line are missing on the new side");

        Repairer repairer = new Repairer(reconciler, legacy, target, SyncFence.NONE, Duration.ofSeconds(5));
        for (CompiledTable table : tables) { // app.line first: its row references an order not repaired yet
            TableReport report = drifted.tables().stream().filter(r -> r.table().equals(table.target())).findFirst()
                    .orElseThrow();
            RepairReport done = repairer.repair(table, report.drift(), false);
            assertTrue(done.remaining().isEmpty(), () -> table.target() + " after repair: " + done.remaining());
        }
        assertTrue(reconciler.verifyPass().consistent());
        assertEquals(50, ReconcileFixture.queryLong(target, "SELECT count(*) FROM app.line l JOIN app.orders o "
                + "ON o.id = l.order_id"), "every line has its order once both are repaired");
    }
}
