package dev.tandem.deploy.lifecycle;

import dev.tandem.sync.pipeline.LifecycleListener;
import java.sql.SQLException;

/** Turns the forward pipeline's reports into phase transitions: BACKFILLING while it copies, SYNCING once it streams. */
public final class PhaseListener implements LifecycleListener {

    private final PhaseStore store;
    private final String actor;

    public PhaseListener(PhaseStore store, String actor) {
        this.store = store;
        this.actor = actor;
    }

    @Override
    public void backfillStarting() throws SQLException {
        store.enter(MigrationPhase.BACKFILLING, actor, "backfill started", "copying legacy into the new schema");
    }

    @Override
    public void streaming() throws SQLException {
        MigrationPhase phase = store.phase();
        if (phase == MigrationPhase.CREATED || phase == MigrationPhase.BACKFILLING) {
            store.enter(MigrationPhase.SYNCING, actor, "streaming", "backfill done; legacy changes stream into the new schema");
        }
    }
}
