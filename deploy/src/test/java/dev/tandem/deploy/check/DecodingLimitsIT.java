package dev.tandem.deploy.check;

import static dev.tandem.deploy.TestSql.exec;
import static dev.tandem.deploy.TestSql.single;
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
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What logical decoding cannot see is caught before anything is created: {@code tandem check} and {@code tandem run}
 * refuse an unlogged legacy table with the same message and fix, and check warns about large-object columns.
 */
class DecodingLimitsIT {

    @Test
    void anUnloggedLegacyTableIsRefusedByCheckAndByRunBeforeAnythingIsCreated(@TempDir Path dir) throws Exception {
        EmbeddedPostgres postgres = SharedTestStack.get().postgres();
        postgres.createDatabase("unl_legacy");
        postgres.createDatabase("unl_new");
        exec(postgres, "unl_legacy", "CREATE UNLOGGED TABLE public.src (id int PRIMARY KEY, name text)",
                "INSERT INTO public.src VALUES (1, 'one')");
        exec(postgres, "unl_new", "CREATE TABLE public.dst (id int PRIMARY KEY, name text)");
        Path mapping = dir.resolve("mapping.yaml");
        Files.writeString(mapping, """
                tables:
                  - target: public.dst
                    from: public.src s
                    copy_same_named: true
                """);
        String refusal = "public.src is UNLOGGED: its writes never reach the WAL";
        String fix = "run ALTER TABLE \"public\".\"src\" SET LOGGED";

        Result check = run("check", "--mapping", mapping.toString(), "--source", postgres.jdbcUrl("unl_legacy"),
                "--target", postgres.jdbcUrl("unl_new"));
        assertEquals(1, check.exit, check.out);
        assertTrue(check.out.contains(refusal) && check.out.contains(fix), check.out);

        Path config = dir.resolve("migration.yaml");
        Files.writeString(config, """
                migration: unl_run
                source:
                  url: %s
                target:
                  url: %s
                kafka:
                  bootstrap: %s
                mapping: mapping.yaml
                """.formatted(postgres.jdbcUrl("unl_legacy"), postgres.jdbcUrl("unl_new"),
                SharedTestStack.get().kafka().bootstrapServers()));
        Result run = run("run", "--config", config.toString(), "--duration", "10s");
        assertEquals(2, run.exit, run.out + run.err);
        assertTrue(run.err.contains(refusal) && run.err.contains(fix), run.err);
        assertEquals("0", single(postgres, "unl_legacy", "SELECT count(*) FROM pg_replication_slots WHERE slot_name LIKE '%unl_run%'"),
                "no slot");
        assertEquals("0", single(postgres, "unl_legacy", "SELECT count(*) FROM pg_publication"), "no publication");
        assertEquals("f", single(postgres, "unl_new", "SELECT to_regnamespace('tandem_state') IS NOT NULL"), "no join state");
        try (Admin admin = Admin.create(Map.<String, Object>of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                SharedTestStack.get().kafka().bootstrapServers()))) {
            Set<String> topics = admin.listTopics().names().get();
            assertTrue(topics.stream().noneMatch(t -> t.contains("unl_run")), topics.toString());
        }

        exec(postgres, "unl_legacy", "ALTER TABLE public.src SET LOGGED");
        Result fixed = run("check", "--mapping", mapping.toString(), "--source", postgres.jdbcUrl("unl_legacy"),
                "--target", postgres.jdbcUrl("unl_new"));
        assertEquals(0, fixed.exit, fixed.out);
    }

    @Test
    void checkWarnsAboutLargeObjectColumnsAndStillPasses(@TempDir Path dir) throws Exception {
        EmbeddedPostgres postgres = SharedTestStack.get().postgres();
        postgres.createDatabase("lo_legacy");
        postgres.createDatabase("lo_new");
        exec(postgres, "lo_legacy", "CREATE DOMAIN public.lo AS oid",
                "CREATE TABLE public.doc (id int PRIMARY KEY, title text, body oid, scan public.lo)");
        exec(postgres, "lo_new", "CREATE DOMAIN public.lo AS oid",
                "CREATE TABLE public.doc (id int PRIMARY KEY, title text, body oid, scan public.lo)");
        Path mapping = dir.resolve("mapping.yaml");
        Files.writeString(mapping, """
                tables:
                  - target: public.doc
                    from: public.doc d
                    copy_same_named: true
                """);
        Result check = run("check", "--mapping", mapping.toString(), "--source", postgres.jdbcUrl("lo_legacy"),
                "--target", postgres.jdbcUrl("lo_new"));
        assertEquals(0, check.exit, check.out);
        assertTrue(check.out.contains("WARN large objects: public.doc.body (oid) refers to a large object"), check.out);
        assertTrue(check.out.contains("WARN large objects: public.doc.scan (lo)"), check.out);
        assertTrue(check.out.contains("lo_export/lo_import"), check.out);
        assertTrue(!check.out.contains("public.doc.title"), check.out);
    }

    private record Result(int exit, String out, String err) {
    }

    private static Result run(String... args) {
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        PrintStream originalOut = System.out;
        PrintStream originalErr = System.err;
        System.setOut(new PrintStream(stdout, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(stderr, true, StandardCharsets.UTF_8));
        try {
            int exit = TandemCli.commandLine().execute(args);
            return new Result(exit, stdout.toString(StandardCharsets.UTF_8), stderr.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(originalOut);
            System.setErr(originalErr);
        }
    }
}
