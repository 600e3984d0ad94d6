package dev.tandem.reconcile;

import static dev.tandem.capture.SqlIdentifiers.quote;
import static dev.tandem.capture.SqlIdentifiers.quoteQualified;

import dev.tandem.capture.SqlIdentifiers;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * Finds rows whose referenced row is missing, for every foreign key of a set of tables on one database: tandem's
 * writers run with {@code session_replication_role = replica}, so foreign keys are not enforced on what they write,
 * and this is the proof, before a side opens to the application, that what they wrote left no row orphaned.
 */
public final class ForeignKeyOrphans {

    /**
     * The orphaned rows of one foreign key.
     *
     * @param table      the referencing table ({@code schema.table})
     * @param constraint the foreign key's name
     * @param referenced the referenced table
     * @param columns    the referencing columns, in key order
     * @param count      how many rows of {@code table} reference a missing row
     * @param examples   up to the asked number of those rows' referencing values, as text, in {@code columns} order
     */
    public record Orphans(String table, String constraint, String referenced, List<String> columns, long count,
                          List<List<String>> examples) {

        /** "app.orders.orders_customer_id_fkey → app.customer: 2 orphaned rows, e.g. (customer_id)=(7), (9)". */
        @Override
        public String toString() {
            return table + "." + constraint + " → " + referenced + ": " + count + " orphaned row" + (count == 1 ? "" : "s")
                    + ", e.g. (" + String.join(", ", columns) + ")=" + examples.stream()
                    .map(e -> "(" + String.join(", ", e) + ")").collect(Collectors.joining(", "));
        }
    }

    private record ForeignKey(String table, String constraint, String referenced, List<String> columns,
                              List<String> referencedColumns, boolean matchFull) {
    }

    private ForeignKeyOrphans() {
    }

    /**
     * Every foreign key declared on one of {@code tables} (whatever table it references) that has orphaned rows,
     * with up to {@code examples} of them each; empty when referential integrity holds. Reads each referencing table
     * and its referenced table once (an anti-join): run it before a write block, not inside one.
     */
    public static List<Orphans> find(Connection db, Collection<String> tables, int examples) throws SQLException {
        List<Orphans> found = new ArrayList<>();
        for (ForeignKey fk : foreignKeys(db, tables)) {
            Orphans orphans = orphans(db, fk, examples);
            if (orphans != null) {
                found.add(orphans);
            }
        }
        return found;
    }

    /** One line naming every foreign key with orphaned rows and a few of them, or null when there is none. */
    public static String describe(List<Orphans> orphans) {
        return orphans.isEmpty() ? null
                : orphans.stream().map(Orphans::toString).collect(Collectors.joining("; "));
    }

    private static List<ForeignKey> foreignKeys(Connection db, Collection<String> tables) throws SQLException {
        List<ForeignKey> keys = new ArrayList<>();
        // conparentid = 0: a foreign key of a partitioned table is checked once, on its root, not again per partition
        try (PreparedStatement ps = db.prepareStatement("""
                SELECT cn.nspname, cl.relname, c.conname, fn.nspname, fl.relname, c.confmatchtype = 'f',
                       array(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k(n, i)
                             JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.i),
                       array(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY k(n, i)
                             JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n ORDER BY k.i)
                FROM pg_constraint c
                JOIN pg_class cl ON cl.oid = c.conrelid JOIN pg_namespace cn ON cn.oid = cl.relnamespace
                JOIN pg_class fl ON fl.oid = c.confrelid JOIN pg_namespace fn ON fn.oid = fl.relnamespace
                WHERE c.contype = 'f' AND c.conparentid = 0
                  AND c.conrelid IN (SELECT to_regclass(n) FROM unnest(?::text[]) n)
                ORDER BY 1, 2, 3""")) {
            ps.setArray(1, db.createArrayOf("text", tables.stream().map(SqlIdentifiers::quoteQualified).toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    keys.add(new ForeignKey(SqlIdentifiers.qualified(rs.getString(1), rs.getString(2)), rs.getString(3),
                            SqlIdentifiers.qualified(rs.getString(4), rs.getString(5)),
                            List.of((String[]) rs.getArray(7).getArray()), List.of((String[]) rs.getArray(8).getArray()),
                            rs.getBoolean(6)));
                }
            }
        }
        return keys;
    }

    /** The orphans of one foreign key, or null when it has none. */
    private static Orphans orphans(Connection db, ForeignKey fk, int examples) throws SQLException {
        List<String> child = fk.columns().stream().map(c -> "c." + quote(c)).toList();
        String matches = IntStream.range(0, child.size())
                .mapToObj(i -> "p." + quote(fk.referencedColumns().get(i)) + " = " + child.get(i))
                .collect(Collectors.joining(" AND "));
        String allSet = child.stream().map(c -> c + " IS NOT NULL").collect(Collectors.joining(" AND "));
        String anySet = child.stream().map(c -> c + " IS NOT NULL").collect(Collectors.joining(" OR "));
        // MATCH SIMPLE checks a row only when no referencing column is NULL; MATCH FULL also refuses a partly NULL one
        String orphaned = "(" + allSet + " AND NOT EXISTS (SELECT 1 FROM " + quoteQualified(fk.referenced()) + " p WHERE "
                + matches + "))" + (fk.matchFull() ? " OR (" + anySet + ") AND NOT (" + allSet + ")" : "");
        String sql = "SELECT " + child.stream().map(c -> c + "::text").collect(Collectors.joining(", "))
                + ", count(*) OVER () FROM " + quoteQualified(fk.table()) + " c WHERE " + orphaned
                + " LIMIT " + Math.max(1, examples);
        try (Statement st = db.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            List<List<String>> found = new ArrayList<>();
            long count = 0;
            while (rs.next()) {
                List<String> values = new ArrayList<>();
                for (int i = 1; i <= child.size(); i++) {
                    values.add(String.valueOf(rs.getString(i)));
                }
                found.add(values);
                count = rs.getLong(child.size() + 1);
            }
            return count == 0 ? null : new Orphans(fk.table(), fk.constraint(), fk.referenced(), fk.columns(), count,
                    examples <= 0 ? List.of() : found);
        } catch (SQLException e) {
            throw new SQLException("cannot look for rows of " + fk.table() + " orphaned under foreign key " + fk.constraint()
                    + ": " + e.getMessage(), e.getSQLState(), e);
        }
    }
}
