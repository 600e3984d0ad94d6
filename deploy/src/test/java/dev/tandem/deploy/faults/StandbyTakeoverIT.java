package dev.tandem.deploy.faults;

import static dev.tandem.deploy.TestSql.exec;
import static dev.tandem.deploy.TestSql.single;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.embedded.EmbeddedPostgres;
import dev.tandem.embedded.SharedTestStack;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three {@code tandem run} instances of one per-key migration, each its own JVM, under a write workload. The capture
 * leader is killed with SIGKILL (a standby takes the capture over), then an instance that only applies (its
 * partitions move to the others), alternating; each killed instance is replaced, as an orchestrator would. Last, the
 * leader's lease session is terminated while its process lives: it must stop capturing, and capture must go on. The
 * checker is plain SQL: the new table equals the legacy one, and a history kept by a trigger on the new table shows
 * no version applied twice or out of order. Takeover times (kill → the change log grows again, which only a new
 * leader can make it do) are printed for docs/reliability.md.
 */
class StandbyTakeoverIT {

    /** Kills in the default run; {@code ./mvnw verify -Pfaults} sets {@code tandem.faults.standbyKills} higher. */
    private static final int KILLS = Integer.getInteger("tandem.faults.standbyKills", 3);
    private static final String MIGRATION = "standby_it";
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Map<Long, Integer> PORTS = new ConcurrentHashMap<>();
    private static final String LEGACY = "standby_legacy";
    private static final String NEW = "standby_new";
    private static final String LEADER = """
            SELECT l.instance FROM tandem.capture_leader l
            WHERE l.migration = 'standby_it' AND EXISTS (
                SELECT 1 FROM pg_locks k WHERE k.locktype = 'advisory' AND k.granted AND k.objsubid = 1
                AND k.objid = (hashtext('tandem.capture.standby_it')::bigint & 4294967295)::oid)""";

