package dev.tandem.deploy.lifecycle.readiness;

import dev.tandem.capture.PgDatabase;
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

/**
 * Everything {@code tandem check} verifies before a migration is created: both servers, Kafka, and the mapping
 * against both catalogs, with what an operator would otherwise check by hand (triggers, TOAST, unmapped tables,
 * indexes, sequences). Changes nothing.
 */
public final class ReadinessCheck {

    /** The checks run, the mapping's problems (file:line), and the target tables it maps. */
    public record Result(List<CheckResult> checks, List<MappingProblem> problems, int tables) {

        public boolean passed() {
            return problems.isEmpty() && checks.stream().noneMatch(c -> c.status() == CheckResult.Status.FAIL);
        }
    }

    private ReadinessCheck() {
    }

    /**
     * @param migration the migration's name, to recognise its own slots (may be null)
     * @param kafka     bootstrap servers to check, or null
     * @throws IllegalStateException when a database cannot be reached; the message names both and the fix
     */
    public static Result run(PgDatabase source, PgDatabase target, String migration, String kafka, Path mapping) {
        String slot = "tandem_" + (migration == null ? "" : migration);
        List<CheckResult> checks = new ArrayList<>(Preflight.source(source, slot));
        checks.addAll(Preflight.target(target));
        checks.addAll(ReverseSyncPreflight.check(target, migration == null ? "tandem_" : slot + "_reverse"));
        if (kafka != null) {
            checks.add(Preflight.kafka(kafka));
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
        return new Result(checks, problems, tables);
    }
}
