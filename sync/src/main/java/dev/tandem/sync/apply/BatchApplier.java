package dev.tandem.sync.apply;

import dev.tandem.capture.envelope.ChangeEnvelope;
import dev.tandem.capture.envelope.EnvelopeKind;
import dev.tandem.capture.envelope.Operation;
import dev.tandem.sync.control.FencesSeen;
import dev.tandem.sync.control.AppliedPosition;
import dev.tandem.sync.control.AppliedPositions;
import dev.tandem.sync.control.TableStates;
import dev.tandem.sync.control.TableStates.Pause;
import dev.tandem.sync.control.TableStates.State;
import dev.tandem.sync.mapping.CompiledTable;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies a run of complete source transactions to the new schema in one target transaction,
 * together with the applied position they lead to; a source table feeds every target table
 * mapped from it, and the join state of merged tables is brought up to date first.
 *
 * <p>A target table that rejects a change (constraint, failed cast, changed legacy shape) is
 * paused: the batch's changes for it are parked in the control schema, in order, with the
 * offending key, position and cause, while the other tables go on. Later changes for a paused
 * table are parked behind them, so nothing is applied out of order; an operator's resume
 * replays them, a skip drops the first one first. Fences in the transactions are recorded as seen
 * in the same target transaction, so a fence seen means everything committed before it is applied.
 */
final class BatchApplier {

    private static final Logger log = LoggerFactory.getLogger(BatchApplier.class);

    private final Set<String> mappedSources = new HashSet<>();
    private final Map<String, TargetWriter> writersByTarget = new LinkedHashMap<>();
    private final JoinState joinState;
    private final AppliedPositions positions;
    private final TableStates states;
    private final FencesSeen fencesSeen;
    /** Whether this applies one partition of a keyed change log, where a TRUNCATE cannot be applied exactly. */
    private final boolean perKey;
    private final List<ParkedChanges> parkedSinceDrain = new ArrayList<>();
    private final Map<String, Long> appliedByTarget = new LinkedHashMap<>();
    private String lastReason = "";

    BatchApplier(List<CompiledTable> tables, AppliedPositions positions, TableStates states, FencesSeen fencesSeen,
                 boolean perKey) {
        this.joinState = new JoinState(states.migration(), tables);
        for (CompiledTable t : tables) {
            TargetWriter writer = t.merged() ? new MergeWriter(t, joinState) : new ProjectionWriter(t);
            mappedSources.addAll(t.sources());
            writersByTarget.put(t.target(), writer);
        }
        this.positions = positions;
        this.states = states;
        this.fencesSeen = fencesSeen;
        this.perKey = perKey;
    }

    /**
     * Writes the transactions' net effect and advances the position from {@code current} to
     * {@code next}; the caller commits. Returns the number of changes applied or parked.
     */
    long apply(Connection c, List<SourceTransaction> transactions, AppliedPosition current, AppliedPosition next)
            throws SQLException {
        List<ChangeEnvelope> all = new ArrayList<>();
        long newestCommit = 0;
        for (SourceTransaction tx : transactions) {
            all.addAll(tx.changes());
            newestCommit = Math.max(newestCommit, tx.commitTimeMs());
        }
        long changes = write(c, all);
        positions.advance(c, current, next, newestCommit, transactions.get(transactions.size() - 1).logEnd());
        return changes;
    }

    /**
     * Writes one part of a source transaction too large to hold whole into the caller's open target transaction,
     * without moving the position: the part becomes visible only with the COMMIT's batch, in the same target
     * transaction. Returns the number of changes applied or parked.
     */
    long applyPart(Connection c, List<ChangeEnvelope> part) throws SQLException {
        return write(c, part);
    }

