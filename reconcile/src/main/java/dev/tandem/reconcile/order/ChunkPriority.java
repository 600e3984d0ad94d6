package dev.tandem.reconcile.order;

import dev.tandem.reconcile.chunk.VerifyRange;
import dev.tandem.reconcile.chunk.KeySql;
import dev.tandem.reconcile.store.ChunkRecord;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * Orders a previous pass's chunks for the next pass: chunks whose key range holds a key changed since the chunk was
 * last verified first (most changed keys first), then the others in key order. Keys are placed into chunks by the
 * target database itself, sorting keys and chunk bounds together in chunk order, so every key type orders exactly as
 * the chunks were cut.
 */
public final class ChunkPriority {

    private ChunkPriority() {
    }

    /** A chunk range and how many keys changed in it since it was verified. */
    public record Ranked(VerifyRange range, int changedKeys) {
    }

    /**
     * The previous chunks in verification order, or an empty list when none changed (or the previous chunks do not
     * know the change-log offset they were verified at).
     *
     * @param targetKey the chunk key as the target sees it
     * @param previous  the previous pass's chunks of the table, covering it whole
     * @param changed   chunk key → the change-log mark at or below its latest change (see {@link RecentChanges})
     */
    public static List<Ranked> order(Connection target, KeySql targetKey, List<ChunkRecord> previous, Map<List<String>, Long> changed)
            throws SQLException {
        if (changed.isEmpty() || previous.isEmpty() || previous.stream().anyMatch(c -> c.changeOffset() == null)) {
            return List.of();
        }
        List<List<String>> keys = new ArrayList<>(changed.keySet());
        List<ChunkRecord> bounded = previous.stream().filter(c -> c.range().upper() != null).toList();
        ChunkRecord open = previous.stream().filter(c -> c.range().upper() == null).findFirst().orElseThrow(() ->
                new IllegalArgumentException("the previous plan has no open-ended last chunk: " + previous.size() + " chunks"));
        int n = targetKey.size();
        String columns = IntStream.range(0, n).mapToObj(i -> "k" + i).collect(Collectors.joining(", "));
        String arrays = IntStream.range(0, n).mapToObj(i -> "?::text[]").collect(Collectors.joining(", "));
        String typed = IntStream.range(0, n).mapToObj(i -> "%s.k" + i + "::" + targetKey.types().get(i) + " AS c" + i)
                .collect(Collectors.joining(", "));
        KeySql sorted = targetKey.with(IntStream.range(0, n).mapToObj(i -> "x.c" + i).toList());
        String sql = "SELECT x.kind, x.idx FROM (SELECT 0 AS kind, u.ord AS idx, " + typed.replace("%s", "u") + " FROM unnest(" + arrays
                + ") WITH ORDINALITY AS u(" + columns + ", ord) UNION ALL SELECT 1, b.ord, " + typed.replace("%s", "b") + " FROM unnest("
                + arrays + ") WITH ORDINALITY AS b(" + columns + ", ord)) x ORDER BY " + sorted.orderBy() + ", x.kind";
        // Walking keys and upper bounds in chunk order: a key belongs to the first chunk whose upper bound is not below it
        // (a key equal to a bound sorts before it), a key above every bound to the open-ended last chunk.
        Map<ChunkRecord, Integer> counts = new HashMap<>();
        List<ChunkRecord> keyOrder = new ArrayList<>();
        List<Integer> waiting = new ArrayList<>();
        try (PreparedStatement ps = target.prepareStatement(sql)) {
            int index = targetKey.bindKeys(target, ps, 1, keys);
            targetKey.bindKeys(target, ps, index, bounded.stream().map(c -> c.range().upper()).toList());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    int idx = rs.getInt(2) - 1;
                    if (rs.getInt(1) == 0) {
                        waiting.add(idx);
                    } else {
                        ChunkRecord chunk = bounded.get(idx);
                        keyOrder.add(chunk);
                        assign(chunk, waiting, keys, changed, counts);
                    }
                }
            }
        }
        keyOrder.add(open);
        assign(open, waiting, keys, changed, counts);
        if (counts.values().stream().noneMatch(c -> c > 0)) {
            return List.of();
        }
        List<Ranked> ranked = new ArrayList<>();
        keyOrder.forEach(c -> ranked.add(new Ranked(c.range(), counts.getOrDefault(c, 0))));
        List<Ranked> first = ranked.stream().filter(r -> r.changedKeys() > 0)
                .sorted(Comparator.comparingInt(Ranked::changedKeys).reversed()).toList();
        List<Ranked> order = new ArrayList<>(first);
        ranked.stream().filter(r -> r.changedKeys() == 0).forEach(order::add);
        return order;
    }

    private static void assign(ChunkRecord chunk, List<Integer> waiting, List<List<String>> keys, Map<List<String>, Long> changed,
                               Map<ChunkRecord, Integer> counts) {
        int n = 0;
        for (int idx : waiting) {
            if (changed.get(keys.get(idx)) >= chunk.changeOffset()) {
                n++;
            }
        }
        counts.merge(chunk, n, Integer::sum);
        waiting.clear();
    }
}
