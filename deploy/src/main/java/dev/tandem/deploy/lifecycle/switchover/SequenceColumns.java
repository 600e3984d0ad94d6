package dev.tandem.deploy.lifecycle.switchover;

import static dev.tandem.capture.SqlIdentifiers.quote;
import static dev.tandem.capture.SqlIdentifiers.quoteQualified;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The columns of one side's mapped tables whose values come from a sequence (serial, identity, {@code DEFAULT
 * nextval(…)}), and moving each such sequence past the values already in its column, so the side a switch opens takes
 * inserts at once: the rows the sync wrote there took their keys from the other side's sequence, not this one.
 */
public final class SequenceColumns {

    /** A column fed by a sequence: how ({@code identity always}, {@code identity by default}, {@code serial}, {@code default nextval}). */
    public record Backed(String table, String column, String sequence, String kind, long increment) {
        @Override
        public String toString() {
            return table + "." + column + " (" + kind + ", " + sequence + ")";
        }
    }

    /** What setting one sequence did: its next value before, the column's largest value, its next value after. */
    public record Moved(Backed backed, Long nextBefore, Long max, long nextAfter) {
        public boolean changed() {
            return nextBefore == null || nextAfter != nextBefore;
        }

        @Override
        public String toString() {
            return backed.table() + "." + backed.column() + ": " + backed.sequence() + " next "
                    + (nextBefore == null ? "?" : nextBefore) + (changed() ? " → " + nextAfter : " (kept)") + ", column max "
                    + (max == null ? "none" : max);
        }
    }

    /** Owned sequences (serial, identity) and the sequences column defaults call, per column of the tables. */
    private static final String FIND = """
            SELECT t.name, a.attname, s.oid::regclass::text, a.attidentity, d.deptype, q.seqincrement
            FROM unnest(?::text[]) AS t(name)
            JOIN pg_catalog.pg_attribute a ON a.attrelid = to_regclass(t.name) AND a.attnum > 0 AND NOT a.attisdropped
            JOIN LATERAL (
                SELECT dep.objid AS seq, dep.deptype FROM pg_catalog.pg_depend dep
                WHERE dep.classid = 'pg_class'::regclass AND dep.refclassid = 'pg_class'::regclass
                  AND dep.refobjid = a.attrelid AND dep.refobjsubid = a.attnum AND dep.deptype IN ('a', 'i')
                UNION ALL
                SELECT dep.refobjid, 'n' FROM pg_catalog.pg_attrdef ad
                JOIN pg_catalog.pg_depend dep ON dep.classid = 'pg_attrdef'::regclass AND dep.objid = ad.oid
                  AND dep.refclassid = 'pg_class'::regclass
                WHERE ad.adrelid = a.attrelid AND ad.adnum = a.attnum) d ON true
            JOIN pg_catalog.pg_class s ON s.oid = d.seq AND s.relkind = 'S'
            JOIN pg_catalog.pg_sequence q ON q.seqrelid = s.oid
            ORDER BY t.name, a.attnum, d.deptype""";

    private SequenceColumns() {
    }

    /** Every sequence-fed column of {@code tables} (schema-qualified names) in this database. */
    public static List<Backed> find(Connection c, Collection<String> tables) throws SQLException {
        Map<String, Backed> found = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement(FIND)) {
            ps.setArray(1, c.createArrayOf("text", tables.stream().map(t -> quoteQualified(t)).toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String identity = rs.getString(4);
                    String kind = "a".equals(identity) ? "identity always" : "d".equals(identity) ? "identity by default"
                            : "n".equals(rs.getString(5)) ? "default nextval" : "serial";
                    String table = unquoted(tables, rs.getString(1));
                    // a serial column's sequence is both owned by it and called by its default: keep the first kind found
                    found.putIfAbsent(table + "\u0000" + rs.getString(2) + "\u0000" + rs.getString(3),
                            new Backed(table, rs.getString(2), rs.getString(3), kind, rs.getLong(6)));
                }
            }
        }
        return new ArrayList<>(found.values());
    }

    /**
     * Sets each ascending sequence so its next value is past {@code max(column) + margin}, never moving one backwards;
     * the caller makes sure nothing else writes the tables meanwhile.
     */
    public static List<Moved> advance(Connection c, List<Backed> columns, long margin) throws SQLException {
        List<Moved> moved = new ArrayList<>();
        for (Backed b : columns) {
            if (b.increment() <= 0) {
                continue; // a descending sequence hands out ever smaller values: nothing to carry past a max
            }
            Long max = max(c, b);
            Long next = next(c, b);
            if (max == null || (next != null && next > max + margin)) {
                moved.add(new Moved(b, next, max, next == null ? 0 : next));
                continue;
            }
            long last = max + margin;
            try (PreparedStatement ps = c.prepareStatement("SELECT setval(?::regclass, ?, true)")) {
                ps.setString(1, b.sequence());
                ps.setLong(2, last);
                ps.execute();
            }
            moved.add(new Moved(b, next, max, last + b.increment()));
        }
        return moved;
    }

    private static Long max(Connection c, Backed b) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT max(" + quote(b.column()) + ")::bigint FROM "
                + quoteQualified(b.table())); ResultSet rs = ps.executeQuery()) {
            rs.next();
            long value = rs.getLong(1);
            return rs.wasNull() ? null : value;
        }
    }

    /** The value nextval would return now, or null when it cannot tell (the sequence was never called). */
    private static Long next(Connection c, Backed b) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_sequence_last_value(?::regclass), s.seqstart "
                + "FROM pg_catalog.pg_sequence s WHERE s.seqrelid = ?::regclass")) {
            ps.setString(1, b.sequence());
            ps.setString(2, b.sequence());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                long last = rs.getLong(1);
                return rs.wasNull() ? rs.getLong(2) : last + b.increment();
            }
        }
    }

    /** The mapping's spelling of a table whose quoted name the catalog returned. */
    private static String unquoted(Collection<String> tables, String quoted) {
        return tables.stream().filter(t -> quoteQualified(t).equals(quoted)).findFirst().orElse(quoted);
    }
}
