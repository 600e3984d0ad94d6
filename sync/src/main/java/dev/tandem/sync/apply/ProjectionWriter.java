package dev.tandem.sync.apply;

import dev.tandem.capture.SqlIdentifiers;
import dev.tandem.capture.envelope.ChangeEnvelope;
import dev.tandem.sync.mapping.ArrayBinding;
import dev.tandem.sync.mapping.CompiledTable;
import dev.tandem.sync.mapping.ProjectionSql;
import dev.tandem.sync.mapping.SourceColumn;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.EnumMap;
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
    private final Map<ArrayBinding, Map<Set<String>, String>> upsertSql = new EnumMap<>(ArrayBinding.class);
    private final Set<String> sourceColumnNames;
    /** Every source column (the upsert's parameters), and the key columns (the delete's), in table order. */
    private final String[] columns;
    private final String[] keyColumns;

    ProjectionWriter(CompiledTable table) {
        this.table = table;
        this.deleteSql = ProjectionSql.delete(table);
        this.sourceColumnNames = table.sourceColumns().stream().map(SourceColumn::name)
                .collect(Collectors.toCollection(java.util.LinkedHashSet::new));
        this.columns = sourceColumnNames.toArray(String[]::new);
        this.keyColumns = table.sourceColumns().stream().map(SourceColumn::name)
                .filter(table.sourceKey()::contains).toArray(String[]::new);
    }

    @Override
    public CompiledTable table() {
        return table;
    }

    @Override
    public void apply(Connection c, Map<String, NetChanges> bySource) throws SQLException {
        apply(c, bySource.get(table.source()));
    }

    /**
     * Applies the deletes, then the upserts (grouped by which TOAST columns were not sent). Every upsert's shape is
     * checked before anything is written; in the usual case (all columns sent) that check is the walk that collects
     * the upsert's values.
     */
    void apply(Connection c, NetChanges changes) throws SQLException {
        List<ChangeEnvelope> upserts = changes.upserts();
        boolean allSent = true;
        for (ChangeEnvelope change : upserts) {
            allSent &= change.unavailable().isEmpty();
        }
        String[][] upsertValues = null;
        if (allSent && !upserts.isEmpty()) {
            upsertValues = new String[columns.length][upserts.size()];
            if (!fillColumns(upserts, columns, false, upsertValues)) {
                upserts.forEach(this::checkShape);
            }
        } else {
            upserts.forEach(this::checkShape);
        }
        if (changes.truncate() != null) {
            deleteAll(c);
        }
        List<ChangeEnvelope> deletes = changes.deletes();
        if (!deletes.isEmpty()) {
            delete(c, deletes);
        }
        if (upsertValues != null) {
            upsert(c, Set.of(), upsertValues);
            return;
        }
        Map<Set<String>, List<ChangeEnvelope>> byMissing = upserts.stream()
                .collect(Collectors.groupingBy(ChangeEnvelope::unavailable, LinkedHashMap::new, Collectors.toList()));
        for (var group : byMissing.entrySet()) {
            upsert(c, keptColumns(group.getKey(), group.getValue().get(0)), columnValues(group.getValue(), columns, false));
        }
    }

    /** A change whose columns differ from the compiled ones means DDL ran on the legacy table. */
    private void checkShape(ChangeEnvelope change) {
        if (hasColumnsInOrder(change.after(), columns)) {
            return;
        }
        Set<String> present = change.after().keySet();
        if (!present.equals(sourceColumnNames)) {
            List<String> added = present.stream().filter(col -> !sourceColumnNames.contains(col)).toList();
            List<String> dropped = sourceColumnNames.stream().filter(col -> !present.contains(col)).toList();
            throw new UnappliableChangeException(table.source() + " changed shape at " + change.position() + ": columns added "
                    + added + ", dropped " + dropped + "; adapt the new schema and the mapping (check it with "
                    + "`tandem check`), restart tandem, then `tandem resume --table " + table.target() + "`");
        }
    }

    /**
     * A TRUNCATE of the legacy table: every target row goes, since this table is its only source. A DELETE rather
     * than a TRUNCATE: it is transactional like every other write, needs no lock that blocks readers, and keeps
     * deferred foreign keys and the reverse capture's view of the rows.
     */
    private void deleteAll(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.executeUpdate("DELETE FROM " + SqlIdentifiers.quoteQualified(table.target()));
        }
    }

    private void delete(Connection c, List<ChangeEnvelope> deletes) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(deleteSql)) {
            setTextArrays(c, ps, 1, columnValues(deletes, keyColumns, true));
            ps.executeUpdate();
        }
    }

    private void upsert(Connection c, Set<String> kept, String[][] values) throws SQLException {
        ArrayBinding binding = TextArrays.bindingFor(values);
        String sql = upsertSql.computeIfAbsent(binding, b -> new HashMap<>())
                .computeIfAbsent(kept, k -> ProjectionSql.upsert(table, k, binding));
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            TextArrays.bind(c, ps, 1, values, binding);
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

    /** Binds each of {@code values} as a text array, the first at parameter {@code first}. */
    static void setTextArrays(Connection c, PreparedStatement ps, int first, String[][] values) throws SQLException {
        int parameter = first;
        for (String[] column : values) {
            ps.setArray(parameter++, c.createArrayOf("text", column));
        }
    }

    /** The values of {@code names} in each row's key or after-image, one array per name. */
    static String[][] columnValues(List<ChangeEnvelope> rows, String[] names, boolean fromKey) {
        String[][] values = new String[names.length][rows.size()];
        fillColumns(rows, names, fromKey, values);
        return values;
    }

    /**
     * Fills {@code values[column][row]} with the values of {@code names} in each row's key or after-image. Images
     * list their columns in table order, so one walk over each image picks them up without a lookup per value; a
     * name the walk did not meet in order is looked up. Returns whether every image had exactly {@code names}, in
     * that order.
     */
    static boolean fillColumns(List<ChangeEnvelope> rows, String[] names, boolean fromKey, String[][] values) {
        boolean exact = true;
        for (int r = 0; r < rows.size(); r++) {
            ChangeEnvelope row = rows.get(r);
            Map<String, String> image = fromKey ? row.key() : row.after();
            int next = 0;
            for (Map.Entry<String, String> entry : image.entrySet()) {
                if (next < names.length && names[next].equals(entry.getKey())) {
                    values[next++][r] = entry.getValue();
                } else {
                    exact = false;
                }
            }
            exact &= next == names.length; // and no entry was left over: each one either matched or cleared exact
            for (; next < names.length; next++) {
                values[next][r] = image.get(names[next]);
            }
        }
        return exact;
    }

    /** True when {@code image} has exactly {@code names}, in that order: the usual shape, checked without hashing. */
    static boolean hasColumnsInOrder(Map<String, String> image, String[] names) {
        if (image.size() != names.length) {
            return false;
        }
        int i = 0;
        for (String column : image.keySet()) {
            if (!names[i++].equals(column)) {
                return false;
            }
        }
        return true;
    }
}
