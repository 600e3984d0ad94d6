package dev.tandem.sync.backfill;

import static dev.tandem.capture.SqlIdentifiers.quoteQualified;

import dev.tandem.capture.SqlIdentifiers;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Empties the mapped target tables before a backfill in one {@code TRUNCATE}, so foreign keys among them do not
 * stand in the way; a table the mapping does not fill that references one of them (directly or through others) is
 * emptied with them only while it holds no row, and otherwise the backfill is refused with its name, never emptied.
 */
final class TargetTruncation {

    private TargetTruncation() {
    }

    /** Truncates {@code tables} in the caller's transaction (which must be open, not autocommit). */
    static void truncate(Connection target, Collection<String> tables) throws SQLException {
        if (tables.isEmpty()) {
            return;
        }
        List<String> referencing = unmappedReferencing(target, tables);
        try (Statement st = target.createStatement()) {
            if (!referencing.isEmpty()) {
                // held to the commit: no row can enter them between the check and the TRUNCATE
                st.execute("LOCK TABLE " + quoted(referencing) + " IN ACCESS EXCLUSIVE MODE");
                List<String> holdingRows = new ArrayList<>();
                for (String table : referencing) {
                    try (ResultSet rs = st.executeQuery("SELECT EXISTS (SELECT 1 FROM " + quoteQualified(table) + ")")) {
                        rs.next();
                        if (rs.getBoolean(1)) {
                            holdingRows.add(table);
                        }
                    }
                }
                if (!holdingRows.isEmpty()) {
                    throw new SQLException("the backfill must empty the mapped tables " + String.join(", ", tables)
                            + " of the new database, but " + String.join(", ", holdingRows) + " (not mapped) reference"
                            + (holdingRows.size() == 1 ? "s" : "") + " them through foreign keys and hold rows, which "
                            + "emptying them would destroy: empty " + (holdingRows.size() == 1 ? "it" : "them")
                            + " yourself, map " + (holdingRows.size() == 1 ? "it" : "them") + " too, or drop those "
                            + "foreign keys while the migration runs", "55000");
                }
            }
            Set<String> all = new LinkedHashSet<>(tables);
            all.addAll(referencing);
            st.execute("TRUNCATE " + quoted(all));
        }
    }

    /**
     * Tables outside {@code tables} that reference one of them through a foreign key, directly or through each
     * other: a TRUNCATE of {@code tables} must include them all.
     */
    static List<String> unmappedReferencing(Connection target, Collection<String> tables) throws SQLException {
        List<String> found = new ArrayList<>();
        try (PreparedStatement ps = target.prepareStatement("""
                WITH RECURSIVE mapped AS (
                    SELECT to_regclass(n) AS relid FROM unnest(?::text[]) n
                ), referencing(relid) AS (
                    SELECT c.conrelid FROM pg_constraint c WHERE c.contype = 'f' AND c.confrelid IN (SELECT relid FROM mapped)
                    UNION
                    SELECT c.conrelid FROM pg_constraint c JOIN referencing r ON c.confrelid = r.relid WHERE c.contype = 'f'
                )
                SELECT n.nspname, k.relname
                FROM referencing r JOIN pg_class k ON k.oid = r.relid JOIN pg_namespace n ON n.oid = k.relnamespace
                WHERE r.relid NOT IN (SELECT relid FROM mapped WHERE relid IS NOT NULL)
                  AND k.relispartition = false
                ORDER BY 1, 2""")) {
            ps.setArray(1, target.createArrayOf("text",
                    tables.stream().map(SqlIdentifiers::quoteQualified).toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    found.add(SqlIdentifiers.qualified(rs.getString(1), rs.getString(2)));
                }
            }
        }
        return found;
    }

    private static String quoted(Collection<String> tables) {
        return tables.stream().map(SqlIdentifiers::quoteQualified).collect(Collectors.joining(", "));
    }
}
