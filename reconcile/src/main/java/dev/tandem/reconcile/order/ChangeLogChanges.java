package dev.tandem.reconcile.order;

import dev.tandem.sync.control.AppliedPositions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Objects;
import java.util.Set;
import org.apache.kafka.common.KafkaException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Recent changes from the migration's Kafka change log, between offsets the sync recorded in the target's
 * {@code tandem.applied_position}: the log holds every source change (deletes included) with its key, so reading it
 * costs only the changes themselves, never a scan of a table.
 */
public final class ChangeLogChanges implements RecentChanges {

    private static final Logger log = LoggerFactory.getLogger(ChangeLogChanges.class);

    private static final String UNDEFINED_TABLE = "42P01";

    private final String migration;
    private final String bootstrapServers;
    private final Duration budget;
    private volatile boolean positionsExist;

    /**
     * @param budget how long reading the log may take per pass; past it the pass runs in key order
     */
    public ChangeLogChanges(String migration, String bootstrapServers, Duration budget) {
        this.migration = Objects.requireNonNull(migration, "migration");
        this.bootstrapServers = Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        this.budget = Objects.requireNonNull(budget, "budget");
    }

    /** Topic and next offset of the sync's applied position, or null before the sync applied anything. */
    private record Position(String topic, long nextOffset) {
    }

    @Override
    public Long applied(Connection target) throws SQLException {
        Position p = position(target);
        return p == null ? null : p.nextOffset();
    }

    @Override
    public Map<String, Map<List<String>, Long>> changedSince(NavigableSet<Long> marks, Connection target) throws SQLException {
        Position now = position(target);
        if (marks.isEmpty() || now == null || now.nextOffset() <= marks.first()) {
            return Map.of();
        }
        Map<String, Map<List<String>, Long>> changed = new HashMap<>();
        long deadline = System.nanoTime() + budget.toNanos();
        try (ChangeLogKeys reader = new ChangeLogKeys(bootstrapServers, now.topic(), marks.first())) {
            for (Long mark : marks) {
                if (mark >= now.nextOffset()) {
                    break;
                }
                Long next = marks.higher(mark);
                long until = next == null ? now.nextOffset() : Math.min(next, now.nextOffset());
                Duration left = Duration.ofNanos(Math.max(1, deadline - System.nanoTime()));
                for (Map.Entry<String, Set<List<String>>> e : reader.readUntil(until, left).entrySet()) {
                    Map<List<String>, Long> keys = changed.computeIfAbsent(e.getKey(), t -> new HashMap<>());
                    e.getValue().forEach(k -> keys.put(List.copyOf(k), mark));
                }
            }
        } catch (KafkaException | IllegalStateException e) {
            log.warn("{}: cannot read the change log {} from offset {} to {} ({}); this pass verifies chunks in key order",
                    migration, now.topic(), marks.first(), now.nextOffset(), e.getMessage(), e);
            return Map.of();
        }
        return changed;
    }

    private Position position(Connection target) throws SQLException {
        if (!positionsExist) {
            // asked before every chunk: once the table exists, look again only if it disappears
            try (PreparedStatement ps = target.prepareStatement("SELECT to_regclass('tandem.applied_position') IS NOT NULL");
                 ResultSet rs = ps.executeQuery()) {
                if (!rs.next() || !rs.getBoolean(1)) {
                    return null;
                }
            }
            positionsExist = true;
        }
        try {
            AppliedPositions.LogPosition applied = AppliedPositions.logPosition(target, migration);
            return applied == null ? null : new Position(applied.topic(), applied.offset());
        } catch (SQLException e) {
            if (UNDEFINED_TABLE.equals(e.getSQLState())) {
                // the control schema was dropped and the sync has not recreated it yet: nothing is applied
                positionsExist = false;
                return null;
            }
            throw e;
        }
    }
}
