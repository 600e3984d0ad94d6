package dev.tandem.sync.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.capture.PgDatabase;
import dev.tandem.sync.TestDatabases;
import dev.tandem.sync.mapping.CompiledTable;
import dev.tandem.sync.mapping.MappingCompiler;
import dev.tandem.sync.mapping.MappingParser;
import java.io.StringReader;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The join state's life: created empty for every legacy table a merge reads, checked against the mapping on every
 * start (a changed legacy shape asks for a re-backfill), dropped when the migration ends.
 */
class JoinStateIT {

    @Test
    void createdCheckedAndDropped() throws Exception {
        PgDatabase legacy = TestDatabases.fresh("joinstate_legacy");
        PgDatabase fresh = TestDatabases.fresh("joinstate_new");
        TestDatabases.exec(legacy, "CREATE SCHEMA l", "CREATE TABLE l.a (id int PRIMARY KEY, x text)", "CREATE TABLE l.b (id int PRIMARY KEY, y int)");
        TestDatabases.exec(fresh, "CREATE SCHEMA n", "CREATE TABLE n.ab (id int PRIMARY KEY, x text, y int)");
        List<CompiledTable> tables;
        try (Connection l = legacy.connect("t"); Connection f = fresh.connect("t")) {
            tables = MappingCompiler.compile(MappingParser.parse("m.yaml", new StringReader("""
                    tables:
                      - target: n.ab
                        from: l.a a
                        join:
                          - from: l.b b
                            on: { id: a.id }
                        key: { id: a.id }
                        columns: { x: a.x, y: b.y }
                    """)), l, f);
        }
        JoinState state = new JoinState("js", tables);
        assertEquals(List.of("tandem_state.\"js/l.a\"", "tandem_state.\"js/l.b\""),
                state.kept().stream().map(JoinState.Kept::stateTable).toList());
        try (Connection f = fresh.connect("t")) {
            state.recreate(f);
            state.check(f, "js");
            assertEquals(2, count(f, "SELECT count(*) FROM pg_tables WHERE schemaname = 'tandem_state'"));

            try (Statement st = f.createStatement()) {
                st.execute("ALTER TABLE tandem_state.\"js/l.b\" ADD COLUMN z int"); // as if l.b had changed shape
            }
            SQLException changed = assertThrows(SQLException.class, () -> state.check(f, "js"));
            assertTrue(changed.getMessage().contains("l.b") && changed.getMessage().contains("--rebackfill"), changed.getMessage());

            state.drop(f);
            assertEquals(0, count(f, "SELECT count(*) FROM pg_tables WHERE schemaname = 'tandem_state'"));
        }
    }

    private static long count(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
