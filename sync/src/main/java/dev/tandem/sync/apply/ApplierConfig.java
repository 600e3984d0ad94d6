package dev.tandem.sync.apply;

import dev.tandem.capture.PgDatabase;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of one applier.
 *
 * @param migration         migration name (keys the applied position)
 * @param target            the new database
 * @param bootstrapServers  Kafka bootstrap address
 * @param changeTopic       the change log to read
 * @param deadLetterTopic   where changes parked for a paused table are copied
 * @param maxBatchChanges   most changes written in one target transaction (whole source transactions are never split)
 * @param maxBatchDelay     longest a complete transaction waits for more to share its target transaction
 */
public record ApplierConfig(String migration, PgDatabase target, String bootstrapServers, String changeTopic,
                            String deadLetterTopic, int maxBatchChanges, Duration maxBatchDelay) {

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
    }

    public ApplierConfig(String migration, PgDatabase target, String bootstrapServers, String changeTopic,
                         String deadLetterTopic) {
        this(migration, target, bootstrapServers, changeTopic, deadLetterTopic, DEFAULT_MAX_BATCH_CHANGES,
                DEFAULT_MAX_BATCH_DELAY);
    }
}
