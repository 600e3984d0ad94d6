package dev.tandem.sync.apply;

import dev.tandem.capture.SqlIdentifiers;
import dev.tandem.capture.envelope.ChangeEnvelope;
import dev.tandem.sync.mapping.CompiledJoin;
import dev.tandem.sync.mapping.CompiledTable;
import dev.tandem.sync.mapping.MergeSql;
import dev.tandem.sync.mapping.SourceColumn;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.postgresql.copy.CopyManager;
import org.postgresql.copy.CopyOut;

/**
 * The legacy rows the new database keeps for merged tables (see {@link MergeSql}): one table per
 * legacy table a merge reads, brought up to date with each batch before the merged rows are
 * recomputed from it, in the same target transaction.
 */
public final class JoinState {

    /** One legacy table kept in join state. */
    public record Kept(String source, String stateTable, List<SourceColumn> columns, List<String> key) {
        public List<SourceColumn> keyColumns() {
            return columns.stream().filter(c -> key.contains(c.name())).toList();
        }
    }

    private final Map<String, Kept> bySource = new LinkedHashMap<>();

    public JoinState(String migration, List<CompiledTable> tables) {
        for (CompiledTable t : tables) {
            if (!t.merged()) {
                continue;
            }
            bySource.putIfAbsent(t.source(), new Kept(t.source(), MergeSql.stateTable(migration, t.source()),
                    t.sourceColumns(), t.sourceKey()));
            for (CompiledJoin j : t.joins()) {
                bySource.putIfAbsent(j.source(), new Kept(j.source(), MergeSql.stateTable(migration, j.source()),
                        j.sourceColumns(), j.sourceKey()));
            }
        }
    }

    /** The legacy tables kept, each with its state table. */
    public List<Kept> kept() {
        return List.copyOf(bySource.values());
    }

    /** The state table holding {@code source}'s rows (canonical name). */
    public String stateTableOf(String source) {
        Kept kept = bySource.get(source);
        if (kept == null) {
            throw new IllegalArgumentException(source + " is not read by any merged table");
        }
        return kept.stateTable();
    }

    /** Drops and creates every state table, empty (a new backfill fills them). */
    public void recreate(Connection target) throws SQLException {
        try (Statement st = target.createStatement()) {
            st.execute("CREATE SCHEMA IF NOT EXISTS " + SqlIdentifiers.quote(MergeSql.SCHEMA));
            for (Kept kept : bySource.values()) {
                st.execute("DROP TABLE IF EXISTS " + SqlIdentifiers.quoteQualified(kept.stateTable()));
                st.execute(MergeSql.createState(kept.stateTable(), kept.columns(), kept.key()));
            }
        }
    }

    /**
     * Recreates every state table and fills it with its source table's rows as {@code source} reads them, in the
     * caller's transaction there (under an exported snapshot, so the state matches where a slot starts); streamed
     * with COPY, nothing held in memory. The caller commits {@code target}.
     */
    public void copyFrom(Connection source, Connection target) throws SQLException {
        recreate(target);
        CopyManager out = source.unwrap(PGConnection.class).getCopyAPI();
        CopyManager in = target.unwrap(PGConnection.class).getCopyAPI();
        for (Kept kept : bySource.values()) {
            String columns = kept.columns().stream().map(c -> SqlIdentifiers.quote(c.name())).collect(Collectors.joining(", "));
            CopyOut reading = out.copyOut("COPY (SELECT " + columns + " FROM " + SqlIdentifiers.quoteQualified(kept.source())
                    + ") TO STDOUT");
            CopyIn writing = in.copyIn("COPY " + SqlIdentifiers.quoteQualified(kept.stateTable()) + " (" + columns
                    + ") FROM STDIN");
            try {
                for (byte[] row = reading.readFromCopy(); row != null; row = reading.readFromCopy()) {
                    writing.writeToCopy(row, 0, row.length);
                }
                writing.endCopy();
            } finally {
                if (writing.isActive()) {
                    writing.cancelCopy();
                }
                if (reading.isActive()) {
                    reading.cancelCopy();
                }
            }
        }
    }

