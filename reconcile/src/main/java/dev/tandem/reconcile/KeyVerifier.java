package dev.tandem.reconcile;

import static dev.tandem.capture.SqlIdentifiers.quote;

import dev.tandem.reconcile.diff.ChunkDiffer;
import dev.tandem.reconcile.digest.KeyFilter;
import dev.tandem.reconcile.digest.RowHash;
import dev.tandem.reconcile.digest.Side;
import dev.tandem.reconcile.digest.TableShape;
import dev.tandem.sync.mapping.CompiledTable;
import dev.tandem.sync.mapping.ProjectionSql;
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
import java.util.stream.Collectors;

/**
 * Compares exactly the rows with given source key values on both sides, including keys whose source row is gone:
 * their target keys are computed from the key expressions in the target, as the applier computes them.
 */
final class KeyVerifier {

    private KeyVerifier() {
    }

    static List<RowDrift> verify(CompiledTable table, Connection source, Connection target, Collection<List<String>> sourceKeys,
                                 int sampleCap) throws SQLException {
        if (sourceKeys.isEmpty()) {
            return List.of();
        }
        return verify(Prepared.of(table, source, target), source, target, sourceKeys, sampleCap);
    }

    /** What comparing a table needs from both catalogs, loaded once for many comparisons. */
    record Prepared(CompiledTable table, TableShape shape, Side.Mode mode) {
        static Prepared of(CompiledTable table, Connection source, Connection target) throws SQLException {
            TableShape shape = TableShape.load(table, source, target);
            return new Prepared(table, shape,
                    Side.pushdownProblem(shape, source).isPresent() ? Side.Mode.STAGED : Side.Mode.PUSHDOWN);
        }
    }

    static List<RowDrift> verify(Prepared prepared, Connection source, Connection target, Collection<List<String>> sourceKeys,
                                 int sampleCap) throws SQLException {
        if (sourceKeys.isEmpty()) {
            return List.of();
        }
        CompiledTable table = prepared.table();
        TableShape shape = prepared.shape();
        Side.Mode mode = prepared.mode();
        Side sourceSide = Side.source(shape, mode, source, target);
        Side targetSide = Side.target(shape, target);
        Map<List<String>, List<String>> targetToSource = targetKeys(table, target, sourceKeys);
        Map<List<String>, RowHash> s = sourceSide.rowHashes(KeyFilter.sourceKeys(sourceKeys));
        Map<List<String>, RowHash> t = targetSide.rowHashes(KeyFilter.targetKeys(targetToSource.keySet()));
        List<RowDrift> drift = new ArrayList<>();
        for (RowDrift d : new ChunkDiffer(shape, sourceSide, targetSide, 1, sampleCap).compare(s, t)) {
            List<String> sourceKey = d.sourceKey().isEmpty() ? targetToSource.getOrDefault(d.targetKey(), List.of()) : d.sourceKey();
            drift.add(new RowDrift(d.table(), d.kind(), sourceKey, d.targetKey(), d.columns()));
        }
        return drift;
    }

    /** Target key → source key, computed by the key expressions in the target database. */
    static Map<List<String>, List<String>> targetKeys(CompiledTable table, Connection target, Collection<List<String>> sourceKeys)
            throws SQLException {
        List<SourceColumn> keyColumns = table.sourceKey().stream()
                .map(k -> table.sourceColumns().stream().filter(c -> c.name().equals(k)).findFirst().orElseThrow()).toList();
        String alias = quote(table.alias());
        String sql = "SELECT " + table.targetKey().stream()
                .map(k -> "((" + table.key().get(k) + ")::" + table.targetTypes().get(k) + ")::text").collect(Collectors.joining(", "))
                + ", " + table.sourceKey().stream().map(k -> alias + "." + quote(k) + "::text").collect(Collectors.joining(", "))
                + " FROM (" + ProjectionSql.unnestRows(keyColumns) + ") AS " + alias;
        Map<List<String>, List<String>> keys = new LinkedHashMap<>();
        try (PreparedStatement ps = target.prepareStatement(sql)) {
            for (int i = 0; i < keyColumns.size(); i++) {
                String[] column = new String[sourceKeys.size()];
                int row = 0;
                for (List<String> key : sourceKeys) {
                    if (key.size() != keyColumns.size()) {
                        throw new IllegalArgumentException(table.source() + " has a key of " + keyColumns.size() + " columns "
                                + table.sourceKey() + " but the key " + key + " has " + key.size() + " values");
                    }
                    column[row++] = key.get(i);
                }
                ps.setArray(i + 1, target.createArrayOf("text", column));
            }
            int width = table.targetKey().size();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    List<String> tk = new ArrayList<>();
                    List<String> sk = new ArrayList<>();
                    for (int i = 1; i <= width; i++) {
                        tk.add(rs.getString(i));
                    }
                    for (int i = 1; i <= keyColumns.size(); i++) {
                        sk.add(rs.getString(width + i));
                    }
                    keys.put(tk, sk);
                }
            }
        }
        return keys;
    }
}
