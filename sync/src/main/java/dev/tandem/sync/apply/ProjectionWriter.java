package dev.tandem.sync.apply;

import dev.tandem.capture.SqlIdentifiers;
import dev.tandem.capture.envelope.ChangeEnvelope;
import dev.tandem.sync.mapping.CompiledTable;
import dev.tandem.sync.mapping.ProjectionSql;
import dev.tandem.sync.mapping.SourceColumn;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Writes one target table's share of a batch: the source rows go to the target database as text
 * arrays, and the target evaluates the mapping's projection inside one set-based statement for
 * the upserts and one for the deletes.
 */
final class ProjectionWriter implements TargetWriter {

    private final CompiledTable table;
    private final String deleteSql;
    private final Map<Set<String>, String> upsertSqlByKept = new HashMap<>();
    private final Set<String> sourceColumnNames;

    ProjectionWriter(CompiledTable table) {
        this.table = table;
        this.deleteSql = ProjectionSql.delete(table);
        this.sourceColumnNames = table.sourceColumns().stream().map(SourceColumn::name)
                .collect(Collectors.toCollection(java.util.LinkedHashSet::new));
    }

    @Override
    public CompiledTable table() {
        return table;
    }

    @Override
    public void apply(Connection c, Map<String, NetChanges> bySource) throws SQLException {
        apply(c, bySource.get(table.source()));
    }

    /** Applies the deletes, then the upserts (grouped by which TOAST columns were not sent). */
    void apply(Connection c, NetChanges changes) throws SQLException {
        for (ChangeEnvelope change : changes.upserts()) {
            checkShape(change);
        }
        List<ChangeEnvelope> deletes = changes.deletes();
        if (!deletes.isEmpty()) {
            delete(c, deletes);
        }
        Map<Set<String>, List<ChangeEnvelope>> byMissing = changes.upserts().stream()
                .collect(Collectors.groupingBy(ChangeEnvelope::unavailable, LinkedHashMap::new, Collectors.toList()));
        for (var group : byMissing.entrySet()) {
            upsert(c, keptColumns(group.getKey(), group.getValue().get(0)), group.getValue());
        }
    }

    /** A change whose columns differ from the compiled ones means DDL ran on the legacy table. */
    private void checkShape(ChangeEnvelope change) {
        Set<String> columns = change.after().keySet();
        if (!columns.equals(sourceColumnNames)) {
            List<String> added = columns.stream().filter(col -> !sourceColumnNames.contains(col)).toList();
            List<String> dropped = sourceColumnNames.stream().filter(col -> !columns.contains(col)).toList();
            throw new UnappliableChangeException(table.source() + " changed shape at " + change.position() + ": columns added "
                    + added + ", dropped " + dropped + "; adapt the new schema and the mapping (check it with "
                    + "`tandem check`), restart tandem, then `tandem resume --table " + table.target() + "`");
        }
    }

    private void delete(Connection c, List<ChangeEnvelope> deletes) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(deleteSql)) {
            int i = 1;
            for (SourceColumn column : table.sourceColumns()) {
                if (table.sourceKey().contains(column.name())) {
                    ps.setArray(i++, textArray(c, deletes, column.name(), true));
                }
            }
            ps.executeUpdate();
        }
    }

    private void upsert(Connection c, Set<String> kept, List<ChangeEnvelope> rows) throws SQLException {
        String sql = upsertSqlByKept.computeIfAbsent(kept, k -> ProjectionSql.upsert(table, k));
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            int i = 1;
            for (SourceColumn column : table.sourceColumns()) {
                ps.setArray(i++, textArray(c, rows, column.name(), false));
            }
            ps.executeUpdate();
        }
    }

    /**
     * Target columns that keep their current value because PostgreSQL did not send the unchanged
     * TOAST value they copy. A computed column or filter that needs such a value cannot be
     * evaluated: the applier stops and names the fix.
     */
    private Set<String> keptColumns(Set<String> missing, ChangeEnvelope example) {
        if (missing.isEmpty()) {
            return Set.of();
        }
        Set<String> affected = table.affectedBy(missing);
        for (String column : affected) {
            if (column.equals(CompiledTable.FILTER) || !table.isCopy(column)) {
                throw new UnappliableChangeException(table.target() + "." + column + " is computed from " + missing + " of "
                        + table.source() + ", whose unchanged TOAST value PostgreSQL did not send (change at "
                        + example.position() + "); run ALTER TABLE " + SqlIdentifiers.quoteQualified(table.source())
                        + " REPLICA IDENTITY FULL");
            }
        }
        return affected;
    }

    /** One column of {@code rows} as a text array: from each row's key, or from its after-image. */
    static Array textArray(Connection c, List<ChangeEnvelope> rows, String column, boolean fromKey)
            throws SQLException {
        String[] values = new String[rows.size()];
        for (int r = 0; r < values.length; r++) {
            ChangeEnvelope row = rows.get(r);
            values[r] = fromKey ? row.key().get(column) : row.after().get(column);
        }
        return c.createArrayOf("text", values);
    }
}
