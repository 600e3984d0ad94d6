package dev.tandem.deploy.check;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tandem.capture.PgDatabase;
import dev.tandem.sync.mapping.CompiledTable;
import dev.tandem.sync.mapping.MappingCompiler;
import dev.tandem.sync.mapping.MappingException;
import dev.tandem.sync.mapping.MappingParser;
import dev.tandem.sync.mapping.MappingProblem;
import dev.tandem.sync.mapping.MappingSpec;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tandem check}: validates a mapping against the real legacy and new databases, changing nothing. */
@Command(name = "check", mixinStandardHelpOptions = true,
        description = {"Preflight: checks the legacy server (wal_level, free slots and WAL senders, REPLICATION",
                "privilege, publication rights, max_slot_wal_keep_size), the new database, Kafka (with --kafka),",
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

    @Option(names = "--migration", description = "The migration's name, so its own existing slot counts as available.")
    String migration;

    @Option(names = "--json", description = "Print the result as one JSON object.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        PgDatabase source;
        PgDatabase target;
        try {
            source = PgDatabase.fromUrl(sourceUrl, System.getenv("TANDEM_SOURCE_PASSWORD"));
            target = PgDatabase.fromUrl(targetUrl, System.getenv("TANDEM_TARGET_PASSWORD"));
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            return 2;
        }
        List<CheckResult> checks = new ArrayList<>(Preflight.source(source, "tandem_" + (migration == null ? "" : migration)));
        checks.addAll(Preflight.target(target));
        checks.addAll(ReverseSyncPreflight.check(target, "tandem_" + (migration == null ? "" : migration + "_reverse")));
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
            System.err.println("cannot reach the databases (" + source + ", " + target + "): " + e.getMessage()
                    + "; check host, port, user and the password variables");
            return 2;
        }
        boolean failed = checks.stream().anyMatch(c -> c.status() == CheckResult.Status.FAIL);
        print(checks, problems, tables);
        return problems.isEmpty() && !failed ? 0 : 1;
    }

    private void print(List<CheckResult> checks, List<MappingProblem> problems, int tables) throws Exception {
        if (json) {
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("valid", problems.isEmpty() && checks.stream().noneMatch(c -> c.status() == CheckResult.Status.FAIL));
            result.put("checks", checks);
            result.put("tables", tables);
            result.put("problems", problems);
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
