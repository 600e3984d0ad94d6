package dev.tandem.sync.backfill;

import static dev.tandem.capture.SqlIdentifiers.quote;

import dev.tandem.sync.apply.JoinState;
import dev.tandem.sync.mapping.CompiledTable;
import dev.tandem.sync.mapping.MergeSql;
import dev.tandem.sync.mapping.SourceColumn;
import dev.tandem.sync.mapping.SpecSource;
import dev.tandem.sync.mapping.TableSpec;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a backfill copies for a mapping: every table computed from one legacy table, and for merged
 * tables the join state of each legacy table they read (a plain copy, chunked and resumable like
 * any table); the merged tables are then computed from join state inside the new database.
 */
public final class BackfillTables {

    private static final String ALIAS = "s";

    private BackfillTables() {
    }

    /** The tables to copy chunk by chunk: single-source tables, then one copy per legacy table kept in join state. */
    public static List<CompiledTable> of(List<CompiledTable> tables, JoinState state) {
        List<CompiledTable> copied = new ArrayList<>(tables.stream().filter(t -> !t.merged()).toList());
        for (JoinState.Kept kept : state.kept()) {
            copied.add(copyOf(kept));
        }
        return copied;
    }

    /** Computes every merged table from join state in one target transaction, deleting rows it does not produce. */
    public static void deriveMerged(Connection target, List<CompiledTable> tables, JoinState state) throws SQLException {
        boolean autoCommit = target.getAutoCommit();
        target.setAutoCommit(false);
        try (Statement st = target.createStatement()) {
            for (CompiledTable t : tables) {
                if (t.merged()) {
                    st.executeUpdate(MergeSql.deriveAll(t, state::stateTableOf));
                }
            }
            target.commit();
        } catch (SQLException e) {
            target.rollback();
            throw new SQLException("computing the merged tables from their join state failed: " + e.getMessage(),
                    e.getSQLState(), e);
        } finally {
            target.setAutoCommit(autoCommit);
        }
    }

    /** An identity projection of a legacy table into its join-state table. */
    private static CompiledTable copyOf(JoinState.Kept kept) {
        LinkedHashMap<String, String> key = new LinkedHashMap<>();
        LinkedHashMap<String, String> columns = new LinkedHashMap<>();
        Map<String, String> types = new LinkedHashMap<>();
        Map<String, Set<String>> reads = new LinkedHashMap<>();
        for (SourceColumn c : kept.columns()) {
            String copy = quote(ALIAS) + "." + quote(c.name());
            (kept.key().contains(c.name()) ? key : columns).put(c.name(), copy);
            types.put(c.name(), c.type());
            reads.put(c.name(), Set.of(c.name()));
        }
        TableSpec spec = new TableSpec(kept.stateTable(), kept.source(), ALIAS, key, columns, null, null, false, null,
                SpecSource.UNKNOWN);
        return new CompiledTable(spec, kept.columns(), kept.key(), key, columns, new LinkedHashMap<>(), types, reads);
    }
}
