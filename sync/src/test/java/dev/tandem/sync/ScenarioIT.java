package dev.tandem.sync;

import static dev.tandem.sync.TestDatabases.awaitTrue;
import static dev.tandem.sync.TestDatabases.exec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tandem.capture.PgDatabase;
import dev.tandem.capture.SqlIdentifiers;
import dev.tandem.sync.mapping.MappingParser;
import dev.tandem.sync.mapping.MappingSpec;
import dev.tandem.sync.pipeline.Pipeline;
import dev.tandem.sync.pipeline.PipelineConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * One folder per mapping feature under {@code src/test/resources/scenarios}: the legacy schema
 * and rows ({@code legacy.sql}), the new schema ({@code new.sql}), the mapping, changes made
 * while streaming ({@code changes.sql}) and the new-schema rows expected at the end.
 */
class ScenarioIT {

    @ParameterizedTest
    @ValueSource(strings = {"types-and-renames", "computed-split-merge", "filter-and-table-split", "defaults", "table-merge", "truncate",
            "truncate-split-merge", "special-values"})
    void scenarioEndsWithTheExpectedRows(String scenario) throws Exception {
        Path dir = Path.of("src/test/resources/scenarios", scenario);
        String name = "scn_" + scenario.replace('-', '_');
        PgDatabase legacy = TestDatabases.fresh(name + "_legacy");
        PgDatabase fresh = TestDatabases.fresh(name + "_new");
        exec(legacy, Files.readString(dir.resolve("legacy.sql")));
        exec(fresh, Files.readString(dir.resolve("new.sql")));
        MappingSpec mapping = MappingParser.parse(dir.resolve("mapping.yaml"));
        JsonNode expected = new ObjectMapper().readTree(dir.resolve("expect.json").toFile());

        try (Pipeline pipeline = new Pipeline(new PipelineConfig(name, legacy, fresh, mapping,
                TestDatabases.stack().kafka().bootstrapServers()))) {
            pipeline.start();
            exec(legacy, Files.readString(dir.resolve("changes.sql")));
            for (Iterator<Map.Entry<String, JsonNode>> it = expected.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> table = it.next();
                List<String> columns = new ArrayList<>();
                table.getValue().get("columns").forEach(c -> columns.add(c.asText()));
                List<List<String>> rows = new ArrayList<>();
                table.getValue().get("rows").forEach(r -> {
                    List<String> row = new ArrayList<>();
                    r.forEach(v -> row.add(v.isNull() ? null : v.asText()));
                    rows.add(row);
                });
                awaitTrue(Duration.ofSeconds(60), scenario + ": " + table.getKey() + " to hold " + rows,
                        () -> rows.equals(read(fresh, table.getKey(), columns)));
                assertEquals(rows, read(fresh, table.getKey(), columns));
            }
            assertNull(pipeline.failure());
        }
    }

    private static List<List<String>> read(PgDatabase db, String table, List<String> columns) {
        String select = columns.stream().map(c -> SqlIdentifiers.quote(c) + "::text").collect(Collectors.joining(", "));
        try (Connection c = db.connect("test"); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT " + select + " FROM " + SqlIdentifiers.quoteQualified(table)
                     + " ORDER BY 1")) {
            List<List<String>> rows = new ArrayList<>();
            while (rs.next()) {
                List<String> row = new ArrayList<>();
                for (int i = 1; i <= columns.size(); i++) {
                    row.add(rs.getString(i));
                }
                rows.add(row);
            }
            return rows;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read " + table, e);
        }
    }
}
