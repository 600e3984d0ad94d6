package dev.tandem.sync.route;

import java.util.Locale;

/**
 * How the sync orders what it applies.
 *
 * <ul>
 *   <li>{@code transactional} (default): one applier applies whole source transactions atomically, in source
 *       commit order.</li>
 *   <li>{@code per-key}: a router splits each transaction by key over the partitions of a keyed change log, and
 *       appliers in every instance (a Kafka consumer group) apply the partitions in parallel. Changes to one key stay
 *       in source commit order; a transaction touching keys in several partitions is no longer atomic on the
 *       target.</li>
 * </ul>
 *
 * @param partitions partitions of the keyed change log (per-key), fixed for a migration's backfill generation
 * @param workers    applier threads in this instance (per-key); instances add up, partitions bound them
 */
public record Ordering(Mode mode, int partitions, int workers) {

    public enum Mode { TRANSACTIONAL, PER_KEY }

    public static final int DEFAULT_PARTITIONS = 4;
    public static final int DEFAULT_WORKERS = 2;
    public static final Ordering TRANSACTIONAL = new Ordering(Mode.TRANSACTIONAL, 1, 1);

    public Ordering {
        if (mode == null) {
            throw new IllegalArgumentException("ordering mode is missing; use transactional or per-key");
        }
        if (partitions < 1 || partitions > 1024) {
            throw new IllegalArgumentException("sync.partitions is " + partitions + "; use 1 to 1024 (default "
                    + DEFAULT_PARTITIONS + ")");
        }
        if (workers < 1 || workers > partitions) {
            throw new IllegalArgumentException("sync.workers is " + workers + "; use 1 to sync.partitions (" + partitions
                    + "): a worker without a partition would idle");
        }
        if (mode == Mode.TRANSACTIONAL && (partitions != 1 || workers != 1)) {
            throw new IllegalArgumentException("sync.partitions and sync.workers apply to per-key ordering only; "
                    + "remove them or set sync.ordering: per-key");
        }
    }

    public static Ordering perKey(int partitions, int workers) {
        return new Ordering(Mode.PER_KEY, partitions, workers);
    }

    /** The ordering a config names ({@code transactional} or {@code per-key}); the error names the key and the fix. */
    public static Ordering parse(String mode, int partitions, int workers) {
        return switch (mode.trim().toLowerCase(Locale.ROOT)) {
            case "transactional" -> TRANSACTIONAL;
            case "per-key", "per_key", "perkey" -> perKey(partitions, workers);
            default -> throw new IllegalArgumentException("sync.ordering is '" + mode
                    + "'; use transactional (whole transactions in commit order) or per-key (parallel by key)");
        };
    }

    public boolean perKey() {
        return mode == Mode.PER_KEY;
    }

    @Override
    public String toString() {
        return perKey() ? "per-key (" + partitions + " partitions, " + workers + (workers == 1 ? " worker" : " workers")
                + " here)" : "transactional";
    }
}
