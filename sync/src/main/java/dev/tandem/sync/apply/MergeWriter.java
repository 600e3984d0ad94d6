package dev.tandem.sync.apply;

import dev.tandem.capture.envelope.ChangeEnvelope;
import dev.tandem.sync.mapping.CompiledJoin;
import dev.tandem.sync.mapping.CompiledTable;
import dev.tandem.sync.mapping.MergeSql;
import dev.tandem.sync.mapping.SourceColumn;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Writes a merged table: every change to one of its legacy tables names the target row it belongs
 * to (a joined table's key maps onto the main table's), and those rows are recomputed from join
 * state in one set-based statement, after {@link JoinState} took the batch in.
 */
final class MergeWriter implements TargetWriter {

    private final CompiledTable table;
    private final String recomputeSql;
    private final String deriveAllSql;
    private final List<SourceColumn> mainKey;
    /** legacy table → for each main key column, the column of that table carrying its value */
    private final Map<String, List<String>> keyColumnsBySource = new LinkedHashMap<>();
    private final Map<String, Set<String>> columnsBySource = new LinkedHashMap<>();
    /** The same columns in table order, as the change images list them. */
    private final Map<String, String[]> columnOrderBySource = new LinkedHashMap<>();

    MergeWriter(CompiledTable table, JoinState state) {
        this.table = table;
        this.recomputeSql = MergeSql.recompute(table, state::stateTableOf);
        this.deriveAllSql = MergeSql.deriveAll(table, state::stateTableOf);
        this.mainKey = MergeSql.mainKeyColumns(table);
        keyColumnsBySource.put(table.source(), mainKey.stream().map(SourceColumn::name).toList());
        columnsBySource.put(table.source(), names(table.sourceColumns()));
        for (CompiledJoin j : table.joins()) {
            Map<String, String> joinedOf = new LinkedHashMap<>();
            j.mainKeyOf().forEach((joined, main) -> joinedOf.put(main, joined));
            keyColumnsBySource.put(j.source(), mainKey.stream().map(k -> joinedOf.get(k.name())).toList());
            columnsBySource.put(j.source(), names(j.sourceColumns()));
        }
        columnsBySource.forEach((source, columns) -> columnOrderBySource.put(source, columns.toArray(String[]::new)));
    }

    @Override
    public CompiledTable table() {
        return table;
    }

    @Override
    public void apply(Connection c, Map<String, NetChanges> bySource) throws SQLException {
        boolean truncated = false;
        for (var entry : bySource.entrySet()) {
            truncated |= entry.getValue().truncate() != null;
            for (ChangeEnvelope change : entry.getValue().all()) {
                checkShape(entry.getKey(), change);
            }
        }
        if (truncated) {
            // every merged row may have lost its part from the truncated table: recompute them all from join state,
            // which already holds the batch (the truncate and what followed), as if each of its rows were deleted
            try (Statement st = c.createStatement()) {
                st.executeUpdate(deriveAllSql);
            }
            return;
        }
        List<String[]> keys = new ArrayList<>();
        for (var entry : bySource.entrySet()) {
            List<String> keyColumns = keyColumnsBySource.get(entry.getKey());
            for (ChangeEnvelope change : entry.getValue().all()) {
                String[] key = new String[keyColumns.size()];
                for (int i = 0; i < key.length; i++) {
                    key[i] = change.key().get(keyColumns.get(i));
                }
                keys.add(key);
            }
        }
        if (keys.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement(recomputeSql)) {
            for (int i = 0; i < mainKey.size(); i++) {
                String[] column = new String[keys.size()];
                for (int r = 0; r < column.length; r++) {
                    column[r] = keys.get(r)[i];
                }
                ps.setArray(i + 1, c.createArrayOf("text", column));
            }
            ps.executeUpdate();
        }
    }

    /** A change whose columns differ from the compiled ones means DDL ran on that legacy table. */
    private void checkShape(String source, ChangeEnvelope change) {
        if (!change.operation().upserts()) {
            return;
        }
        Set<String> expected = columnsBySource.get(source);
        if (ProjectionWriter.hasColumnsInOrder(change.after(), columnOrderBySource.get(source))) {
            return;
        }
        Set<String> columns = change.after().keySet();
        if (!columns.equals(expected)) {
            List<String> added = columns.stream().filter(col -> !expected.contains(col)).toList();
            List<String> dropped = expected.stream().filter(col -> !columns.contains(col)).toList();
            throw new UnappliableChangeException(source + " changed shape at " + change.position() + ": columns added "
                    + added + ", dropped " + dropped + "; " + table.target() + " merges it, so adapt the new schema and the "
                    + "mapping (check it with `tandem check`) and restart tandem with --rebackfill to rebuild its join state");
        }
    }

    private static Set<String> names(List<SourceColumn> columns) {
        return columns.stream().map(SourceColumn::name).collect(Collectors.toCollection(LinkedHashSet::new));
    }
}