    /** Writes the changes' net effect and records their fences as seen; the caller moves the position and commits. */
    private long write(Connection c, List<ChangeEnvelope> changesInOrder) throws SQLException {
        Map<String, NetChanges> bySource = new LinkedHashMap<>();
        List<ChangeEnvelope> fences = new ArrayList<>();
        long changes = 0;
        for (ChangeEnvelope change : changesInOrder) {
            if (change.kind() == EnvelopeKind.FENCE) {
                fences.add(change);
                continue;
            }
            if (!mappedSources.contains(change.table())) {
                throw new IllegalStateException("captured change for " + change.table() + " at " + change.position()
                        + " but the migration maps no such table, so it would be lost: if it is a partition of a "
                        + "mapped table, its root must publish it (publish_via_partition_root = true on the "
                        + "migration's publication); otherwise map it, or remove it from the publication");
            }
            bySource.computeIfAbsent(change.table(), t -> new NetChanges()).add(change);
            changes++;
        }
        Map<String, Pause> paused = handleRequests(c, states.load(c));
        appliedByTarget.clear();
        joinState.apply(c, bySource, !perKey);
        for (TargetWriter writer : writersByTarget.values()) {
            Map<String, NetChanges> mine = new LinkedHashMap<>();
            writer.table().sources().forEach(s -> {
                if (bySource.containsKey(s)) {
                    mine.put(s, bySource.get(s));
                }
            });
            if (mine.isEmpty()) {
                continue;
            }
            String target = writer.table().target();
            List<ChangeEnvelope> all = allOf(mine);
            if (paused.containsKey(target) && states.holdPaused(c, target)) {
                park(c, target, paused.get(target).reason(), all);
            } else if (applyOrPause(c, writer, mine)) {
                appliedByTarget.merge(target, (long) all.size(), Long::sum);
            } else {
                paused.put(target, new Pause(target, State.PAUSED, lastReason, null, null));
            }
        }
        fencesSeen.record(c, fences);
        return changes;
    }

    /** Target table → changes of the last {@link #apply} that went into it (not parked); valid once it committed. */
    Map<String, Long> appliedByTarget() {
        return Map.copyOf(appliedByTarget);
    }

    /** Carries out pending resume and skip requests; the caller commits. */
    void handlePendingRequests(Connection c) throws SQLException {
        handleRequests(c, states.load(c));
    }

    /** Carries out pending resume and skip requests; returns the tables still paused. Caller commits. */
    private Map<String, Pause> handleRequests(Connection c, Map<String, Pause> states) throws SQLException {
        Map<String, Pause> stillPaused = new LinkedHashMap<>();
        for (Pause seen : states.values()) {
            TargetWriter writer = writersByTarget.get(seen.table());
            if (seen.state() == State.PAUSED || writer == null) {
                stillPaused.put(seen.table(), seen);
                continue;
            }
            Pause pause = this.states.lockForRequest(c, seen.table()); // parallel appliers: one carries it out
            if (pause == null) {
                continue;
            }
            if (pause.state() == State.PAUSED) {
                stillPaused.put(pause.table(), pause);
                continue;
            }
            List<ChangeEnvelope> parked = this.states.parked(c, pause.table());
            if (pause.state() == State.SKIP && !parked.isEmpty()) {
                ChangeEnvelope skipped = parked.remove(0);
                // per-key ordering parks a copy of a TRUNCATE from every partition: skipping it drops them all
                parked.removeIf(p -> skipped.operation() == Operation.TRUNCATE && p.operation() == Operation.TRUNCATE
                        && p.position().equals(skipped.position()) && p.table().equals(skipped.table()));
                this.states.record(c, pause.table(), "skipped", "dropped change at " + skipped.position() + " key "
                        + skipped.key() + " (" + pause.reason() + ")");
            }
            Map<String, NetChanges> replay = new LinkedHashMap<>();
            parked.forEach(change -> replay.computeIfAbsent(change.table(), t -> new NetChanges()).add(change));
            this.states.clearParked(c, pause.table());
            // a table paused without a rejected change (by the operator, a partition change) may have nothing parked
            if (replay.isEmpty() || applyOrPause(c, writer, replay)) {
                this.states.activate(c, pause.table());
                this.states.record(c, pause.table(), "resumed", parked.size() + " parked changes applied");
                log.info("{} resumed: {} parked changes applied", pause.table(), parked.size());
            } else {
                stillPaused.put(pause.table(), pause);
            }
        }
        return stillPaused;
    }

