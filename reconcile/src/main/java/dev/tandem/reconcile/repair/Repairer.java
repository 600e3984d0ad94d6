package dev.tandem.reconcile.repair;

import static dev.tandem.capture.SqlIdentifiers.quote;
import static dev.tandem.capture.SqlIdentifiers.quoteQualified;

import dev.tandem.capture.PgDatabase;
import dev.tandem.reconcile.Reconciler;
import dev.tandem.reconcile.RowDrift;
import dev.tandem.reconcile.chunk.KeySql;
import dev.tandem.reconcile.digest.SessionPin;
import dev.tandem.reconcile.store.ReconcileStore;
import dev.tandem.sync.apply.TextArrays;
import dev.tandem.sync.fence.SyncFence;
import dev.tandem.sync.mapping.CompiledTable;
import dev.tandem.sync.mapping.ArrayBinding;
import dev.tandem.sync.mapping.ProjectionSql;
import dev.tandem.sync.mapping.SourceColumn;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Repairs drifted rows without racing the live applier: in a source transaction it reads the rows {@code FOR SHARE}
 * (no change to them can commit meanwhile), awaits the fence (everything committed before is applied), writes their
 * projection into the target with the applier's own idempotent upsert and delete, commits the target, re-verifies the
 * keys while the source rows are still locked (so no later change can race the check), ends the source transaction
 * and records every action.
 */
public final class Repairer {

    private static final Logger log = LoggerFactory.getLogger(Repairer.class);

    private final Reconciler reconciler;
    private final PgDatabase legacy;
    private final PgDatabase target;
    private final SyncFence fence;
    private final Duration fenceTimeout;

    public Repairer(Reconciler reconciler, PgDatabase legacy, PgDatabase target, SyncFence fence, Duration fenceTimeout) {
        this.reconciler = reconciler;
        this.legacy = legacy;
        this.target = target;
        this.fence = fence;
        this.fenceTimeout = fenceTimeout;
    }

    /** Repairs (or, with {@code dryRun}, lists the repair of) the given drifted rows of one table. */
    public RepairReport repair(CompiledTable table, List<RowDrift> drift, boolean dryRun)
            throws SQLException, InterruptedException, TimeoutException {
        Set<List<String>> sourceKeys = new LinkedHashSet<>();
        List<List<String>> orphanTargetKeys = new ArrayList<>();
        Map<List<String>, List<String>> targetKeyOf = new LinkedHashMap<>();
        Map<List<String>, RowDrift.Kind> kindOf = new LinkedHashMap<>();
        for (RowDrift d : drift) {
            if (d.sourceKey().isEmpty()) {
                orphanTargetKeys.add(d.targetKey());
            } else {
                sourceKeys.add(d.sourceKey());
                targetKeyOf.put(d.sourceKey(), d.targetKey());
                kindOf.put(d.sourceKey(), d.kind());
            }
        }
        // written like the sync writes (replica role): tables are repaired one at a time, so a row may come before
        // the row it references, and triggers that the sync does not fire do not fire here either
        try (Connection s = SessionPin.pin(legacy.connect("tandem-repair"));
             Connection t = SessionPin.pin(target.connectAsSyncWriter("tandem-repair"));
             Connection control = target.connect("tandem-repair-store")) {
            ReconcileStore store = new ReconcileStore(control, reconciler.migration());
            s.setAutoCommit(false);
            t.setAutoCommit(false);
            try {
                Map<List<String>, String[]> rows = readForShare(s, table, sourceKeys);
                List<RepairAction> actions = new ArrayList<>();
                for (List<String> key : sourceKeys) {
                    boolean present = rows.containsKey(key);
                    String action = !present ? "delete" : kindOf.get(key) == RowDrift.Kind.EXTRA ? "delete-filtered" : "upsert";
                    actions.add(new RepairAction(table.target(), action, key, targetKeyOf.get(key)));
                }
                orphanTargetKeys.forEach(k -> actions.add(new RepairAction(table.target(), "delete-by-target-key", List.of(), k)));
                if (dryRun) {
                    s.rollback();
                    t.rollback();
                    return new RepairReport(table.target(), true, actions, null, List.of());
                }
                String lsn = fence.await(fenceTimeout);
                List<String[]> present = new ArrayList<>(rows.values());
                List<List<String>> gone = sourceKeys.stream().filter(k -> !rows.containsKey(k)).toList();
                if (table.merged()) {
                    JoinStateRepair.rewrite(s, t, table, reconciler.migration(), sourceKeys);
                    write(t, table, List.of(), List.of(), orphanTargetKeys);
                } else {
                    write(t, table, present, gone, orphanTargetKeys);
                }
                t.commit();
                List<RowDrift> remaining = new ArrayList<>(reconciler.verifyKeys(table, sourceKeys));
                s.commit();
                Set<List<String>> stillThere = remainingOrphans(t, table, orphanTargetKeys);
                for (RepairAction a : actions) {
                    boolean ok = a.sourceKey().isEmpty() ? !stillThere.contains(a.targetKey())
                            : remaining.stream().noneMatch(r -> r.sourceKey().equals(a.sourceKey()));
                    store.recordRepair(table.target(), a.action(), a.sourceKey(), a.targetKey(), lsn, ok);
                }
                stillThere.forEach(k -> remaining.add(new RowDrift(table.target(), RowDrift.Kind.EXTRA, List.of(), k, List.of())));
                log.info("{}: repaired {} rows after fence {}; {} still differ", table.target(), actions.size(), lsn, remaining.size());
                return new RepairReport(table.target(), false, actions, lsn, remaining);
            } finally {
                if (!s.getAutoCommit()) {
                    s.rollback();
                }
                if (!t.getAutoCommit()) {
                    t.rollback();
                }
            }
        }
    }

