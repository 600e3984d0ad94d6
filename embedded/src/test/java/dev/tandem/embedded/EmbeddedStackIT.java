package dev.tandem.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The stack runs a logical-decoding PostgreSQL and a broker whose data survive restarts. */
class EmbeddedStackIT {

    private static final String TOPIC = "stack-it";

    @TempDir
    Path workDir;

    @Test
    void runsLogicalDecodingPostgresAndADurableBroker() throws Exception {
        EmbeddedStack stack = EmbeddedStack.start(workDir);
        try {
            EmbeddedPostgres postgres = stack.postgres();
            assertEquals("logical", show(postgres, "wal_level"));
            assertEquals("on", show(postgres, "fsync"));
            assertEquals("on", show(postgres, "synchronous_commit"));
            assertEquals("127.0.0.1", show(postgres, "listen_addresses"));
            assertTrue(show(postgres, "server_version").startsWith("18."), show(postgres, "server_version"));
            try (Connection connection = postgres.connect("postgres"); Statement statement = connection.createStatement()) {
                statement.execute("SELECT pg_create_logical_replication_slot('x', 'pgoutput')");
                statement.execute("SELECT pg_drop_replication_slot('x')");
            }
            postgres.createDatabase("stack_it");
            postgres.createDatabase("stack_it");
            try (Connection connection = postgres.connect("stack_it")) {
                assertEquals("stack_it", connection.getCatalog());
            }

            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                    stack.kafka().bootstrapServers()))) {
                admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1))).all().get();
            }
            try (KafkaProducer<String, String> producer = producer(stack.kafka())) {
                producer.send(new ProducerRecord<>(TOPIC, "k", "v1")).get();
            }
            assertEquals(List.of("v1"), readAll(stack.kafka()));
        } finally {
            stack.close();
        }

        stack.kafka().restart();
        try {
            assertEquals(List.of("v1"), readAll(stack.kafka()), "the record survives a broker restart");
        } finally {
            stack.kafka().close();
        }
    }

    @Test
    void keepsDataAcrossARestartOfTheWholeStack() throws Exception {
        int firstPort;
        try (EmbeddedStack stack = EmbeddedStack.start(workDir)) {
            firstPort = stack.postgres().port();
            try (Connection connection = stack.postgres().connect("postgres");
                 Statement statement = connection.createStatement()) {
                statement.execute("CREATE TABLE kept (id int PRIMARY KEY)");
                statement.execute("INSERT INTO kept VALUES (7)");
            }
            try (KafkaProducer<String, String> producer = producer(stack.kafka())) {
                producer.send(new ProducerRecord<>(TOPIC, "k", "auto-created")).get();
            }
        }

        try (EmbeddedStack stack = EmbeddedStack.start(workDir)) {
            assertNotEquals(0, firstPort);
            assertEquals("7", query(stack.postgres(), "SELECT id FROM kept"));
            assertEquals(List.of("auto-created"), readAll(stack.kafka()));

            stack.postgres().restart();
            assertEquals("7", query(stack.postgres(), "SELECT id FROM kept"));
        }
    }

    private static KafkaProducer<String, String> producer(EmbeddedKafka kafka) {
        return new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new StringSerializer());
    }

    private static List<String> readAll(EmbeddedKafka kafka) {
        Map<String, Object> config = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "stack-it-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config, new StringDeserializer(),
                new StringDeserializer())) {
            consumer.subscribe(Set.of(TOPIC));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (values.isEmpty() && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
                    values.add(record.value());
                }
            }
        }
        return values;
    }

    private static String show(EmbeddedPostgres postgres, String setting) throws SQLException {
        return query(postgres, "SHOW " + setting);
    }

    private static String query(EmbeddedPostgres postgres, String sql) throws SQLException {
        try (Connection connection = postgres.connect("postgres");
             Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery(sql)) {
            assertTrue(rows.next(), sql + " returned no row");
            return rows.getString(1);
        }
    }
}
