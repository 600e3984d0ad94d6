package dev.tandem.deploy.lifecycle.readiness;

import static dev.tandem.deploy.lifecycle.readiness.CheckResult.Status.FAIL;
import static dev.tandem.deploy.lifecycle.readiness.CheckResult.Status.WARN;

import dev.tandem.capture.ReplicationSettings;
import dev.tandem.capture.TopicReplication;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;

/**
 * Kafka as a migration needs it: the brokers answer and let tandem create topics, the cluster can give the
 * replication the config asks for, and the migration's existing topics have it (Kafka never changes an existing
 * topic's replication on its own, so a difference is reported rather than assumed away).
 */
public final class KafkaPreflight {

    /**
     * What was found.
     *
     * @param checks one line per finding, as {@code tandem check} prints them
     * @param report the brokers, the replication and where each value came from, and each existing topic's
     *               replication, for the JSON output; null when Kafka did not answer
     */
    public record Outcome(List<CheckResult> checks, Map<String, Object> report) {
    }

    private KafkaPreflight() {
    }

    /**
     * Checks Kafka at {@code bootstrapServers} for a migration that asks for {@code settings}.
     *
     * @param migration the migration whose existing topics are compared (forward, reverse and the router's), or null
     */
    public static Outcome run(String bootstrapServers, ReplicationSettings settings, String migration) {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000);
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
        try (Admin admin = Admin.create(props)) {
            int brokers = admin.describeCluster().nodes().get(10, TimeUnit.SECONDS).size();
            List<CheckResult> checks = new ArrayList<>();
            Map<String, Object> report = new LinkedHashMap<>();
            report.put("bootstrap", bootstrapServers);
            report.put("brokers", brokers);
            TopicReplication replication = null;
            try {
                replication = settings.resolve(brokers);
            } catch (IllegalStateException refused) {
                checks.add(new CheckResult("Kafka replication", FAIL, refused.getMessage().replaceFirst("^Kafka: ", ""),
                        "tandem creates nothing (slot, publication, topic) until the cluster can give it"));
                report.put("refused", refused.getMessage());
            }
            short validated = replication != null ? replication.factor() : TopicReplication.forBrokers(brokers).factor();
            admin.createTopics(List.of(new NewTopic("tandem.preflight.check", 1, validated)),
                    new CreateTopicsOptions().validateOnly(true)).all().get(10, TimeUnit.SECONDS);
            checks.add(0, CheckResult.pass("Kafka", "at " + bootstrapServers + ", " + brokers + " broker"
                    + (brokers == 1 ? "" : "s") + ", topic creation allowed"));
            putReplication(report, settings, replication);
            if (replication != null) {
                List<String> warnings = replication.warnings();
                checks.add(warnings.isEmpty()
                        ? CheckResult.pass("Kafka replication", "tandem's topics get " + replication)
                        : new CheckResult("Kafka replication", WARN, "tandem's topics get " + replication,
                                String.join("; ", warnings)));
                if (migration != null) {
                    report.put("topics", topics(admin, migration, replication, checks));
                }
            }
            return new Outcome(checks, report);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Outcome(List.of(new CheckResult("Kafka", FAIL, "interrupted", "run the check again")), null);
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            String why = cause instanceof TimeoutException || cause.getMessage() == null
                    ? "no broker answered within 10 s (" + cause.getClass().getSimpleName() + ")" : cause.getMessage();
            return new Outcome(List.of(new CheckResult("Kafka", FAIL, "not usable at " + bootstrapServers + ": " + why,
                    "check the bootstrap address, and that this client may create topics (or create them beforehand)")),
                    null);
        }
    }

    private static void putReplication(Map<String, Object> report, ReplicationSettings settings,
                                       TopicReplication replication) {
        report.put("replication_factor", replication != null ? (Object) (int) replication.factor() : settings.factor());
        report.put("replication_factor_from", replication != null ? replication.factorFrom().label()
                : settings.factor() != null ? TopicReplication.Origin.CONFIG.label() : TopicReplication.Origin.CLUSTER.label());
        report.put("min_insync_replicas", replication != null ? (Object) replication.minInsync() : settings.minInsync());
        report.put("min_insync_replicas_from", replication != null ? replication.minInsyncFrom().label()
                : settings.minInsync() != null ? TopicReplication.Origin.CONFIG.label() : TopicReplication.Origin.CLUSTER.label());
    }

    /** Topic-name prefixes of one migration: its forward and reverse topics and their routers' internal topics. */
    static List<String> prefixes(String migration) {
        List<String> prefixes = new ArrayList<>();
        for (String direction : List.of(migration, migration + "_reverse")) {
            prefixes.add("tandem." + direction + ".");
            prefixes.add("tandem-router-tandem." + direction + ".");
        }
        return prefixes;
    }

    /** One check per existing topic of {@code migration}: its replication, and whether it is what tandem asks for. */
    private static List<Map<String, Object>> topics(Admin admin, String migration, TopicReplication wanted,
                                                    List<CheckResult> checks)
            throws ExecutionException, InterruptedException, TimeoutException {
        List<String> prefixes = prefixes(migration);
        List<String> names = admin.listTopics().names().get(10, TimeUnit.SECONDS).stream()
                .filter(t -> prefixes.stream().anyMatch(t::startsWith)).sorted().toList();
        List<Map<String, Object>> topics = new ArrayList<>();
        if (names.isEmpty()) {
            checks.add(CheckResult.pass("Kafka topics", "migration " + migration + " has none yet; they will be "
                    + "created with replication factor " + wanted.factor() + ", min.insync.replicas " + wanted.minInsync()));
            return topics;
        }
        Map<String, TopicDescription> descriptions = admin.describeTopics(names).allTopicNames().get(10, TimeUnit.SECONDS);
        Map<ConfigResource, Config> configs = admin.describeConfigs(names.stream()
                .map(t -> new ConfigResource(ConfigResource.Type.TOPIC, t)).toList()).all().get(10, TimeUnit.SECONDS);
        for (String name : names) {
            int factor = descriptions.get(name).partitions().stream().mapToInt(p -> p.replicas().size()).min().orElse(0);
            ConfigEntry entry = configs.get(new ConfigResource(ConfigResource.Type.TOPIC, name))
                    .get(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG);
            int minInsync = entry == null || entry.value() == null ? 1 : Integer.parseInt(entry.value());
            boolean asConfigured = factor == wanted.factor() && minInsync == wanted.minInsync();
            Map<String, Object> topic = new LinkedHashMap<>();
            topic.put("topic", name);
            topic.put("replication_factor", factor);
            topic.put("min_insync_replicas", minInsync);
            topic.put("as_configured", asConfigured);
            topics.add(topic);
            String found = "replication factor " + factor + ", min.insync.replicas " + minInsync;
            checks.add(asConfigured ? CheckResult.pass("Kafka topic " + name, found)
                    : new CheckResult("Kafka topic " + name, WARN, found + ", but tandem asks for " + wanted
                            + "; Kafka does not change an existing topic's replication by itself",
                            fixFor(name, factor, minInsync, wanted)));
        }
        return topics;
    }

    private static String fixFor(String topic, int factor, int minInsync, TopicReplication wanted) {
        List<String> steps = new ArrayList<>();
        if (factor != wanted.factor()) {
            steps.add("move it to " + wanted.factor() + " replicas with kafka-reassign-partitions.sh");
        }
        if (minInsync != wanted.minInsync()) {
            steps.add("run kafka-configs.sh --alter --entity-type topics --entity-name " + topic
                    + " --add-config min.insync.replicas=" + wanted.minInsync());
        }
        return String.join(", then ", steps) + "; or change " + ReplicationSettings.FACTOR_KEY + " / "
                + ReplicationSettings.MIN_INSYNC_KEY + " to match what the topic has";
    }
}
