package dev.tandem.deploy.faults;

import static dev.tandem.deploy.TestSql.exec;
import static dev.tandem.deploy.TestSql.single;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.embedded.EmbeddedPostgres;
import dev.tandem.embedded.SharedTestStack;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The whole tandem process ({@code tandem run}) is killed with SIGKILL at random moments, once
 * inside the chunked backfill (which the next run resumes) and then while streaming under a write
 * workload, and started again each time;
 * a 2 000-row transaction is open in the legacy database across one of the kills. At the
 * end the new table equals the legacy one, a table merged from two legacy tables equals their
 * join, and a history kept by a trigger on the new table shows no change applied twice or out of
 * order. The checker is plain SQL, not tandem's comparison.
 */
class ProcessKillIT {

    /** A few kills in the default run; {@code ./mvnw verify -Pfaults} sets {@code tandem.faults.kills} higher. */
    private static final int KILLS = Integer.getInteger("tandem.faults.kills", 4);
    /** The independent check of the merged table: the legacy join computed by plain SQL, and the new table. */
    private static final String MERGED_LEGACY = "SELECT count(*) || ':' || md5(string_agg(a.id || '/' || a.version || '/' "
            + "|| coalesce(e.score::text, '-'), ',' ORDER BY a.id)) FROM public.account a LEFT JOIN public.account_extra e USING (id)";
    private static final String MERGED_NEW = "SELECT count(*) || ':' || md5(string_agg(id || '/' || version || '/' "
            + "|| coalesce(score::text, '-'), ',' ORDER BY id)) FROM public.account_score";

