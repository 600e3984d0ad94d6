package dev.tandem.deploy.lifecycle;

import static dev.tandem.deploy.lifecycle.CutoverIT.exec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tandem.capture.PgDatabase;
import dev.tandem.deploy.lifecycle.switchover.WriteBlock;
import dev.tandem.embedded.SharedTestStack;
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
        SharedTestStack.get().postgres().createDatabase("block_replica");
        PgDatabase db = new PgDatabase("127.0.0.1", SharedTestStack.get().postgres().port(), "block_replica", "postgres", "");
        exec(db, "CREATE TABLE public.account (id int PRIMARY KEY, balance int NOT NULL)",
                "INSERT INTO public.account VALUES (1, 10)");
        WriteBlock writes = new WriteBlock("block_replica");
        try (Connection operator = db.connect("operator")) {
            writes.install(operator, List.of("public.account"));
            writes.block(operator);
        }
        try (Connection application = db.connect("application"); Statement st = application.createStatement()) {
            SQLException blocked = assertThrows(SQLException.class,
                    () -> st.execute("UPDATE public.account SET balance = 0 WHERE id = 1"));
            assertEquals(WriteBlock.BLOCKED_SQLSTATE, blocked.getSQLState(), blocked.getMessage());
            SQLException truncate = assertThrows(SQLException.class, () -> st.execute("TRUNCATE public.account"));
            assertEquals(WriteBlock.BLOCKED_SQLSTATE, truncate.getSQLState(), truncate.getMessage());
        }
        try (Connection writer = db.connectAsSyncWriter("tandem-applier"); Statement st = writer.createStatement()) {
            st.execute("UPDATE public.account SET balance = 20 WHERE id = 1");
            st.execute("INSERT INTO public.account VALUES (2, 5)");
        }
        assertEquals(25, Long.parseLong(CutoverFixture.query(db, "SELECT sum(balance) FROM public.account")), "tandem's writes went through");
        try (Connection operator = db.connect("operator")) {
            writes.open(operator);
        }
        exec(db, "UPDATE public.account SET balance = 0 WHERE id = 2");
        assertEquals(20, Long.parseLong(CutoverFixture.query(db, "SELECT sum(balance) FROM public.account")), "open again for the application");
    }
}
