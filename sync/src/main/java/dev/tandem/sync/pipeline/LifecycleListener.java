package dev.tandem.sync.pipeline;

import java.sql.SQLException;

/**
 * What a pipeline tells the migration's lifecycle about its own progress: that a backfill (new or resumed) is
 * about to copy, and that it streams. The lifecycle turns these into phase transitions; the sync knows no phases.
 */
public interface LifecycleListener {

    /** Tells nothing: for pipelines no lifecycle follows (the reverse sync, tests, benchmarks). */
    LifecycleListener NONE = new LifecycleListener() {
        @Override
        public void backfillStarting() {
        }

        @Override
        public void streaming() {
        }
    };

    /** A backfill starts or resumes; called before the first chunk is copied. */
    void backfillStarting() throws SQLException;

    /** The backfill is done (now or earlier) and the applier streams. */
    void streaming() throws SQLException;
}
