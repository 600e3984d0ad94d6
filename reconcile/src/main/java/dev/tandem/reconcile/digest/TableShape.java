package dev.tandem.reconcile.digest;

import static dev.tandem.capture.SqlIdentifiers.quote;
import static dev.tandem.capture.SqlIdentifiers.quoteQualified;

import dev.tandem.reconcile.chunk.KeySql;
import dev.tandem.sync.mapping.CompiledTable;
import dev.tandem.sync.mapping.SourceColumn;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A mapped table's key as the reconciler uses it on each side. Chunks are ranges of the target key; when every
 * target key column is a plain copy of the source key column in the same position with the same type the key is
 * <em>aligned</em> and the source side selects ranges on its own key columns (index range scans); otherwise the
 * source side evaluates the key expressions.
 *
 * @param table        the compiled mapping entry
 * @param aligned      whether source key ranges equal target key ranges
 * @param targetKey    target key columns on the target ({@code "t"."k"})
 * @param sourceChunk  the same key on the source: its key columns when aligned, else the cast key expressions
 * @param sourceKey    the source key columns with their source types (for source-key lookups on the source)
 * @param stagedKey    the source key columns typed as staged in the target
 * @param sourceTypes  source column → its type in the source database
 * @param typedHash    whether both servers hash rows from typed values ({@link RowHashSql#typed}), else from their text
 */
public record TableShape(CompiledTable table, boolean aligned, KeySql targetKey, KeySql sourceChunk, KeySql sourceKey,
                         KeySql stagedKey, Map<String, String> sourceTypes, boolean typedHash) {

    static final String TARGET_ALIAS = "t";
    /** {@code hash_record_extended}, which the typed row hash needs, came with PostgreSQL 14. */
    private static final int TYPED_HASH_VERSION = 140_000;

    public static TableShape load(CompiledTable table, Connection source, Connection target) throws SQLException {
        Map<String, String> sourceTypes = columnTypes(source, table.source());
        List<String> keyTypes = table.targetKey().stream().map(k -> table.targetTypes().get(k)).toList();
        List<Boolean> collatable = new ArrayList<>();
        for (String type : keyTypes) {
            collatable.add(collatable(target, type));
        }
        String alias = quote(table.alias());
        boolean aligned = table.targetKey().size() == table.sourceKey().size();
        for (int i = 0; aligned && i < table.targetKey().size(); i++) {
            String k = table.targetKey().get(i);
            String s = table.sourceKey().get(i);
            aligned = table.isCopy(k) && table.reads().getOrDefault(k, Set.of()).equals(Set.of(s))
                    && keyTypes.get(i).equals(sourceTypes.get(s));
        }
        KeySql targetKey = new KeySql(table.targetKey().stream().map(k -> quote(TARGET_ALIAS) + "." + quote(k)).toList(),
                keyTypes, collatable);
        List<String> sourceColumns = table.sourceKey().stream().map(s -> alias + "." + quote(s)).toList();
        KeySql sourceChunk = aligned ? targetKey.with(sourceColumns)
                : targetKey.with(table.targetKey().stream().map(k -> "((" + table.key().get(k) + ")::" + table.targetTypes().get(k) + ")")
                        .toList());
        List<Boolean> noCollation = table.sourceKey().stream().map(s -> false).toList();
        KeySql sourceKey = new KeySql(sourceColumns, table.sourceKey().stream().map(sourceTypes::get).toList(), noCollation);
        Map<String, String> staged = new LinkedHashMap<>();
        table.sourceColumns().forEach(c -> staged.put(c.name(), c.type()));
        KeySql stagedKey = new KeySql(sourceColumns, table.sourceKey().stream().map(staged::get).toList(), noCollation);
        boolean typedHash = serverVersion(source) >= TYPED_HASH_VERSION && serverVersion(target) >= TYPED_HASH_VERSION;
        return new TableShape(table, aligned, targetKey, sourceChunk, sourceKey, stagedKey, Map.copyOf(sourceTypes), typedHash);
    }

    /** One row's hash over the written columns of a row {@code r} in the target's shape; the same SQL on both sides. */
    public String rowHash() {
        List<String> columns = List.copyOf(table.written().keySet());
        return typedHash ? RowHashSql.typed(columns, table.targetTypes(), table.targetKey()) : RowHashSql.text(columns);
    }

    /**
     * The source-side expression of a target column, cast to the target column's type unless it copies a source
     * column of exactly that type (a no-op cast can still cost: {@code numeric(12,2)} re-rounds every value).
     */
    public String castExpression(String column, boolean staged) {
        String expression = table.written().get(column);
        String type = table.targetTypes().get(column);
        if (table.isCopy(column)) {
            String source = table.reads().get(column).iterator().next();
            String sourceType = staged ? table.sourceColumns().stream().filter(c -> c.name().equals(source)).map(SourceColumn::type)
                    .findFirst().orElse(null) : sourceTypes.get(source);
            if (type.equals(sourceType)) {
                return "(" + expression + ")";
            }
        }
        return "((" + expression + ")::" + type + ")";
    }

    /** The source columns in table order, as staged into the target. */
    public List<SourceColumn> sourceColumns() {
        return table.sourceColumns();
    }

    /** Maps a chunk (target) key of an aligned table to its source key. */
    public List<String> sourceKeyOf(List<String> targetKeyValues) {
        return aligned ? targetKeyValues : List.of();
    }

    static Map<String, String> columnTypes(Connection c, String table) throws SQLException {
        Map<String, String> types = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
                + "WHERE a.attrelid = to_regclass(?) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum")) {
            ps.setString(1, quoteQualified(table));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    types.put(rs.getString(1), rs.getString(2));
                }
            }
        }
        if (types.isEmpty()) {
            throw new SQLException("table " + table + " does not exist in " + c.getCatalog() + ": create it or fix the mapping");
        }
        return types;
    }

    private static int serverVersion(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT current_setting('server_version_num')::int");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static boolean collatable(Connection c, String type) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT typcollation <> 0 FROM pg_type WHERE oid = ?::regtype")) {
            ps.setString(1, type);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }
}
