package dev.tandem.sync.backfill;

import static dev.tandem.capture.SqlIdentifiers.quote;
import static dev.tandem.capture.SqlIdentifiers.quoteQualified;

import dev.tandem.sync.mapping.CompiledTable;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Splits a source table into key ranges of about equal row counts: the row count is estimated from
 * the catalog (or counted when the table was never analyzed), a Bernoulli sample of the keys is
 * sorted in the key's own order, and its quantiles become the chunk bounds. Works for any key
 * PostgreSQL can sort: integers, uuids, text, and composite keys compared as row values.
 */
public final class CopyPlanner {

    /** Sampled keys per planned chunk: enough for the quantiles to land within a few percent. */
    static final int SAMPLE_PER_CHUNK = 200;
    static final int MIN_SAMPLE = 1_000;
    static final int MAX_SAMPLE = 200_000;

    private CopyPlanner() {
    }

    /** The source key columns' types as the source prints them ({@code format_type}), in key order. */
    public static List<String> keyTypes(Connection source, CompiledTable table) throws SQLException {
        List<String> types = new ArrayList<>();
        try (PreparedStatement ps = source.prepareStatement("""
                SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a
                WHERE a.attrelid = ?::regclass AND a.attname = ? AND NOT a.attisdropped""")) {
            for (String column : table.sourceKey()) {
                ps.setString(1, quoteQualified(table.source()));
                ps.setString(2, column);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        throw new SQLException(table.source() + " has no key column " + column
                                + "; fix the mapping's key for " + table.target());
                    }
                    types.add(rs.getString(1));
                }
            }
        }
        return types;
    }

    /**
     * Plans {@code table}'s chunks with the rows visible to {@code source}'s current transaction
     * (run it under the exported snapshot so the plan matches what is copied).
     */
    public static List<Chunk> plan(Connection source, CompiledTable table, long chunkRows) throws SQLException {
        long estimate = estimateRows(source, table);
        int wanted = (int) Math.min(Integer.MAX_VALUE, (estimate + chunkRows - 1) / chunkRows);
        if (wanted <= 1) {
            return List.of(new Chunk(table.target(), 0, null, null, estimate));
        }
        checkNoNullKeys(source, table);
        List<List<String>> sample = sampleKeys(source, table, estimate,
                (int) Math.min(MAX_SAMPLE, Math.max(MIN_SAMPLE, (long) wanted * SAMPLE_PER_CHUNK)));
        List<List<String>> bounds = new ArrayList<>();
        for (int i = 1; i < wanted && !sample.isEmpty(); i++) {
            List<String> bound = sample.get((int) ((long) i * sample.size() / wanted));
            if (bounds.isEmpty() || !bounds.get(bounds.size() - 1).equals(bound)) {
                bounds.add(bound);
            }
        }
        long perChunk = estimate / (bounds.size() + 1);
        List<Chunk> chunks = new ArrayList<>();
        for (int i = 0; i <= bounds.size(); i++) {
            chunks.add(new Chunk(table.target(), i, i == 0 ? null : bounds.get(i - 1),
                    i == bounds.size() ? null : bounds.get(i), perChunk));
        }
        return chunks;
    }

    /**
     * Rows in the table: the planner's own estimate scaled to the current size (summed over the partitions of a
     * partitioned table), or a count if it (or one of its non-empty partitions) was never analyzed.
     */
    static long estimateRows(Connection source, CompiledTable table) throws SQLException {
        try (PreparedStatement ps = source.prepareStatement("""
                SELECT CASE WHEN bool_or(c.reltuples < 0 OR c.relpages = 0) FILTER (WHERE pg_relation_size(c.oid) > 0)
                            THEN -1
                            ELSE coalesce(sum((c.reltuples / c.relpages * (pg_relation_size(c.oid)
                                  / current_setting('block_size')::bigint))::bigint) FILTER (WHERE c.relpages > 0), 0)
                            END
                FROM pg_class c
                WHERE c.relkind <> 'p' AND c.oid IN (SELECT t.relid FROM pg_partition_tree(?::regclass) t WHERE t.isleaf
                                                     UNION SELECT ?::regclass)""")) {
            ps.setString(1, quoteQualified(table.source()));
            ps.setString(2, quoteQualified(table.source()));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                long estimate = rs.getLong(1);
                if (estimate >= 0) {
                    return estimate;
                }
            }
        }
        try (Statement st = source.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM " + quoteQualified(table.source()))) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Key ranges cannot hold a NULL key; a nullable key column must not contain one. */
    private static void checkNoNullKeys(Connection source, CompiledTable table) throws SQLException {
        String anyNull = table.sourceKey().stream().map(c -> quote(c) + " IS NULL").collect(Collectors.joining(" OR "));
        try (PreparedStatement nullable = source.prepareStatement("""
                SELECT count(*) FROM pg_attribute a
                WHERE a.attrelid = ?::regclass AND a.attname = ANY (?) AND NOT a.attnotnull""")) {
            nullable.setString(1, quoteQualified(table.source()));
            nullable.setArray(2, source.createArrayOf("text", table.sourceKey().toArray()));
            try (ResultSet rs = nullable.executeQuery()) {
                rs.next();
                if (rs.getLong(1) == 0) {
                    return;
                }
            }
        }
        try (Statement st = source.createStatement();
             ResultSet rs = st.executeQuery("SELECT EXISTS (SELECT 1 FROM " + quoteQualified(table.source())
                     + " WHERE " + anyNull + ")")) {
            rs.next();
            if (rs.getBoolean(1)) {
                throw new SQLException(table.source() + " has rows whose key " + table.sourceKey() + " is NULL: they "
                        + "cannot be copied by key range; make the key NOT NULL (or fix those rows) and restart");
            }
        }
    }

    private static List<List<String>> sampleKeys(Connection source, CompiledTable table, long estimate, int sampleSize)
            throws SQLException {
        List<String> key = table.sourceKey();
        // ORDER BY names the table's columns (not the text output columns of the same name)
        String columns = key.stream().map(c -> "t." + quote(c)).collect(Collectors.joining(", "));
        String asText = key.stream().map(c -> "t." + quote(c) + "::text").collect(Collectors.joining(", "));
        double percent = Math.min(100.0, 100.0 * sampleSize / Math.max(1, estimate));
        List<List<String>> sample = new ArrayList<>();
        try (PreparedStatement ps = source.prepareStatement("SELECT " + asText + " FROM " + quoteQualified(table.source())
                + " AS t TABLESAMPLE BERNOULLI (?::float8) REPEATABLE (7) ORDER BY " + columns)) {
            ps.setDouble(1, percent);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    List<String> row = new ArrayList<>(key.size());
                    for (int i = 1; i <= key.size(); i++) {
                        row.add(rs.getString(i));
                    }
                    if (!row.contains(null)) {
                        sample.add(row);
                    }
                }
            }
        }
        return sample;
    }
}
