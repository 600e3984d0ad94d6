package dev.tandem.sync.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.tandem.capture.envelope.ChangeEnvelope;
import dev.tandem.capture.envelope.Operation;
import dev.tandem.capture.envelope.SourcePosition;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class NetChangesTest {

    @Test
    void theLastChangeOfEachKeyCountsInTheOrderOfLastChanges() {
        NetChanges net = new NetChanges();
        ChangeEnvelope insert1 = upsert(1, "1", "a");
        ChangeEnvelope insert2 = upsert(2, "2", "b");
        ChangeEnvelope update1 = upsert(3, "1", "c");
        ChangeEnvelope delete3 = delete(4, "3");
        net.add(insert1);
        net.add(insert2);
        net.add(update1);
        net.add(delete3);
        assertEquals(List.of(insert2, update1, delete3), net.all());
        assertEquals(List.of(insert2, update1), net.upserts());
        assertEquals(List.of(delete3), net.deletes());

        ChangeEnvelope delete2 = delete(5, "2");
        net.add(delete2);
        assertEquals(List.of(update1, delete3, delete2), net.all());
        assertEquals(List.of(update1), net.upserts(), "the split follows later changes");
        assertEquals(List.of(delete3, delete2), net.deletes());
    }

    @Test
    void keysOfSeveralColumnsCompareAllOfThem() {
        NetChanges net = new NetChanges();
        ChangeEnvelope first = change(1, Operation.INSERT, map("a", "1", "b", "x"));
        ChangeEnvelope other = change(2, Operation.INSERT, map("a", "1", "b", "y"));
        ChangeEnvelope again = change(3, Operation.UPDATE, map("a", "1", "b", "x"));
        net.add(first);
        net.add(other);
        net.add(again);
        assertEquals(List.of(other, again), net.all());
    }

    @Test
    void aOneColumnKeyIsNotConfusedWithItsText() {
        NetChanges net = new NetChanges();
        ChangeEnvelope single = change(1, Operation.INSERT, map("a", "[1, 2]"));
        ChangeEnvelope pair = change(2, Operation.INSERT, map("a", "1", "b", "2"));
        net.add(single);
        net.add(pair);
        assertEquals(List.of(single, pair), net.all());
    }

    @Test
    void aTruncateWipesWhatCameBeforeAndKeepsWhatFollowed() {
        NetChanges net = new NetChanges();
        net.add(upsert(1, "1", "a"));
        net.add(delete(2, "2"));
        ChangeEnvelope truncate = ChangeEnvelope.change(new SourcePosition(10, 20, 7, 3), 0, "s.t", Operation.TRUNCATE,
                new LinkedHashMap<>(), null, null, Set.of());
        net.add(truncate);
        assertEquals(List.of(truncate), net.all());
        assertEquals(List.of(), net.upserts());
        assertEquals(List.of(), net.deletes());

        ChangeEnvelope after = upsert(4, "1", "b");
        ChangeEnvelope gone = delete(5, "3");
        net.add(after);
        net.add(gone);
        assertEquals(truncate, net.truncate());
        assertEquals(List.of(truncate, after, gone), net.all(), "the truncate first, then what followed it");
        assertEquals(List.of(after), net.upserts());
        assertEquals(List.of(gone), net.deletes());
        assertNull(new NetChanges().truncate());
    }

    @Test
    void aChangeOfAnUnhandledOperationIsKeptFirstAndNeverSplitIntoDeletesOrUpserts() {
        NetChanges net = new NetChanges();
        ChangeEnvelope unknown = change(1, Operation.UNKNOWN, map("id", "1"));
        ChangeEnvelope later = upsert(2, "1", "b");
        net.add(unknown);
        net.add(later);
        net.add(change(3, Operation.UNKNOWN, map("id", "2")));
        assertEquals(unknown, net.unplaceable(), "the first one names the problem");
        assertEquals(List.of(unknown, later), net.all(), "a later change of its key does not hide it");
        assertEquals(List.of(), net.deletes(), "never applied as a delete");
        assertEquals(List.of(later), net.upserts());
        assertNull(new NetChanges().unplaceable());
    }

    private static ChangeEnvelope upsert(long order, String id, String note) {
        LinkedHashMap<String, String> after = map("id", id, "note", note);
        return ChangeEnvelope.change(new SourcePosition(10, 20, 7, order), 0, "s.t", Operation.UPDATE, map("id", id), null,
                after, Set.of());
    }

    private static ChangeEnvelope delete(long order, String id) {
        return ChangeEnvelope.change(new SourcePosition(10, 20, 7, order), 0, "s.t", Operation.DELETE, map("id", id), null,
                null, Set.of());
    }

    private static ChangeEnvelope change(long order, Operation operation, LinkedHashMap<String, String> key) {
        return ChangeEnvelope.change(new SourcePosition(10, 20, 7, order), 0, "s.t", operation, key, null,
                new LinkedHashMap<>(key), Set.of());
    }

    static LinkedHashMap<String, String> map(String... keysAndValues) {
        LinkedHashMap<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return map;
    }
}
