package dev.tandem.reconcile.chunk;

import dev.tandem.reconcile.digest.Side;
import dev.tandem.reconcile.store.ChunkRecord;
import dev.tandem.reconcile.store.SharedPlan;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cuts a table's key into chunks whose size adapts so one chunk takes about the target time: for a one-off diff it
 * hands the chunks out itself ({@link #next}); for a pass it cuts the range after the last planned one
 * ({@link #rangeAfter}) and {@link ChunkQueue} stores and shares them. Boundaries come from a sample of the key taken
 * once ({@link KeySample}; for a pass, stored so every instance reads the same one); past its end (or when the source
 * cannot be sampled) the next boundary is looked up in the background while the workers compare, so walking the key
 * is off their path. Thread-safe.
 */
public final class VerifyPlanner {

    /** A chunk to verify. */
    public record Chunk(int number, VerifyRange range) {
    }

    private static final Logger log = LoggerFactory.getLogger(VerifyPlanner.class);
    /** Table blocks a key sample reads: a few ms, and boundaries within about 1/500 of the table. */
    private static final int SAMPLE_BLOCKS = 500;
    /** Sampled keys kept in memory (the sample is thinned out to about this many). */
    private static final int SAMPLE_KEYS = 5_000;

    private final Side planOn;
    private final SharedPlan plan;
    private final String table;
    private final Duration target;
    private final int maxRows;
    private final boolean single;
    private final List<String> bound;
    private final Deque<Chunk> pending = new ArrayDeque<>();
    private List<String> nextLower;
    private boolean planned;
    private int nextNumber;
    private double chunkRows;
    private java.util.concurrent.CompletableFuture<Optional<List<String>>> lookahead;
    private List<String> lookaheadFrom;
    private boolean sampled;
    private KeySample sample;
    private final LongAdder boundaryNanos = new LongAdder();

    /**
     * @param planOn side whose raw key order splits ranges (the source, for aligned keys)
     * @param plan   the pass's stored plan, where the key sample is shared (null: a one-off diff)
     * @param within the key range to cover ({@link VerifyRange#ALL} for a whole table)
     * @param single whether the range is one chunk (computed keys: ranges do not map to source key ranges)
     * @param earlier chunks planned before (a one-off diff has none)
     */
    public VerifyPlanner(Side planOn, SharedPlan plan, String table, int initialRows, int maxRows, Duration target,
                        VerifyRange within, boolean single, List<ChunkRecord> earlier) {
        this.planOn = planOn;
        this.plan = plan;
        this.table = table;
        this.target = target;
        this.maxRows = maxRows;
        this.single = single;
        this.chunkRows = initialRows;
        this.nextLower = within.lower();
        this.bound = within.upper();
        for (ChunkRecord c : earlier) {
            if (!c.done()) {
                pending.add(new Chunk(c.chunkNo(), c.range()));
            }
            nextNumber = Math.max(nextNumber, c.chunkNo() + 1);
        }
        if (!earlier.isEmpty()) {
            // A plan made in key order resumes after its last chunk; a plan made whole up front (changed chunks first)
            // already holds the chunk that reaches the end of the range.
            ChunkRecord last = earlier.get(earlier.size() - 1);
            nextLower = last.range().upper();
            planned = nextLower == null || earlier.stream().anyMatch(c -> java.util.Objects.equals(c.range().upper(), bound));
        }
    }

    /** The next chunk, or empty when the table is fully planned and handed out. */
    public synchronized Optional<Chunk> next() throws SQLException {
        if (!pending.isEmpty()) {
            return Optional.of(pending.poll());
        }
        if (planned) {
            return Optional.empty();
        }
        Chunk chunk = new Chunk(nextNumber++, rangeAfter(nextLower));
        nextLower = chunk.range().upper();
        planned = nextLower == null || nextLower.equals(bound);
        return Optional.of(chunk);
    }

    /**
     * The range that follows {@code lower}: about {@link #chunkRows} rows, up to the end of the range to cover (the whole
     * rest when the range is one chunk); starts looking up the boundary after it in the background when the key is
     * walked.
     */
    public synchronized VerifyRange rangeAfter(List<String> lower) throws SQLException {
        List<String> upper = bound;
        if (!single) {
            upper = boundaryAfter(lower).orElse(bound);
        }
        boolean last = upper == null || upper.equals(bound);
        if (!last && !single && sample == null) {
            long rows = Math.max(1, Math.round(chunkRows));
            VerifyRange rest = new VerifyRange(upper, bound);
            lookaheadFrom = upper;
            lookahead = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                long started = System.nanoTime();
                try {
                    return planOn.keyAt(rest, rows - 1);
                } catch (SQLException e) {
                    throw new java.util.concurrent.CompletionException(e);
                } finally {
                    boundaryNanos.add(System.nanoTime() - started);
                }
            });
        }
        return new VerifyRange(lower, upper);
    }

    /**
     * The boundary {@code chunkRows} after {@code lower}: from the key sample while it reaches, else the looked-ahead one
     * when it was computed from there, else looked up now.
     */
    private Optional<List<String>> boundaryAfter(List<String> lower) throws SQLException {
        long wanted = Math.max(1, Math.round(chunkRows));
        if (!sampled) {
            sampled = true;
            sample = sample(lower);
        }
        if (sample != null) {
            Optional<List<String>> sampledBoundary = sample.seek(lower) ? sample.after(wanted) : Optional.empty();
            if (sampledBoundary.isPresent()) {
                return sampledBoundary;
            }
            log.debug("{}: the key sample ends at {}; walking the key from here", table, lower);
            sample = null;
        }
        if (lookahead != null && java.util.Objects.equals(lookaheadFrom, lower)) {
            var pending = lookahead;
            lookahead = null;
            try {
                return pending.join();
            } catch (java.util.concurrent.CompletionException e) {
                if (e.getCause() instanceof SQLException sql) {
                    throw sql;
                }
                throw e;
            }
        }
        long started = System.nanoTime();
        try {
            return planOn.keyAt(new VerifyRange(lower, bound), wanted - 1);
        } finally {
            boundaryNanos.add(System.nanoTime() - started);
        }
    }

    /**
     * A sample of the keys from {@code lower} on (for a pass, the one an instance stored first), or null when it holds
     * too few keys or cannot be sampled (a foreign table, say).
     */
    private KeySample sample(List<String> lower) throws SQLException {
        Optional<KeySample> stored = plan == null ? Optional.empty() : plan.keySample();
        if (stored.isPresent()) {
            return stored.get();
        }
        long started = System.nanoTime();
        KeySample taken;
        try {
            taken = planOn.keySample(new VerifyRange(lower, bound), SAMPLE_BLOCKS, SAMPLE_KEYS);
            log.debug("{}: {} sampled keys, each for about {} rows", table, taken.size(), Math.round(taken.rowsPerKey()));
        } catch (SQLException e) {
            log.info("{}: cannot sample the key ({}); looking chunk boundaries up row by row", table, e.getMessage());
            return null;
        } finally {
            boundaryNanos.add(System.nanoTime() - started);
        }
        if (taken.size() < 2) {
            return null;
        }
        return plan == null ? taken : plan.storeKeySample(taken);
    }

    /** Time spent looking up chunk boundaries so far, ahead or not. */
    public long boundaryMillis() {
        return boundaryNanos.sum() / 1_000_000;
    }

    /** Adapts the chunk size after a chunk of {@code rows} rows took {@code took}. */
    public synchronized void observe(long rows, Duration took) {
        if (rows <= 0) {
            return;
        }
        double seconds = Math.max(took.toNanos() / 1e9, 0.001);
        double ideal = rows * (target.toNanos() / 1e9) / seconds;
        double bounded = Math.max(chunkRows / 4, Math.min(chunkRows * 4, ideal));
        chunkRows = Math.max(100, Math.min(maxRows, 0.5 * chunkRows + 0.5 * bounded));
    }

    public synchronized long chunkRows() {
        return Math.round(chunkRows);
    }
}
