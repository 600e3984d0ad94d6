package dev.tandem.sync.route;

import dev.tandem.sync.mapping.CompiledTable;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Per-key ordering applies the partitions independently, so a row may arrive before the row it references when the
 * two keys sit in different partitions. A foreign key between mapped target tables would then pause the table at
 * random; this check refuses such a schema up front instead.
 */
public final class CrossKeyConstraints {

    private CrossKeyConstraints() {
    }

    /** Throws, naming each constraint and the fix, when a mapped target table references another one. */
    public static void refuse(Connection target, List<CompiledTable> tables) throws SQLException {
        List<String> names = tables.stream().map(CompiledTable::target).distinct().toList();
        List<String> found = new ArrayList<>();
        try (PreparedStatement ps = target.prepareStatement("""
                SELECT c.conname, c.conrelid::regclass::text, c.confrelid::regclass::text
                FROM pg_constraint c
                WHERE c.contype = 'f'
                  AND c.conrelid IN (SELECT to_regclass(n) FROM unnest(?::text[]) n)
                  AND c.confrelid IN (SELECT to_regclass(n) FROM unnest(?::text[]) n)
                ORDER BY 2, 1""")) {
            Array array = target.createArrayOf("text", names.toArray());
            ps.setArray(1, array);
            ps.setArray(2, array);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    found.add(rs.getString(2) + "." + rs.getString(1) + " → " + rs.getString(3));
                }
            }
        }
        if (!found.isEmpty()) {
            throw new IllegalArgumentException("per-key ordering applies keys in parallel, so a referenced row may arrive "
                    + "after the row referencing it; the new schema has foreign keys between mapped tables: "
                    + String.join(", ", found) + ". Drop them while the sync runs (add them back at cutover), or use "
                    + "sync.ordering: transactional");
        }
    }
}
