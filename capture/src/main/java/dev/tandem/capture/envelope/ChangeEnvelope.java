package dev.tandem.capture.envelope;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * One entry of the change log that {@code capture} writes and {@code sync} reads: a transaction
 * marker or one row change.
 *
 * <p>Column values are PostgreSQL text literals (what {@code value::text} prints), or {@code null}
 * for SQL NULL, so every type round-trips exactly by casting the text back to the column's type.
 * Maps keep the table's column order.
 *
 * @param kind        BEGIN, CHANGE, FENCE or COMMIT
 * @param position    where the entry sits in source commit order
 * @param commitTimeMs source commit time, epoch milliseconds
 * @param table       qualified source table {@code schema.table} (null for markers; the message prefix for a fence)
 * @param operation   what the change did (null for markers)
 * @param key         primary-key columns of the row (null for markers; {@code {"id": fence id}} for a fence; empty for
 *                    a TRUNCATE, which removes every row of its table)
 * @param before      row image before the change, when the source sent one
 * @param after       row image after the change (null for deletes and markers)
 * @param unavailable columns whose unchanged TOAST value PostgreSQL did not send; keep the target's value
 * @param eventCount  for COMMIT: number of changes the transaction carried; otherwise 0
 */
public record ChangeEnvelope(
        EnvelopeKind kind,
        SourcePosition position,
        long commitTimeMs,
        String table,
        Operation operation,
        LinkedHashMap<String, String> key,
        LinkedHashMap<String, String> before,
        LinkedHashMap<String, String> after,
        Set<String> unavailable,
        long eventCount) {

    /** Prefix of the logical decoding messages tandem emits as fences ({@code pg_logical_emit_message}). */
    public static final String FENCE_PREFIX = "tandem.fence";

    public ChangeEnvelope {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(position, "position");
        unavailable = unavailable == null || unavailable.isEmpty() ? Set.of() : Set.copyOf(unavailable);
        if (kind == EnvelopeKind.CHANGE) {
            Objects.requireNonNull(table, "table");
            Objects.requireNonNull(operation, "operation");
            Objects.requireNonNull(key, "key");
            if (operation.upserts() && after == null) {
                throw new IllegalArgumentException(table + " " + operation + " at " + position + " has no after-image");
            }
        }
    }

    public static ChangeEnvelope begin(SourcePosition position, long commitTimeMs) {
        return new ChangeEnvelope(EnvelopeKind.BEGIN, position, commitTimeMs, null, null, null, null, null, Set.of(), 0);
    }

    public static ChangeEnvelope commit(SourcePosition position, long commitTimeMs, long eventCount) {
        return new ChangeEnvelope(EnvelopeKind.COMMIT, position, commitTimeMs, null, null, null, null, null, Set.of(), eventCount);
    }

    public static ChangeEnvelope change(SourcePosition position, long commitTimeMs, String table, Operation operation,
                                        LinkedHashMap<String, String> key, LinkedHashMap<String, String> before,
                                        LinkedHashMap<String, String> after, Set<String> unavailable) {
        return new ChangeEnvelope(EnvelopeKind.CHANGE, position, commitTimeMs, table, operation, key, before, after,
                unavailable, 0);
    }

    /** A fence in a source transaction: {@code prefix} is the logical message's prefix, {@code fenceId} its content. */
    public static ChangeEnvelope fence(SourcePosition position, long commitTimeMs, String prefix, String fenceId) {
        LinkedHashMap<String, String> id = new LinkedHashMap<>();
        id.put("id", fenceId);
        return new ChangeEnvelope(EnvelopeKind.FENCE, position, commitTimeMs, prefix, null, id, null, null, Set.of(), 0);
    }

    /** The fence's id, or null when this is not a fence. */
    public String fenceId() {
        return kind == EnvelopeKind.FENCE ? key.get("id") : null;
    }

    /** The row's values after the change: the after-image, or the key alone for a delete. */
    public Map<String, String> image() {
        return after != null ? after : key;
    }
}
