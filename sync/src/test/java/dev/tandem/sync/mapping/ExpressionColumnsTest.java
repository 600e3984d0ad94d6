package dev.tandem.sync.mapping;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Set;
import org.junit.jupiter.api.Test;

/** Column references in expressions over weird names: quoted, reserved, non-ASCII, and a column named like the alias. */
class ExpressionColumnsTest {

    private static final Set<String> COLUMNS = Set.of("c", "select", "Ünïcode col", "we\"ird.name", "Order", "Ünïcode", "name");

    @Test
    void quotedAndNonAsciiColumnsAreFound() {
        assertEquals(Set.of("select", "Ünïcode col", "we\"ird.name"), ExpressionColumns.referenced(
                "c.\"select\" || c.\"Ünïcode col\" || c.\"we\"\"ird.name\"", "c", COLUMNS));
        assertEquals(Set.of("Order"), ExpressionColumns.referenced("upper(c.\"Order\")", "c", COLUMNS));
        assertEquals(Set.of("Ünïcode"), ExpressionColumns.referenced("c.Ünïcode", "c", COLUMNS), "non-ASCII is not folded");
        assertEquals(Set.of("name"), ExpressionColumns.referenced("c.NAME", "c", COLUMNS), "ASCII is folded");
    }

    @Test
    void aColumnNamedLikeTheAliasIsStillAColumn() {
        assertEquals(Set.of("c"), ExpressionColumns.referenced("c.c + 1", "c", COLUMNS));
        assertEquals(Set.of("c"), ExpressionColumns.referenced("c.\"c\"", "c", COLUMNS));
        assertEquals(Set.of(), ExpressionColumns.referenced("'c.c' -- c.c", "c", COLUMNS));
    }
}
