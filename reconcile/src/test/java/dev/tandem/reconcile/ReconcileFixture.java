package dev.tandem.reconcile;

import dev.tandem.capture.PgDatabase;
import dev.tandem.embedded.SharedTestStack;
import dev.tandem.sync.mapping.CompiledTable;
import dev.tandem.sync.mapping.MappingCompiler;
import dev.tandem.sync.mapping.MappingParser;
import java.io.StringReader;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/** Test helpers: fresh databases in the shared embedded stack, SQL one-liners, mappings from YAML text. */
final class ReconcileFixture {

    private ReconcileFixture() {
    }

    static PgDatabase fresh(String name) throws SQLException {
        try (Connection c = SharedTestStack.get().postgres().connect("postgres"); Statement st = c.createStatement()) {
            st.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
            st.execute("CREATE DATABASE " + name);
        }
        return new PgDatabase("127.0.0.1", SharedTestStack.get().postgres().port(), name, "postgres", "");
    }

    static void exec(PgDatabase db, String... sql) throws SQLException {
        try (Connection c = db.connect("test"); Statement st = c.createStatement()) {
            for (String s : sql) {
                st.execute(s);
            }
        }
    }

    static long queryLong(PgDatabase db, String sql) throws SQLException {
        try (Connection c = db.connect("test"); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    static String queryString(PgDatabase db, String sql) throws SQLException {
        try (Connection c = db.connect("test"); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    static List<CompiledTable> compile(String yaml, PgDatabase legacy, PgDatabase target) throws SQLException {
        try (Connection l = legacy.connect("test"); Connection t = target.connect("test")) {
            return MappingCompiler.compile(MappingParser.parse("test.yaml", new StringReader(yaml)), l, t);
        }
    }

    /** Drift as comparable strings: {@code KIND key=[..] columns=[..]}. */
    static Set<String> described(List<RowDrift> drift) {
        return drift.stream().map(d -> d.kind() + " " + d.targetKey() + " " + d.columns()).collect(Collectors.toSet());
    }
}
