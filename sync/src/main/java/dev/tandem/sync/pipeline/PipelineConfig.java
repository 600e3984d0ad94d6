package dev.tandem.sync.pipeline;

import dev.tandem.capture.CaptureConfig;
import dev.tandem.capture.PgDatabase;
import dev.tandem.sync.apply.ApplierConfig;
import dev.tandem.sync.mapping.MappingSpec;
import dev.tandem.sync.mapping.TableMapping;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Everything one migration's forward pipeline needs: the two databases, the mapping and
 * the Kafka address. Derived settings (slot, topics) come from the migration name.
 *
 * @param backfillWorkers    tables copied in parallel during the backfill
 * @param captureOffsetFlush how often capture offsets are flushed (what a crash replays at most)
 */
public record PipelineConfig(String migration, PgDatabase source, PgDatabase target, MappingSpec mapping,
                             String bootstrapServers, int backfillWorkers, Duration captureOffsetFlush) {

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
    }

    public PipelineConfig(String migration, PgDatabase source, PgDatabase target, MappingSpec mapping,
                          String bootstrapServers) {
        this(migration, source, target, mapping, bootstrapServers, DEFAULT_BACKFILL_WORKERS, null);
    }

    /** A pipeline for 1:1 tables with column renames. */
    public PipelineConfig(String migration, PgDatabase source, PgDatabase target, List<TableMapping> tables,
                          String bootstrapServers) {
        this(migration, source, target, MappingSpec.of(tables), bootstrapServers);
    }

    /** A copy whose capture flushes its offsets every {@code flush} (longer: more is replayed after a crash). */
    public PipelineConfig withCaptureOffsetFlush(Duration flush) {
        return new PipelineConfig(migration, source, target, mapping, bootstrapServers, backfillWorkers, flush);
    }

    public CaptureConfig capture() {
        return new CaptureConfig(migration, source, mapping.sourceTables(), bootstrapServers,
                null, captureOffsetFlush);
    }

    /** The applier reading what {@code capture} writes. */
    public ApplierConfig applier(CaptureConfig capture) {
        return new ApplierConfig(migration, target, bootstrapServers, capture.changeTopic(), capture.deadLetterTopic());
    }
}
