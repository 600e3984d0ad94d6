package dev.tandem.reconcile;

import static dev.tandem.reconcile.ReconcileFixture.exec;
import static dev.tandem.reconcile.ReconcileFixture.queryLong;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.tandem.capture.PgDatabase;
import dev.tandem.sync.fence.SyncFence;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A chunk with many drifted rows stores only the first {@code driftPerChunk} of them, while every count (the chunk's,
 * the table's consistency record, the report) stays exact and the report keeps {@code sampleCap} samples.
 */
class DriftCapIT {

    @Test
    void storedDriftIsCappedPerChunkAndCountsStayExact() throws Exception {
        PgDatabase legacy = ReconcileFixture.fresh("rc_cap_legacy");
        PgDatabase target = ReconcileFixture.fresh("rc_cap_new");
        exec(legacy, "CREATE SCHEMA legacy", "CREATE TABLE legacy.t (id int PRIMARY KEY, v text)",
                "INSERT INTO legacy.t SELECT g, 'v' || g FROM generate_series(1, 3000) g");
        exec(target, "CREATE SCHEMA app", "CREATE TABLE app.t (id int PRIMARY KEY, v text)",
                "INSERT INTO app.t SELECT g, 'v' || g FROM generate_series(1, 3000) g",
                "DELETE FROM app.t WHERE id BETWEEN 101 AND 180",            // 80 missing in the first chunk
                "UPDATE app.t SET v = 'x' WHERE id BETWEEN 1101 AND 1140",  // 40 different in the second
                "INSERT INTO app.t SELECT g, 'extra' FROM generate_series(5001, 5030) g"); // 30 extra in the last
        var tables = ReconcileFixture.compile("""
                tables:
                  - target: app.t
                    from: legacy.t s
                    key: { id: s.id }
                    columns: { v: s.v }
                """, legacy, target);
        ReconcileSettings settings = new ReconcileSettings(Duration.ofSeconds(30), 1_000, 1_000, 1, 3, Duration.ofSeconds(5), 50, 7,
                1000, Duration.ZERO).withDriftPerChunk(25);
        PassReport report = new Reconciler("cap", legacy, target, tables, settings, SyncFence.NONE).verifyPass();
        assertFalse(report.consistent());
        TableReport t = report.tables().get(0);
        assertEquals(150, t.driftedRows(), "counts stay exact: " + t);
        assertEquals(7, t.drift().size(), "the report keeps sampleCap samples");
        long pass = report.passId();
        assertEquals(25 + 25 + 25, queryLong(target, "SELECT count(*) FROM tandem.drifted_row WHERE pass_id = " + pass),
                "at most driftPerChunk rows are stored per chunk");
        assertEquals(25, queryLong(target, "SELECT count(*) FROM tandem.drifted_row WHERE pass_id = " + pass + " AND kind = 'EXTRA'"));
        assertEquals(150, queryLong(target, "SELECT sum(drifted_rows) FROM tandem.reconcile_chunk WHERE pass_id = " + pass));
        assertEquals(80, queryLong(target, "SELECT drifted_rows FROM tandem.reconcile_chunk WHERE pass_id = " + pass + " AND chunk_no = 0"));
        assertEquals(150, queryLong(target, "SELECT drifted_rows FROM tandem.consistency_record WHERE pass_id = " + pass));
        assertEquals(0, queryLong(target, "SELECT unsettled_rows FROM tandem.consistency_record WHERE pass_id = " + pass));
    }
}
