package dev.tandem.deploy.check;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tandem.capture.PgDatabase;
import dev.tandem.capture.ReplicationSettings;
import dev.tandem.deploy.lifecycle.readiness.CheckResult;
import dev.tandem.deploy.lifecycle.readiness.ReadinessCheck;
import dev.tandem.sync.mapping.MappingProblem;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tandem check}: validates a mapping against the real legacy and new databases, changing nothing. */
@Command(name = "check", mixinStandardHelpOptions = true,
        description = {"Preflight: checks the legacy server (wal_level, free slots and WAL senders, REPLICATION",
                "privilege, publication rights, max_slot_wal_keep_size), the new database, Kafka (with --kafka: the",
                "brokers, the replication tandem's topics get and from where, and each existing topic's with --migration),",
                "and the mapping against both databases: tables, columns, keys, filters and every expression",
                "(type-checked by the new database); refuses unlogged legacy tables and warns about large-object",
                "columns, which logical decoding cannot carry; lists the triggers on the mapped tables and whether they",
                "fire for tandem's writes, names expressions over columns an update may not send (TOAST), legacy tables",
                "the mapping leaves out and legacy indexes the new tables lack. Changes nothing.",
                "Passwords come from TANDEM_SOURCE_PASSWORD and TANDEM_TARGET_PASSWORD."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:everything passed (warnings are printed, they do not fail)",
                "1:a check failed or the mapping has problems (one line each, with the fix)",
                "2:invalid options or a database cannot be reached"})
public final class CheckCommand implements Callable<Integer> {

    @Option(names = "--mapping", required = true, description = "The mapping file (YAML).")
    Path mapping;

    @Option(names = "--source", required = true, description = "Legacy database: jdbc:postgresql://HOST:PORT/DB?user=NAME")
    String sourceUrl;

    @Option(names = "--target", required = true, description = "New database: jdbc:postgresql://HOST:PORT/DB?user=NAME")
    String targetUrl;

    @Option(names = "--kafka", description = "Kafka bootstrap servers to check (reachable, topic creation allowed).")
    String kafka;

    @Option(names = "--migration", description = "The migration's name, so its own existing slot counts as available "
            + "(and, with --kafka, its existing topics' replication is compared with what it asks for).")
    String migration;

    @Option(names = "--replication-factor", paramLabel = "N", description = "With --kafka: the migration's "
            + "kafka.replication_factor (default: what the cluster can give, up to 3).")
    Integer replicationFactor;

    @Option(names = "--min-insync-replicas", paramLabel = "N", description = "With --kafka: the migration's "
            + "kafka.min_insync_replicas (default: 2 at a factor of 3 or more, else 1).")
    Integer minInsyncReplicas;

    @Option(names = "--json", description = "Print the result as one JSON object.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        PgDatabase source;
        PgDatabase target;
        ReplicationSettings replication;
        try {
            source = PgDatabase.fromUrl(sourceUrl, System.getenv("TANDEM_SOURCE_PASSWORD"));
            target = PgDatabase.fromUrl(targetUrl, System.getenv("TANDEM_TARGET_PASSWORD"));
            replication = new ReplicationSettings(replicationFactor, minInsyncReplicas);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            return 2;
        }
        ReadinessCheck.Result result;
        try {
            result = ReadinessCheck.run(source, target, migration, kafka, replication, mapping);
        } catch (IllegalStateException e) {
            System.err.println(e.getMessage());
            return 2;
        }
        print(result.checks(), result.problems(), result.tables(), result.kafka());
        return result.passed() ? 0 : 1;
    }

    private void print(List<CheckResult> checks, List<MappingProblem> problems, int tables, Map<String, Object> kafka)
            throws Exception {
        if (json) {
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("valid", problems.isEmpty() && checks.stream().noneMatch(c -> c.status() == CheckResult.Status.FAIL));
            result.put("checks", checks);
            result.put("tables", tables);
            result.put("problems", problems);
            if (kafka != null) {
                result.put("kafka", kafka);
            }
            System.out.println(new ObjectMapper().writeValueAsString(result));
            return;
        }
        checks.forEach(System.out::println);
        if (problems.isEmpty()) {
            System.out.println("mapping " + mapping + " is valid: " + tables + " target tables");
        } else {
            problems.forEach(System.out::println);
            System.out.println(problems.size() + " problem(s) in " + mapping);
        }
    }
}
