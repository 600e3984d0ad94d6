package dev.tandem.deploy.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.capture.ReplicationSettings;
import dev.tandem.sync.backfill.BackfillSettings;
import dev.tandem.sync.route.Ordering;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

class ConfigLoaderTest {

    private static final String CONFIG = """
            migration: shop
            source:
              url: jdbc:postgresql://legacy.internal:5433/shop?user=tandem
              password: ${LEGACY_PW}
            target:
              url: jdbc:postgresql://new.internal/shop
              password: ${NEW_PW:-fallback-pw}
            kafka:
              bootstrap: ${KAFKA:-127.0.0.1:9092}
            mapping: maps/shop.yaml
            """;

    @TempDir
    Path dir;

    @Test
    void substitutesVariablesAndResolvesTheMappingBesideTheConfig() throws Exception {
        MigrationConfig config = ConfigLoader.load(write(CONFIG), Map.of("LEGACY_PW", "hunter2-secret")::get);
        assertEquals("shop", config.migration());
        assertEquals("hunter2-secret", config.source().password());
        assertEquals("fallback-pw", config.target().password());
        assertEquals(5433, config.source().port());
        assertEquals(5432, config.target().port());
        assertEquals("postgres", config.target().user());
        assertEquals("127.0.0.1:9092", config.bootstrapServers());
        assertEquals(dir.resolve("maps/shop.yaml"), config.mapping());
        assertEquals(2, config.backfillWorkers());
        assertEquals(BackfillSettings.DEFAULTS, config.backfill());
        assertFalse(config.toString().contains("hunter2-secret"), config.toString());
        assertFalse(config.toString().contains("fallback-pw"), config.toString());
    }

    @Test
    void kafkaEmbeddedNeedsNoBootstrapAndKeepsItsDataBesideTheConfig() throws Exception {
        String plain = CONFIG.replace("kafka:\n  bootstrap: ${KAFKA:-127.0.0.1:9092}\n", "kafka: embedded\n");
        MigrationConfig config = ConfigLoader.load(write(plain), Map.of("LEGACY_PW", "p")::get);
        assertEquals(dir.resolve(".tandem/kafka"), config.embeddedKafka());
        assertEquals(ConfigLoader.EMBEDDED_BOOTSTRAP, config.bootstrapServers());

        String placed = CONFIG.replace("bootstrap: ${KAFKA:-127.0.0.1:9092}", "embedded: data/kafka\n  bootstrap: 127.0.0.1:9192");
        MigrationConfig chosen = ConfigLoader.load(write(placed), Map.of("LEGACY_PW", "p")::get);
        assertEquals(dir.resolve("data/kafka"), chosen.embeddedKafka());
        assertEquals("127.0.0.1:9192", chosen.bootstrapServers());

        String remote = CONFIG.replace("bootstrap: ${KAFKA:-127.0.0.1:9092}", "embedded: data/kafka\n  bootstrap: kafka-1:9092");
        ConfigLoader.ConfigException refused = assertThrows(ConfigLoader.ConfigException.class,
                () -> ConfigLoader.load(write(remote), Map.of("LEGACY_PW", "p")::get));
        assertTrue(refused.getMessage().contains("127.0.0.1:PORT"), refused.getMessage());
        assertEquals(null, ConfigLoader.load(write(CONFIG), Map.of("LEGACY_PW", "p")::get).embeddedKafka(),
                "an external cluster by default");
    }

    @Test
    void backfillKnobsAreReadAndBadValuesNamed() throws Exception {
        MigrationConfig config = ConfigLoader.load(write(CONFIG + """
                backfill:
                  workers: 4
                  chunkRows: 50000
                  rowsPerSecond: 20000
                  maxRetainedWal: 512MB
                  maxActiveBackends: 30
                """), Map.of("LEGACY_PW", "p")::get);
        assertEquals(4, config.backfillWorkers());
        assertEquals(new BackfillSettings(50_000, 20_000, 512L << 20, 30), config.backfill());
        var negative = assertThrows(ConfigLoader.ConfigException.class, () -> ConfigLoader.load(write(CONFIG
                + "backfill: { rowsPerSecond: -5 }\n"), Map.of("LEGACY_PW", "p")::get));
        assertTrue(negative.getMessage().contains("rows per second is -5"), negative.getMessage());
        var size = assertThrows(ConfigLoader.ConfigException.class, () -> ConfigLoader.load(write(CONFIG
                + "backfill: { maxRetainedWal: lots }\n"), Map.of("LEGACY_PW", "p")::get));
        assertTrue(size.getMessage().contains("'backfill.maxRetainedWal' is 'lots'"), size.getMessage());
    }

