package dev.tandem.sync.route;

import dev.tandem.capture.envelope.ChangeEnvelope;
import dev.tandem.sync.mapping.CompiledJoin;
import dev.tandem.sync.mapping.CompiledTable;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.utils.Utils;

/**
 * Which partition of the keyed change log a row change belongs to. Every change to one source row goes to the same
 * partition, so per key the changes keep their commit order. The rows a merged table combines (its main table's row
 * and the joined rows that map onto its key) share a partition too: the applier recomputes the merged row from
 * all of them, which needs them applied in order by one applier.
 */
public final class KeyRouting {

    /** Changes of {@code table} are partitioned by {@code group} and the values of {@code columns} (all key columns when empty). */
    private record Rule(String group, List<String> columns, String reason) {
    }

    private final Map<String, Rule> rules;

    private KeyRouting(Map<String, Rule> rules) {
        this.rules = Map.copyOf(rules);
    }

    /** The routing for a migration's tables; a merge that cannot keep its rows together is refused with the fix. */
    public static KeyRouting of(List<CompiledTable> tables) {
        Map<String, Rule> rules = new HashMap<>();
        for (CompiledTable table : tables) {
            if (!table.merged()) {
                continue;
            }
            List<String> shared = new ArrayList<>(table.sourceKey());
            for (CompiledJoin join : table.joins()) {
                shared.retainAll(join.mainKeyOf().values());
            }
            if (shared.isEmpty()) {
                throw new IllegalArgumentException("per-key ordering cannot route " + table.target() + ": its joins map onto "
                        + "different key columns of " + table.source() + ", so no key column keeps a merged row's source "
                        + "rows in one partition; use sync.ordering: transactional for this mapping");
            }
            String reason = "merged into " + table.target();
            place(rules, table.source(), new Rule(table.source(), shared, reason));
            for (CompiledJoin join : table.joins()) {
                place(rules, join.source(), new Rule(table.source(), shared.stream().map(c -> joinedColumn(join, c)).toList(),
                        reason));
            }
        }
        return new KeyRouting(rules);
    }

    private static String joinedColumn(CompiledJoin join, String mainColumn) {
        return join.mainKeyOf().entrySet().stream().filter(e -> e.getValue().equals(mainColumn)).findFirst()
                .orElseThrow().getKey();
    }

    private static void place(Map<String, Rule> rules, String source, Rule rule) {
        Rule before = rules.putIfAbsent(source, rule);
        if (before != null && !(before.group().equals(rule.group()) && before.columns().equals(rule.columns()))) {
            throw new IllegalArgumentException("per-key ordering cannot route " + source + ": it is " + before.reason()
                    + " by " + before.group() + before.columns() + " and " + rule.reason() + " by " + rule.group()
                    + rule.columns() + ", which can put its rows in different partitions; use sync.ordering: "
                    + "transactional for this mapping");
        }
    }

    /** The partition, of {@code partitions}, that carries {@code change} (a row change, not a marker or fence). */
    public int partitionOf(ChangeEnvelope change, int partitions) {
        Rule rule = rules.get(change.table());
        StringBuilder routed = new StringBuilder(rule == null ? change.table() : rule.group());
        List<String> columns = rule == null ? List.copyOf(change.key().keySet()) : rule.columns();
        for (String column : columns) {
            String value = change.key().get(column);
            routed.append('\u0000').append(value == null ? "\u0001" : value);
        }
        return Utils.toPositive(Utils.murmur2(routed.toString().getBytes(StandardCharsets.UTF_8))) % partitions;
    }
}
