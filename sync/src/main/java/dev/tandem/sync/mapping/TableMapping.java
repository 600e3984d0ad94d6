package dev.tandem.sync.mapping;

import dev.tandem.capture.SqlIdentifiers;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The simplest mapping, built in code: a source table copied 1:1 into a target table, some
 * columns renamed.
 *
 * @param source  qualified source table ({@code schema.table})
 * @param target  qualified target table
 * @param renames source column → target column, for the columns whose name changes
 */
public record TableMapping(String source, String target, Map<String, String> renames) {

    public TableMapping {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(target, "target");
        renames = renames == null ? Map.of() : Map.copyOf(renames);
    }

    /** The same mapping as a projection: renamed columns as expressions, every other column copied by name. */
    public TableSpec toSpec() {
        LinkedHashMap<String, String> columns = new LinkedHashMap<>();
        renames.forEach((from, to) -> columns.put(to, "c." + SqlIdentifiers.quote(from)));
        return new TableSpec(target, source, "c", new LinkedHashMap<>(), columns, null, null, true, null,
                new SpecSource("<code: " + source + " → " + target + ">", 0, Map.of()));
    }
}
