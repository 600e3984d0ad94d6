package dev.tandem.reconcile.full;

import static dev.tandem.capture.SqlIdentifiers.quote;
import static dev.tandem.capture.SqlIdentifiers.quoteQualified;

import dev.tandem.capture.PgDatabase;
import dev.tandem.sync.backfill.SourceStaging;
import dev.tandem.sync.mapping.CompiledTable;
import dev.tandem.sync.mapping.ProjectionSql;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * Compares mapped tables in full: the legacy rows are staged in the new database and run through
 * the mapping's projection there, so both sides are digested in the target's shape by the same
 * database. Exact but whole-table; the chunked, lag-aware reconciler replaces it for large tables.
 */
public final class FullComparator {

    private static final String STAGE = "tandem_compare_stage";

    private final PgDatabase legacy;
    private final PgDatabase newDb;

    public FullComparator(PgDatabase legacy, PgDatabase newDb) {
        this.legacy = legacy;
        this.newDb = newDb;
    }

    public List<TableComparison> compare(Collection<CompiledTable> tables) throws SQLException {
        List<TableComparison> results = new ArrayList<>();
        try (Connection l = legacy.connect("tandem-compare"); Connection f = newDb.connect("tandem-compare")) {
            f.setAutoCommit(false);
            for (CompiledTable table : tables) {
                SourceStaging.stage(l, f, table, STAGE, new AtomicLong());
                String order = table.targetKey().stream().map(k -> "r." + quote(k)).collect(Collectors.joining(", "));
                TableDigest legacyDigest = digest(f, ProjectionSql.select(table, quote(STAGE)), order);
                TableDigest freshDigest = digest(f, "SELECT " + table.written().keySet().stream().map(c -> quote(c))
                        .collect(Collectors.joining(", ")) + " FROM " + quoteQualified(table.target()), order);
                f.commit();
                results.add(new TableComparison(table.source(), table.target(), legacyDigest, freshDigest));
            }
        }
        return results;
    }

    private static TableDigest digest(Connection c, String rows, String order) throws SQLException {
        String sql = "SELECT count(*), coalesce(md5(string_agg(r::text, E'\\n' ORDER BY " + order + ")), '') FROM ("
                + rows + ") r";
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return new TableDigest(rs.getLong(1), rs.getString(2));
        }
    }
}
