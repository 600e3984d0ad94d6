package dev.tandem.sync.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.capture.PgDatabase;
import dev.tandem.capture.envelope.ChangeEnvelope;
import dev.tandem.capture.envelope.SourcePosition;
import dev.tandem.sync.TestDatabases;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What parallel appliers (per-key ordering) share in the control schema. A fence is seen only once every partition
 * recorded it (DESIGN invariant 4), and a paused table's record is locked while changes are parked behind it, so a
 * resume carried out by another applier waits and then replays them (invariant 5: nothing parked is left behind).
 */
class PerPartitionControlIT {

    @Test
    void aFenceIsSeenOnlyOnceEveryPartitionRecordedIt() throws Exception {
        PgDatabase db = TestDatabases.fresh("control_fences");
        String fenceId = FencesSeen.fenceContent("m", "f1");
        ChangeEnvelope fence = ChangeEnvelope.fence(new SourcePosition(1, 1, 7, 1), 0, ChangeEnvelope.FENCE_PREFIX, fenceId);
        try (Connection c = db.connect("test")) {
            ControlSchema.ensure(c);
            FencesSeen emitter = new FencesSeen("m");
            new FencesSeen("m", 0, 2).record(c, List.of(fence));
            new FencesSeen("m", 0, 2).record(c, List.of(fence)); // a replayed batch of the same partition
            assertFalse(emitter.consume(c, fenceId), "one partition of two has applied the fence");
            new FencesSeen("m", 1, 2).record(c, List.of(fence));
            assertTrue(emitter.consume(c, fenceId), "both partitions have");
            assertEquals("0", TestDatabases.queryString(db, "SELECT count(*) FROM tandem.fence_seen"), "a served fence is cleared");

            new FencesSeen("m").record(c, List.of(fence)); // transactional ordering: one part of one
            assertTrue(emitter.consume(c, fenceId));
        }
    }

    @Test
    void aResumeWaitsForChangesStillBeingParkedAndAParkerSeesAResumeDone() throws Exception {
        PgDatabase db = TestDatabases.fresh("control_pauses");
        TableStates states = new TableStates("m");
        try (Connection parker = db.connect("parker"); Connection resumer = db.connect("resumer")) {
            ControlSchema.ensure(parker);
            states.pause(parker, "app.t", "app.t paused: test", "pos", "{id=1}");
            states.request(parker, "app.t", TableStates.State.RESUME, "test");

            parker.setAutoCommit(false);
            assertTrue(states.holdPaused(parker, "app.t"), "paused, so the parker parks and holds the record");
            resumer.setAutoCommit(false);
            try (Statement st = resumer.createStatement()) {
                st.execute("SET LOCAL lock_timeout = '300ms'");
            }
            SQLException waited = assertThrows(SQLException.class, () -> states.lockForRequest(resumer, "app.t"));
            assertEquals("55P03", waited.getSQLState(), "the resume waits for the parker's transaction");
            resumer.rollback();
            parker.commit();

            TableStates.Pause pause = states.lockForRequest(resumer, "app.t");
            assertEquals(TableStates.State.RESUME, pause.state(), "after the parker committed, the resume goes on");
            states.activate(resumer, "app.t");
            resumer.commit();
            assertFalse(states.holdPaused(parker, "app.t"), "resumed: a parker now applies instead of parking");
            assertNull(states.lockForRequest(parker, "app.t"), "another applier finds the request carried out");
            parker.commit();
        }
    }
}
