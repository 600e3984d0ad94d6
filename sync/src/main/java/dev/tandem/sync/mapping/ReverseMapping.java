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
 * {@code reverse:} names.
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
        Map<String, List<TableSpec>> byLegacyTable = new LinkedHashMap<>();
        for (TableSpec t : forward.tables()) {
            ReverseSpec r = t.reverse();
            if (r == null) {
                problems.add(forward.file() + ":" + t.where().line() + ": " + t.target()
                        + ": no 'reverse:' projection, so writes made to it after a cutover could not flow back; add "
                        + "'reverse: columns:' mapping each legacy column of " + t.source() + " from the new row");
                continue;
            }
            if (!t.joins().isEmpty()) {
                problems.add(forward.file() + ":" + t.where().line() + ": " + t.target() + " merges " + t.source() + " with "
                        + t.joins().stream().map(JoinSpec::source).toList() + "; writing one new row back into several legacy "
                        + "tables is not done by reverse sync yet, so this mapping cannot be cut over (it can be synced and "
                        + "verified)");
                continue;
            }
            byLegacyTable.computeIfAbsent(r.target(), l -> new ArrayList<>()).add(t);
        }
        List<TableSpec> reversed = new ArrayList<>();
        for (List<TableSpec> parts : byLegacyTable.values()) {
            if (parts.size() == 1) {
                TableSpec t = parts.get(0);
                ReverseSpec r = t.reverse();
                reversed.add(new TableSpec(r.target(), t.target(), r.alias(), new LinkedHashMap<>(), r.columns(),
                        new LinkedHashMap<>(), null, false, null, t.where()));
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
}
