package dev.tandem.sync.backfill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class CopyRangeTest {

    @Test
    void compositeBoundsAreRowComparisonsOfHexEncodedValues() {
        Chunk chunk = new Chunk("s.t", 1, List.of("7", "it's"), List.of("9", "x"), 10);
        String predicate = CopyRange.predicate(List.of("tenant", "na\"me"), List.of("integer", "text"), chunk);
        assertEquals("ROW(\"tenant\", \"na\"\"me\") >= ROW((convert_from(decode('37', 'hex'), 'UTF8'))::integer, "
                + "(convert_from(decode('69742773', 'hex'), 'UTF8'))::text) AND ROW(\"tenant\", \"na\"\"me\") < "
                + "ROW((convert_from(decode('39', 'hex'), 'UTF8'))::integer, (convert_from(decode('78', 'hex'), 'UTF8'))::text)",
                predicate);
        assertFalse(predicate.contains("it's"), "a value is never spliced in as written");
    }

    @Test
    void openEndsAndSingleColumns() {
        assertEquals("true", CopyRange.predicate(List.of("id"), List.of("uuid"), new Chunk("s.t", 0, null, null, 1)));
        assertEquals("\"id\" < (convert_from(decode('35', 'hex'), 'UTF8'))::bigint",
                CopyRange.predicate(List.of("id"), List.of("bigint"), new Chunk("s.t", 0, null, List.of("5"), 1)));
    }

    @Test
    void aBoundOfTheWrongWidthIsRefused() {
        assertThrows(IllegalArgumentException.class,
                () -> CopyRange.predicate(List.of("a", "b"), List.of("int", "int"), new Chunk("s.t", 0, List.of("1"), null, 1)));
    }
}
