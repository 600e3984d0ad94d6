package dev.tandem.deploy.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tandem check} against real databases: exit 0 for a valid mapping, 1 with located problems otherwise. */
class CheckCommandIT {

    private static EmbeddedPostgres postgres;

    @BeforeAll
    static void databases() throws Exception {
        postgres = SharedTestStack.get().postgres();
        postgres.createDatabase("check_legacy");
        postgres.createDatabase("check_new");
        try (Connection c = postgres.connect("check_legacy"); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE IF NOT EXISTS public.a (id int PRIMARY KEY, name text)");
            st.execute("ALTER TABLE public.a ADD COLUMN IF NOT EXISTS price numeric(10,2), ADD COLUMN IF NOT EXISTS code varchar(20)");
        }
        try (Connection c = postgres.connect("check_new"); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE IF NOT EXISTS public.b (id int PRIMARY KEY, title text, size int)");
            st.execute("CREATE OR REPLACE FUNCTION public.touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$");
            st.execute("CREATE OR REPLACE TRIGGER stamp BEFORE UPDATE ON public.b FOR EACH ROW EXECUTE FUNCTION public.touch()");
            st.execute("CREATE OR REPLACE TRIGGER audit AFTER INSERT ON public.b FOR EACH ROW EXECUTE FUNCTION public.touch()");
            st.execute("ALTER TABLE public.b ENABLE ALWAYS TRIGGER audit");
        }
        try (Connection c = postgres.connect("check_legacy"); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE IF NOT EXISTS public.full_a (id int PRIMARY KEY, name text)");
            st.execute("ALTER TABLE public.full_a REPLICA IDENTITY FULL");
        }
    }

    @Test
    void validMappingExitsZero(@TempDir Path dir) throws Exception {
        Path mapping = write(dir, "title: upper(a.name)");
        Result result = run("check", "--mapping", mapping.toString(), "--source", postgres.jdbcUrl("check_legacy"),
                "--target", postgres.jdbcUrl("check_new"));
        assertEquals(0, result.exit, result.out);
        assertTrue(result.out.contains("is valid: 1 target tables"), result.out);
        assertTrue(result.out.contains("PASS wal_level: logical"), result.out);
        assertTrue(result.out.contains("PASS REPLICATION privilege"), result.out);
        assertTrue(result.out.contains("WARN max_slot_wal_keep_size: unlimited"), result.out);
    }

    @Test
    void triggersAndExpressionsOverUnsentColumnsAreNamed(@TempDir Path dir) throws Exception {
        Path mapping = write(dir, "title: upper(a.name)\n      size: length(a.id::text)");
        Result result = run("check", "--mapping", mapping.toString(), "--source", postgres.jdbcUrl("check_legacy"),
                "--target", postgres.jdbcUrl("check_new"));
        assertEquals(0, result.exit, result.out);
        assertTrue(result.out.contains("PASS session_replication_role (new): postgres may set it to replica"), result.out);
        assertTrue(result.out.contains("PASS session_replication_role (legacy)"), result.out);
        assertTrue(result.out.contains("PASS trigger stamp on public.b (new): ordinary: fires for application writes, "
                + "not for tandem's"), result.out);
        assertTrue(result.out.contains("WARN trigger audit on public.b (new): enabled ALWAYS"), result.out);
        assertTrue(result.out.contains("WARN TOAST public.b.title: its expression reads public.a.[name]"), result.out);
        assertTrue(result.out.contains("fix: ALTER TABLE \"public\".\"a\" REPLICA IDENTITY FULL"), result.out);
        assertTrue(!result.out.contains("TOAST public.b.size"), "an integer key is always sent: " + result.out);

        Path full = dir.resolve("full.yaml");
        Files.writeString(full, Files.readString(mapping).replace("public.a a", "public.full_a a"));
        Result identityFull = run("check", "--mapping", full.toString(), "--source", postgres.jdbcUrl("check_legacy"),
                "--target", postgres.jdbcUrl("check_new"));
        assertEquals(0, identityFull.exit, identityFull.out);
        assertTrue(!identityFull.out.contains("TOAST"), "REPLICA IDENTITY FULL sends every column: " + identityFull.out);
        Path bounded = write(dir, "title: a.code || a.price::text");
        Result small = run("check", "--mapping", bounded.toString(), "--source", postgres.jdbcUrl("check_legacy"),
                "--target", postgres.jdbcUrl("check_new"));
        assertTrue(!small.out.contains("WARN TOAST"), "numeric(10,2) and varchar(20) never leave the row: " + small.out);
    }

