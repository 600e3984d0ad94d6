package dev.tandem.sync.apply;

import dev.tandem.capture.envelope.ChangeEnvelope;
import dev.tandem.capture.envelope.Operation;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The net effect of a run of source transactions on one table: per key, only the last change
 * counts, and a TRUNCATE wipes what came before it (the writers empty the table first, then apply what followed).
 * Applying the net effect inside one target transaction gives the same state as applying every change in order.
 */
final class NetChanges {

    /** The last TRUNCATE of the run, or null: every row goes before the changes kept after it are applied. */
    private ChangeEnvelope truncate;
    /** The first change of an operation the sync does not handle, or null: its tables pause, nothing is guessed. */
    private ChangeEnvelope unplaceable;
    /** Key → last change; the key is the value itself for a one-column key (most tables), else the list of values. */
    private final Map<Object, ChangeEnvelope> lastByKey = new LinkedHashMap<>();
    /** The surviving changes split by kind, made on first use after the last {@link #add}. */
    private List<ChangeEnvelope> deletes;
    private List<ChangeEnvelope> upserts;

    void add(ChangeEnvelope change) {
        if (change.operation() == Operation.UNKNOWN) {
            if (unplaceable == null) {
                unplaceable = change;
            }
            return;
        }
        if (change.operation() == Operation.TRUNCATE) {
            truncate = change;
            lastByKey.clear();
            deletes = null;
            upserts = null;
            return;
        }
        Object key = keyOf(change.key());
        if (lastByKey.put(key, change) != null) {
            lastByKey.remove(key); // re-insert so iteration follows the order of last changes
            lastByKey.put(key, change);
        }
        deletes = null;
        upserts = null;
    }

    static NetChanges of(ChangeEnvelope change) {
        NetChanges single = new NetChanges();
        single.add(change);
        return single;
    }

    /**
     * Every surviving change: the first of an unhandled operation, if any (a skip drops it first), then the last
     * TRUNCATE, if any, then in the order of each key's last change.
     */
    List<ChangeEnvelope> all() {
        if (truncate == null && unplaceable == null) {
            return List.copyOf(lastByKey.values());
        }
        List<ChangeEnvelope> all = new ArrayList<>(lastByKey.size() + 2);
        if (unplaceable != null) {
            all.add(unplaceable);
        }
        if (truncate != null) {
            all.add(truncate);
        }
        all.addAll(lastByKey.values());
        return List.copyOf(all);
    }

    /** The first change whose operation the sync does not handle, or null; the writers apply none of it. */
    ChangeEnvelope unplaceable() {
        return unplaceable;
    }

    /** The last TRUNCATE of the run, or null when the table was not truncated: apply it before the other changes. */
    ChangeEnvelope truncate() {
        return truncate;
    }

    List<ChangeEnvelope> deletes() {
        split();
        return deletes;
    }

    List<ChangeEnvelope> upserts() {
        split();
        return upserts;
    }

    private void split() {
        if (upserts != null) {
            return;
        }
        List<ChangeEnvelope> kept = new ArrayList<>(lastByKey.size());
        List<ChangeEnvelope> removed = new ArrayList<>();
        for (ChangeEnvelope change : lastByKey.values()) {
            if (change.operation().upserts()) {
                kept.add(change);
            } else if (change.operation() == Operation.DELETE) {
                removed.add(change);
            }
        }
        upserts = Collections.unmodifiableList(kept);
        deletes = Collections.unmodifiableList(removed);
    }

    private static Object keyOf(Map<String, String> key) {
        if (key.size() == 1) {
            String only = key.values().iterator().next();
            if (only != null) {
                return only;
            }
        }
        return List.copyOf(key.values());
    }
}
