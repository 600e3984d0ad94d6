package dev.tandem.sync.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tandem.sync.mapping.ArrayBinding;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class TextArraysTest {

    @Test
    void theLiteralQuotesEveryElementAndEscapesQuotesAndBackslashes() {
        String[] values = {"a", null, "", "say \"hi\"", "\\x00ff", "é€\uD83D\uDE00", "NULL", "{,}"};
        String expected = "{\"a\",NULL,\"\",\"say \\\"hi\\\"\",\"\\\\x00ff\",\"é€\uD83D\uDE00\",\"NULL\",\"{,}\"}";
        assertEquals(expected, new String(TextArrays.utf8Literal(values), StandardCharsets.UTF_8));
    }

    @Test
    void anEmptyArrayIsBraces() {
        assertEquals("{}", new String(TextArrays.utf8Literal(new String[0]), StandardCharsets.UTF_8));
    }

    @Test
    void valuesOfAMegabyteOrMoreInAStatementAreBoundAsBytes() {
        String half = "x".repeat((int) TextArrays.BYTES_FROM_CHARS / 2);
        assertEquals(ArrayBinding.TEXT, TextArrays.bindingFor(new String[][] {{half, null}, {"1", "2"}}));
        assertEquals(ArrayBinding.UTF8_BYTES, TextArrays.bindingFor(new String[][] {{half, half}, {"1", "2"}}));
    }
}
