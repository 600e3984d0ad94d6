package dev.tandem.reconcile.full;

import static dev.tandem.capture.SqlIdentifiers.quote;
import static dev.tandem.capture.SqlIdentifiers.quoteQualified;

import dev.tandem.capture.PgDatabase;
import dev.tandem.sync.mapping.ResolvedTable;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Compares mapped tables in full: each side's mapped columns are digested in key order inside
 * its own database and only the digests are compared. Exact but whole-table; the chunked,
 * lag-aware reconciler replaces it for large tables.
 */
public final class FullComparator {

    private final PgDatabase legacy;
    private final PgDatabase fresh;

    public FullComparator(PgDatabase legacy, PgDatabase fresh) {
        this.legacy = legacy;
        this.fresh = fresh;
    }

    public List<TableComparison> compare(Collection<ResolvedTable> tables) throws SQLException {
        List<TableComparison> results = new ArrayList<>();
        try (Connection l = legacy.connect("tandem-compare"); Connection f = fresh.connect("tandem-compare")) {
            for (ResolvedTable table : tables) {
                TableDigest legacyDigest = digest(l, table.source(), table.columns().keySet(), table.sourceKey());
                TableDigest freshDigest = digest(f, table.target(), table.columns().values(), table.targetKey());
                results.add(new TableComparison(table.source(), table.target(), legacyDigest, freshDigest));
            }
        }
        return results;
    }

    private static TableDigest digest(Connection c, String table, Collection<String> columns, List<String> key)
            throws SQLException {
        String select = columns.stream().map(col -> quote(col)).collect(Collectors.joining(", "));
        String order = key.stream().map(col -> "r." + quote(col)).collect(Collectors.joining(", "));
        String sql = "SELECT count(*), coalesce(md5(string_agg(r::text, E'\\n' ORDER BY " + order + ")), '') FROM (SELECT "
                + select + " FROM " + quoteQualified(table) + ") r";
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return new TableDigest(rs.getLong(1), rs.getString(2));
        }
    }
}
