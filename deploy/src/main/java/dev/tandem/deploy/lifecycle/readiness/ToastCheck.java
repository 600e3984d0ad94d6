package dev.tandem.deploy.lifecycle.readiness;

import static dev.tandem.deploy.lifecycle.readiness.CheckResult.Status.WARN;

import dev.tandem.capture.SqlIdentifiers;
import dev.tandem.sync.mapping.CompiledTable;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Names each mapping expression that reads a legacy column PostgreSQL may leave out of an update: a value stored out
 * of line (TOAST) is sent only when it changed, unless the table has {@code REPLICA IDENTITY FULL}; a plain copy of
 * such a column keeps the value the target has, but an expression over it cannot be computed, and its table pauses
 * at the first update that leaves the column alone.
 */
final class ToastCheck {

    private ToastCheck() {
    }

    /** One warning per expression (or filter) of a single-source table that reads such a column. */
    static List<CheckResult> of(Connection source, List<CompiledTable> tables) throws SQLException {
        List<CheckResult> results = new ArrayList<>();
        for (CompiledTable table : tables) {
            if (table.merged()) {
                continue; // join state keeps every legacy column a merged table reads, sent or not
            }
            Set<String> toastable = toastableUnlessFull(source, table.source());
            if (toastable.isEmpty()) {
                continue;
            }
            table.reads().forEach((column, reads) -> {
                if (table.key().containsKey(column) || (!column.equals(CompiledTable.FILTER) && table.isCopy(column))) {
                    return;
                }
                Set<String> unsent = new TreeSet<>(reads);
                unsent.retainAll(toastable);
                if (!unsent.isEmpty()) {
                    results.add(warning(table, column, unsent));
                }
            });
        }
        return results;
    }

    private static CheckResult warning(CompiledTable table, String column, Set<String> unsent) {
        String what = column.equals(CompiledTable.FILTER) ? "the filter of " + table.target()
                : table.target() + "." + column;
        return new CheckResult("TOAST " + what, WARN, "its expression reads " + table.source() + "." + unsent
                + ", which PostgreSQL does not send on an update that leaves it unchanged when stored out of line ("
                + table.source() + " has no REPLICA IDENTITY FULL): the table would pause at such an update",
                "ALTER TABLE " + SqlIdentifiers.quoteQualified(table.source()) + " REPLICA IDENTITY FULL (each update "
                        + "then logs the whole old row), or map " + what + " without an expression over " + unsent);
    }

    /** Columns of {@code table} that may be stored out of line, or none when the table logs full old rows. */
    private static Set<String> toastableUnlessFull(Connection source, String table) throws SQLException {
        Set<String> columns = new TreeSet<>();
        try (PreparedStatement ps = source.prepareStatement("""
                SELECT a.attname FROM pg_attribute a JOIN pg_class k ON k.oid = a.attrelid
                WHERE a.attrelid = to_regclass(?) AND a.attnum > 0 AND NOT a.attisdropped
                  AND a.attstorage <> 'p' AND k.relreplident <> 'f'
                  -- a declared size far below the ~2 kB TOAST threshold never goes out of line: numeric(p,s),
                  -- varchar(n) and char(n) up to 500 characters (atttypmod is n + 4)
                  AND NOT (a.atttypid = 'numeric'::regtype AND a.atttypmod >= 0)
                  AND NOT (a.atttypid IN ('varchar'::regtype, 'bpchar'::regtype) AND a.atttypmod BETWEEN 0 AND 504)""")) {
            ps.setString(1, SqlIdentifiers.quoteQualified(table));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    columns.add(rs.getString(1));
                }
            }
        }
        return columns;
    }
}
