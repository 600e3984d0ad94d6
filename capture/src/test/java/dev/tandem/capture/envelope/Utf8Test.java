package dev.tandem.capture.envelope;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class Utf8Test {

    @Test
    void writesWhatStringGetBytesWrites() {
        List<String> samples = List.of("", "plain ascii", "é", "Zürich", "東京 ✓", "\u07ff\u0800\uffff", "𝄞 clef",
                "\uD83D\uDE00", "lone high \uD800 here", "lone low \uDC00", "ends high \uD83D", "\uDC00\uD800 reversed",
                "\u0000 nul", "\u007f\u0080");
        assertAll(samples.stream().map(s -> (Executable) () -> assertSame(s)));
    }

    @Test
    void randomCharsIncludingBrokenSurrogatesMatchToo() {
        Random random = new Random(42);
        for (int n = 0; n < 2_000; n++) {
            char[] chars = new char[random.nextInt(12)];
            for (int i = 0; i < chars.length; i++) {
                chars[i] = switch (random.nextInt(4)) {
                    case 0 -> (char) random.nextInt(0x80);
                    case 1 -> (char) (0xD800 + random.nextInt(0x800)); // any surrogate, paired or not
                    default -> (char) random.nextInt(0x10000);
                };
            }
            assertSame(new String(chars));
        }
    }

    private static void assertSame(String s) {
        byte[] expected = s.getBytes(StandardCharsets.UTF_8);
        assertEquals(expected.length, Utf8.length(s), "length of " + s);
        byte[] out = new byte[expected.length + 2];
        assertEquals(expected.length + 1, Utf8.encode(s, out, 1), "end of " + s);
        assertArrayEquals(expected, Arrays.copyOfRange(out, 1, expected.length + 1), s);
    }
}
