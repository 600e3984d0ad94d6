package dev.tandem.reconcile.diff;

import dev.tandem.reconcile.RowDrift;
import dev.tandem.reconcile.digest.KeyFilter;
import dev.tandem.reconcile.digest.RowHash;
import dev.tandem.reconcile.digest.Side;
import dev.tandem.reconcile.digest.SourceVersions;
import dev.tandem.sync.fence.SyncFence;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeoutException;

/**
 * Decides which suspect rows are drift by rechecking exactly those rows across fences; a recheck counts only when the
 * row stayed quiet on the source across it, and rows that never go quiet within a hard bound are unsettled, not drift.
 *
 * <p>One round: read each row's source version ({@code xmin}, from the previous round), await a fence, read the target
 * rows, read the source rows, read the source versions again. When a row's version did not move over the round, the
 * target read happened after the sync applied the row's state and before any later change of it, so a row that still
 * differs is drift. When it moved, the application changed the row during the round: the round proves nothing and is
 * not counted against {@code maxRechecks}, only against {@code maxHotRechecks}. A row absent on the source has no
 * version to watch (an insert and a delete inside one round would go unseen), so its drift needs two quiet rounds
 * with the same target row (or {@code maxRechecks} quiet rounds in all). Every row is decided within
 * {@code maxRechecks + maxHotRechecks} rounds.
 */
public final class RowSettler {

    /** Rows rechecked together (one fence per round serves them all). */
    private static final int BATCH = 10_000;

    /**
     * The verdicts.
     *
     * @param drift     rows that differed after a quiet recheck (columns not named yet)
     * @param unsettled rows the source changed in every recheck up to the hard bound, as last seen
     * @param rounds    fenced rounds run
     */
    public record Outcome(List<RowDrift> drift, List<RowDrift> unsettled, int rounds) {
    }

    private final Side source;
    private final Side target;
    private final SourceVersions versions;
    private final SyncFence fence;
    private final Duration fenceTimeout;
    private final int maxRechecks;
    private final int maxHotRechecks;
    private final String table;

    public RowSettler(String table, Side source, Side target, SourceVersions versions, SyncFence fence, Duration fenceTimeout,
                      int maxRechecks, int maxHotRechecks) {
        this.table = table;
        this.source = source;
        this.target = target;
        this.versions = versions;
        this.fence = fence;
        this.fenceTimeout = fenceTimeout;
        this.maxRechecks = maxRechecks;
        this.maxHotRechecks = maxHotRechecks;
    }

    /** A suspect row being rechecked. */
    private static final class Suspect {
        List<String> sourceKey;
        int counted;
        int quiet;
        int moved;
        boolean targetSeen;
        Long targetHash;

        Suspect(List<String> sourceKey) {
            this.sourceKey = sourceKey;
        }
    }

    /** Settles {@code suspects} (rows that differed when compared without a fence). */
    public Outcome settle(List<RowDrift> suspects) throws SQLException, InterruptedException, TimeoutException {
        List<RowDrift> drift = new ArrayList<>();
        List<RowDrift> unsettled = new ArrayList<>();
        int rounds = 0;
        for (int from = 0; from < suspects.size(); from += BATCH) {
            rounds += settleBatch(suspects.subList(from, Math.min(suspects.size(), from + BATCH)), drift, unsettled);
        }
        return new Outcome(drift, unsettled, rounds);
    }

    private int settleBatch(List<RowDrift> batch, List<RowDrift> drift, List<RowDrift> unsettled)
            throws SQLException, InterruptedException, TimeoutException {
        Map<List<String>, Suspect> pending = new LinkedHashMap<>();
        for (RowDrift d : batch) {
            pending.putIfAbsent(d.targetKey(), new Suspect(d.sourceKey()));
        }
        int confirmAbsent = Math.min(2, maxRechecks);
        Map<List<String>, String> before = versions.of(sourceKeys(pending));
        int rounds = 0;
        while (!pending.isEmpty()) {
            rounds++;
            fence.await(fenceTimeout);
            KeyFilter keys = KeyFilter.targetKeys(pending.keySet());
            Map<List<String>, RowHash> t = target.rowHashes(keys);
            Map<List<String>, RowHash> s = source.rowHashes(keys);
            Map<List<String>, String> after = versions.of(sourceKeys(pending));
            var it = pending.entrySet().iterator();
            while (it.hasNext()) {
                var e = it.next();
                List<String> key = e.getKey();
                Suspect suspect = e.getValue();
                RowHash sh = s.get(key);
                RowHash th = t.get(key);
                if (sh != null && !sh.sourceKey().isEmpty()) {
                    suspect.sourceKey = sh.sourceKey();
                }
                if (sh == null ? th == null : th != null && sh.hash() == th.hash()) {
                    it.remove();
                    continue;
                }
                RowDrift row = new RowDrift(table, sh == null ? RowDrift.Kind.EXTRA : th == null ? RowDrift.Kind.MISSING
                        : RowDrift.Kind.DIFFERENT, suspect.sourceKey, key, List.of());
                String version = after.get(key);
                if (!Objects.equals(before.get(key), version)) {
                    suspect.moved++;
                    suspect.quiet = 0;
                    if (suspect.moved > maxHotRechecks) {
                        unsettled.add(row);
                        it.remove();
                    }
                    continue;
                }
                Long targetHash = th == null ? null : th.hash();
                boolean sameTarget = suspect.quiet > 0 && suspect.targetSeen && Objects.equals(suspect.targetHash, targetHash);
                suspect.quiet = suspect.quiet == 0 || sameTarget ? suspect.quiet + 1 : 1;
                suspect.counted++;
                suspect.targetSeen = true;
                suspect.targetHash = targetHash;
                if (version != null || suspect.quiet >= confirmAbsent || suspect.counted >= maxRechecks) {
                    drift.add(row);
                    it.remove();
                }
            }
            before = after;
        }
        return rounds;
    }

    private static Map<List<String>, List<String>> sourceKeys(Map<List<String>, Suspect> pending) {
        Map<List<String>, List<String>> keys = new LinkedHashMap<>();
        pending.forEach((k, s) -> keys.put(k, s.sourceKey));
        return keys;
    }
}
