package dev.tandem.sync.apply;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tandem.sync.mapping.ArrayBinding;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class TextArraysTest {

    @Test
    void theLiteralQuotesEveryElementAndEscapesQuotesAndBackslashes() throws Exception {
        String[] values = {"a", null, "", "say \"hi\"", "\\x00ff", "é€\uD83D\uDE00", "NULL", "{,}", "\uD800 alone"};
        String expected = "{\"a\",NULL,\"\",\"say \\\"hi\\\"\",\"\\\\x00ff\",\"é€\uD83D\uDE00\",\"NULL\",\"{,}\",\"? alone\"}";
        for (int chunk : new int[] {1, 3, 7, 4096}) {
            byte[] read = readAll(new TextArrayLiteral(values), chunk);
            assertEquals(expected, new String(read, StandardCharsets.UTF_8), "read " + chunk + " bytes at a time");
            assertEquals(TextArrays.literalLength(values), read.length);
        }
    }

    @Test
    void anEmptyArrayIsBraces() throws Exception {
        assertEquals("{}", new String(readAll(new TextArrayLiteral(new String[0]), 16), StandardCharsets.UTF_8));
        assertEquals(2, TextArrays.literalLength(new String[0]));
    }

    @Test
    void aLargeValueStreamsByteForByteAsItsEncoding() throws Exception {
        String large = "\\x" + "0123456789abcdef\"é".repeat(100_000);
        String[] values = {large, "b"};
        String expected = "{\"" + large.replace("\\", "\\\\").replace("\"", "\\\"") + "\",\"b\"}";
        byte[] read = readAll(new TextArrayLiteral(values), 65536);
        assertArrayEquals(expected.getBytes(StandardCharsets.UTF_8), read);
        assertEquals(TextArrays.literalLength(values), read.length);
    }

    @Test
    void valuesOfAMegabyteOrMoreInAStatementAreBoundAsBytes() {
        String half = "x".repeat((int) TextArrays.BYTES_FROM_CHARS / 2);
        assertEquals(ArrayBinding.TEXT, TextArrays.bindingFor(new String[][] {{half, null}, {"1", "2"}}));
        assertEquals(ArrayBinding.UTF8_BYTES, TextArrays.bindingFor(new String[][] {{half, half}, {"1", "2"}}));
    }

    private static byte[] readAll(InputStream in, int chunk) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[chunk];
        for (int n; (n = in.read(buffer, 0, chunk)) != -1; ) {
            out.write(buffer, 0, n);
        }
        return out.toByteArray();
    }
}
