package dev.tandem.sync.apply;

import dev.tandem.capture.envelope.ChangeEnvelope;
import dev.tandem.sync.control.AppliedPosition;
import dev.tandem.sync.control.AppliedPositions;
import dev.tandem.sync.mapping.CompiledTable;
import java.util.ArrayList;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Applies a run of complete source transactions to the new schema in one target transaction,
 * together with the applied position they lead to; a source table feeds every target table
 * mapped from it.
 */
final class BatchApplier {

    private final Map<String, List<ProjectionWriter>> writersBySource = new LinkedHashMap<>();
    private final AppliedPositions positions;

    BatchApplier(List<CompiledTable> tables, AppliedPositions positions) {
        tables.forEach(t -> writersBySource.computeIfAbsent(t.source(), s -> new ArrayList<>()).add(new ProjectionWriter(t)));
        this.positions = positions;
    }

    /**
     * Writes the transactions' net effect and advances the position from {@code current} to
     * {@code next}; the caller commits. Returns the number of changes applied.
     */
    long apply(Connection c, List<SourceTransaction> transactions, AppliedPosition current, AppliedPosition next)
            throws SQLException {
        Map<String, NetChanges> byTable = new LinkedHashMap<>();
        long changes = 0;
        long newestCommit = 0;
        for (SourceTransaction tx : transactions) {
            for (ChangeEnvelope change : tx.changes()) {
                if (!writersBySource.containsKey(change.table())) {
                    throw new IllegalStateException("change for " + change.table() + " at " + change.position()
                            + " but the migration maps no such table; add a mapping for it or remove it from capture");
                }
                byTable.computeIfAbsent(change.table(), t -> new NetChanges()).add(change);
                changes++;
            }
            newestCommit = Math.max(newestCommit, tx.commitTimeMs());
        }
        for (var entry : byTable.entrySet()) {
            for (ProjectionWriter writer : writersBySource.get(entry.getKey())) {
                writer.apply(c, entry.getValue());
            }
        }
        positions.advance(c, current, next, newestCommit);
        return changes;
    }
}
