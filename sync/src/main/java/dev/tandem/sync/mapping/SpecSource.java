package dev.tandem.sync.mapping;

import java.util.HashMap;
import java.util.Map;

/**
 * Where a table entry and its parts stand in the mapping file, so every error names a line.
 *
 * @param file  the mapping file (or a description of where the mapping came from)
 * @param line  line of the table entry
 * @param lines line of each part, by path: {@code key.id}, {@code columns.email}, {@code filter}, …
 */
public record SpecSource(String file, int line, Map<String, Integer> lines) {

    public static final SpecSource UNKNOWN = new SpecSource("<code>", 0, Map.of());

    public SpecSource {
        lines = Map.copyOf(lines);
    }

    /** The line of {@code path}, or of the table entry when the part has none. */
    public int lineOf(String path) {
        return lines.getOrDefault(path, line);
    }

    static SpecSource of(String file, int line, HashMap<String, Integer> lines) {
        return new SpecSource(file, line, lines);
    }
}
