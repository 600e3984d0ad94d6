package dev.tandem.capture.envelope;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FragmentWriterTest {

    private static final SourcePosition AT = new SourcePosition(41, 4_100, 7, 3);

    @Test
    void fragmentsWrittenWhileEncodingAreTheBytesOfTheWholeEncodingCut() {
        // several large values, with two- three- and four-byte characters crossing slice and fragment boundaries
        ChangeEnvelope large = change(mixed(700_001), "\\x" + "0f".repeat(400_000), mixed(5));
        byte[] whole = EnvelopeCodec.encode(large);
        EnvelopeFragments cut = EnvelopeFragments.of(whole, AT);
        List<byte[]> streamed = new ArrayList<>();
        int count = EnvelopeFragments.write(large, EnvelopeFragments.encodedLength(large), streamed::add);

        assertEquals(whole.length, EnvelopeFragments.encodedLength(large));
        assertEquals(cut.count(), count);
        assertEquals(count, streamed.size());
        for (int i = 0; i < count; i++) {
            assertArrayEquals(cut.record(i), streamed.get(i), "fragment " + i);
        }
        FragmentJoiner joiner = new FragmentJoiner();
        for (int i = 0; i < count - 1; i++) {
            assertNull(joiner.add(i, streamed.get(i)));
        }
        assertEquals(large, joiner.add(count - 1, streamed.get(count - 1)).envelope());
    }

    @Test
    void aSmallEnvelopeIsWrittenAsItsEncoding() {
        ChangeEnvelope small = change("a", null, "é");
        List<byte[]> streamed = new ArrayList<>();
        assertEquals(1, EnvelopeFragments.write(small, EnvelopeFragments.encodedLength(small), streamed::add));
        assertArrayEquals(EnvelopeCodec.encode(small), streamed.get(0));
    }

    @Test
    void aSurrogatePairAtTheEndOfASliceStaysWhole() {
        String pair = "\uD83D\uDE00";
        String s = "a".repeat(16 * 1024 - 1) + pair + "b";
        int end = Utf8.sliceEnd(s, 0, 16 * 1024);
        assertEquals(16 * 1024 + 1, end, "the slice takes the low surrogate too");
        byte[] out = new byte[3 * (16 * 1024 + 1)];
        int length = Utf8.encode(s, 0, end, out, 0);
        assertEquals(16 * 1024 - 1 + 4, length);
    }

    private static ChangeEnvelope change(String body, String blob, String note) {
        LinkedHashMap<String, String> key = new LinkedHashMap<>();
        key.put("id", "1");
        LinkedHashMap<String, String> after = new LinkedHashMap<>(key);
        after.put("body", body);
        after.put("blob", blob);
        after.put("note", note);
        return ChangeEnvelope.change(AT, 1, "public.doc", Operation.UPDATE, key, null, after, Set.of("other"));
    }

    private static String mixed(int length) {
        StringBuilder s = new StringBuilder(length + 1);
        String[] pieces = {"a", "é", "€", "\uD83D\uDE00", "z"};
        for (int i = 0; s.length() < length; i++) {
            s.append(pieces[i * 7 % pieces.length]);
        }
        return s.toString();
    }
}
