package dev.tandem.deploy.bench;

import dev.tandem.capture.PgDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.locks.LockSupport;

/**
 * The steady part's writer: single-row insert transactions on a fixed schedule of {@code rate} per
 * second, spread over a few connections so one slow commit does not hold back the schedule. Row
 * {@code n} is the n-th slot of the schedule, so rows {@code 1..warmupRows()} are the warm-up.
 */
final class SteadyWorkload {

    static final int WRITERS = 4;

    private final PgDatabase source;
    private final int rate;
    private final Duration warmup;
    private final Duration measured;

    SteadyWorkload(PgDatabase source, int rate, Duration warmup, Duration measured) {
        this.source = source;
        this.rate = rate;
        this.warmup = warmup;
        this.measured = measured;
    }

    /** The rows written during the warm-up, excluded from the latency figures. */
    long warmupRows() {
        return rate * warmup.toMillis() / 1000;
    }

    long totalRows() {
        return rate * (warmup.toMillis() + measured.toMillis()) / 1000;
    }

    /** Writes {@link #totalRows()} rows on schedule; returns the achieved transactions per second. */
    double run() throws SQLException, InterruptedException {
        long intervalNanos = 1_000_000_000L / rate;
        long started = System.nanoTime();
        ExecutorService writers = Executors.newFixedThreadPool(WRITERS);
        try {
            List<Future<Void>> done = new ArrayList<>();
            for (int w = 0; w < WRITERS; w++) {
                int writer = w;
                done.add(writers.submit(() -> {
                    write(writer, started, intervalNanos);
                    return null;
                }));
            }
            for (Future<Void> f : done) {
                f.get();
            }
        } catch (ExecutionException e) {
            throw new SQLException("steady writer on " + source + " failed: " + e.getCause().getMessage(), e.getCause());
        } finally {
            writers.shutdownNow();
        }
        return totalRows() / ((System.nanoTime() - started) / 1e9);
    }

    private void write(int writer, long started, long intervalNanos) throws SQLException {
        try (Connection c = source.connect("tandem-bench-steady");
             PreparedStatement ps = c.prepareStatement(BenchTable.INSERT_ONE)) {
            for (long slot = writer; slot < totalRows(); slot += WRITERS) {
                long wait = started + slot * intervalNanos - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
                long id = slot + 1;
                ps.setLong(1, id);
                ps.setLong(2, id);
                ps.setLong(3, id);
                ps.executeUpdate();
            }
        }
    }
}
