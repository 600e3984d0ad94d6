package dev.tandem.reconcile.digest;

import static dev.tandem.capture.SqlIdentifiers.quote;

import dev.tandem.capture.SqlIdentifiers;
import dev.tandem.reconcile.chunk.KeySql;
import dev.tandem.sync.mapping.CompiledTable;
import dev.tandem.sync.mapping.ProjectionSql;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the versions of source rows ({@code xmin}, which every committed insert, update or re-insert changes) by target
 * key, from the raw source table (no filter): how a recheck tells a row that stayed quiet from one the application
 * keeps changing.
 */
public final class SourceVersions {

    private final TableShape shape;
    private final Connection source;
    private final boolean byChunkKey;

    /**
     * @param source a connection to the source database (in staged mode too: versions are read where the rows live)
     */
    public SourceVersions(TableShape shape, Side.Mode mode, Connection source) {
        this.shape = shape;
        this.source = source;
        // A computed key in staged mode may use types only the target has: look such rows up by their source key.
        this.byChunkKey = shape.aligned() || mode == Side.Mode.PUSHDOWN;
    }

    /**
     * Target key → version of the source row(s) projecting to it; a key without a source row is absent from the result.
     *
     * @param keys target key → source key (empty when unknown, e.g. an extra target row of a computed-key table)
     */
    public Map<List<String>, String> of(Map<List<String>, List<String>> keys) throws SQLException {
        if (keys.isEmpty()) {
            return Map.of();
        }
        if (byChunkKey) {
            return query(shape.sourceChunk(), new ArrayList<>(keys.keySet()), null);
        }
        Map<List<String>, List<String>> targetOf = new HashMap<>();
        keys.forEach((target, sourceKey) -> {
            if (!sourceKey.isEmpty()) {
                targetOf.put(sourceKey, target);
            }
        });
        return targetOf.isEmpty() ? Map.of() : query(shape.sourceKey(), new ArrayList<>(targetOf.keySet()), targetOf);
    }

    private Map<List<String>, String> query(KeySql key, List<List<String>> values, Map<List<String>, List<String>> targetOf)
            throws SQLException {
        CompiledTable t = shape.table();
        String groups = String.join(", ", key.expressions());
        // A merged row changes when any of its legacy rows does: its version is theirs together.
        StringBuilder version = new StringBuilder(quote(t.alias()) + ".xmin::text");
        t.joins().forEach(j -> version.append(" || ' ' || coalesce(").append(quote(j.alias())).append(".xmin::text, '-')"));
        String sql = "SELECT " + key.asText("k") + ", string_agg(" + version + ", ',' ORDER BY " + version + ") FROM "
                + ProjectionSql.sourceFrom(t, SqlIdentifiers::quoteQualified) + " WHERE " + key.inPredicate() + " GROUP BY " + groups;
        Map<List<String>, String> versions = new LinkedHashMap<>();
        try (PreparedStatement ps = source.prepareStatement(sql)) {
            key.bindKeys(source, ps, 1, values);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    List<String> found = new ArrayList<>();
                    for (int i = 1; i <= key.size(); i++) {
                        found.add(rs.getString(i));
                    }
                    List<String> target = targetOf == null ? found : targetOf.get(found);
                    if (target != null) {
                        versions.put(target, rs.getString(key.size() + 1));
                    }
                }
            }
        }
        return versions;
    }
}
