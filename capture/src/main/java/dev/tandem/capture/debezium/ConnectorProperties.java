package dev.tandem.capture.debezium;

import dev.tandem.capture.CaptureConfig;
import dev.tandem.capture.SqlIdentifiers;
import dev.tandem.capture.envelope.ChangeEnvelope;
import java.util.List;
import java.util.Properties;

/** The Debezium PostgreSQL connector and engine settings tandem runs with, derived from a capture config. */
public final class ConnectorProperties {

    private ConnectorProperties() {
    }

    public static Properties of(CaptureConfig config) {
        Properties p = new Properties();
        p.setProperty("name", "tandem-capture-" + config.migration());
        p.setProperty("connector.class", "io.debezium.connector.postgresql.PostgresConnector");
        p.setProperty("tasks.max", "1");

        // Engine offsets live in Kafka next to the change log, not on local disk.
        p.setProperty("offset.storage", "org.apache.kafka.connect.storage.KafkaOffsetBackingStore");
        p.setProperty("offset.storage.topic", config.offsetTopic());
        p.setProperty("offset.storage.partitions", "1");
        // never used to create it: ChangeTopics.ensure makes the topic, replicated as configured, before the engine starts
        p.setProperty("offset.storage.replication.factor", "1");
        p.setProperty("offset.flush.interval.ms", Long.toString(config.offsetFlush().toMillis()));
        p.setProperty("bootstrap.servers", config.bootstrapServers());

        p.setProperty("database.hostname", config.source().host());
        p.setProperty("database.port", Integer.toString(config.source().port()));
        p.setProperty("database.user", config.source().user());
        p.setProperty("database.password", config.source().password());
        p.setProperty("database.dbname", config.source().database());
        p.setProperty("topic.prefix", config.topicPrefix());

        // The slot and the filtered publication are created by tandem before the engine starts,
        // with an exported snapshot that the backfill copies; the engine only streams.
        p.setProperty("plugin.name", "pgoutput");
        p.setProperty("slot.name", config.slotName());
        p.setProperty("publication.name", config.publicationName());
        p.setProperty("publication.autocreate.mode", "disabled");
        p.setProperty("snapshot.mode", "no_data");
        // The publication decides which tables' changes arrive; the filter passes whatever arrives from the captured
        // schemas, so a change of a table the mapping does not know stops the applier with its name instead of being
        // dropped here without a word (as a partition's would be if its root were not published as itself).
        p.setProperty("schema.include.list", includeList(config.tables()));
        p.setProperty("slot.drop.on.stop", "false");
        // The lifecycle moves an idle direction's slot past the sync's own writes, so the slot may be ahead of the
        // stored offset when that direction starts, and once its restart position is too, Debezium's start-up check
        // refuses the offset ("no longer available on the server") under no_validation or trust_offset. This strategy
        // starts from the later of the two, which is what tandem wants (IdleSlotIT; a slot dropped or invalidated is
        // caught by tandem's own slot checks before capture starts).
        p.setProperty("offset.mismatch.strategy", "trust_greater_lsn");

        // The engine hands batches over as soon as changes are queued: the default 500 ms poll
        // interval alone would put half a second into every change's latency at low rates.
        p.setProperty("poll.interval.ms", "10");
        p.setProperty("max.batch.size", "4096");
        p.setProperty("max.queue.size", "16384");
        // ... and at most 64 MiB of them (plus the one that crosses it): many large values must not fill the heap
        p.setProperty("max.queue.size.in.bytes", Long.toString(64L << 20));

        p.setProperty("provide.transaction.metadata", "true");
        // Only tandem's fences travel with the changes: other applications' logical messages are left out of the
        // stream (and out of the transactions' event counts).
        p.setProperty("message.prefix.include.list", ChangeEnvelope.FENCE_PREFIX.replace(".", "\\."));
        p.setProperty("heartbeat.interval.ms", Long.toString(config.heartbeat().toMillis()));
        // Debezium skips TRUNCATE unless told otherwise: tandem carries it, so the new schema loses those rows too.
        p.setProperty("skipped.operations", "none");

        // Values keep full precision so they can be printed back as PostgreSQL text.
        // "string", not "precise": precise strips the trailing zeros of an unconstrained numeric (1.10 arrives
        // as 1.1) and turns NaN and Infinity into NULL; string keeps the scale and spells NaN as NAN.
        p.setProperty("decimal.handling.mode", "string");
        p.setProperty("time.precision.mode", "adaptive_time_microseconds");
        // timestamptz goes straight to PostgreSQL text (PgTextConverter) instead of through Debezium's ISO formatting.
        p.setProperty("converters", PgTextConverter.NAME);
        p.setProperty(PgTextConverter.NAME + ".type", PgTextConverter.class.getName());
        p.setProperty("binary.handling.mode", "bytes");
        p.setProperty("interval.handling.mode", "string");
        p.setProperty("hstore.handling.mode", "map");
        p.setProperty("include.unknown.datatypes", "false");
        p.setProperty("tombstones.on.delete", "false");
        // A lost source connection is retried without end, one second apart: the slot keeps the data.
        p.setProperty("errors.max.retries", "-1");
        p.setProperty("retriable.restart.connector.wait.ms", "1000");
        return p;
    }

    /**
     * Debezium's schema filter: one regular expression per schema of a captured table, matched (case-insensitively)
     * against the schema's name and separated by commas. Every character of a name that a regular expression or the
     * list would read specially is escaped, so a name such as {@code we.ird,name} matches only itself.
     */
    static String includeList(List<String> tables) {
        return String.join(",", tables.stream().map(t -> literal(SqlIdentifiers.parts(t)[0])).distinct().toList());
    }

    private static String literal(String name) {
        StringBuilder regex = new StringBuilder();
        name.codePoints().forEach(c -> {
            if (c < 128 && !Character.isLetterOrDigit(c) && c != '_') {
                regex.append('\\');
            }
            regex.appendCodePoint(c);
        });
        return regex.toString();
    }
}
