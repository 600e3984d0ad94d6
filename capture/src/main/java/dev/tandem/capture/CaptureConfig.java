package dev.tandem.capture;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Settings of one capture: which source tables to follow, and where their changes go.
 *
 * @param migration         migration name; names the slot, publication and topics
 * @param source            the legacy database
 * @param tables            qualified source tables ({@code schema.table})
 * @param bootstrapServers  Kafka bootstrap address
 * @param heartbeat         how often the connector confirms progress while the tables are idle
 * @param offsetFlush       how often the engine's offsets are flushed to Kafka (a crash replays at most this much)
 * @param generation        how many times the migration's backfill has started (1 for the first); each
 *                          start gets new topics, so clients left over from the last one cannot touch them
 * @param replication       the replication the config asks of the topics this capture creates (absent: the cluster's)
 */
public record CaptureConfig(String migration, PgDatabase source, List<String> tables, String bootstrapServers,
                            Duration heartbeat, Duration offsetFlush, int generation, ReplicationSettings replication) {

    public static final Duration DEFAULT_HEARTBEAT = Duration.ofSeconds(5);
    public static final Duration DEFAULT_OFFSET_FLUSH = Duration.ofSeconds(5);
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]{0,40}");

    public CaptureConfig {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        if (migration == null || !NAME.matcher(migration).matches()) {
            throw new IllegalArgumentException("migration name '" + migration
                    + "' is invalid: use 1-41 lowercase letters, digits or '_', starting with a letter");
        }
        if (tables == null || tables.isEmpty()) {
            throw new IllegalArgumentException("migration " + migration + " captures no table: list at least one schema.table");
        }
        tables = tables.stream().map(SqlIdentifiers::canonical).toList();
        heartbeat = heartbeat == null ? DEFAULT_HEARTBEAT : heartbeat;
        offsetFlush = offsetFlush == null ? DEFAULT_OFFSET_FLUSH : offsetFlush;
        if (generation < 1) {
            throw new IllegalArgumentException("generation " + generation + " of migration " + migration + " must be at least 1");
        }
        replication = replication == null ? ReplicationSettings.FROM_CLUSTER : replication;
    }

    public CaptureConfig(String migration, PgDatabase source, List<String> tables, String bootstrapServers,
                         Duration heartbeat, Duration offsetFlush, int generation) {
        this(migration, source, tables, bootstrapServers, heartbeat, offsetFlush, generation, null);
    }

    public CaptureConfig(String migration, PgDatabase source, List<String> tables, String bootstrapServers,
                         Duration heartbeat, Duration offsetFlush) {
        this(migration, source, tables, bootstrapServers, heartbeat, offsetFlush, 1);
    }

    /** The same capture for another backfill generation. */
    public CaptureConfig withGeneration(int next) {
        return new CaptureConfig(migration, source, tables, bootstrapServers, heartbeat, offsetFlush, next, replication);
    }

    /** The same capture with its topics replicated as {@code settings} asks. */
    public CaptureConfig withReplication(ReplicationSettings settings) {
        return new CaptureConfig(migration, source, tables, bootstrapServers, heartbeat, offsetFlush, generation, settings);
    }

    public CaptureConfig(String migration, PgDatabase source, List<String> tables, String bootstrapServers) {
        this(migration, source, tables, bootstrapServers, null, null);
    }

    public String slotName() {
        return slotNameFor(migration);
    }

    /** The replication slot a migration's capture reads, for code that has only the migration's name. */
    public static String slotNameFor(String migration) {
        return "tandem_" + migration;
    }

    public String publicationName() {
        return "tandem_" + migration;
    }

    /** The topic holding the ordered change log (one partition: source commit order). */
    public String changeTopic() {
        return "tandem." + migration + ".changes" + generationSuffix();
    }

    /** Per-key ordering's copy of the change log, split by key over partitions (written by the sync's router). */
    public String keyedChangeTopic() {
        return changeTopic() + ".by-key";
    }

    /** Where changes a paused target table could not take are copied for inspection. */
    public String deadLetterTopic() {
        return "tandem." + migration + ".dead-letter";
    }

    public String offsetTopic() {
        return "tandem." + migration + ".capture-offsets" + generationSuffix();
    }

    private String generationSuffix() {
        return generation == 1 ? "" : ".g" + generation;
    }

    public String topicPrefix() {
        return "tandem_" + migration;
    }

}
