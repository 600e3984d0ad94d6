package dev.tandem.sync.apply;

import dev.tandem.capture.envelope.ChangeEnvelope;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The net effect of a run of source transactions on one table: per key, only the last change
 * counts. Applying the net effect inside one target transaction gives the same state as applying
 * every change in order.
 */
final class NetChanges {

    private final Map<List<String>, ChangeEnvelope> lastByKey = new LinkedHashMap<>();

    void add(ChangeEnvelope change) {
        List<String> key = List.copyOf(change.key().values());
        lastByKey.remove(key); // re-insert so iteration follows the order of last changes
        lastByKey.put(key, change);
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
        return lastByKey.values().stream().filter(c -> !c.operation().upserts()).toList();
    }

    List<ChangeEnvelope> upserts() {
        return lastByKey.values().stream().filter(c -> c.operation().upserts()).toList();
    }
}