    /** Drops every state table (the migration ended: nothing reads them any more). */
    public void drop(Connection target) throws SQLException {
        try (Statement st = target.createStatement()) {
            for (Kept kept : bySource.values()) {
                st.execute("DROP TABLE IF EXISTS " + SqlIdentifiers.quoteQualified(kept.stateTable()));
            }
        }
    }

    /**
     * Checks that every state table exists with the columns the mapping now reads; a mapping or a
     * legacy table that changed since the backfill needs a new one.
     */
    public void check(Connection target, String migration) throws SQLException {
        for (Kept kept : bySource.values()) {
            List<String> expected = kept.columns().stream().map(SourceColumn::name).toList();
            List<String> actual = new ArrayList<>();
            try (PreparedStatement ps = target.prepareStatement("""
                    SELECT attname FROM pg_attribute WHERE attrelid = to_regclass(?) AND attnum > 0 AND NOT attisdropped
                    ORDER BY attnum""")) {
                ps.setString(1, SqlIdentifiers.quoteQualified(kept.stateTable()));
                try (var rs = ps.executeQuery()) {
                    while (rs.next()) {
                        actual.add(rs.getString(1));
                    }
                }
            }
            if (!actual.equals(expected)) {
                throw new SQLException("migration " + migration + ": the join state of " + kept.source() + " ("
                        + kept.stateTable() + ") has columns " + actual + " but the mapping reads " + expected
                        + "; a merged table's legacy tables or mapping changed since the backfill: run with --rebackfill");
            }
        }
    }

    /**
     * Writes the batch's net changes of every kept legacy table into its state table (a TRUNCATE empties it first,
     * as it emptied the legacy table, unless {@code truncates} is false: per-key ordering pauses the merged table
     * instead). Changes whose
     * columns no longer match (DDL on the legacy table) are left out: the merged table's writer
     * pauses on them.
     */
    void apply(Connection c, Map<String, NetChanges> changes, boolean truncates) throws SQLException {
        for (var entry : changes.entrySet()) {
            Kept kept = bySource.get(entry.getKey());
            if (kept == null) {
                continue;
            }
            if (truncates && entry.getValue().truncate() != null) {
                try (Statement st = c.createStatement()) {
                    st.executeUpdate("DELETE FROM " + SqlIdentifiers.quoteQualified(kept.stateTable()));
                }
            }
            String[] names = kept.columns().stream().map(SourceColumn::name).toArray(String[]::new);
            Set<String> nameSet = Set.of(names);
            List<ChangeEnvelope> deletes = entry.getValue().deletes();
            if (!deletes.isEmpty()) {
                try (PreparedStatement ps = c.prepareStatement(MergeSql.deleteState(kept.stateTable(), kept.keyColumns()))) {
                    String[] keyNames = kept.keyColumns().stream().map(SourceColumn::name).toArray(String[]::new);
                    ProjectionWriter.setTextArrays(c, ps, 1, ProjectionWriter.columnValues(deletes, keyNames, true));
                    ps.executeUpdate();
                }
            }
            Map<Set<String>, List<ChangeEnvelope>> byUnsent = entry.getValue().upserts().stream()
                    .filter(change -> ProjectionWriter.hasColumnsInOrder(change.after(), names)
                            || change.after().keySet().equals(nameSet))
                    .collect(Collectors.groupingBy(ChangeEnvelope::unavailable, LinkedHashMap::new, Collectors.toList()));
            for (var group : byUnsent.entrySet()) {
                try (PreparedStatement ps = c.prepareStatement(
                        MergeSql.upsertState(kept.stateTable(), kept.columns(), kept.key(), group.getKey()))) {
                    String[] sent = Arrays.stream(names).filter(name -> !group.getKey().contains(name)).toArray(String[]::new);
                    ProjectionWriter.setTextArrays(c, ps, 1, ProjectionWriter.columnValues(group.getValue(), sent, false));
                    ps.executeUpdate();
                }
            }
        }
    }
}
