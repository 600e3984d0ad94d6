package dev.tandem.capture.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.capture.CaptureConfig;
import dev.tandem.capture.PgDatabase;
import dev.tandem.embedded.EmbeddedStack;
import dev.tandem.embedded.SharedTestStack;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A session idle in a transaction that has written holds up the creation of a slot; while it does, the setup names
 * that session (pid, state, what it last ran), and the creation ends as soon as the transaction does.
 */
class SlotCreationWatchIT {

    @Test
    void aSlotCreationNamesTheIdleTransactionItWaitsFor() throws Exception {
        EmbeddedStack stack = SharedTestStack.get();
        stack.postgres().createDatabase("slot_wait");
        PgDatabase source = new PgDatabase("127.0.0.1", stack.postgres().port(), "slot_wait", "postgres", "");
        try (Connection c = source.connect("test"); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE IF NOT EXISTS public.t (id int PRIMARY KEY)");
        }
        ReplicationSetup replication = new ReplicationSetup(new CaptureConfig("slot_wait", source, List.of("public.t"),
                stack.kafka().bootstrapServers()));
        replication.drop();
        replication.ensurePublication();
        try (Connection idle = source.connect("forgotten-session"); Statement st = idle.createStatement()) {
            idle.setAutoCommit(false);
            st.execute("INSERT INTO public.t SELECT coalesce(max(id), 0) + 1 FROM public.t");
            int pid;
            try (ResultSet rs = st.executeQuery("SELECT pg_backend_pid()")) {
                rs.next();
                pid = rs.getInt(1);
            }
            CompletableFuture<ExportedSnapshot> creating = CompletableFuture.supplyAsync(() -> {
                try {
                    return replication.createSlotWithSnapshot();
                } catch (java.sql.SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            List<String> waits = replication.slotCreationWaitsFor();
            while (waits.stream().noneMatch(w -> w.startsWith("pid " + pid + " ")) && System.nanoTime() < deadline) {
                Thread.sleep(100);
                waits = replication.slotCreationWaitsFor();
            }
            assertEquals(1, waits.size(), "the idle session is named: " + waits);
            String named = waits.get(0);
            assertTrue(named.contains("forgotten-session") && named.contains("idle in transaction")
                    && named.contains("last ran: SELECT pg_backend_pid()"), named);
            assertFalse(creating.isDone(), "the slot waits for the open transaction");

            idle.commit();
            try (ExportedSnapshot snapshot = creating.get(30, TimeUnit.SECONDS)) {
                assertTrue(replication.slotExists());
            }
            assertEquals(List.of(), replication.slotCreationWaitsFor(), "nothing is waited for once the slot exists");
        } finally {
            replication.drop();
        }
    }
}
