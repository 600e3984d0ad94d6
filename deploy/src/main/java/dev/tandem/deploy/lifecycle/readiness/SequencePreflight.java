package dev.tandem.deploy.lifecycle.readiness;

import dev.tandem.deploy.lifecycle.switchover.SequenceColumns;
import dev.tandem.deploy.lifecycle.switchover.SwitchSettings;
import dev.tandem.sync.mapping.CompiledTable;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Lists, per mapped table, the columns on each side whose values come from a sequence (serial, identity, {@code DEFAULT
 * nextval}) and how tandem carries them: the sync copies the values as they are, and each switch sets the opening
 * side's sequences past the largest value before that side takes writes.
 */
final class SequencePreflight {

    private SequencePreflight() {
    }

    static List<CheckResult> check(List<CompiledTable> tables, Connection legacy, Connection newDb) throws SQLException {
        List<CheckResult> results = new ArrayList<>();
        for (CompiledTable table : tables) {
            List<SequenceColumns.Backed> legacySide = SequenceColumns.find(legacy, List.of(table.source()));
            List<SequenceColumns.Backed> newSide = SequenceColumns.find(newDb, List.of(table.target()));
            if (legacySide.isEmpty() && newSide.isEmpty()) {
                continue;
            }
            List<String> unwritten = newSide.stream().filter(b -> !table.written().containsKey(b.column()))
                    .map(SequenceColumns.Backed::toString).toList();
            String detail = "legacy " + (legacySide.isEmpty() ? "none" : legacySide) + "; new " + (newSide.isEmpty() ? "none"
                    : newSide) + ": the sync writes the values as they are (identity columns too), and each switch sets the "
                    + "opening side's sequences past the column's largest value + " + SwitchSettings.DEFAULT_SEQUENCE_MARGIN
                    + " before it takes writes";
            results.add(unwritten.isEmpty() ? CheckResult.pass("sequences " + table.target(), detail)
                    : new CheckResult("sequences " + table.target(), CheckResult.Status.WARN, detail + "; but " + unwritten
                            + " is not written by the mapping, so the new side numbers those rows itself and the same row "
                            + "has different values on the two sides", "map the column from its legacy value"));
        }
        return results;
    }
}
