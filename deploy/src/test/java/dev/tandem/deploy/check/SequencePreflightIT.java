package dev.tandem.deploy.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.deploy.TandemCli;
import dev.tandem.embedded.EmbeddedPostgres;
import dev.tandem.embedded.SharedTestStack;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tandem check} lists each table's sequence-fed columns on both sides and checks the new database's decoding. */
class SequencePreflightIT {

    @Test
    void checkListsSerialAndIdentityColumnsAndTheNewDatabasesReplicationSettings(@TempDir Path dir) throws Exception {
        EmbeddedPostgres postgres = SharedTestStack.get().postgres();
        postgres.createDatabase("seqcheck_legacy");
        postgres.createDatabase("seqcheck_new");
        try (Connection c = postgres.connect("seqcheck_legacy"); Statement st = c.createStatement()) {
            st.execute("DROP TABLE IF EXISTS public.orders");
            st.execute("CREATE TABLE public.orders (id bigserial PRIMARY KEY, ref bigint NOT NULL DEFAULT nextval('orders_id_seq'), "
                    + "note text)");
        }
        try (Connection c = postgres.connect("seqcheck_new"); Statement st = c.createStatement()) {
            st.execute("DROP TABLE IF EXISTS public.orders");
            st.execute("CREATE TABLE public.orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, ref bigint, note text)");
        }
        Path mapping = dir.resolve("mapping.yaml");
        Files.writeString(mapping, """
                tables:
                  - target: public.orders
                    from: public.orders o
                    key:
                      id: o.id
                    columns:
                      ref: o.ref
                      note: o.note
                """);
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        PrintStream original = System.out;
        System.setOut(new PrintStream(stdout, true, StandardCharsets.UTF_8));
        int exit;
        try {
            exit = TandemCli.commandLine().execute("check", "--mapping", mapping.toString(), "--source",
                    postgres.jdbcUrl("seqcheck_legacy"), "--target", postgres.jdbcUrl("seqcheck_new"));
        } finally {
            System.setOut(original);
        }
        String out = stdout.toString(StandardCharsets.UTF_8);
        assertEquals(0, exit, out);
        assertTrue(out.contains("PASS sequences public.orders: legacy [public.orders.id (serial, orders_id_seq), "
                + "public.orders.ref (default nextval, orders_id_seq)]; new [public.orders.id (identity always, orders_id_seq)]"), out);
        assertTrue(out.contains("PASS new database wal_level: logical"), out);
        assertTrue(out.contains("new database replication slots"), out);
    }
}
