package dev.tandem.reconcile.diff;

import dev.tandem.reconcile.RowDrift;
import dev.tandem.reconcile.chunk.VerifyRange;
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
 * differ, then compares per-row hashes; names the differing columns of up to {@code sampleCap} rows on request.
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

    /**
     * Every row in {@code range} that differs when it is compared (whose digests were {@code sourceDigest} and
     * {@code targetDigest}), without naming columns: suspects, until a recheck settles them.
     */
    public List<RowDrift> diff(VerifyRange range, ChunkDigest sourceDigest, ChunkDigest targetDigest) throws SQLException {
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
        VerifyRange low = new VerifyRange(range.lower(), mid.get());
        VerifyRange high = new VerifyRange(mid.get(), range.upper());
        List<RowDrift> found = new ArrayList<>(diff(low, source.digest(KeyFilter.range(low)), target.digest(KeyFilter.range(low))));
        found.addAll(diff(high, source.digest(KeyFilter.range(high)), target.digest(KeyFilter.range(high))));
        return found;
    }

    /** Compares the rows a filter selects one by one (columns are not named: see {@link #named}). */
    public List<RowDrift> rowLevel(KeyFilter filter) throws SQLException {
        Map<List<String>, RowHash> s = source.rowHashes(filter);
        Map<List<String>, RowHash> t = target.rowHashes(filter);
        return unnamed(s, t);
    }

    /** Compares the rows given by source and target row hashes, naming the differing columns of sampled rows. */
    public List<RowDrift> compare(Map<List<String>, RowHash> s, Map<List<String>, RowHash> t) throws SQLException {
        return named(unnamed(s, t));
    }

    /** The rows on which source and target row hashes disagree, without reading their values. */
    public List<RowDrift> unnamed(Map<List<String>, RowHash> s, Map<List<String>, RowHash> t) {
        String table = shape.table().target();
        List<RowDrift> drift = new ArrayList<>();
        for (var e : s.entrySet()) {
            RowHash other = t.get(e.getKey());
            if (other == null) {
                drift.add(new RowDrift(table, RowDrift.Kind.MISSING, e.getValue().sourceKey(), e.getKey(), List.of()));
            } else if (other.hash() != e.getValue().hash()) {
                drift.add(new RowDrift(table, RowDrift.Kind.DIFFERENT, e.getValue().sourceKey(), e.getKey(), List.of()));
            }
        }
        for (var key : t.keySet()) {
            if (!s.containsKey(key)) {
                drift.add(new RowDrift(table, RowDrift.Kind.EXTRA, shape.sourceKeyOf(key), key, List.of()));
            }
        }
        return drift;
    }

    /**
     * The same rows, with the differing columns named for {@link RowDrift.Kind#DIFFERENT} rows while the sample budget
     * lasts (both sides' values are read now; rows beyond the budget keep an empty column list).
     */
    public List<RowDrift> named(List<RowDrift> rows) throws SQLException {
        List<List<String>> different = rows.stream().filter(d -> d.kind() == RowDrift.Kind.DIFFERENT).map(RowDrift::targetKey)
                .limit(Math.max(samplesLeft, 0)).toList();
        if (different.isEmpty()) {
            return rows;
        }
        samplesLeft -= different.size();
        Map<List<String>, List<String>> sv = source.values(KeyFilter.targetKeys(different));
        Map<List<String>, List<String>> tv = target.values(KeyFilter.targetKeys(different));
        List<String> written = List.copyOf(shape.table().written().keySet());
        List<RowDrift> result = new ArrayList<>(rows.size());
        for (RowDrift d : rows) {
            List<String> a = sv.get(d.targetKey());
            List<String> b = tv.get(d.targetKey());
            if (d.kind() != RowDrift.Kind.DIFFERENT || a == null || b == null) {
                result.add(d);
                continue;
            }
            List<String> columns = new ArrayList<>();
            for (int i = 0; i < written.size(); i++) {
                if (!java.util.Objects.equals(a.get(i), b.get(i))) {
                    columns.add(written.get(i));
                }
            }
            result.add(new RowDrift(d.table(), d.kind(), d.sourceKey(), d.targetKey(), columns));
        }
        return result;
    }

    /** The target keys of some drift, for rechecking exactly those rows. */
    public static Collection<List<String>> targetKeys(Collection<RowDrift> drift) {
        Set<List<String>> keys = new LinkedHashSet<>();
        drift.forEach(d -> keys.add(d.targetKey()));
        return keys;
    }
}
