package dev.tandem.sync.pipeline;

import dev.tandem.capture.replication.PartitionTree;
import dev.tandem.sync.control.TableStates;
import dev.tandem.sync.mapping.CompiledTable;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pauses the target tables of a partitioned source table whose partitions change while the migration streams: a
 * partition attached with rows, or one detached or dropped, moves rows into or out of the table without a change the
 * capture sees, so the target would silently differ. A partition created empty (the usual next-month partition) is
 * accepted. Compares with the partitions seen when the pipeline started; changes made while it was stopped are not
 * seen (verify finds their rows).
 */
final class PartitionWatch {

    private static final Logger log = LoggerFactory.getLogger(PartitionWatch.class);

    private final String migration;
    private final List<CompiledTable> tables;
    private final List<String> sources;
    private Map<String, Set<String>> seen;

    private PartitionWatch(String migration, List<CompiledTable> tables, Map<String, Set<String>> seen) {
        this.migration = migration;
        this.tables = tables;
        this.sources = tables.stream().flatMap(t -> t.sources().stream()).distinct().toList();
        this.seen = seen;
    }

    /** Remembers the partitions of the mapped source tables as they are now. */
    static PartitionWatch start(String migration, Connection source, List<CompiledTable> tables) throws SQLException {
        List<String> sources = tables.stream().flatMap(t -> t.sources().stream()).distinct().toList();
        return new PartitionWatch(migration, tables, PartitionTree.leaves(source, sources));
    }

    /** False when no mapped source table is partitioned: there is nothing to watch. */
    boolean watchesAny() {
        return !seen.isEmpty();
    }

    /** Compares the partitions with those last seen; pauses the target tables of each source table that changed. */
    void check(Connection source, Connection target) throws SQLException {
        Map<String, Set<String>> now = PartitionTree.leaves(source, sources);
        Set<String> roots = new TreeSet<>(seen.keySet());
        roots.addAll(now.keySet());
        for (String root : roots) {
            Set<String> before = seen.getOrDefault(root, Set.of());
            Set<String> after = now.getOrDefault(root, Set.of());
            List<String> gaps = new ArrayList<>();
            for (String added : after) {
                if (!before.contains(added)) {
                    long rows = PartitionTree.rowsOlderThanAttach(source, added);
                    if (rows > 0) {
                        gaps.add(added + " was attached with " + rows + " rows that were never captured (they are "
                                + "missing on the target)");
                    }
                }
            }
            for (String removed : before) {
                if (!after.contains(removed)) {
                    gaps.add(removed + " was detached or dropped: its rows left " + root + " without captured deletes "
                            + "(the target still has them)");
                }
            }
            if (!gaps.isEmpty()) {
                pause(target, root, String.join("; ", gaps));
            }
        }
        seen = now;
    }

    private void pause(Connection target, String root, String what) throws SQLException {
        TableStates states = new TableStates(migration);
        for (CompiledTable table : tables) {
            if (!table.sources().contains(root)) {
                continue;
            }
            String reason = table.target() + " paused: a partition of " + root + " changed: " + what + "; bring the "
                    + "target in line (tandem verify, then tandem repair --table " + table.target() + ", or run with "
                    + "--rebackfill), then run `tandem resume --table " + table.target() + "`";
            states.pause(target, table.target(), reason, null, null);
            states.record(target, table.target(), "paused", reason);
            if (!target.getAutoCommit()) {
                target.commit();
            }
            log.error("migration {}: {}", migration, reason);
        }
    }
}