    @Test
    void orderingIsTransactionalUnlessPerKeyIsAskedForAndBadValuesAreNamed() throws Exception {
        Map<String, String> env = Map.of("LEGACY_PW", "p");
        assertEquals(Ordering.TRANSACTIONAL, ConfigLoader.load(write(CONFIG), env::get).ordering());
        MigrationConfig perKey = ConfigLoader.load(write(CONFIG + "sync: { ordering: per-key, partitions: 8, workers: 3 }\n"),
                env::get);
        assertEquals(Ordering.perKey(8, 3), perKey.ordering());
        assertTrue(perKey.toString().contains("per-key (8 partitions, 3 workers here) ordering"), perKey.toString());
        assertEquals(Ordering.perKey(Ordering.DEFAULT_PARTITIONS, Ordering.DEFAULT_WORKERS),
                ConfigLoader.load(write(CONFIG + "sync: { ordering: per-key }\n"), env::get).ordering());

        var unknown = assertThrows(ConfigLoader.ConfigException.class, () -> ConfigLoader.load(write(CONFIG
                + "sync: { ordering: parallel }\n"), env::get));
        assertTrue(unknown.getMessage().contains("sync.ordering is 'parallel'; use transactional"), unknown.getMessage());
        var sizedTransactional = assertThrows(ConfigLoader.ConfigException.class, () -> ConfigLoader.load(write(CONFIG
                + "sync: { partitions: 8 }\n"), env::get));
        assertTrue(sizedTransactional.getMessage().contains("per-key ordering only"), sizedTransactional.getMessage());
        var idleWorkers = assertThrows(ConfigLoader.ConfigException.class, () -> ConfigLoader.load(write(CONFIG
                + "sync: { ordering: per-key, partitions: 2, workers: 3 }\n"), env::get));
        assertTrue(idleWorkers.getMessage().contains("sync.workers is 3; use 1 to sync.partitions (2)"),
                idleWorkers.getMessage());
    }

    @Test
    void kafkaReplicationIsOptionalAndImpossibleValuesAreNamed() throws Exception {
        Map<String, String> env = Map.of("LEGACY_PW", "p");
        assertEquals(ReplicationSettings.FROM_CLUSTER, ConfigLoader.load(write(CONFIG), env::get).kafkaReplication(),
                "absent: derived from the cluster's size");
        String kafka = "kafka:\n  bootstrap: ${KAFKA:-127.0.0.1:9092}\n";
        MigrationConfig both = ConfigLoader.load(write(CONFIG.replace(kafka, kafka
                + "  replication_factor: 3\n  min_insync_replicas: ${MIN_ISR:-2}\n")), env::get);
        assertEquals(new ReplicationSettings(3, 2), both.kafkaReplication());
        assertTrue(both.toString().contains("kafka.replication_factor 3, kafka.min_insync_replicas 2"), both.toString());
        assertEquals(new ReplicationSettings(1, null), ConfigLoader.load(write(CONFIG.replace(kafka, kafka
                + "  replication_factor: 1\n")), env::get).kafkaReplication());
        assertEquals(new ReplicationSettings(null, 1), ConfigLoader.load(write(CONFIG.replace(
                "kafka:\n  bootstrap: ${KAFKA:-127.0.0.1:9092}\n", "kafka: { embedded: k, min_insync_replicas: 1 }\n")),
                env::get).kafkaReplication(), "with kafka.embedded too");

        var zero = assertThrows(ConfigLoader.ConfigException.class, () -> ConfigLoader.load(write(CONFIG.replace(kafka,
                kafka + "  replication_factor: 0\n")), env::get));
        assertTrue(zero.getMessage().endsWith("migration.yaml: kafka.replication_factor is 0: a topic needs at least one "
                + "copy; set it to 1 or more, or remove it to get what the cluster can give (up to 3)"), zero.getMessage());
        var above = assertThrows(ConfigLoader.ConfigException.class, () -> ConfigLoader.load(write(CONFIG.replace(kafka,
                kafka + "  replication_factor: 2\n  min_insync_replicas: 3\n")), env::get));
        assertTrue(above.getMessage().contains("kafka.min_insync_replicas is 3 but kafka.replication_factor is 2"),
                above.getMessage());
        var huge = assertThrows(ConfigLoader.ConfigException.class, () -> ConfigLoader.load(write(CONFIG.replace(kafka,
                kafka + "  replication_factor: 4294967297\n")), env::get));
        assertTrue(huge.getMessage().contains("kafka.replication_factor is 2147483647"), "no wrap-around: " + huge.getMessage());
        var word = assertThrows(ConfigLoader.ConfigException.class, () -> ConfigLoader.load(write(CONFIG.replace(kafka,
                kafka + "  min_insync_replicas: two\n")), env::get));
        assertTrue(word.getMessage().contains("'kafka.min_insync_replicas' is 'two'; write a whole number"), word.getMessage());
    }

