package dev.tandem.reconcile.order;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;

/**
 * Where the sync stands in the change log and which source keys changed in a stretch of it: what lets a pass verify
 * the chunks that changed since their last verification before the others.
 */
public interface RecentChanges {

    /** The change-log offset up to which the sync has applied, read on the target; null when unknown. */
    Long applied(Connection target) throws SQLException;

    /**
     * Source table → source key (values as PostgreSQL text, in key column order) → the greatest of {@code marks} at or
     * below the offset of the key's latest change, for every change from {@code marks.first()} up to the sync's applied
     * offset now; empty when the change log cannot be read (the pass then runs in key order).
     */
    Map<String, Map<List<String>, Long>> changedSince(NavigableSet<Long> marks, Connection target) throws SQLException;

    /** No change log: passes run in key order. */
    RecentChanges NONE = new RecentChanges() {
        @Override
        public Long applied(Connection target) {
            return null;
        }

        @Override
        public Map<String, Map<List<String>, Long>> changedSince(NavigableSet<Long> marks, Connection target) {
            return Map.of();
        }
    };
}
