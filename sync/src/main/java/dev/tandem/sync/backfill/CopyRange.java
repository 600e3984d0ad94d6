package dev.tandem.sync.backfill;

import static dev.tandem.capture.SqlIdentifiers.quote;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Renders a chunk's key range as a source-side predicate: a row-value comparison over the key
 * columns, each bound cast from hex-encoded text so no value is ever spliced into SQL as written.
 *
 * <p>Bounds are compared with each column's own type and collation, the same ones the planner
 * sorted the sample with; any total order splits the key space into ranges that neither overlap
 * nor leave gaps, and this one lets the primary-key index serve every chunk.
 */
final class CopyRange {

    private CopyRange() {
    }

    /** {@code WHERE} condition for {@code chunk} ({@code true} for an unbounded chunk). */
    static String predicate(List<String> keyColumns, List<String> keyTypes, Chunk chunk) {
        String columns = keyColumns.stream().map(c -> quote(c)).collect(Collectors.joining(", "));
        String row = keyColumns.size() == 1 ? columns : "ROW(" + columns + ")";
        String lower = chunk.lower() == null ? null : row + " >= " + values(keyTypes, chunk.lower());
        String upper = chunk.upper() == null ? null : row + " < " + values(keyTypes, chunk.upper());
        if (lower == null && upper == null) {
            return "true";
        }
        return lower == null ? upper : upper == null ? lower : lower + " AND " + upper;
    }

    /** {@code ROW(v1::t1, v2::t2)} from text values ({@code (v1)::t1} for a one-column key). */
    static String values(List<String> types, List<String> values) {
        if (types.size() != values.size()) {
            throw new IllegalArgumentException("a key bound has " + values.size() + " values for " + types.size()
                    + " key columns; the chunk plan does not match the table's key: re-run with --rebackfill");
        }
        String typed = java.util.stream.IntStream.range(0, types.size())
                .mapToObj(i -> "(" + literal(values.get(i)) + ")::" + types.get(i)).collect(Collectors.joining(", "));
        return types.size() == 1 ? typed : "ROW(" + typed + ")";
    }

    /** A text value as an expression that cannot break out of its quotes: only hex digits sit between them. */
    static String literal(String value) {
        return "convert_from(decode('" + HexFormat.of().formatHex(value.getBytes(StandardCharsets.UTF_8))
                + "', 'hex'), 'UTF8')";
    }
}
