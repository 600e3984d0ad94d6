package dev.tandem.sync.apply;

import static dev.tandem.capture.SqlIdentifiers.quote;
import static dev.tandem.capture.SqlIdentifiers.quoteQualified;

import dev.tandem.capture.envelope.ChangeEnvelope;
import dev.tandem.sync.mapping.ResolvedTable;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Writes one table's net changes to the target with set-based statements: one upsert that casts
 * text arrays to the target types (and writes nothing for rows whose values are unchanged), and
 * one delete by key.
 */
final class TableWriter {

    private final ResolvedTable table;
    private final String deleteSql;
    private final Map<Set<String>, String> upsertSqlByMissing = new LinkedHashMap<>();

    TableWriter(ResolvedTable table) {
        this.table = table;
        this.deleteSql = deleteSql();
    }

    ResolvedTable table() {
        return table;
    }

    /** Applies deletes then upserts; returns the number of rows the target actually changed. */
    long apply(Connection c, NetChanges changes) throws SQLException {
        long written = 0;
        List<ChangeEnvelope> deletes = changes.deletes();
        if (!deletes.isEmpty()) {
            written += delete(c, deletes);
        }
        Map<Set<String>, List<ChangeEnvelope>> byMissing = changes.upserts().stream()
                .collect(Collectors.groupingBy(ChangeEnvelope::unavailable, LinkedHashMap::new, Collectors.toList()));
        for (var group : byMissing.entrySet()) {
            written += upsert(c, group.getKey(), group.getValue());
        }
        return written;
    }

    private long delete(Connection c, List<ChangeEnvelope> deletes) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(deleteSql)) {
            int i = 1;
            for (String sourceKey : table.sourceKey()) {
                ps.setArray(i++, textArray(c, deletes, sourceKey, true));
            }
            return ps.executeUpdate();
        }
    }

    private long upsert(Connection c, Set<String> missing, List<ChangeEnvelope> rows) throws SQLException {
        String sql = upsertSqlByMissing.computeIfAbsent(missing, this::upsertSql);
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            int i = 1;
            for (String sourceColumn : table.columns().keySet()) {
                if (!missing.contains(sourceColumn)) {
                    ps.setArray(i++, textArray(c, rows, sourceColumn, false));
                }
            }
            return ps.executeUpdate();
        }
    }

    private static Array textArray(Connection c, List<ChangeEnvelope> rows, String column, boolean fromKey)
            throws SQLException {
        String[] values = new String[rows.size()];
        for (int r = 0; r < values.length; r++) {
            ChangeEnvelope row = rows.get(r);
            values[r] = fromKey ? row.key().get(column) : row.after().get(column);
        }
        return c.createArrayOf("text", values);
    }

    /**
     * {@code INSERT … SELECT cast(s.c) FROM unnest(text[]…) ON CONFLICT (key) DO UPDATE … WHERE
     * row IS DISTINCT FROM EXCLUDED}: columns whose TOAST value was not sent keep the target's value.
     */
    private String upsertSql(Set<String> missing) {
        List<String> targets = new ArrayList<>();
        List<String> params = new ArrayList<>();
        List<String> casts = new ArrayList<>();
        table.columns().forEach((sourceColumn, targetColumn) -> {
            if (!missing.contains(sourceColumn)) {
                String t = quote(targetColumn);
                targets.add(t);
                params.add("?::text[]");
                casts.add("s." + t + "::" + table.targetTypes().get(targetColumn));
            }
        });
        List<String> key = table.targetKey().stream().map(k -> quote(k)).toList();
        List<String> updated = targets.stream().filter(t -> !key.contains(t)).toList();
        String conflict = updated.isEmpty()
                ? "DO NOTHING"
                : "DO UPDATE SET " + updated.stream().map(t -> t + " = EXCLUDED." + t).collect(Collectors.joining(", "))
                  + " WHERE (" + updated.stream().map(t -> "t." + t).collect(Collectors.joining(", ")) + ")"
                  + " IS DISTINCT FROM (" + updated.stream().map(t -> "EXCLUDED." + t).collect(Collectors.joining(", ")) + ")";
        return "INSERT INTO " + quoteQualified(table.target()) + " AS t (" + String.join(", ", targets) + ") "
                + "SELECT " + String.join(", ", casts) + " FROM unnest(" + String.join(", ", params) + ") AS s("
                + String.join(", ", targets) + ") ON CONFLICT (" + String.join(", ", key) + ") " + conflict;
    }

    private String deleteSql() {
        List<String> key = table.targetKey();
        String params = key.stream().map(k -> "?::text[]").collect(Collectors.joining(", "));
        String match = key.stream()
                .map(k -> "t." + quote(k) + " = d." + quote(k) + "::" + table.targetTypes().get(k))
                .collect(Collectors.joining(" AND "));
        return "DELETE FROM " + quoteQualified(table.target()) + " AS t USING unnest(" + params + ") AS d("
                + key.stream().map(k -> quote(k)).collect(Collectors.joining(", ")) + ") WHERE " + match;
    }
}
