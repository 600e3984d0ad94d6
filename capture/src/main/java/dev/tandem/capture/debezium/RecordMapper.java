package dev.tandem.capture.debezium;

import dev.tandem.capture.SqlIdentifiers;
import dev.tandem.capture.envelope.ChangeEnvelope;
import dev.tandem.capture.envelope.EnvelopeKind;
import dev.tandem.capture.envelope.Operation;
import dev.tandem.capture.envelope.SourcePosition;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Translates the records Debezium's PostgreSQL connector emits into tandem change envelopes;
 * the only place that reads Debezium's record layout. Records are mapped one at a time in stream order.
 */
public final class RecordMapper {

    private static final Logger log = LoggerFactory.getLogger(RecordMapper.class);

    private final String transactionTopic;
    private final RecordFields fields = new RecordFields();
    /** The transaction whose BEGIN or changes were mapped last, and the txOrder they carried. */
    private long currentTxId = -1;
    private long currentTxOrder;
    /** Whether the records mapped so far end inside a source transaction (its BEGIN or changes seen, not its END). */
    private boolean insideTransaction;
    /** The table of the change mapped last, in Debezium's parts and in canonical form: most changes repeat it. */
    private String lastSchema;
    private String lastTable;
    private String lastQualified;

    /** @param topicPrefix the connector's {@code topic.prefix}, which names its transaction topic */
    public RecordMapper(String topicPrefix) {
        this.transactionTopic = topicPrefix + ".transaction";
    }

    /**
     * The envelope for {@code record}, or empty for records that carry no change (heartbeats, tombstones, logical
     * decoding messages other than tandem's fences).
     */
    public Optional<ChangeEnvelope> map(SourceRecord record) {
        if (!(record.value() instanceof Struct value)) {
            return Optional.empty(); // tombstone
        }
        if (transactionTopic.equals(record.topic())) {
            ChangeEnvelope marker = transactionMarker(record, value);
            insideTransaction = marker.kind() == EnvelopeKind.BEGIN;
            return Optional.of(marker);
        }
        RecordFields.Change layout = fields.change(value.schema());
        if (layout.op() == null || layout.source() == null) {
            return Optional.empty(); // heartbeat or other non-change record
        }
        String op = (String) value.get(layout.op());
        if ("m".equals(op)) {
            return fence(value);
        }
        return Optional.of(change(record, value, layout, op));
    }

    /** A logical decoding message: tandem's own fences become FENCE envelopes, anyone else's are not ours to carry. */
    private Optional<ChangeEnvelope> fence(Struct value) {
        Struct message = value.getStruct("message");
        Struct transaction = value.schema().field("transaction") == null ? null : value.getStruct("transaction");
        if (!ChangeEnvelope.FENCE_PREFIX.equals(message.getString("prefix")) || transaction == null) {
            return Optional.empty(); // fences are transactional; a non-transactional message sits outside commit order
        }
        Struct source = value.getStruct("source");
        SourcePosition position = new SourcePosition(
                lastCommitLsn(source.getString("sequence")),
                orZero(source.getInt64("lsn")),
                orZero(source.getInt64("txId")),
                transaction.getInt64("total_order"));
        remember(position.txId(), position.txOrder());
        insideTransaction = true;
        byte[] content = bytes(message.get("content"));
        return Optional.of(ChangeEnvelope.fence(position, orZero(source.getInt64("ts_ms")),
                ChangeEnvelope.FENCE_PREFIX, new String(content, StandardCharsets.UTF_8)));
    }

    private static byte[] bytes(Object content) {
        if (content instanceof ByteBuffer buffer) {
            byte[] copy = new byte[buffer.remaining()];
            buffer.duplicate().get(copy);
            return copy;
        }
        return content == null ? new byte[0] : (byte[]) content;
    }

    private ChangeEnvelope transactionMarker(SourceRecord record, Struct value) {
        long txId = parseTxId(value.getString("id"));
        Map<String, ?> offset = record.sourceOffset();
        long lsn = longOf(offset.get("lsn"));
        // At BEGIN the offset's lsn_commit is the previous transaction's commit, as in the changes' sequence;
        // at END Debezium has already advanced it to this transaction's own commit, so END reuses what its
        // BEGIN and changes carried. Only an END whose BEGIN and changes were all delivered before a
        // restart falls back to the offset.
        long txOrder = longOf(offset.get("lsn_commit"));
        if ("END".equals(value.getString("status")) && txId == currentTxId) {
            txOrder = currentTxOrder;
        }
        remember(txId, txOrder);
        long commitTime = orZero(value.getInt64("ts_ms"));
        SourcePosition position = new SourcePosition(txOrder, lsn, txId, 0);
        return switch (value.getString("status")) {
            case "BEGIN" -> ChangeEnvelope.begin(position, commitTime);
            case "END" -> ChangeEnvelope.commit(position, commitTime, value.getInt64("event_count"));
            default -> throw new IllegalArgumentException("unknown transaction status '" + value.getString("status")
                    + "' in " + record.topic() + " at offset " + offset);
        };
    }

