package dev.tandem.reconcile.chunk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Range and key-set predicates: row-value comparisons, text under COLLATE "C", one parameter per bound value. */
class KeySqlTest {

    private final KeySql key = new KeySql(List.of("t.\"code\"", "t.\"n\""), List.of("text", "integer"), List.of(true, false));

    @Test
    void rangesCompareRowValuesWithTextInByteOrder() {
        assertEquals("(t.\"code\" COLLATE \"C\", t.\"n\") > (?::text COLLATE \"C\", ?::integer) AND "
                        + "(t.\"code\" COLLATE \"C\", t.\"n\") <= (?::text COLLATE \"C\", ?::integer)",
                key.predicate(new VerifyRange(List.of("a", "1"), List.of("b", "2"))));
        assertEquals("(t.\"code\" COLLATE \"C\", t.\"n\") <= (?::text COLLATE \"C\", ?::integer)",
                key.predicate(new VerifyRange(null, List.of("b", "2"))));
        assertEquals("true", key.predicate(VerifyRange.ALL));
        assertEquals("t.\"code\" COLLATE \"C\", t.\"n\"", key.orderBy());
    }

    @Test
    void keySetsAreOneTextArrayPerColumnCastToTheKeyTypes() {
        assertEquals("(t.\"code\", t.\"n\") IN (SELECT u.k0::text, u.k1::integer FROM unnest(?::text[], ?::text[]) AS u(k0, k1))",
                key.inPredicate());
    }

    @Test
    void mismatchedShapesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new KeySql(List.of("a"), List.of("int", "int"), List.of(false)));
    }
}
