package dev.tandem.sync.apply;

import dev.tandem.capture.PgDatabase;
import dev.tandem.sync.route.Ordering;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of one applier.
 *
 * @param migration         migration name (keys the applied position)
 * @param target            the new database
 * @param bootstrapServers  Kafka bootstrap address
 * @param changeTopic       the change log to read: the ordered log, or in per-key ordering the keyed log
 * @param deadLetterTopic   where changes parked for a paused table are copied
 * @param maxBatchChanges   most changes written in one target transaction (whole source transactions are never split)
 * @param maxBatchDelay     longest a complete transaction waits for more to share its target transaction
 * @param ordering          transactional (one partition, assigned) or per-key (a consumer group over the keyed log)
 * @param logTopic          the ordered change log (the same as {@code changeTopic} in transactional ordering)
 */
public record ApplierConfig(String migration, PgDatabase target, String bootstrapServers, String changeTopic,
                            String deadLetterTopic, int maxBatchChanges, Duration maxBatchDelay, Ordering ordering,
                            String logTopic) {

    public static final int DEFAULT_MAX_BATCH_CHANGES = 5_000;
    public static final Duration DEFAULT_MAX_BATCH_DELAY = Duration.ofMillis(50);

    public ApplierConfig {
        Objects.requireNonNull(migration, "migration");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        Objects.requireNonNull(changeTopic, "changeTopic");
        Objects.requireNonNull(deadLetterTopic, "deadLetterTopic");
        if (maxBatchChanges <= 0) {
            throw new IllegalArgumentException("maxBatchChanges is " + maxBatchChanges + "; it must be at least 1 (default "
                    + DEFAULT_MAX_BATCH_CHANGES + ")");
        }
        maxBatchDelay = maxBatchDelay == null ? DEFAULT_MAX_BATCH_DELAY : maxBatchDelay;
        ordering = ordering == null ? Ordering.TRANSACTIONAL : ordering;
        logTopic = logTopic == null ? changeTopic : logTopic;
    }

    /** The same applier reading the keyed change log {@code keyedTopic} as one of a per-key consumer group. */
    public ApplierConfig perKey(String keyedTopic, Ordering perKey) {
        return new ApplierConfig(migration, target, bootstrapServers, keyedTopic, deadLetterTopic, maxBatchChanges,
                maxBatchDelay, perKey, changeTopic);
    }

    public ApplierConfig(String migration, PgDatabase target, String bootstrapServers, String changeTopic,
                         String deadLetterTopic) {
        this(migration, target, bootstrapServers, changeTopic, deadLetterTopic, DEFAULT_MAX_BATCH_CHANGES,
                DEFAULT_MAX_BATCH_DELAY, null, null);
    }
}
