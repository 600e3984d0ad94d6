package dev.tandem.sync.pipeline;

import dev.tandem.capture.CaptureConfig;
import dev.tandem.capture.PgDatabase;
import dev.tandem.capture.ReplicationSettings;
import dev.tandem.sync.apply.ApplierConfig;
import dev.tandem.sync.backfill.BackfillSettings;
import dev.tandem.sync.mapping.MappingSpec;
import dev.tandem.sync.mapping.TableMapping;
import dev.tandem.sync.route.Ordering;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Everything one migration's forward pipeline needs: the two databases, the mapping and
 * the Kafka address. Derived settings (slot, topics) come from the migration name.
 *
 * @param backfillWorkers    chunks copied in parallel during the backfill, each by its own pair of sessions
 * @param captureOffsetFlush how often capture offsets are flushed (what a crash replays at most)
 * @param backfill           chunk size, throttle and back-off thresholds of the backfill
 * @param ordering           transactional (default) or per-key, with its partitions and workers
 * @param replication        the replication asked of every topic the pipeline creates, Streams' internal ones included
 */
public record PipelineConfig(String migration, PgDatabase source, PgDatabase target, MappingSpec mapping,
                             String bootstrapServers, int backfillWorkers, Duration captureOffsetFlush,
                             BackfillSettings backfill, Ordering ordering, ReplicationSettings replication) {

    public static final int DEFAULT_BACKFILL_WORKERS = 2;

    public PipelineConfig {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(mapping, "mapping");
        if (backfillWorkers <= 0) {
            throw new IllegalArgumentException("backfillWorkers is " + backfillWorkers + "; use at least 1 (default "
                    + DEFAULT_BACKFILL_WORKERS + ")");
        }
        captureOffsetFlush = captureOffsetFlush == null ? CaptureConfig.DEFAULT_OFFSET_FLUSH : captureOffsetFlush;
        backfill = backfill == null ? BackfillSettings.DEFAULTS : backfill;
        ordering = ordering == null ? Ordering.TRANSACTIONAL : ordering;
        replication = replication == null ? ReplicationSettings.FROM_CLUSTER : replication;
    }

    public PipelineConfig(String migration, PgDatabase source, PgDatabase target, MappingSpec mapping,
                          String bootstrapServers, int backfillWorkers, Duration captureOffsetFlush,
                          BackfillSettings backfill, Ordering ordering) {
        this(migration, source, target, mapping, bootstrapServers, backfillWorkers, captureOffsetFlush, backfill,
                ordering, null);
    }

    public PipelineConfig(String migration, PgDatabase source, PgDatabase target, MappingSpec mapping,
                          String bootstrapServers) {
        this(migration, source, target, mapping, bootstrapServers, DEFAULT_BACKFILL_WORKERS, null, null, null);
    }

    /** A pipeline for 1:1 tables with column renames. */
    public PipelineConfig(String migration, PgDatabase source, PgDatabase target, List<TableMapping> tables,
                          String bootstrapServers) {
        this(migration, source, target, MappingSpec.of(tables), bootstrapServers);
    }

    /** A copy whose capture flushes its offsets every {@code flush} (longer: more is replayed after a crash). */
    public PipelineConfig withCaptureOffsetFlush(Duration flush) {
        return new PipelineConfig(migration, source, target, mapping, bootstrapServers, backfillWorkers, flush, backfill,
                ordering, replication);
    }

    /** A copy with other backfill workers and settings. */
    public PipelineConfig withBackfill(int workers, BackfillSettings settings) {
        return new PipelineConfig(migration, source, target, mapping, bootstrapServers, workers, captureOffsetFlush,
                settings, ordering, replication);
    }

    /** A copy that applies with {@code order}. */
    public PipelineConfig withOrdering(Ordering order) {
        return new PipelineConfig(migration, source, target, mapping, bootstrapServers, backfillWorkers, captureOffsetFlush,
                backfill, order, replication);
    }

    /** A copy whose topics are replicated as {@code settings} asks. */
    public PipelineConfig withReplication(ReplicationSettings settings) {
        return new PipelineConfig(migration, source, target, mapping, bootstrapServers, backfillWorkers, captureOffsetFlush,
                backfill, ordering, settings);
    }

    public CaptureConfig capture() {
        return new CaptureConfig(migration, source, mapping.sourceTables(), bootstrapServers,
                null, captureOffsetFlush, 1, replication);
    }

    /** The applier reading what {@code capture} writes, in commit order (transactional ordering, and every catch-up). */
    public ApplierConfig applier(CaptureConfig capture) {
        return new ApplierConfig(migration, target, bootstrapServers, capture.changeTopic(), capture.deadLetterTopic());
    }
}