    @Test
    void killedLeadersAndAppliersLoseAndDoubleNothing(@TempDir Path dir) throws Exception {
        EmbeddedPostgres postgres = SharedTestStack.get().postgres();
        String kafka = SharedTestStack.get().kafka().bootstrapServers();
        postgres.createDatabase(LEGACY);
        postgres.createDatabase(NEW);
        exec(postgres, LEGACY, "CREATE TABLE public.account (id int PRIMARY KEY, version int NOT NULL, note text)",
                "INSERT INTO public.account SELECT g, 1, 'n' || g FROM generate_series(1, 20000) g");
        exec(postgres, NEW, "CREATE TABLE public.account (id int PRIMARY KEY, version int NOT NULL, note text)",
                "CREATE TABLE public.history (seq bigserial PRIMARY KEY, id int, version int)",
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
                """);
        Path config = dir.resolve("migration.yaml");
        Files.writeString(config, """
                migration: %s
                source: { url: "%s" }
                target: { url: "%s" }
                kafka: { bootstrap: "%s" }
                mapping: mapping.yaml
                backfill: { chunkRows: 5000 }
                sync: { ordering: per-key, partitions: 4, workers: 1 }
                reconcile: { continuous: false }
                """.formatted(MIGRATION, postgres.jdbcUrl(LEGACY), postgres.jdbcUrl(NEW), kafka));

        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicLong committed = new AtomicLong();
        Thread workload = new Thread(() -> write(postgres, writing, committed), "workload");
        workload.start();
        List<Process> instances = new ArrayList<>();
        List<Long> takeoverMillis = new ArrayList<>();
        int started = 0;
        try (Admin admin = Admin.create(Map.<String, Object>of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka))) {
            // one after the other, as a rollout would: three JVMs starting at once on two cores time out their checks
            for (; started < 3; started++) {
                instances.add(startReady(config, dir, started, started == 0 ? "leader" : "standby"));
            }
            await(180, "the backfill to finish", () -> "t".equals(
                    query(postgres, NEW, "SELECT backfill_done FROM tandem.migration WHERE migration = 'standby_it'")));
            long streaming = changeLogEnd(admin);
            await(60, "the capture to stream", () -> changeLogEnd(admin) > streaming);

            for (int kill = 1; kill <= KILLS; kill++) {
                Process leader = leaderOf(postgres, instances);
                assertTrue(leader != null, "an instance leads before kill " + kill + "; logs in " + dir);
                boolean killLeader = kill % 2 == 1;
                // as an orchestrator would have it: exited instances restarted, and a standby ready (its /readyz
                // says so) before anything is killed
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
                while (instances.stream().noneMatch(p -> p != leader && readyAs(p, "standby"))) {
                    assertTrue(System.nanoTime() < deadline, "no standby became ready before kill " + kill);
                    for (int i = 0; i < instances.size(); i++) {
                        if (!instances.get(i).isAlive()) {
                            instances.set(i, start(config, dir.resolve("instance-" + started++ + ".log")));
                        }
                    }
                    Thread.sleep(100);
                }
                Process victim = killLeader ? leader
                        : instances.stream().filter(p -> p != leader && readyAs(p, "standby")).findFirst().orElseThrow();
                long killedAt = System.nanoTime();
                victim.destroyForcibly();
                assertTrue(victim.waitFor(30, TimeUnit.SECONDS));
                instances.remove(victim);
                if (killLeader) {
                    long before = changeLogEnd(admin);
                    await(60, "a standby to capture after the leader's kill " + kill, () -> changeLogEnd(admin) > before);
                    takeoverMillis.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt));
                    Process next = leaderOf(postgres, instances);
                    assertTrue(next != null && next != victim, "another instance leads after kill " + kill);
                } else {
                    long before = changeLogEnd(admin);
                    await(60, "capture to go on after an applier's kill " + kill, () -> changeLogEnd(admin) > before);
                    assertEquals(leader, leaderOf(postgres, instances), "killing a standby leaves the leader in place");
                }
                if (kill < KILLS) {
                    instances.add(start(config, dir.resolve("instance-" + started++ + ".log"))); // the replacement
                }
            }

            // The leader's control session dies while its process lives: it must stop capturing by itself.
            Process fenced = leaderOf(postgres, instances);
            String since = query(postgres, NEW, "SELECT since::text FROM tandem.capture_leader WHERE migration = 'standby_it'");
            exec(postgres, NEW, """
                    SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1
                    AND objid = (hashtext('tandem.capture.standby_it')::bigint & 4294967295)::oid""");
            await(30, "an instance to take the lease anew", () -> leaderOf(postgres, instances) != null && !since.equals(
                    query(postgres, NEW, "SELECT since::text FROM tandem.capture_leader WHERE migration = 'standby_it'")));
            long afterFence = changeLogEnd(admin);
            await(60, "capture to go on after the fence", () -> changeLogEnd(admin) > afterFence);
            assertTrue(fenced.isAlive(), "a leader that lost its lease stands by instead of exiting");
            assertEquals(1, instances.stream().filter(p -> p == leaderOf(postgres, instances)).count());
            writing.set(false);
            workload.join();
            String legacy = digest(postgres, LEGACY);
            // a killed instance's partitions wait for the group's session timeout before they move
            await(180, "the new table to equal the legacy one", () -> legacy.equals(digest(postgres, NEW)));
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; logs in target/standby-takeover-logs", e);
        } finally {
            writing.set(false);
            workload.join();
            for (Process p : instances) {
                p.destroy();
            }
            for (Process p : instances) {
                p.waitFor(60, TimeUnit.SECONDS);
                p.destroyForcibly();
            }
            keepLogs(dir);
        }
        assertTrue(committed.get() > 100, "workload committed " + committed.get());
        assertEquals("0", single(postgres, NEW, """
                SELECT count(*) FROM (SELECT id, version FROM public.history GROUP BY 1, 2 HAVING count(*) > 1) d"""),
                "a version was applied twice");
        assertEquals("0", single(postgres, NEW, """
                SELECT count(*) FROM (SELECT version, lag(version) OVER (PARTITION BY id ORDER BY seq) AS previous
                                      FROM public.history) h WHERE version <= previous"""),
                "a row went back to an older version");
        List<Long> sorted = takeoverMillis.stream().sorted().toList();
        System.out.println("standby takeover (SIGKILL of the leader → the change log grows again), ms: " + takeoverMillis
                + ", median " + sorted.get(sorted.size() / 2));
        assertNotEquals(0, sorted.size());
    }

    /** Copies the instances' logs to target/standby-takeover-logs, where they outlive the temporary directory. */
    private static void keepLogs(Path dir) throws java.io.IOException {
        Path kept = Path.of("target", "standby-takeover-logs");
        Files.createDirectories(kept);
        try (var logs = Files.list(dir)) {
            for (Path log : logs.filter(p -> p.getFileName().toString().endsWith(".log")).toList()) {
                Files.copy(log, kept.resolve(log.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    /** The live instance the lease names, or null while none holds it. */
    private static Process leaderOf(EmbeddedPostgres postgres, List<Process> instances) {
        String instance = query(postgres, NEW, LEADER);
        if (instance == null) {
            return null;
        }
        String pid = instance.substring(instance.lastIndexOf('/') + 1).replaceAll("#.*", "");
        return instances.stream().filter(p -> Long.toString(p.pid()).equals(pid)).findFirst().orElse(null);
    }

    /**
     * Starts instance {@code n} and waits until it is ready in {@code role}; one that exits first (on a loaded machine
     * its start checks can time out) is started again, as an orchestrator would, up to three times.
     */
    private static Process startReady(Path config, Path dir, int n, String role) throws Exception {
        for (int attempt = 1; ; attempt++) {
            Process instance = start(config, dir.resolve("instance-" + n + (attempt == 1 ? "" : "-" + attempt) + ".log"));
            await(120, "instance " + n + " to be ready", () -> readyAs(instance, role) || !instance.isAlive());
            if (instance.isAlive()) {
                return instance;
            }
            assertTrue(attempt < 3, "instance " + n + " exited three times before it was ready; logs in "
                    + "target/standby-takeover-logs");
        }
    }

    /** True when the instance's {@code GET /readyz} answers 200 with this role. */
    private static boolean readyAs(Process instance, String role) {
        return readiness(instance.pid()).equals("200 " + role);
    }

    /** The instance's {@code GET /readyz} status and role, or why there is none. */
    private static String readiness(long pid) {
        try {
            HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + PORTS.get(pid)
                    + "/readyz")).timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
            return answer.statusCode() + " " + answer.body().replaceAll(".*\"role\":\"([a-z]+)\".*", "$1");
        } catch (java.io.IOException e) {
            return "not serving";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    /** The ordered change log's end: only a capture (the leader's) makes it grow. */
    private static long changeLogEnd(Admin admin) {
        TopicPartition log = new TopicPartition("tandem." + MIGRATION + ".changes", 0);
        try {
            return admin.listOffsets(Map.of(log, OffsetSpec.latest())).partitionResult(log).get().offset();
        } catch (Exception e) {
            return -1; // not created yet
        }
    }

    private static String query(EmbeddedPostgres postgres, String db, String sql) {
        try {
            return single(postgres, db, sql);
        } catch (Exception e) {
            return null; // the control schema does not exist yet
        }
    }

    private static void await(int seconds, String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + seconds + " s waiting for " + what + " (instances ready as: "
                        + PORTS.keySet().stream().map(pid -> pid + "=" + readiness(pid)).toList() + ")");
            }
            Thread.sleep(20);
        }
    }

    private static Process start(Path config, Path log) throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        String java = ProcessHandle.current().info().command().orElse("java");
        Process process = new ProcessBuilder(List.of(java, "-Xmx320m", "-cp", System.getProperty("java.class.path"),
                "dev.tandem.deploy.TandemCli", "run", "--config", config.toString(), "--progress-interval", "5s",
                "--api-port", Integer.toString(port)))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        PORTS.put(process.pid(), port);
        return process;
    }

    private static void write(EmbeddedPostgres postgres, AtomicBoolean writing, AtomicLong committed) {
        try (Connection c = postgres.connect(LEGACY);
             PreparedStatement update = c.prepareStatement("UPDATE public.account SET version = version + 1 WHERE id = ?");
             PreparedStatement insert = c.prepareStatement("INSERT INTO public.account VALUES (?, 1, 'new')");
             PreparedStatement delete = c.prepareStatement("DELETE FROM public.account WHERE id = ?")) {
            c.setAutoCommit(false);
            ThreadLocalRandom random = ThreadLocalRandom.current();
            int next = 20_001;
            while (writing.get()) {
                for (int i = 0; i < 1 + random.nextInt(4); i++) {
                    update.setInt(1, 1 + random.nextInt(next));
                    update.executeUpdate();
                }
                insert.setInt(1, next++);
                insert.executeUpdate();
                if (random.nextInt(10) == 0) {
                    delete.setInt(1, 1 + random.nextInt(next));
                    delete.executeUpdate();
                }
                c.commit();
                committed.incrementAndGet();
                Thread.sleep(20);
            }
        } catch (Exception e) {
            throw new IllegalStateException("workload failed", e);
        }
    }

    private static String digest(EmbeddedPostgres postgres, String db) {
        return query(postgres, db, "SELECT count(*) || ':' || md5(string_agg(a::text, ',' ORDER BY id)) FROM public.account a");
    }
}
