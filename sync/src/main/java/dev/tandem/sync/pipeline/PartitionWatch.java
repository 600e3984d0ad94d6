package dev.tandem.sync.pipeline;

import dev.tandem.capture.replication.PartitionTree;
import dev.tandem.sync.control.PartitionSets;
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
 * Pauses the target tables of a partitioned source table whose partitions change while the migration runs: a
 * partition attached with rows, or one detached or dropped, moves rows into or out of the table without a change the
 * capture sees, so the target would silently differ. A partition created empty (the usual next-month partition) is
 * accepted. The partitions last accepted are stored ({@link PartitionSets}), so a change made while tandem was stopped
 * is found at the next start and treated the same way.
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
        this.sources = sourcesOf(tables);
        this.seen = seen;
    }

    /**
     * Starts from the partitions as they are now and stores them: a new backfill copies under a snapshot taken next,
     * so what it copies is exactly this set's rows.
     */
    static PartitionWatch fresh(String migration, Connection source, Connection target, List<CompiledTable> tables)
            throws SQLException {
        Map<String, Set<String>> now = PartitionTree.leaves(source, sourcesOf(tables));
        new PartitionSets(migration).save(target, now);
        return new PartitionWatch(migration, tables, now);
    }

    /**
     * Starts from the partitions stored when tandem last ran and compares them with the current ones at once, so a
     * partition attached or detached while tandem was stopped pauses its tables like one seen while streaming. A
     * migration that stored none (it began before tandem stored them) stores the current ones without comparing.
     */
    static PartitionWatch resume(String migration, Connection source, Connection target, List<CompiledTable> tables)
            throws SQLException {
        PartitionSets sets = new PartitionSets(migration);
        Map<String, Set<String>> stored = sets.load(target);
        if (stored == null) {
            Map<String, Set<String>> now = PartitionTree.leaves(source, sourcesOf(tables));
            if (!now.isEmpty()) {
                log.warn("migration {}: no partitions of {} are stored (the migration began before tandem stored them); "
                        + "storing the current ones without comparing: a partition attached or detached while tandem was "
                        + "stopped before this start is not detected (run tandem verify to find its rows)", migration,
                        now.keySet());
                sets.save(target, now);
            }
            return new PartitionWatch(migration, tables, now);
        }
        PartitionWatch watch = new PartitionWatch(migration, tables, stored);
        watch.check(source, target, "changed while tandem was stopped");
        return watch;
    }

    private static List<String> sourcesOf(List<CompiledTable> tables) {
        return tables.stream().flatMap(t -> t.sources().stream()).distinct().toList();
    }

    /** False when no mapped source table is partitioned: there is nothing to watch. */
    boolean watchesAny() {
        return !seen.isEmpty();
    }

    /**
     * Compares the partitions with those last seen; pauses the target tables of each source table that changed, then
     * stores the current partitions.
     */
    void check(Connection source, Connection target) throws SQLException {
        check(source, target, "changed");
    }

    private void check(Connection source, Connection target, String changed) throws SQLException {
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
                    gaps.add(removed + (PartitionTree.exists(source, removed) ? " was detached" : " was dropped")
                            + ": its rows left " + root + " without captured deletes (the target still has them)");
                }
            }
            if (!gaps.isEmpty()) {
                pause(target, root, changed, String.join("; ", gaps));
            }
        }
        if (!now.equals(seen)) { // stored after the pauses: a crash in between finds the change again
            new PartitionSets(migration).save(target, now);
        }
        seen = now;
    }

    private void pause(Connection target, String root, String changed, String what) throws SQLException {
        TableStates states = new TableStates(migration);
        for (CompiledTable table : tables) {
            if (!table.sources().contains(root)) {
                continue;
            }
            String reason = table.target() + " paused: a partition of " + root + " " + changed + ": " + what + "; bring the "
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
