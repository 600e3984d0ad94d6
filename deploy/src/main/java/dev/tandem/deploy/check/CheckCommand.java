package dev.tandem.deploy.check;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tandem.capture.PgDatabase;
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
        description = {"Checks a mapping file against both databases before anything starts: tables, columns,",
                "keys, filters and every expression (type-checked by the new database). Changes nothing.",
                "Passwords come from TANDEM_SOURCE_PASSWORD and TANDEM_TARGET_PASSWORD."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:the mapping is valid", "1:the mapping has problems (one line each, with the fix)",
                "2:invalid options or a database cannot be reached"})
public final class CheckCommand implements Callable<Integer> {

    @Option(names = "--mapping", required = true, description = "The mapping file (YAML).")
    Path mapping;

    @Option(names = "--source", required = true, description = "Legacy database: jdbc:postgresql://HOST:PORT/DB?user=NAME")
    String sourceUrl;

    @Option(names = "--target", required = true, description = "New database: jdbc:postgresql://HOST:PORT/DB?user=NAME")
    String targetUrl;

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
        List<MappingProblem> problems = new ArrayList<>();
        int tables = 0;
        try {
            MappingSpec spec = MappingParser.parse(mapping);
            try (Connection s = source.connect("tandem-check"); Connection t = target.connect("tandem-check")) {
                tables = MappingCompiler.compile(spec, s, t).size();
            }
        } catch (MappingException e) {
            problems.addAll(e.problems());
        } catch (SQLException e) {
            System.err.println("cannot reach the databases (" + source + ", " + target + "): " + e.getMessage()
                    + "; check host, port, user and the password variables");
            return 2;
        }
        print(problems, tables);
        return problems.isEmpty() ? 0 : 1;
    }

    private void print(List<MappingProblem> problems, int tables) throws Exception {
        if (json) {
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("valid", problems.isEmpty());
            result.put("tables", tables);
            result.put("problems", problems);
            System.out.println(new ObjectMapper().writeValueAsString(result));
        } else if (problems.isEmpty()) {
            System.out.println("mapping " + mapping + " is valid: " + tables + " target tables");
        } else {
            problems.forEach(System.out::println);
            System.out.println(problems.size() + " problem(s) in " + mapping);
        }
    }
}
