package dev.tandem.deploy.control;

import dev.tandem.capture.PgDatabase;
import dev.tandem.deploy.lifecycle.ControlUnavailableException;
import dev.tandem.deploy.lifecycle.TableRequests;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Exports {@code tandem_paused_tables}, the migration's target tables that are paused (or wait for an operator's
 * resume or skip), counted in {@code tandem.table_state} at most once every five seconds, so a pause, resume or skip
 * made by any process shows.
 */
public final class PausedTablesMetrics implements MeterBinder {

    private static final Logger log = LoggerFactory.getLogger(PausedTablesMetrics.class);
    private static final long CACHE_NANOS = 5_000_000_000L;

    private final String migration;
    private final PgDatabase target;
    private double cached = Double.NaN;
    private long readAt;
    private boolean read;

    public PausedTablesMetrics(String migration, PgDatabase target) {
        this.migration = migration;
        this.target = target;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Gauge.builder("tandem_paused_tables", this, PausedTablesMetrics::count)
                .description("Target tables paused on a change they rejected (NaN until the control schema was read)")
                .strongReference(true) // nothing else holds this binder: a weak gauge would read NaN after a GC
                .register(registry);
    }

    private synchronized double count() {
        if (!read || System.nanoTime() - readAt > CACHE_NANOS) {
            try {
                cached = TableRequests.pausedCount(target, migration);
            } catch (ControlUnavailableException e) {
                log.warn("migration {}: cannot count paused tables in {} ({}); tandem_paused_tables keeps its last value until the "
                        + "new database answers and `tandem run` has created its control schema",
                        migration, target, e.getMessage());
            }
            read = true;
            readAt = System.nanoTime();
        }
        return cached;
    }
}