    /** Both orderings: per-key adds the router, the keyed change log's partitions and a position per partition. */
    @ParameterizedTest
    @ValueSource(strings = {"transactional", "per-key"})
    void killedAndRestartedRunLosesAndDoublesNothing(String ordering, @TempDir Path dir) throws Exception {
        String suffix = ordering.equals("transactional") ? "" : "_per_key";
        String legacyDb = "kill_legacy" + suffix;
        String newDb = "kill_new" + suffix;
        EmbeddedPostgres postgres = SharedTestStack.get().postgres();
        postgres.createDatabase(legacyDb);
        postgres.createDatabase(newDb);
        exec(postgres, legacyDb, "CREATE TABLE public.account (id int PRIMARY KEY, version int NOT NULL, note text)",
                "INSERT INTO public.account SELECT g, 1, repeat('n', 200) || g FROM generate_series(1, 200000) g",
                "CREATE TABLE public.account_extra (id int PRIMARY KEY, score int NOT NULL)",
                "INSERT INTO public.account_extra SELECT g, g % 100 FROM generate_series(1, 200000, 2) g");
        exec(postgres, newDb, "CREATE TABLE public.account (id int PRIMARY KEY, version int NOT NULL, note text)",
                "CREATE TABLE public.history (seq bigserial PRIMARY KEY, id int, version int)",
                "CREATE TABLE public.account_score (id int PRIMARY KEY, version int NOT NULL, score int)",
                """
                CREATE FUNCTION public.remember() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN INSERT INTO public.history (id, version) VALUES (NEW.id, NEW.version); RETURN NEW; END $$""",
                "CREATE TRIGGER remember AFTER INSERT OR UPDATE ON public.account FOR EACH ROW EXECUTE FUNCTION public.remember()",
                "ALTER TABLE public.account ENABLE ALWAYS TRIGGER remember");
        Files.writeString(dir.resolve("mapping.yaml"), """
                tables:
                  - target: public.account
                    from: public.account a
                    copy_same_named: true
                  - target: public.account_score
                    from: public.account a
                    join:
                      - from: public.account_extra e
                        on: { id: a.id }
                    key: { id: a.id }
                    columns: { version: a.version, score: e.score }
                """);
        Path config = dir.resolve("migration.yaml");
        Files.writeString(config, """
                migration: kill_it%s
                source: { url: "%s" }
                target: { url: "%s" }
                kafka: { bootstrap: "%s" }
                mapping: mapping.yaml
                backfill: { chunkRows: 20000 }
                sync: { ordering: %s }
                """.formatted(suffix, postgres.jdbcUrl(legacyDb), postgres.jdbcUrl(newDb),
                SharedTestStack.get().kafka().bootstrapServers(), ordering));

        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicLong committed = new AtomicLong();
        Thread workload = new Thread(() -> write(postgres, legacyDb, writing, committed), "workload");
        workload.start();
        // A transaction that is still open when tandem is killed, committed after it restarted.
        Connection open = postgres.connect(legacyDb);
        open.setAutoCommit(false);
        try {
            for (int kill = 1; kill <= KILLS; kill++) {
                Path log = dir.resolve("run-" + kill + ".log");
                Process tandem = start(config, log);
                try {
                    // the first kill lands inside the backfill, the later ones while streaming
                    if (kill == 1) {
                        awaitLog(log, "chunks of about"); // planned: the kill lands among the chunk copies
                        Thread.sleep(ThreadLocalRandom.current().nextLong(300));
                    } else {
                        awaitLog(log, "streaming; stop with Ctrl-C");
                        if (kill == 3) {
                            open.commit(); // opened before kill 2, committed while run 3 streams
                        }
                        Thread.sleep(1_000 + ThreadLocalRandom.current().nextLong(4_000));
                    }
                    if (kill == 2) {
                        try (Statement st = open.createStatement()) {
                            st.execute("INSERT INTO public.account SELECT g, 1, 'long' FROM generate_series(900001, 902000) g");
                            st.execute("UPDATE public.account SET version = version + 1, note = 'long' WHERE id <= 50");
                        }
                    }
                } finally {
                    tandem.destroyForcibly(); // the kill itself, and no orphan when an assertion fails first
                    assertTrue(tandem.waitFor(30, TimeUnit.SECONDS));
                }
            }
            assertEquals("2000", single(postgres, legacyDb, "SELECT count(*) FROM public.account WHERE note = 'long' AND id > 900000"));
            assertTrue(Files.readString(dir.resolve("run-2.log")).contains("was interrupted; resuming it"),
                    "the backfill killed in run 1 must resume in run 2, not start over");
        } finally {
            writing.set(false);
            workload.join();
            open.close();
        }
        Process last = start(config, dir.resolve("run-final.log"));
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            String legacy = digest(postgres, legacyDb);
            String merged = single(postgres, legacyDb, MERGED_LEGACY);
            while (!(legacy.equals(digest(postgres, newDb)) && merged.equals(single(postgres, newDb, MERGED_NEW)))
                    && System.nanoTime() < deadline) {
                Thread.sleep(500);
            }
            assertEquals(legacy, digest(postgres, newDb), "new table differs from legacy after " + KILLS + " kills; "
                    + "logs in " + dir);
            assertEquals(merged, single(postgres, newDb, MERGED_NEW), "the merged table differs from the legacy join after "
                    + KILLS + " kills; logs in " + dir);
        } finally {
            last.destroy();
            last.waitFor(60, TimeUnit.SECONDS);
        }
        assertTrue(committed.get() > 200, "workload committed " + committed.get());
        assertEquals("0", single(postgres, newDb, """
                SELECT count(*) FROM (SELECT id, version FROM public.history GROUP BY 1, 2 HAVING count(*) > 1) d"""),
                "a version was applied twice");
        assertEquals("0", single(postgres, newDb, """
                SELECT count(*) FROM (SELECT version, lag(version) OVER (PARTITION BY id ORDER BY seq) AS previous
                                      FROM public.history) h WHERE version <= previous"""),
                "a row went back to an older version");
    }

    private static void awaitLog(Path log, String text) throws Exception {
        // generous: a resumed backfill first waits for the capture (its offset flush) and catches up
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        while (!(Files.exists(log) && Files.readString(log).contains(text))) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("'" + text + "' did not appear in " + log + ":\n" + Files.readString(log));
            }
            Thread.sleep(20);
        }
    }

    private static Process start(Path config, Path log) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        return new ProcessBuilder(List.of(java, "-Xmx384m", "-cp", System.getProperty("java.class.path"),
                "dev.tandem.deploy.TandemCli", "run", "--config", config.toString(), "--progress-interval", "1s"))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private static void write(EmbeddedPostgres postgres, String legacyDb, AtomicBoolean writing, AtomicLong committed) {
        try (Connection c = postgres.connect(legacyDb);
             PreparedStatement update = c.prepareStatement("UPDATE public.account SET version = version + 1 WHERE id = ?");
             PreparedStatement insert = c.prepareStatement("INSERT INTO public.account VALUES (?, 1, 'new') ON CONFLICT DO NOTHING");
             PreparedStatement extra = c.prepareStatement("INSERT INTO public.account_extra VALUES (?, ?) "
                     + "ON CONFLICT (id) DO UPDATE SET score = EXCLUDED.score");
             PreparedStatement dropExtra = c.prepareStatement("DELETE FROM public.account_extra WHERE id = ?")) {
            c.setAutoCommit(false);
            ThreadLocalRandom random = ThreadLocalRandom.current();
            int next = 200_001;
            while (writing.get()) {
                for (int i = 0; i < 1 + random.nextInt(4); i++) {
                    update.setInt(1, 1 + random.nextInt(200_000));
                    update.executeUpdate();
                }
                insert.setInt(1, next++);
                insert.executeUpdate();
                // the merged table's joined side changes on its own, in the same transactions
                extra.setInt(1, 1 + random.nextInt(next));
                extra.setInt(2, random.nextInt(1000));
                extra.executeUpdate();
                if (random.nextInt(5) == 0) {
                    dropExtra.setInt(1, 1 + random.nextInt(next));
                    dropExtra.executeUpdate();
                }
                c.commit();
                committed.incrementAndGet();
                Thread.sleep(5);
            }
        } catch (Exception e) {
            throw new IllegalStateException("workload failed", e);
        }
    }

    private static String digest(EmbeddedPostgres postgres, String db) throws Exception {
        return single(postgres, db, "SELECT count(*) || ':' || md5(string_agg(a::text, ',' ORDER BY id)) FROM public.account a");
    }
}