    @Test
    void preflightChecksKafkaAndFailsWhenItIsUnreachable(@TempDir Path dir) throws Exception {
        Path mapping = write(dir, "title: a.name");
        Result reachable = run("check", "--json", "--mapping", mapping.toString(), "--source", postgres.jdbcUrl("check_legacy"),
                "--target", postgres.jdbcUrl("check_new"), "--kafka", SharedTestStack.get().kafka().bootstrapServers());
        assertEquals(0, reachable.exit, reachable.out);
        JsonNode checks = new ObjectMapper().readTree(reachable.out).get("checks");
        assertTrue(checks.toString().contains("\"check\":\"Kafka\",\"status\":\"PASS\""), checks.toString());
        JsonNode derived = new ObjectMapper().readTree(reachable.out).get("kafka");
        assertEquals(1, derived.get("brokers").asInt(), derived.toString());
        assertEquals("cluster", derived.get("replication_factor_from").asText(), derived.toString());

        int closedPort;
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0)) {
            closedPort = probe.getLocalPort();
        }
        Result unreachable = run("check", "--mapping", mapping.toString(), "--source", postgres.jdbcUrl("check_legacy"),
                "--target", postgres.jdbcUrl("check_new"), "--kafka", "127.0.0.1:" + closedPort);
        assertEquals(1, unreachable.exit, unreachable.out);
        assertTrue(unreachable.out.contains("FAIL Kafka: not usable at 127.0.0.1:" + closedPort), unreachable.out);
    }

    /**
     * The replication a migration asks for is reported with where it came from, an existing topic replicated
     * otherwise is named (Kafka never changes it by itself), and a factor the one broker cannot give fails.
     */
    @Test
    void kafkaReplicationIsReportedPerTopicAndAnImpossibleFactorFails(@TempDir Path dir) throws Exception {
        Path mapping = write(dir, "title: a.name");
        String kafka = SharedTestStack.get().kafka().bootstrapServers();
        try (Admin admin = Admin.create(Map.<String, Object>of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka))) {
            admin.createTopics(List.of(new NewTopic("tandem.check_rf.changes", 1, (short) 1)
                    .configs(Map.of(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, "2")))).all().get(30, TimeUnit.SECONDS);
        }
        Result configured = run("check", "--json", "--mapping", mapping.toString(), "--source", postgres.jdbcUrl("check_legacy"),
                "--target", postgres.jdbcUrl("check_new"), "--kafka", kafka, "--migration", "check_rf",
                "--replication-factor", "1");
        assertEquals(0, configured.exit, "a difference warns, it does not fail: " + configured.out);
        JsonNode report = new ObjectMapper().readTree(configured.out).get("kafka");
        assertEquals(1, report.get("replication_factor").asInt(), report.toString());
        assertEquals("config", report.get("replication_factor_from").asText(), report.toString());
        assertEquals(1, report.get("min_insync_replicas").asInt(), report.toString());
        assertEquals("cluster", report.get("min_insync_replicas_from").asText(), report.toString());
        JsonNode topic = report.get("topics").get(0);
        assertEquals("tandem.check_rf.changes", topic.get("topic").asText(), report.toString());
        assertEquals(2, topic.get("min_insync_replicas").asInt(), report.toString());
        assertFalse(topic.get("as_configured").asBoolean(), report.toString());
        assertTrue(configured.out.contains("\"check\":\"Kafka topic tandem.check_rf.changes\",\"status\":\"WARN\","
                + "\"detail\":\"replication factor 1, min.insync.replicas 2, but tandem asks for replication factor 1 "
                + "(kafka.replication_factor), min.insync.replicas 1 (derived from the factor)"), configured.out);
        assertTrue(configured.out.contains("run kafka-configs.sh --alter --entity-type topics --entity-name "
                + "tandem.check_rf.changes --add-config min.insync.replicas=1"), configured.out);

        Result twoCopies = run("check", "--mapping", mapping.toString(), "--source", postgres.jdbcUrl("check_legacy"),
                "--target", postgres.jdbcUrl("check_new"), "--kafka", kafka, "--replication-factor", "2");
        assertEquals(1, twoCopies.exit, twoCopies.out);
        assertTrue(twoCopies.out.contains("FAIL Kafka replication: replication_factor 2 but the cluster has 1 broker: "
                + "lower kafka.replication_factor or add brokers"), twoCopies.out);
        Result above = run("check", "--mapping", mapping.toString(), "--source", postgres.jdbcUrl("check_legacy"),
                "--target", postgres.jdbcUrl("check_new"), "--kafka", kafka, "--replication-factor", "1",
                "--min-insync-replicas", "2");
        assertEquals(2, above.exit, "an impossible pair is an invalid option");
    }

    @Test
    void problemsExitOneWithFileLineAndFix(@TempDir Path dir) throws Exception {
        Path mapping = write(dir, "title: a.nope\n      size: a.name");
        Result result = run("check", "--json", "--mapping", mapping.toString(), "--source",
                postgres.jdbcUrl("check_legacy"), "--target", postgres.jdbcUrl("check_new"));
        assertEquals(1, result.exit, result.out);
        JsonNode json = new ObjectMapper().readTree(result.out);
        assertTrue(!json.get("valid").asBoolean());
        assertEquals(2, json.get("problems").size(), result.out);
        JsonNode first = json.get("problems").get(0);
        assertEquals(7, first.get("line").asInt());
        assertEquals("title", first.get("column").asText());
        assertTrue(json.get("problems").get(1).get("fix").asText().contains("::integer"), result.out);
    }

    @Test
    void aPasswordInTheUrlIsRefused(@TempDir Path dir) throws Exception {
        Result result = run("check", "--mapping", write(dir, "title: a.name").toString(),
                "--source", "jdbc:postgresql://127.0.0.1:1/x?user=u&password=secret", "--target", postgres.jdbcUrl("check_new"));
        assertEquals(2, result.exit);
    }

    private static Path write(Path dir, String columns) throws Exception {
        Path file = dir.resolve("mapping.yaml");
        Files.writeString(file, """
                tables:
                  - target: public.b
                    from: public.a a
                    key:
                      id: a.id
                    columns:
                      %s
                """.formatted(columns));
        return file;
    }

    private record Result(int exit, String out) {
    }

    private static Result run(String... args) {
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        PrintStream original = System.out;
        System.setOut(new PrintStream(stdout, true, StandardCharsets.UTF_8));
        try {
            int exit = TandemCli.commandLine().execute(args);
            return new Result(exit, stdout.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(original);
        }
    }
}
