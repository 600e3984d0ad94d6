package dev.tandem.deploy.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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

/** {@code tandem check} names the legacy tables the mapping leaves out and the legacy indexes the new tables lack. */
class ReadinessIT {

    @Test
    void unmappedTablesAndMissingIndexesAreNamedWithTheirFix(@TempDir Path dir) throws Exception {
        EmbeddedPostgres postgres = SharedTestStack.get().postgres();
        postgres.createDatabase("ready_legacy");
        postgres.createDatabase("ready_new");
        try (Connection c = postgres.connect("ready_legacy"); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE public.customer (id int PRIMARY KEY, email text, name text, born date)");
            st.execute("CREATE INDEX customer_email ON public.customer (email)");
            st.execute("CREATE UNIQUE INDEX customer_name ON public.customer (name)");
            st.execute("CREATE INDEX customer_born_year ON public.customer (extract(year FROM born))"); // not comparable
            st.execute("CREATE TABLE public.history (at timestamptz, what text)");
            st.execute("INSERT INTO public.history SELECT now(), 'x' FROM generate_series(1, 7)");
        }
        try (Connection c = postgres.connect("ready_new"); Statement st = c.createStatement()) {
            st.execute("CREATE SCHEMA app");
            st.execute("CREATE TABLE app.customer (id int PRIMARY KEY, email_address text, name text, born date)");
            st.execute("CREATE UNIQUE INDEX ON app.customer (name, id)"); // leads with name: a counterpart
        }
        Path mapping = dir.resolve("mapping.yaml");
        Files.writeString(mapping, """
                tables:
                  - target: app.customer
                    from: public.customer c
                    key: { id: c.id }
                    columns:
                      email_address: c.email
                      name: c.name
                      born: c.born
                """);
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        PrintStream original = System.out;
        System.setOut(new PrintStream(stdout, true, StandardCharsets.UTF_8));
        int exit;
        try {
            exit = TandemCli.commandLine().execute("check", "--mapping", mapping.toString(),
                    "--source", postgres.jdbcUrl("ready_legacy"), "--target", postgres.jdbcUrl("ready_new"));
        } finally {
            System.setOut(original);
        }
        String out = stdout.toString(StandardCharsets.UTF_8);
        assertEquals(0, exit, "warnings do not fail the check: " + out);
        assertTrue(out.contains("WARN unmapped table public.history: in a captured schema but not in the mapping: 7 rows "
                + "written"), out);
        assertTrue(out.contains("fix: CREATE INDEX ON \"app\".\"customer\" (\"email_address\")"), out);
        assertFalse(out.contains("(\"name\")"), "the unique index on (name) has a counterpart: " + out);
        assertFalse(out.contains("customer_born_year"), "an expression index is not compared: " + out);
    }
}