    /** Applies the changes, or pauses the table and parks them; returns whether they were applied. */
    private boolean applyOrPause(Connection c, TargetWriter writer, Map<String, NetChanges> changes) throws SQLException {
        Savepoint before = c.setSavepoint();
        try {
            write(c, writer, changes);
            c.releaseSavepoint(before);
            return true;
        } catch (SQLException e) {
            if (SqlErrors.isTransient(e)) {
                throw e;
            }
            c.rollback(before);
            pause(c, writer, changes, e);
            return false;
        } catch (UnappliableChangeException e) {
            c.rollback(before);
            pause(c, writer, changes, e);
            return false;
        }
    }

    /**
     * Writes the changes, unless one has an operation the sync does not handle, or is a TRUNCATE in per-key ordering:
     * each partition applies on its own, so emptying the table there would also remove rows other partitions already
     * applied from later transactions.
     */
    private void write(Connection c, TargetWriter writer, Map<String, NetChanges> changes) throws SQLException {
        for (NetChanges net : changes.values()) {
            if (net.unplaceable() != null) {
                throw new UnappliableChangeException(net.unplaceable().table() + " sent a change of an operation this "
                        + "tandem does not handle (the capture log names it at that position), so nothing of it was "
                        + "applied; run a tandem that handles it, or skip the change if the new side needs nothing of it");
            }
        }
        if (perKey) {
            for (NetChanges net : changes.values()) {
                if (net.truncate() != null) {
                    throw new UnappliableChangeException("per-key ordering cannot apply a TRUNCATE of "
                            + net.truncate().table() + " exactly (partitions apply independently, so emptying "
                            + writer.table().target() + " would also remove rows other partitions applied from later "
                            + "transactions); re-run with --rebackfill to copy it again, use sync.ordering: transactional "
                            + "where truncates are routine, or skip the TRUNCATE to keep the rows");
                }
            }
        }
        writer.apply(c, changes);
    }

    private void pause(Connection c, TargetWriter writer, Map<String, NetChanges> changes, Exception cause) throws SQLException {
        String target = writer.table().target();
        ChangeEnvelope culprit = findCulprit(c, writer, changes);
        String key = culprit == null ? null : String.valueOf(culprit.key());
        String position = culprit == null ? null : culprit.position().toString();
        String reason = target + " paused: " + (culprit == null ? "a change"
                : culprit.operation() == Operation.TRUNCATE ? "the TRUNCATE of " + culprit.table() + " at " + position
                : "the change to key " + key + " at " + position)
                + " was rejected: " + firstLine(cause) + "; fix the data or the new schema, then run `tandem resume --table "
                + target + "` (or `tandem skip --table " + target + "` to drop that change, recorded)";
        states.pause(c, target, reason, position, key);
        park(c, target, reason, allOf(changes));
        lastReason = reason;
        log.error(reason, cause);
    }

    private void park(Connection c, String target, String reason, List<ChangeEnvelope> changes) throws SQLException {
        states.park(c, target, changes);
        parkedSinceDrain.add(new ParkedChanges(target, reason, changes));
    }

    /**
     * What was parked since the last call, for the dead-letter copy once the transaction committed;
     * call it after every commit or rollback.
     */
    List<ParkedChanges> drainParked() {
        List<ParkedChanges> drained = List.copyOf(parkedSinceDrain);
        parkedSinceDrain.clear();
        return drained;
    }

    /** Applies the changes one by one under a savepoint to name the first that fails; undoes them all. */
    private ChangeEnvelope findCulprit(Connection c, TargetWriter writer, Map<String, NetChanges> changes)
            throws SQLException {
        Savepoint start = c.setSavepoint();
        try {
            for (ChangeEnvelope change : allOf(changes)) {
                Savepoint one = c.setSavepoint();
                try {
                    write(c, writer, Map.of(change.table(), NetChanges.of(change)));
                    c.releaseSavepoint(one);
                } catch (SQLException | RuntimeException e) {
                    if (e instanceof SQLException sql && SqlErrors.isTransient(sql)) {
                        throw sql;
                    }
                    return change;
                }
            }
            return null;
        } finally {
            c.rollback(start);
        }
    }

    private static List<ChangeEnvelope> allOf(Map<String, NetChanges> changes) {
        List<ChangeEnvelope> all = new ArrayList<>();
        changes.values().forEach(n -> all.addAll(n.all()));
        return all;
    }

    private static String firstLine(Exception e) {
        String message = String.valueOf(e.getMessage()).replaceFirst("^ERROR: ", "");
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
