package dev.tandem.deploy.run;

import static dev.tandem.deploy.TestSql.exec;
import static dev.tandem.deploy.TestSql.single;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.deploy.TandemCli;
import dev.tandem.embedded.EmbeddedPostgres;
import dev.tandem.embedded.SharedTestStack;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tandem run --config}: backfills, streams while the legacy side is written, stops cleanly, resumes. */
class RunCommandIT {

    @Test
    void runsTheMigrationFromItsConfigAndResumesAfterAStop(@TempDir Path dir) throws Exception {
        EmbeddedPostgres postgres = SharedTestStack.get().postgres();
        Path config = migration(dir, "run", "run_it", "");

        CompletableFuture<Integer> first = CompletableFuture.supplyAsync(() -> TandemCli.commandLine()
                .execute("run", "--config", config.toString(), "--duration", "15s", "--progress-interval", "2s"));
        Thread.sleep(8_000);
        exec(postgres, "run_legacy", "INSERT INTO public.src VALUES (101, 'streamed')", "UPDATE public.src SET name = 'x' WHERE id = 1");
        assertEquals(0, first.get());
        assertEquals("101", single(postgres, "run_new", "SELECT count(*) FROM public.dst"));
        assertEquals("x", single(postgres, "run_new", "SELECT name FROM public.dst WHERE id = 1"));

        exec(postgres, "run_legacy", "DELETE FROM public.src WHERE id = 2"); // while stopped
        assertEquals(0, TandemCli.commandLine().execute("run", "--config", config.toString(), "--duration", "10s"));
        assertEquals("100", single(postgres, "run_new", "SELECT count(*) FROM public.dst"));
    }

    /** {@code kafka: embedded}: only the two databases are needed, and a second run resumes from the broker's data. */
    @Test
    void anEmbeddedBrokerNeedsNoKafkaAndARestartResumesFromItsData(@TempDir Path dir) throws Exception {
        EmbeddedPostgres postgres = SharedTestStack.get().postgres();
        Path shared = migration(dir, "run_ek", "run_ek", "");
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        Path config = dir.resolve("embedded.yaml");
        Files.writeString(config, Files.readString(shared).replace("bootstrap: " + SharedTestStack.get().kafka()
                .bootstrapServers(), "embedded: kafka-data\n  bootstrap: 127.0.0.1:" + port));

        CompletableFuture<Integer> first = CompletableFuture.supplyAsync(() -> TandemCli.commandLine()
                .execute("run", "--config", config.toString(), "--duration", "20s"));
        awaitRows(postgres, "run_ek_new", 100);
        exec(postgres, "run_ek_legacy", "INSERT INTO public.src VALUES (101, 'streamed')");
        awaitRows(postgres, "run_ek_new", 101);
        assertEquals(0, first.get());
        assertTrue(Files.isDirectory(dir.resolve("kafka-data")), "the broker's data stays beside the config");

        exec(postgres, "run_ek_legacy", "INSERT INTO public.src VALUES (102, 'while stopped')");
        assertEquals(0, TandemCli.commandLine().execute("run", "--config", config.toString(), "--duration", "12s"));
        assertEquals("102", single(postgres, "run_ek_new", "SELECT count(*) FROM public.dst"));
        assertEquals("1", single(postgres, "run_ek_new", "SELECT generation FROM tandem.migration"),
                "the second run resumed the stream from the kept change log instead of copying again");
    }