    @Test
    void runningMdAndTheKubernetesConfigUseTheReplicationKeys() throws Exception {
        String doc = Files.readString(Path.of("..", "docs", "running.md"));
        assertTrue(doc.contains("| `" + ReplicationSettings.FACTOR_KEY + "` | no | the broker count, at most 3 |"));
        assertTrue(doc.contains("| `" + ReplicationSettings.MIN_INSYNC_KEY + "` | no | 2 at a factor of 3 or more, else 1 |"));
        Map<?, ?> configMap = new Yaml().load(Files.readString(Path.of("k8s", "configmap.yaml")));
        Path migration = write((String) ((Map<?, ?>) configMap.get("data")).get("migration.yaml"));
        assertEquals(new ReplicationSettings(3, 2), ConfigLoader.load(migration, Map.of("TANDEM_SOURCE_PASSWORD", "s",
                "TANDEM_TARGET_PASSWORD", "t")::get).kafkaReplication());
    }

    @Test
    void anUnsetVariableNamesTheKeyAndTheFixButNoValue() throws Exception {
        var e = assertThrows(ConfigLoader.ConfigException.class, () -> ConfigLoader.load(write(CONFIG), Map.<String, String>of()::get));
        assertTrue(e.getMessage().contains("'source.password' uses ${LEGACY_PW}, which is not set"), e.getMessage());
    }

    @Test
    void missingKeysAndBadValuesAreNamed() throws Exception {
        var missing = assertThrows(ConfigLoader.ConfigException.class,
                () -> ConfigLoader.load(write("migration: x\n"), Map.<String, String>of()::get));
        assertTrue(missing.getMessage().contains("'mapping' is missing"), missing.getMessage());
        var url = assertThrows(ConfigLoader.ConfigException.class, () -> ConfigLoader.load(write(
                CONFIG.replace("jdbc:postgresql://new.internal/shop", "postgres://new")), Map.of("LEGACY_PW", "p")::get));
        assertTrue(url.getMessage().contains("target.url") && url.getMessage().contains("jdbc:postgresql://HOST:PORT/DATABASE"),
                url.getMessage());
        var inUrl = assertThrows(ConfigLoader.ConfigException.class, () -> ConfigLoader.load(write(
                CONFIG.replace("?user=tandem", "?user=tandem&password=leaked-pw")), Map.of("LEGACY_PW", "p")::get));
        assertTrue(inUrl.getMessage().contains("remove it from the URL"), inUrl.getMessage());
        assertFalse(inUrl.getMessage().contains("leaked-pw"), inUrl.getMessage());
        var malformed = assertThrows(ConfigLoader.ConfigException.class, () -> ConfigLoader.load(write(
                CONFIG.replace("jdbc:postgresql://new.internal/shop", "jdbc:pg://h/db?password=leaked-pw")), Map.of("LEGACY_PW", "p")::get));
        assertFalse(malformed.getMessage().contains("leaked-pw"), malformed.getMessage());
    }

    private Path write(String text) throws Exception {
        Path file = dir.resolve("migration.yaml");
        Files.writeString(file, text);
        return file;
    }
}
