package dev.tandem.deploy.lifecycle.switchover;

import static dev.tandem.capture.SqlIdentifiers.quote;

import dev.tandem.sync.mapping.CompiledTable;
import dev.tandem.sync.mapping.ProjectionSql;
import dev.tandem.sync.mapping.SourceColumn;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Turns keys of a mapping's source table into keys of its target table by evaluating the key expressions
 * (which read only source key columns) in the target database: how a rollback finds the legacy rows that
 * the reverse sync changed, to re-verify them through the forward mapping.
 */
public final class KeyTranslation {

    private KeyTranslation() {
    }

    /** Target key values (as text, in {@code table.targetKey()} order) of the given source key values. */
    public static List<List<String>> targetKeys(Connection target, CompiledTable table, Collection<List<String>> sourceKeys)
            throws SQLException {
        List<SourceColumn> keyColumns = table.sourceColumns().stream()
                .filter(c -> table.sourceKey().contains(c.name())).toList();
        String expressions = table.key().values().stream().map(e -> "(" + e + ")::text").collect(Collectors.joining(", "));
        String sql = "SELECT " + expressions + " FROM (" + ProjectionSql.unnestRows(keyColumns) + ") AS " + quote(table.alias());
        List<List<String>> keys = new ArrayList<>();
        try (PreparedStatement ps = target.prepareStatement(sql)) {
            int parameter = 1;
            for (SourceColumn column : keyColumns) {
                int position = table.sourceKey().indexOf(column.name());
                Array values = target.createArrayOf("text", sourceKeys.stream().map(k -> k.get(position)).toArray());
                ps.setArray(parameter++, values);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    List<String> key = new ArrayList<>();
                    for (int i = 1; i <= table.key().size(); i++) {
                        key.add(rs.getString(i));
                    }
                    keys.add(key);
                }
            }
        }
        return keys;
    }
}
