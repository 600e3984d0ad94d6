package dev.tandem.deploy.run;

import dev.tandem.capture.PgDatabase;
import dev.tandem.capture.ReplicationSettings;
import dev.tandem.sync.backfill.BackfillSettings;
import dev.tandem.sync.route.Ordering;
import java.nio.file.Path;
import java.util.Objects;

/**
 * One migration as configured for {@code tandem run}: where the two databases and Kafka are, and
 * which mapping to apply. {@link #toString()} shows no password.
 *
 * @param migration        name; keys the slot, topics and control-schema rows
 * @param source           the legacy database
 * @param target           the new database
 * @param bootstrapServers Kafka bootstrap address
 * @param mapping          the mapping file
 * @param backfillWorkers  chunks copied in parallel during the backfill
 * @param backfill         chunk size, throttle and back-off thresholds of the backfill
 * @param ordering         how the sync orders what it applies (transactional, or per-key with partitions and workers)
 * @param embeddedKafka    with {@code kafka: embedded}, the directory of the broker {@code tandem run} runs itself (at
 *                         {@code bootstrapServers}); null for an external cluster
 * @param kafkaReplication the replication asked of tandem's topics ({@code kafka.replication_factor},
 *                         {@code kafka.min_insync_replicas}); what is absent is derived from the cluster's size
 */
public record MigrationConfig(String migration, PgDatabase source, PgDatabase target, String bootstrapServers,
                              Path mapping, int backfillWorkers, BackfillSettings backfill, Ordering ordering,
                              Path embeddedKafka, ReplicationSettings kafkaReplication) {

    public MigrationConfig {
        Objects.requireNonNull(migration, "migration");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        Objects.requireNonNull(mapping, "mapping");
        backfill = backfill == null ? BackfillSettings.DEFAULTS : backfill;
        ordering = ordering == null ? Ordering.TRANSACTIONAL : ordering;
        kafkaReplication = kafkaReplication == null ? ReplicationSettings.FROM_CLUSTER : kafkaReplication;
    }


    @Override
    public String toString() {
        return "migration " + migration + ": " + source + " → " + target + " via Kafka " + bootstrapServers
                + (embeddedKafka == null ? "" : " (embedded, data in " + embeddedKafka + ")")
                + (kafkaReplication.equals(ReplicationSettings.FROM_CLUSTER) ? "" : " (" + kafkaReplication + ")")
                + ", mapping "
                + mapping + ", " + backfillWorkers + " backfill workers, chunks of " + backfill.chunkRows() + " rows"
                + (backfill.rowsPerSecond() == 0 ? "" : ", at most " + backfill.rowsPerSecond() + " rows/s")
                + ", " + ordering + " ordering";
    }
}