    private static Map<List<String>, String[]> readForShare(Connection s, CompiledTable table, Set<List<String>> keys) throws SQLException {
        Map<List<String>, String[]> rows = new LinkedHashMap<>();
        if (keys.isEmpty()) {
            return rows;
        }
        String alias = quote(table.alias());
        List<SourceColumn> columns = table.sourceColumns();
        KeySql keySql = sourceKeySql(s, table);
        String sql = "SELECT " + columns.stream().map(c -> alias + "." + quote(c.name()) + "::text").collect(Collectors.joining(", "))
                + ", " + table.sourceKey().stream().map(k -> alias + "." + quote(k) + "::text").collect(Collectors.joining(", "))
                + " FROM " + quoteQualified(table.source()) + " AS " + alias + " WHERE " + keySql.inPredicate() + " FOR SHARE";
        try (PreparedStatement ps = s.prepareStatement(sql)) {
            keySql.bindKeys(s, ps, 1, keys);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String[] row = new String[columns.size()];
                    for (int i = 0; i < row.length; i++) {
                        row[i] = rs.getString(i + 1);
                    }
                    List<String> key = new ArrayList<>();
                    for (int i = 0; i < table.sourceKey().size(); i++) {
                        key.add(rs.getString(columns.size() + 1 + i));
                    }
                    rows.put(key, row);
                }
            }
        }
        return rows;
    }

    private static KeySql sourceKeySql(Connection s, CompiledTable table) throws SQLException {
        return legacyKeySql(s, table.source(), table.alias(), table.sourceKey());
    }

    /**
     * Key-matching SQL over {@code columns} of legacy table {@code source} read as {@code alias}, typed as the legacy
     * catalog has them (so the key's index is used).
     */
    static KeySql legacyKeySql(Connection s, String source, String alias, List<String> columns) throws SQLException {
        List<String> types = new ArrayList<>();
        try (PreparedStatement ps = s.prepareStatement("SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
                + "WHERE a.attrelid = to_regclass(?) AND a.attname = ? AND NOT a.attisdropped")) {
            for (String k : columns) {
                ps.setString(1, quoteQualified(source));
                ps.setString(2, k);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        throw new SQLException("source key column " + k + " of " + source + " does not exist any more: "
                                + "the legacy table changed; fix the mapping and restart");
                    }
                    types.add(rs.getString(1));
                }
            }
        }
        return new KeySql(columns.stream().map(k -> quote(alias) + "." + quote(k)).toList(), types,
                columns.stream().map(k -> false).toList());
    }

    private static void write(Connection t, CompiledTable table, List<String[]> present, List<List<String>> gone,
                              List<List<String>> orphanTargetKeys) throws SQLException {
        if (!present.isEmpty()) {
            String[][] values = new String[table.sourceColumns().size()][present.size()];
            for (int c = 0; c < values.length; c++) {
                for (int r = 0; r < present.size(); r++) {
                    values[c][r] = present.get(r)[c];
                }
            }
            ArrayBinding binding = TextArrays.bindingFor(values);
            try (PreparedStatement ps = t.prepareStatement(ProjectionSql.upsert(table, Set.of(), binding))) {
                TextArrays.bind(t, ps, 1, values, binding);
                ps.executeUpdate();
            }
        }
        if (!gone.isEmpty()) {
            try (PreparedStatement ps = t.prepareStatement(ProjectionSql.delete(table))) {
                for (int c = 0; c < table.sourceKey().size(); c++) {
                    String[] column = new String[gone.size()];
                    for (int r = 0; r < gone.size(); r++) {
                        column[r] = gone.get(r).get(c);
                    }
                    ps.setArray(c + 1, t.createArrayOf("text", column));
                }
                ps.executeUpdate();
            }
        }
        if (!orphanTargetKeys.isEmpty()) {
            KeySql key = targetKeySql(table);
            try (PreparedStatement ps = t.prepareStatement("DELETE FROM " + quoteQualified(table.target()) + " AS t WHERE "
                    + key.inPredicate())) {
                key.bindKeys(t, ps, 1, orphanTargetKeys);
                ps.executeUpdate();
            }
        }
    }

    private static Set<List<String>> remainingOrphans(Connection t, CompiledTable table, List<List<String>> keys) throws SQLException {
        Set<List<String>> found = new LinkedHashSet<>();
        if (keys.isEmpty()) {
            return found;
        }
        KeySql key = targetKeySql(table);
        String sql = "SELECT " + key.asText("k") + " FROM " + quoteQualified(table.target()) + " AS t WHERE " + key.inPredicate();
        try (PreparedStatement ps = t.prepareStatement(sql)) {
            key.bindKeys(t, ps, 1, keys);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    List<String> k = new ArrayList<>();
                    for (int i = 1; i <= key.size(); i++) {
                        k.add(rs.getString(i));
                    }
                    found.add(k);
                }
            }
        }
        return found;
    }

    private static KeySql targetKeySql(CompiledTable table) {
        return new KeySql(table.targetKey().stream().map(k -> "t." + quote(k)).toList(),
                table.targetKey().stream().map(k -> table.targetTypes().get(k)).toList(), table.targetKey().stream().map(k -> false).toList());
    }
}
