package dev.tandem.deploy.lifecycle.readiness;

import dev.tandem.capture.PgDatabase;
import dev.tandem.capture.ReplicationSettings;
import dev.tandem.sync.mapping.CompiledTable;
import dev.tandem.sync.mapping.MappingCompiler;
import dev.tandem.sync.mapping.MappingException;
import dev.tandem.sync.mapping.MappingProblem;
import dev.tandem.sync.mapping.MappingParser;
import dev.tandem.sync.mapping.MappingSpec;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Everything {@code tandem check} verifies before a migration is created: both servers, Kafka, and the mapping
 * against both catalogs, with what an operator would otherwise check by hand (triggers, TOAST, unmapped tables,
 * indexes, sequences). Changes nothing.
 */
public final class ReadinessCheck {

    /**
     * The checks run, the mapping's problems (file:line), the target tables it maps, and what Kafka reported (its
     * brokers, the replication tandem's topics get and from where, each existing topic's; null without --kafka or
     * when Kafka did not answer).
     */
    public record Result(List<CheckResult> checks, List<MappingProblem> problems, int tables, Map<String, Object> kafka) {

        public boolean passed() {
            return problems.isEmpty() && checks.stream().noneMatch(c -> c.status() == CheckResult.Status.FAIL);
        }
    }

    private ReadinessCheck() {
    }

    /**
     * @param migration the migration's name, to recognise its own slots (may be null)
     * @param kafka     bootstrap servers to check, or null
     * @param replication the replication the migration asks of its topics (what is absent comes from the cluster)
     * @throws IllegalStateException when a database cannot be reached; the message names both and the fix
     */
    public static Result run(PgDatabase source, PgDatabase target, String migration, String kafka,
                             ReplicationSettings replication, Path mapping) {
        String slot = "tandem_" + (migration == null ? "" : migration);
        List<CheckResult> checks = new ArrayList<>(Preflight.source(source, slot));
        checks.addAll(Preflight.target(target));
        checks.addAll(ReverseSyncPreflight.check(target, migration == null ? "tandem_" : slot + "_reverse"));
        Map<String, Object> kafkaReport = null;
        if (kafka != null) {
            KafkaPreflight.Outcome outcome = KafkaPreflight.run(kafka, replication, migration);
            checks.addAll(outcome.checks());
            kafkaReport = outcome.report();
        }
        List<MappingProblem> problems = new ArrayList<>();
        int tables = 0;
        try {
            MappingSpec spec = MappingParser.parse(mapping);
            try (Connection s = source.connect("tandem-check"); Connection t = target.connect("tandem-check")) {
                checks.addAll(Preflight.largeObjects(s, spec));
                List<CompiledTable> compiled = MappingCompiler.compile(spec, s, t);
                tables = compiled.size();
                checks.addAll(TriggerCheck.of(t, "new", compiled.stream().map(CompiledTable::target).distinct().toList()));
                checks.addAll(TriggerCheck.of(s, "legacy",
                        compiled.stream().flatMap(c -> c.sources().stream()).distinct().toList()));
                checks.addAll(ToastCheck.of(s, compiled));
                checks.addAll(Readiness.of(s, t, compiled));
                checks.addAll(SequencePreflight.check(compiled, s, t));
            }
        } catch (MappingException e) {
            problems.addAll(e.problems());
        } catch (SQLException e) {
            throw new IllegalStateException("cannot reach the databases (" + source + ", " + target + "): " + e.getMessage()
                    + "; check host, port, user and the password variables", e);
        }
        return new Result(checks, problems, tables, kafkaReport);
    }
}
