package dev.tandem.sync;

import static dev.tandem.sync.TestDatabases.exec;
import static dev.tandem.sync.TestDatabases.queryLong;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tandem.capture.PgDatabase;
import dev.tandem.sync.cutover.WriteFence;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * tandem's write block is an ordinary trigger: with its writers running as replicas it still stops every application
 * write (also a TRUNCATE and a superuser's), while tandem's own writers are not blocked.
 */
class WriteBlockReplicaRoleIT {

    @Test
    void theBlockStopsApplicationsButNotTandemsReplicaWriters() throws Exception {
        PgDatabase db = TestDatabases.fresh("block_replica");
        exec(db, "CREATE TABLE public.account (id int PRIMARY KEY, balance int NOT NULL)",
                "INSERT INTO public.account VALUES (1, 10)");
        WriteFence fence = new WriteFence("block_replica");
        try (Connection operator = db.connect("operator")) {
            fence.install(operator, List.of("public.account"));
            fence.block(operator);
        }
        try (Connection application = db.connect("application"); Statement st = application.createStatement()) {
            SQLException blocked = assertThrows(SQLException.class,
                    () -> st.execute("UPDATE public.account SET balance = 0 WHERE id = 1"));
            assertEquals(WriteFence.BLOCKED_SQLSTATE, blocked.getSQLState(), blocked.getMessage());
            SQLException truncate = assertThrows(SQLException.class, () -> st.execute("TRUNCATE public.account"));
            assertEquals(WriteFence.BLOCKED_SQLSTATE, truncate.getSQLState(), truncate.getMessage());
        }
        try (Connection writer = db.connectAsSyncWriter("tandem-applier"); Statement st = writer.createStatement()) {
            st.execute("UPDATE public.account SET balance = 20 WHERE id = 1");
            st.execute("INSERT INTO public.account VALUES (2, 5)");
        }
        assertEquals(25, queryLong(db, "SELECT sum(balance) FROM public.account"), "tandem's writes went through");
        try (Connection operator = db.connect("operator")) {
            fence.open(operator);
        }
        exec(db, "UPDATE public.account SET balance = 0 WHERE id = 2");
        assertEquals(20, queryLong(db, "SELECT sum(balance) FROM public.account"), "open again for the application");
    }
}