    private ChangeEnvelope change(SourceRecord record, Struct value, RecordFields.Change layout, String op) {
        Struct source = (Struct) value.get(layout.source());
        RecordFields.Source at = fields.source(source.schema());
        String table = table((String) source.get(at.schema()), (String) source.get(at.table()));
        Operation operation = operation(op);
        Struct transaction = layout.transaction() == null ? null : (Struct) value.get(layout.transaction());
        SourcePosition position = new SourcePosition(
                lastCommitLsn((String) source.get(at.sequence())),
                orZero((Long) source.get(at.lsn())),
                orZero((Long) source.get(at.txId())),
                transaction == null ? 0 : (Long) transaction.get(fields.totalOrder(transaction.schema())));
        long commitTime = orZero((Long) source.get(at.tsMs()));
        remember(position.txId(), position.txOrder());
        insideTransaction |= transaction != null;

        Set<String> unavailable = new HashSet<>();
        LinkedHashMap<String, String> before = image(layout.before() == null ? null : (Struct) value.get(layout.before()), null);
        LinkedHashMap<String, String> after = image(layout.after() == null ? null : (Struct) value.get(layout.after()), unavailable);
        LinkedHashMap<String, String> key = record.key() instanceof Struct k && operation != Operation.TRUNCATE
                ? image(k, null) : new LinkedHashMap<>();
        if (operation == Operation.UNKNOWN) {
            log.warn("{}: Debezium sent operation '{}' at {}, which tandem does not handle; the tables it feeds pause",
                    table, op, position);
        }
        return ChangeEnvelope.change(position, commitTime, table, operation, key, before, after, unavailable);
    }

    private String table(String schema, String table) {
        if (!schema.equals(lastSchema) || !table.equals(lastTable)) {
            lastQualified = SqlIdentifiers.qualified(schema, table);
            lastSchema = schema;
            lastTable = table;
        }
        return lastQualified;
    }

    private void remember(long txId, long txOrder) {
        currentTxId = txId;
        currentTxOrder = txOrder;
    }

    /**
     * True when the records mapped so far end between source transactions: a capture restarted from there replays
     * whole transactions, numbered from their start again.
     */
    public boolean betweenTransactions() {
        return !insideTransaction;
    }

    private static LinkedHashMap<String, String> image(Struct row, Set<String> unavailable) {
        if (row == null) {
            return null;
        }
        List<Field> columns = row.schema().fields();
        LinkedHashMap<String, String> values = new LinkedHashMap<>(Math.max(4, columns.size() * 4 / 3 + 1));
        for (int i = 0; i < columns.size(); i++) {
            Field field = columns.get(i);
            Object raw = row.get(field);
            if (raw != null && raw == field.schema().defaultValue()) {
                // Connect's get hands out the schema's default for a NULL: a NULL in a column with a default
                // (DEFAULT now() arrives as 1970-01-01) must stay NULL
                raw = row.getWithoutDefault(field.name());
            }
            if (unavailable != null && PgTextValues.isUnavailable(raw)) {
                unavailable.add(field.name());
                values.put(field.name(), null);
            } else {
                values.put(field.name(), PgTextValues.toText(field.name(), field.schema(), raw));
            }
        }
        return values;
    }

    private static Operation operation(String op) {
        return switch (op) {
            case "c" -> Operation.INSERT;
            case "u" -> Operation.UPDATE;
            case "d" -> Operation.DELETE;
            case "r" -> Operation.READ;
            case "t" -> Operation.TRUNCATE;
            default -> Operation.UNKNOWN;
        };
    }

    /** Debezium's {@code sequence} is a JSON array {@code ["lastCommitLsn","lsn"]}; either may be null. */
    static long lastCommitLsn(String sequence) {
        if (sequence == null) {
            return 0;
        }
        int from = sequence.indexOf('[') + 1;
        int to = sequence.indexOf(',', from);
        if (to < 0) {
            to = sequence.length();
        }
        while (from < to && isPadding(sequence.charAt(from))) {
            from++;
        }
        while (to > from && isPadding(sequence.charAt(to - 1))) {
            to--;
        }
        if (from == to || (to - from == 4 && sequence.startsWith("null", from))) {
            return 0;
        }
        return Long.parseLong(sequence, from, to, 10);
    }

    private static boolean isPadding(char c) {
        return c == '"' || c == ']' || Character.isWhitespace(c);
    }

    /** Debezium names a PostgreSQL transaction {@code "<xid>:<lsn>"}. */
    static long parseTxId(String id) {
        int colon = id.indexOf(':');
        return Long.parseLong(colon < 0 ? id : id.substring(0, colon));
    }

    private static long orZero(Long value) {
        return value == null ? 0 : value;
    }

    private static long longOf(Object value) {
        return value == null ? 0 : ((Number) value).longValue();
    }
}
