package dev.tandem.reconcile.diff;

import dev.tandem.reconcile.RowDrift;
import dev.tandem.reconcile.chunk.KeyRange;
import dev.tandem.reconcile.digest.ChunkDigest;
import dev.tandem.reconcile.digest.KeyFilter;
import dev.tandem.reconcile.digest.RowHash;
import dev.tandem.reconcile.digest.Side;
import dev.tandem.reconcile.digest.TableShape;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Narrows a differing key range down to rows: splits it at its median key while both halves' digests can still
 * differ, then compares per-row hashes, and names the differing columns of up to {@code sampleCap} rows.
 */
public final class ChunkDiffer {

    private final TableShape shape;
    private final Side source;
    private final Side target;
    private final int leafRows;
    private int samplesLeft;

    public ChunkDiffer(TableShape shape, Side source, Side target, int leafRows, int sampleCap) {
        this.shape = shape;
        this.source = source;
        this.target = target;
        this.leafRows = leafRows;
        this.samplesLeft = sampleCap;
    }

    /** Every differing row in {@code range}, whose digests were {@code sourceDigest} and {@code targetDigest}. */
    public List<RowDrift> diff(KeyRange range, ChunkDigest sourceDigest, ChunkDigest targetDigest) throws SQLException {
        if (sourceDigest.equals(targetDigest)) {
            return List.of();
        }
        long rows = Math.max(sourceDigest.rows(), targetDigest.rows());
        if (rows <= leafRows) {
            return rowLevel(KeyFilter.range(range));
        }
        Side planner = shape.aligned() && sourceDigest.rows() >= targetDigest.rows() ? source : target;
        Optional<List<String>> mid = planner.keyAt(range, Math.max(0, rows / 2 - 1));
        if (mid.isEmpty() || mid.get().equals(range.upper()) || mid.get().equals(range.lower())) {
            return rowLevel(KeyFilter.range(range));
        }
        KeyRange low = new KeyRange(range.lower(), mid.get());
        KeyRange high = new KeyRange(mid.get(), range.upper());
        List<RowDrift> found = new ArrayList<>(diff(low, source.digest(KeyFilter.range(low)), target.digest(KeyFilter.range(low))));
        found.addAll(diff(high, source.digest(KeyFilter.range(high)), target.digest(KeyFilter.range(high))));
        return found;
    }

    /** Compares the rows a filter selects one by one. */
    public List<RowDrift> rowLevel(KeyFilter filter) throws SQLException {
        Map<List<String>, RowHash> s = source.rowHashes(filter);
        Map<List<String>, RowHash> t = target.rowHashes(filter);
        return compare(s, t);
    }

    /** Compares the rows given by source and target row hashes. */
    public List<RowDrift> compare(Map<List<String>, RowHash> s, Map<List<String>, RowHash> t) throws SQLException {
        String table = shape.table().target();
        List<RowDrift> drift = new ArrayList<>();
        List<List<String>> different = new ArrayList<>();
        for (var e : s.entrySet()) {
            RowHash other = t.get(e.getKey());
            if (other == null) {
                drift.add(new RowDrift(table, RowDrift.Kind.MISSING, e.getValue().sourceKey(), e.getKey(), List.of()));
            } else if (other.hash() != e.getValue().hash()) {
                different.add(e.getKey());
            }
        }
        for (var key : t.keySet()) {
            if (!s.containsKey(key)) {
                drift.add(new RowDrift(table, RowDrift.Kind.EXTRA, shape.sourceKeyOf(key), key, List.of()));
            }
        }
        List<List<String>> sampled = different.subList(0, Math.min(different.size(), Math.max(samplesLeft, 0)));
        samplesLeft -= sampled.size();
        Map<List<String>, List<String>> sv = sampled.isEmpty() ? Map.of() : source.values(KeyFilter.targetKeys(sampled));
        Map<List<String>, List<String>> tv = sampled.isEmpty() ? Map.of() : target.values(KeyFilter.targetKeys(sampled));
        List<String> written = List.copyOf(shape.table().written().keySet());
        for (List<String> key : different) {
            List<String> columns = new ArrayList<>();
            List<String> a = sv.get(key);
            List<String> b = tv.get(key);
            if (a != null && b != null) {
                for (int i = 0; i < written.size(); i++) {
                    if (!java.util.Objects.equals(a.get(i), b.get(i))) {
                        columns.add(written.get(i));
                    }
                }
            }
            drift.add(new RowDrift(table, RowDrift.Kind.DIFFERENT, s.get(key).sourceKey(), key, columns));
        }
        return drift;
    }

    /** The target keys of some drift, for rechecking exactly those rows. */
    public static Collection<List<String>> targetKeys(Collection<RowDrift> drift) {
        Set<List<String>> keys = new LinkedHashSet<>();
        drift.forEach(d -> keys.add(d.targetKey()));
        return keys;
    }
}
