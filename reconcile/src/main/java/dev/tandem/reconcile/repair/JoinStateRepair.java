package dev.tandem.reconcile.repair;

import static dev.tandem.capture.SqlIdentifiers.quote;
import static dev.tandem.capture.SqlIdentifiers.quoteQualified;

import dev.tandem.reconcile.chunk.KeySql;
import dev.tandem.sync.apply.JoinState;
import dev.tandem.sync.mapping.CompiledJoin;
import dev.tandem.sync.mapping.CompiledTable;
import dev.tandem.sync.mapping.MergeSql;
import dev.tandem.sync.mapping.SourceColumn;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Repairs rows of a merged table: the legacy rows of every table it joins are read for the drifted
 * keys (FOR SHARE, in the caller's source transaction), written into the join state the applier
 * keeps, and the target rows are recomputed from it with the applier's own statement.
 */
final class JoinStateRepair {

    private JoinStateRepair() {
    }

    /** Rewrites the join state of {@code mainKeys} from the legacy rows and recomputes their target rows; caller commits. */
    static void rewrite(Connection s, Connection t, CompiledTable table, String migration, Collection<List<String>> mainKeys)
            throws SQLException {
        if (mainKeys.isEmpty()) {
            return;
        }
        JoinState state = new JoinState(migration, List.of(table));
        List<String> mainKey = MergeSql.mainKeyColumns(table).stream().map(SourceColumn::name).toList();
        rewriteOne(s, t, table.source(), state.stateTableOf(table.source()), table.sourceColumns(), table.sourceKey(),
                mainKey, mainKeys);
        for (CompiledJoin j : table.joins()) {
            Map<String, String> joinedOf = new LinkedHashMap<>();
            j.mainKeyOf().forEach((joined, main) -> joinedOf.put(main, joined));
            List<String> joinedKey = mainKey.stream().map(joinedOf::get).toList();
            rewriteOne(s, t, j.source(), state.stateTableOf(j.source()), j.sourceColumns(), j.sourceKey(), joinedKey, mainKeys);
        }
        try (PreparedStatement ps = t.prepareStatement(MergeSql.recompute(table, state::stateTableOf))) {
            for (int i = 0; i < mainKey.size(); i++) {
                final int column = i;
                ps.setArray(i + 1, t.createArrayOf("text", mainKeys.stream().map(k -> k.get(column)).toArray(String[]::new)));
            }
            ps.executeUpdate();
        }
    }

    /**
     * Reads the rows of one legacy table whose {@code keyColumns} (in main-key order) take the given values, and
     * replaces their join state: present rows upserted, absent ones deleted.
     */
    private static void rewriteOne(Connection s, Connection t, String source, String stateTable, List<SourceColumn> columns,
                                   List<String> key, List<String> keyColumns, Collection<List<String>> keys) throws SQLException {
        KeySql probe = Repairer.legacyKeySql(s, source, "l", keyColumns);
        String select = "SELECT " + columns.stream().map(c -> "l." + quote(c.name()) + "::text").collect(Collectors.joining(", "))
                + " FROM " + quoteQualified(source) + " AS l WHERE " + probe.inPredicate() + " FOR SHARE";
        List<String[]> rows = new ArrayList<>();
        try (PreparedStatement ps = s.prepareStatement(select)) {
            probe.bindKeys(s, ps, 1, keys);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String[] row = new String[columns.size()];
                    for (int i = 0; i < row.length; i++) {
                        row[i] = rs.getString(i + 1);
                    }
                    rows.add(row);
                }
            }
        }
        List<SourceColumn> keyTyped = columns.stream().filter(c -> key.contains(c.name())).toList();
        try (PreparedStatement ps = t.prepareStatement(MergeSql.deleteState(stateTable, keyTyped))) {
            for (int i = 0; i < keyTyped.size(); i++) {
                int position = keyColumns.indexOf(keyTyped.get(i).name());
                ps.setArray(i + 1, t.createArrayOf("text", keys.stream().map(k -> k.get(position)).toArray(String[]::new)));
            }
            ps.executeUpdate();
        }
        if (rows.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = t.prepareStatement(MergeSql.upsertState(stateTable, columns, key, Set.of()))) {
            for (int c = 0; c < columns.size(); c++) {
                final int column = c;
                ps.setArray(c + 1, t.createArrayOf("text", rows.stream().map(r -> r[column]).toArray(String[]::new)));
            }
            ps.executeUpdate();
        }
    }
}
