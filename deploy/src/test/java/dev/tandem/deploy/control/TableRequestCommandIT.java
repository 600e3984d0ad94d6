package dev.tandem.deploy.control;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tandem.deploy.TandemCli;
import dev.tandem.embedded.EmbeddedPostgres;
import dev.tandem.embedded.SharedTestStack;
import dev.tandem.sync.control.ControlSchema;
import dev.tandem.sync.control.TableStates;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code tandem resume} and {@code tandem skip} record the operator's request and its reason in the control schema. */
class TableRequestCommandIT {

    private static EmbeddedPostgres postgres;

    @BeforeAll
    static void controlSchema() throws Exception {
        postgres = SharedTestStack.get().postgres();
        postgres.createDatabase("requests_new");
        try (Connection c = postgres.connect("requests_new")) {
            ControlSchema.ensure(c);
            try (Statement st = c.createStatement()) {
                st.execute("INSERT INTO tandem.migration (migration, backfill_done) VALUES ('m1', true)");
            }
            TableStates states = new TableStates("m1");
            states.pause(c, "app.a", "app.a paused: test", "pos", "{id=1}");
            states.pause(c, "app.b", "app.b paused: test", "pos", "{id=2}");
        }
    }

    @Test
    void resumeAndSkipAreRecordedForPausedTablesOnly() throws Exception {
        String url = postgres.jdbcUrl("requests_new");
        assertEquals(0, TandemCli.commandLine().execute("resume", "--migration", "m1", "--target", url, "--table", "app.a"));
        assertEquals(0, TandemCli.commandLine().execute("skip", "--migration", "m1", "--target", url, "--table", "app.b",
                "--reason", "test row"));
        assertEquals(1, TandemCli.commandLine().execute("resume", "--migration", "m1", "--target", url, "--table", "app.c"));
        assertEquals(2, TandemCli.commandLine().execute("resume", "--migration", "m1", "--target", "not-a-url", "--table", "app.a"));
        assertEquals("resume", single("SELECT state FROM tandem.table_state WHERE target_table = 'app.a'"));
        assertEquals("skip", single("SELECT state FROM tandem.table_state WHERE target_table = 'app.b'"));
        assertEquals("test row", single("SELECT detail FROM tandem.decision WHERE target_table = 'app.b' AND decision = 'skip'"));
    }

    @Test
    void statusReportsPausedTablesWithExitOneAndUnknownMigrationsWithTwo() throws Exception {
        String url = postgres.jdbcUrl("requests_new");
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.PrintStream original = System.out;
        int exit;
        System.setOut(new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            exit = TandemCli.commandLine().execute("status", "--migration", "m1", "--target", url, "--json");
        } finally {
            System.setOut(original);
        }
        assertEquals(1, exit);
        var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(out.toString(java.nio.charset.StandardCharsets.UTF_8));
        assertEquals(true, json.get("backfill_done").asBoolean());
        assertEquals(2, json.get("paused").size());
        assertEquals("app.a", json.get("paused").get(0).get("target_table").asText());
        assertEquals(2, TandemCli.commandLine().execute("status", "--migration", "nope", "--target", url));
    }

    private static String single(String sql) throws Exception {
        try (Connection c = postgres.connect("requests_new"); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
