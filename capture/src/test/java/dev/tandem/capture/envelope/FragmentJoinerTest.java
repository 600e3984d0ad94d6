package dev.tandem.capture.envelope;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FragmentJoinerTest {

    private static final SourcePosition AT = new SourcePosition(9_000, 9_100, 77, 2);

    @Test
    void aSmallEnvelopeIsOneRecordAndNoFragment() {
        ChangeEnvelope small = change("short", AT);
        EnvelopeFragments records = EnvelopeFragments.of(EnvelopeCodec.encode(small), AT);
        assertEquals(1, records.count());
        assertFalse(EnvelopeFragments.isFragment(records.record(0)));
        assertEquals(small, new FragmentJoiner().add(5, records.record(0)).envelope());
    }

    @Test
    void aLargeEnvelopeTravelsInRecordsUnderTheLimitAndJoinsWhole() {
        ChangeEnvelope large = change(text(3 * EnvelopeFragments.RECORD_BYTES + 17), AT);
        List<byte[]> records = records(large);
        assertEquals(4, records.size());
        records.forEach(r -> assertTrue(r.length <= EnvelopeFragments.RECORD_BYTES, r.length + " bytes"));
        assertThrows(IllegalArgumentException.class, () -> EnvelopeCodec.decode(records.get(0)),
                "a reader that does not join fails loudly on a fragment");
        FragmentJoiner joiner = new FragmentJoiner();
        for (int i = 0; i < 3; i++) {
            assertNull(joiner.add(100 + i, records.get(i)));
            assertEquals(OptionalLong.of(100), joiner.joiningSince());
        }
        FragmentJoiner.Joined joined = joiner.add(103, records.get(3));
        assertEquals(large, joined.envelope());
        assertEquals(100, joined.firstOffset(), "re-reading it starts at its first fragment");
        assertEquals(OptionalLong.empty(), joiner.joiningSince());
    }

    @Test
    void aReaderStartingInsideAnEnvelopeSkipsItRatherThanReturnAPart() {
        ChangeEnvelope large = change(text(2 * EnvelopeFragments.RECORD_BYTES), AT);
        ChangeEnvelope next = change("after", new SourcePosition(9_000, 9_200, 77, 3));
        List<byte[]> records = records(large);
        FragmentJoiner joiner = new FragmentJoiner();
        for (int i = 1; i < records.size(); i++) {
            assertNull(joiner.add(i, records.get(i)));
        }
        assertEquals(OptionalLong.empty(), joiner.joiningSince());
        assertEquals(next, joiner.add(10, EnvelopeCodec.encode(next)).envelope());
    }

    @Test
    void anUnfinishedEnvelopeACrashedWriterLeftIsDroppedForItsReplay() {
        ChangeEnvelope large = change(text(2 * EnvelopeFragments.RECORD_BYTES), AT);
        List<byte[]> records = records(large);
        List<FragmentJoiner.Joined> out = new ArrayList<>();
        FragmentJoiner joiner = new FragmentJoiner();
        long offset = 0;
        out.add(joiner.add(offset++, records.get(0))); // the writer died after its first fragment
        out.add(joiner.add(offset++, EnvelopeCodec.encode(ChangeEnvelope.begin(new SourcePosition(9_000, 0, 77, 0), 1))));
        for (byte[] record : records) {
            out.add(joiner.add(offset++, record));
        }
        out.add(joiner.add(offset++, records.get(0))); // and died again after one fragment of its second replay
        for (byte[] record : records) {
            out.add(joiner.add(offset++, record));
        }
        List<FragmentJoiner.Joined> changes = out.stream()
                .filter(j -> j != null && j.envelope().kind() == EnvelopeKind.CHANGE).toList();
        assertEquals(2, changes.size(), "each whole copy once, the unfinished ones never");
        changes.forEach(j -> assertEquals(large, j.envelope()));
        assertEquals(List.of(2L, 2L + records.size() + 1), changes.stream().map(FragmentJoiner.Joined::firstOffset).toList());
    }

    @Test
    void interleavedFragmentsOfAnotherEnvelopeAreNotSpliced() {
        ChangeEnvelope one = change(text(2 * EnvelopeFragments.RECORD_BYTES), AT);
        ChangeEnvelope two = change(text(2 * EnvelopeFragments.RECORD_BYTES + 1), new SourcePosition(9_000, 9_200, 77, 3));
        List<byte[]> first = records(one);
        List<byte[]> second = records(two);
        FragmentJoiner joiner = new FragmentJoiner();
        assertNull(joiner.add(0, first.get(0)));
        assertNull(joiner.add(1, second.get(1)), "a fragment of another envelope ends the one being joined");
        assertNull(joiner.add(2, first.get(1)), "so the rest of the first is skipped, not completed with a hole");
        assertEquals(OptionalLong.empty(), joiner.joiningSince());
    }

    private static List<byte[]> records(ChangeEnvelope envelope) {
        EnvelopeFragments fragments = EnvelopeFragments.of(EnvelopeCodec.encode(envelope), envelope.position());
        List<byte[]> records = new ArrayList<>();
        for (int i = 0; i < fragments.count(); i++) {
            records.add(fragments.record(i));
        }
        return records;
    }

    private static ChangeEnvelope change(String body, SourcePosition at) {
        LinkedHashMap<String, String> key = new LinkedHashMap<>();
        key.put("id", "1");
        LinkedHashMap<String, String> after = new LinkedHashMap<>(key);
        after.put("body", body);
        return ChangeEnvelope.change(at, 1, "public.doc", Operation.UPDATE, key, null, after, Set.of());
    }

    private static String text(int length) {
        StringBuilder s = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            s.append((char) ('a' + i * 7 % 26));
        }
        return s.toString();
    }
}
