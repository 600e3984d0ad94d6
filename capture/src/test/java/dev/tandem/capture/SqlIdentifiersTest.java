package dev.tandem.capture;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The qualified-name syntax: plain parts, quoted parts with dots, quotes and spaces, and the canonical form. */
class SqlIdentifiersTest {

    @Test
    void plainNamesSplitAtTheDotAndKeepTheirCase() {
        assertArrayEquals(new String[] {"app", "Order"}, SqlIdentifiers.parts("app.Order"));
        assertEquals("\"app\".\"Order\"", SqlIdentifiers.quoteQualified("app.Order"));
        assertArrayEquals(new String[] {"Lëgacy", "Ünïcode"}, SqlIdentifiers.parts("Lëgacy.Ünïcode"));
    }

    @Test
    void quotedPartsMayHoldDotsQuotesAndSpaces() {
        assertArrayEquals(new String[] {"we.ird", "ta\"ble x"}, SqlIdentifiers.parts("\"we.ird\".\"ta\"\"ble x\""));
        assertEquals("\"we.ird\".\"ta\"\"ble x\"", SqlIdentifiers.quoteQualified("\"we.ird\".\"ta\"\"ble x\""));
        assertArrayEquals(new String[] {"app", "select"}, SqlIdentifiers.parts("\"app\".select"));
    }

    @Test
    void theCanonicalFormQuotesOnlyWhereNeededAndReadsBack() {
        List<String[]> names = List.of(new String[] {"app", "Order"}, new String[] {"we.ird", "has space"},
                new String[] {"a\"b", "c"}, new String[] {"日本", "x$1"}, new String[] {"s", "."});
        for (String[] name : names) {
            String text = SqlIdentifiers.qualified(name[0], name[1]);
            assertArrayEquals(name, SqlIdentifiers.parts(text), text);
        }
        assertEquals("app.Order", SqlIdentifiers.canonical("\"app\".\"Order\""));
        assertEquals("\"we.ird\".\"has space\"", SqlIdentifiers.qualified("we.ird", "has space"));
    }

    @Test
    void malformedNamesAreRefusedWithTheSyntax() {
        for (String bad : List.of("nodot", "a.b.c", ".b", "a.", "\"open.b", "\"a\"x.b", "a\"b.c", "\"\".b")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SqlIdentifiers.parts(bad), bad);
            assertTrue(e.getMessage().contains("schema.table") && e.getMessage().contains(bad), e.getMessage());
        }
    }
}
