package dev.tandem.sync.apply;

import dev.tandem.capture.envelope.ChangeEnvelope;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The net effect of a run of source transactions on one table: per key, only the last change
 * counts. Applying the net effect inside one target transaction gives the same state as applying
 * every change in order.
 */
final class NetChanges {

    /** Key → last change; the key is the value itself for a one-column key (most tables), else the list of values. */
    private final Map<Object, ChangeEnvelope> lastByKey = new LinkedHashMap<>();
    /** The surviving changes split by kind, made on first use after the last {@link #add}. */
    private List<ChangeEnvelope> deletes;
    private List<ChangeEnvelope> upserts;

    void add(ChangeEnvelope change) {
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

    /** Every surviving change, in the order of each key's last change. */
    List<ChangeEnvelope> all() {
        return List.copyOf(lastByKey.values());
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
            (change.operation().upserts() ? kept : removed).add(change);
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
