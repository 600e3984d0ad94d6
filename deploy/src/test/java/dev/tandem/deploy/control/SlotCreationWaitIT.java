package dev.tandem.deploy.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.capture.PgDatabase;
import dev.tandem.deploy.TandemCli;
import dev.tandem.deploy.lifecycle.ControlUnavailableException;
import dev.tandem.deploy.lifecycle.MigrationStatus;
import dev.tandem.embedded.EmbeddedStack;
import dev.tandem.embedded.SharedTestStack;
import dev.tandem.sync.mapping.MappingParser;
import dev.tandem.sync.pipeline.Pipeline;
import dev.tandem.sync.pipeline.PipelineConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A pipeline starting on a legacy server where a session sits idle in a transaction that wrote: the slot creation
 * waits for it, and the status (what {@code tandem status} and the API's status print) names that session, its age and
 * what it last ran, refreshed while it waits; once the transaction ends the slot exists and the status names nothing.
 */
class SlotCreationWaitIT {

    private static final String MAPPING = """
            tables:
              - target: app.item
                from: public.item i
                key: { id: i.id }
                columns: { name: i.name }
            """;
    private static final String DROP_SLOT = "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
            + "WHERE slot_name = 'tandem_slotwait' AND NOT active";

    @Test
    void theStatusNamesTheTransactionASlotCreationWaitsForUntilItEnds() throws Exception {
        EmbeddedStack stack = SharedTestStack.get();
        PgDatabase server = new PgDatabase("127.0.0.1", stack.postgres().port(), "postgres", "postgres", "");
        exec(server, DROP_SLOT, "DROP DATABASE IF EXISTS slotwait_legacy WITH (FORCE)",
                "DROP DATABASE IF EXISTS slotwait_app WITH (FORCE)", "CREATE DATABASE slotwait_legacy",
                "CREATE DATABASE slotwait_app");
        PgDatabase legacy = new PgDatabase("127.0.0.1", stack.postgres().port(), "slotwait_legacy", "postgres", "");
        PgDatabase app = new PgDatabase("127.0.0.1", stack.postgres().port(), "slotwait_app", "postgres", "");
        exec(legacy, "CREATE TABLE public.item (id int PRIMARY KEY, name text)",
                "INSERT INTO public.item SELECT g, 'n' || g FROM generate_series(1, 100) g");
        exec(app, "CREATE SCHEMA app", "CREATE TABLE app.item (id int PRIMARY KEY, name text)");
        PipelineConfig config = new PipelineConfig("slotwait", legacy, app,
                MappingParser.parse("slotwait.yaml", new StringReader(MAPPING)), stack.kafka().bootstrapServers());

        try (Connection idle = legacy.connect("forgotten-session"); Statement st = idle.createStatement();
             Pipeline pipeline = new Pipeline(config)) {
            idle.setAutoCommit(false);
            st.execute("UPDATE public.item SET name = 'held' WHERE id = 1");
            int pid;
            try (ResultSet rs = st.executeQuery("SELECT pg_backend_pid()")) {
                rs.next();
                pid = rs.getInt(1);
            }
            CompletableFuture<Void> starting = CompletableFuture.runAsync(() -> {
                try {
                    pipeline.start();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });

            // two checks a second apart at least: the report is refreshed while the creation waits
            Map<String, Object> waiting = awaitWait(app, pid, 2);
            assertEquals("tandem_slotwait", waiting.get("slot_name"));
            assertEquals("forgotten-session", waiting.get("application"));
            assertEquals("idle in transaction", waiting.get("state"));
            assertEquals("SELECT pg_backend_pid()", waiting.get("last_query"));
            assertTrue(pipeline.slotCreationWaits().stream().anyMatch(t -> t.pid() == pid), "the pipeline shows it too");
            assertFalse(starting.isDone(), "the slot waits for the open transaction");
            String text = statusText(app);
            assertTrue(text.contains("slot creation: tandem_slotwait waits for 1 transaction(s)")
                    && text.contains("pid " + pid + " (postgres@slotwait_legacy, forgotten-session, idle in transaction)")
                    && text.contains("last ran: SELECT pg_backend_pid()"), text);

            idle.rollback();
            starting.get(60, TimeUnit.SECONDS);
            assertEquals(List.of(), MigrationStatus.read(app, "slotwait").get("slot_creation_wait"),
                    "nothing is waited for once the slot exists");
            assertEquals("1", single(legacy, "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'tandem_slotwait'"));
            assertNull(pipeline.failure());
        } finally {
            exec(server, DROP_SLOT);
        }
    }

    /** Waits until the status names {@code pid} as open at least {@code seconds}; returns its entry. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> awaitWait(PgDatabase app, int pid, long seconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            Map<String, Object> status = null;
            try {
                status = MigrationStatus.read(app, "slotwait");
            } catch (ControlUnavailableException e) {
                // the pipeline has not created the control schema yet
            }
            if (status != null) {
                for (Map<String, Object> tx : (List<Map<String, Object>>) status.get("slot_creation_wait")) {
                    if (((Number) tx.get("pid")).intValue() == pid && ((Number) tx.get("open_seconds")).longValue() >= seconds) {
                        return tx;
                    }
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the status never named pid " + pid + " as open for " + seconds + " s: "
                + MigrationStatus.read(app, "slotwait"));
    }

    private static String statusText(PgDatabase app) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream original = System.out;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            TandemCli.commandLine().execute("status", "--migration", "slotwait", "--target",
                    SharedTestStack.get().postgres().jdbcUrl("slotwait_app"));
        } finally {
            System.setOut(original);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static void exec(PgDatabase db, String... sql) throws Exception {
        try (Connection c = db.connect("test"); Statement s = c.createStatement()) {
            for (String one : sql) {
                s.execute(one);
            }
        }
    }

    private static String single(PgDatabase db, String sql) throws Exception {
        try (Connection c = db.connect("test"); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