    /**
     * A broker that does not answer, a replication factor the one-broker cluster cannot give and a busy API port are
     * refused before any slot, publication, schema or topic.
     */
    @Test
    void aRefusedStartLeavesNothingBehind(@TempDir Path dir) throws Exception {
        EmbeddedPostgres postgres = SharedTestStack.get().postgres();
        Path shared = migration(dir, "run_refused", "run_refused", "");
        Path noKafka = dir.resolve("no-kafka.yaml");
        int closed;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = probe.getLocalPort(); // free again once closed: nothing listens there
        }
        Files.writeString(noKafka, Files.readString(shared).replace(SharedTestStack.get().kafka().bootstrapServers(),
                "127.0.0.1:" + closed));
        assertEquals(2, TandemCli.commandLine().execute("run", "--config", noKafka.toString(), "--duration", "5s"));
        try (ServerSocket busy = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            assertEquals(2, TandemCli.commandLine().execute("run", "--config", shared.toString(), "--duration", "5s",
                    "--api-port", Integer.toString(busy.getLocalPort())));
        }
        Path twoCopies = dir.resolve("two-copies.yaml");
        Files.writeString(twoCopies, Files.readString(shared).replace("bootstrap: " + SharedTestStack.get().kafka()
                .bootstrapServers(), "bootstrap: " + SharedTestStack.get().kafka().bootstrapServers()
                + "\n  replication_factor: 2"));
        ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        PrintStream originalErr = System.err;
        System.setErr(new PrintStream(stderr, true, StandardCharsets.UTF_8));
        try {
            assertEquals(2, TandemCli.commandLine().execute("run", "--config", twoCopies.toString(), "--duration", "5s"));
        } finally {
            System.setErr(originalErr);
        }
        assertTrue(stderr.toString(StandardCharsets.UTF_8).contains("cannot start migration run_refused: "
                + "Kafka: replication_factor 2 but the cluster has 1 broker: lower kafka.replication_factor "
                + "or add brokers"), stderr.toString(StandardCharsets.UTF_8));
        try (Admin admin = Admin.create(Map.<String, Object>of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                SharedTestStack.get().kafka().bootstrapServers()))) {
            assertEquals(List.of(), admin.listTopics().names().get(30, TimeUnit.SECONDS).stream()
                    .filter(t -> t.contains("run_refused")).toList(), "no topic");
        }
        assertEquals("0", single(postgres, "run_refused_legacy", "SELECT count(*) FROM pg_replication_slots "
                + "WHERE slot_name = 'tandem_run_refused'"), "no slot");
        assertEquals("0", single(postgres, "run_refused_legacy", "SELECT count(*) FROM pg_publication"), "no publication");
        assertEquals("0", single(postgres, "run_refused_new", "SELECT count(*) FROM pg_namespace WHERE nspname = 'tandem'"),
                "no control schema");
    }

    /**
     * Every topic of the migration, the router's internal ones included, has one copy and {@code min.insync.replicas}
     * 1 set on the topic itself (as the config asks), not left to the broker's default.
     */
    private static void assertTopicsReplicatedOnce(String kafka, String migration) throws Exception {
        try (Admin admin = Admin.create(Map.<String, Object>of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka))) {
            List<String> topics = admin.listTopics().names().get(30, TimeUnit.SECONDS).stream()
                    .filter(t -> t.startsWith("tandem." + migration + ".") || t.startsWith("tandem-router-tandem." + migration + "."))
                    .sorted().toList();
            for (String expected : List.of("changes", "capture-offsets", "dead-letter", "changes.by-key")) {
                assertTrue(topics.contains("tandem." + migration + "." + expected), expected + " in " + topics);
            }
            assertTrue(topics.stream().anyMatch(t -> t.startsWith("tandem-router-") && t.endsWith("-changelog")),
                    "the router's state changelog in " + topics);
            admin.describeTopics(topics).allTopicNames().get(30, TimeUnit.SECONDS).forEach((name, description) ->
                    description.partitions().forEach(p -> assertEquals(1, p.replicas().size(), name)));
            Map<ConfigResource, Config> configs = admin.describeConfigs(topics.stream()
                    .map(t -> new ConfigResource(ConfigResource.Type.TOPIC, t)).toList()).all().get(30, TimeUnit.SECONDS);
            configs.forEach((resource, config) -> {
                ConfigEntry minInsync = config.get(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG);
                assertEquals("1", minInsync.value(), resource.name());
                assertEquals(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG, minInsync.source(), resource.name());
            });
        }
    }

    private static void awaitRows(EmbeddedPostgres postgres, String database, int rows) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!single(postgres, database, "SELECT count(*) FROM public.dst").equals(Integer.toString(rows))) {
            assertTrue(System.nanoTime() < deadline, database + " never reached " + rows + " rows");
            Thread.sleep(200);
        }
    }

    @Test
    void anApplyOnlyInstanceSharesThePartitionsOfAPerKeyMigration(@TempDir Path dir) throws Exception {
        EmbeddedPostgres postgres = SharedTestStack.get().postgres();
        String kafka = SharedTestStack.get().kafka().bootstrapServers();
        Path config = migration(dir, "run_pk", "run_pk", "sync: { ordering: per-key, partitions: 4, workers: 1 }\n");
        Files.writeString(config, Files.readString(config).replace("bootstrap: " + kafka, "bootstrap: " + kafka
                + "\n  replication_factor: 1\n  min_insync_replicas: 1"));

        CompletableFuture<Integer> main = CompletableFuture.supplyAsync(() -> TandemCli.commandLine()
                .execute("run", "--config", config.toString(), "--duration", "30s"));
        CompletableFuture<Integer> extra = CompletableFuture.supplyAsync(() -> TandemCli.commandLine()
                .execute("run", "--config", config.toString(), "--apply-only", "--duration", "15s"));
        String group = "tandem-applier-tandem.run_pk.changes.by-key";
        try (Admin admin = Admin.create(Map.<String, Object>of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka))) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(25);
            int members = 0;
            while (members < 2 && System.nanoTime() < deadline) {
                Thread.sleep(200);
                try {
                    members = admin.describeConsumerGroups(List.of(group)).all().get().get(group).members().size();
                } catch (ExecutionException notYet) {
                    members = 0; // the group does not exist until the first applier joins
                }
            }
            assertEquals(2, members, "the --apply-only instance joined the main one's appliers");
        }
        exec(postgres, "run_pk_legacy", "INSERT INTO public.src SELECT g, 'late ' || g FROM generate_series(101, 300) g",
                "UPDATE public.src SET name = 'x' WHERE id <= 50");
        assertEquals(0, extra.get(), "the extra instance stops cleanly; its partitions move back to the main one");
        exec(postgres, "run_pk_legacy", "DELETE FROM public.src WHERE id > 250");
        assertEquals(0, main.get());
        assertEquals("250|50", single(postgres, "run_pk_new", "SELECT count(*) || '|' || count(*) FILTER (WHERE name = 'x') "
                + "FROM public.dst"));
        assertTopicsReplicatedOnce(kafka, "run_pk");

        Path transactional = dir.resolve("transactional.yaml");
        Files.writeString(transactional, Files.readString(config).replace("sync: { ordering: per-key, partitions: 4, workers: 1 }\n",
                ""));
        assertEquals(2, TandemCli.commandLine().execute("run", "--config", transactional.toString(), "--apply-only"),
                "--apply-only needs per-key ordering");
    }

    /**
     * Transactional ordering, two instances: the second stands by (it neither captures nor applies, or the one
     * applier's position would refuse it and it would exit 1), and takes capture and apply over once the first stops.
     */
    @Test
    void aSecondRunStandsByAndTakesOverWhenTheFirstStops(@TempDir Path dir) throws Exception {
        EmbeddedPostgres postgres = SharedTestStack.get().postgres();
        Path config = migration(dir, "run_sb", "run_sb", "reconcile: { continuous: false }\n");
        String leader = "SELECT max(instance) FROM tandem.capture_leader WHERE migration = 'run_sb'";

        CompletableFuture<Integer> first = CompletableFuture.supplyAsync(() -> TandemCli.commandLine()
                .execute("run", "--config", config.toString(), "--duration", "20s"));
        awaitRows(postgres, "run_sb_new", 100);
        String firstLeader = single(postgres, "run_sb_new", leader);
        CompletableFuture<Integer> second = CompletableFuture.supplyAsync(() -> TandemCli.commandLine()
                .execute("run", "--config", config.toString(), "--duration", "35s"));
        exec(postgres, "run_sb_legacy", "INSERT INTO public.src VALUES (101, 'to the first')");
        awaitRows(postgres, "run_sb_new", 101);
        assertEquals(firstLeader, single(postgres, "run_sb_new", leader), "the first instance keeps the lease");
        assertEquals(0, first.get(), "the first instance stops cleanly and lets the lease go");

        exec(postgres, "run_sb_legacy", "INSERT INTO public.src VALUES (102, 'to the second')", "DELETE FROM public.src WHERE id = 1");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        String changes = "SELECT count(*) FILTER (WHERE id = 102) || '|' || count(*) FILTER (WHERE id = 1) FROM public.dst";
        while (!single(postgres, "run_sb_new", changes).equals("1|0")) {
            assertTrue(System.nanoTime() < deadline, "the standby never applied the changes made after the first stopped");
            Thread.sleep(200);
        }
        String secondLeader = single(postgres, "run_sb_new", leader);
        assertTrue(secondLeader != null && !secondLeader.equals(firstLeader), "the standby took the lease: " + secondLeader);
        assertEquals(0, second.get(), "standing by, the second instance never ran a second applier");
    }

    /**
     * Databases {@code <prefix>_legacy} (100 rows in {@code public.src}) and {@code <prefix>_new} (an empty
     * {@code public.dst}), a mapping copying one into the other, and the config of migration {@code name} with
     * {@code extra} appended.
     */
    private static Path migration(Path dir, String prefix, String name, String extra) throws Exception {
        EmbeddedPostgres postgres = SharedTestStack.get().postgres();
        postgres.createDatabase(prefix + "_legacy");
        postgres.createDatabase(prefix + "_new");
        exec(postgres, prefix + "_legacy", "CREATE TABLE public.src (id int PRIMARY KEY, name text)",
                "INSERT INTO public.src SELECT g, 'n' || g FROM generate_series(1, 100) g");
        exec(postgres, prefix + "_new", "CREATE TABLE public.dst (id int PRIMARY KEY, name text)");
        Files.writeString(dir.resolve("mapping.yaml"), """
                tables:
                  - target: public.dst
                    from: public.src s
                    copy_same_named: true
                """);
        Path config = dir.resolve("migration.yaml");
        Files.writeString(config, """
                migration: %s
                source:
                  url: %s
                  password: ${TANDEM_RUN_IT_UNSET:-}
                target:
                  url: %s
                kafka:
                  bootstrap: %s
                mapping: mapping.yaml
                """.formatted(name, postgres.jdbcUrl(prefix + "_legacy"), postgres.jdbcUrl(prefix + "_new"),
                SharedTestStack.get().kafka().bootstrapServers()) + extra);
        return config;
    }

    @Test
    void anInvalidConfigExitsTwo(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("bad.yaml");
        Files.writeString(config, "migration: x\nsource:\n  url: nonsense\n");
        assertEquals(2, TandemCli.commandLine().execute("run", "--config", config.toString()));
    }
}
