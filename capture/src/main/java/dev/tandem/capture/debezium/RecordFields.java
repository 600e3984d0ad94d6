package dev.tandem.capture.debezium;

import java.util.IdentityHashMap;
import java.util.Map;
import java.util.function.Function;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;

/**
 * The fields of the Connect structs {@link RecordMapper} reads, resolved once per schema: Debezium reuses a table's
 * schemas for all its records, and a lookup by name for every field of every record cost more than the mapping.
 * Not thread-safe; one per mapper.
 */
final class RecordFields {

    /** Fields of a change event's envelope; {@code op} or {@code source} null means the record carries no change. */
    record Change(Field op, Field source, Field before, Field after, Field transaction) {
    }

    /** Fields of the envelope's {@code source} block. */
    record Source(Field schema, Field table, Field sequence, Field lsn, Field txId, Field tsMs) {
    }

    /** Distinct schemas remembered per kind before starting over: each table has a few, a new one comes with DDL. */
    private static final int MAX_SCHEMAS = 1_000;

    private final Map<Schema, Change> changes = new IdentityHashMap<>();
    private final Map<Schema, Source> sources = new IdentityHashMap<>();
    private final Map<Schema, Field> totalOrders = new IdentityHashMap<>();

    Change change(Schema envelope) {
        return cached(changes, envelope, s -> new Change(s.field("op"), s.field("source"), s.field("before"),
                s.field("after"), s.field("transaction")));
    }

    Source source(Schema source) {
        return cached(sources, source, s -> new Source(s.field("schema"), s.field("table"), s.field("sequence"),
                s.field("lsn"), s.field("txId"), s.field("ts_ms")));
    }

    /** The {@code total_order} field of a {@code transaction} block. */
    Field totalOrder(Schema transaction) {
        return cached(totalOrders, transaction, s -> s.field("total_order"));
    }

    private static <T> T cached(Map<Schema, T> cache, Schema schema, Function<Schema, T> resolve) {
        T fields = cache.get(schema);
        if (fields == null) {
            if (cache.size() >= MAX_SCHEMAS) {
                cache.clear();
            }
            fields = resolve.apply(schema);
            cache.put(schema, fields);
        }
        return fields;
    }
}
