package dev.tandem.sync.mapping;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a mapping's {@code reverse:} projections into a mapping of their own (new tables → legacy
 * tables), which the same compiler validates and the same pipeline runs after a cutover.
 *
 * <p>A legacy table split into several new tables comes back as a merge: its first new table (in file order)
 * is the main one and the others are joined to it by key, each contributing the legacy columns its own
 * {@code reverse:} names. A new table merged from several legacy tables comes back as a split: one reverse
 * projection into its main legacy table and one per joined table ({@code reverse: joins:}), each with its filter.
 */
public final class ReverseMapping {

    private ReverseMapping() {
    }

    /**
     * The reverse mapping of {@code forward}; fails naming every table without a usable reverse
     * projection, since a rollback would lose its writes.
     */
    public static MappingSpec of(MappingSpec forward) {
        List<String> problems = new ArrayList<>();
        Map<String, List<Part>> byLegacyTable = new LinkedHashMap<>();
        for (TableSpec t : forward.tables()) {
            ReverseSpec r = t.reverse();
            if (r == null) {
                problems.add(forward.file() + ":" + t.where().line() + ": " + t.target()
                        + ": no 'reverse:' projection, so writes made to it after a cutover could not flow back; add "
                        + "'reverse: columns:' mapping each legacy column of " + t.source() + " from the new row");
                continue;
            }
            byLegacyTable.computeIfAbsent(r.target(), l -> new ArrayList<>()).add(new Part(t, r));
            List<String> joined = t.joins().stream().map(JoinSpec::source).toList();
            for (String table : joined) {
                if (r.joins().stream().noneMatch(j -> j.target().equals(table))) {
                    problems.add(forward.file() + ":" + t.where().line() + ": " + t.target() + " merges " + table
                            + " in, so writes made to it after a cutover must flow back there too: add under 'reverse:' "
                            + "'joins: - target: " + table + "' with the columns of " + table + " (and a 'filter:' saying "
                            + "which new rows have a row there)");
                }
            }
            for (ReverseSpec j : r.joins()) {
                if (!joined.contains(j.target())) {
                    problems.add(forward.file() + ":" + t.where().line() + ": 'reverse: joins' names " + j.target() + ", which "
                            + t.target() + " does not join; use one of " + joined);
                } else {
                    byLegacyTable.computeIfAbsent(j.target(), l -> new ArrayList<>()).add(new Part(t, j));
                }
            }
        }
        List<TableSpec> reversed = new ArrayList<>();
        for (List<Part> parts : byLegacyTable.values()) {
            if (parts.size() == 1) {
                TableSpec t = parts.get(0).forward();
                ReverseSpec r = parts.get(0).reverse();
                reversed.add(new TableSpec(r.target(), t.target(), r.alias(), new LinkedHashMap<>(), r.columns(),
                        new LinkedHashMap<>(), r.filter(), false, null, t.where()));
            } else {
                TableSpec merged = SplitReverse.merge(forward.file(), parts, problems);
                if (merged != null) {
                    reversed.add(merged);
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("the mapping cannot run in reverse:\n  " + String.join("\n  ", problems));
        }
        return new MappingSpec(forward.file() + " (reverse)", reversed);
    }

    /** One new table's way back into one legacy table: the forward table and its reverse projection for it. */
    record Part(TableSpec forward, ReverseSpec reverse) {
    }
}
