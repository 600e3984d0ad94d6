package dev.tandem.sync.mapping;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a mapping's {@code reverse:} projections into a mapping of their own (new tables → legacy
 * tables), which the same compiler validates and the same pipeline runs after a cutover.
 */
public final class ReverseMapping {

    private ReverseMapping() {
    }

    /**
     * The reverse mapping of {@code forward}; fails naming every table without a usable reverse
     * projection, since a rollback would lose its writes.
     */
    public static MappingSpec of(MappingSpec forward) {
        List<TableSpec> reversed = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        Map<String, String> reverseTargets = new LinkedHashMap<>();
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
            String earlier = reverseTargets.putIfAbsent(r.target(), t.target());
            if (earlier != null) {
                problems.add(forward.file() + ":" + t.where().line() + ": " + t.target() + " and " + earlier
                        + " both reverse into " + r.target() + "; writing one legacy row back from several new tables "
                        + "needs a merge, which reverse sync does not do yet: keep both parts in one new table, or "
                        + "do not cut this mapping over");
                continue;
            }
            reversed.add(new TableSpec(r.target(), t.target(), r.alias(), new LinkedHashMap<>(), r.columns(),
                    new LinkedHashMap<>(), null, false, null, t.where()));
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("the mapping cannot run in reverse:\n  " + String.join("\n  ", problems));
        }
        return new MappingSpec(forward.file() + " (reverse)", reversed);
    }
}
