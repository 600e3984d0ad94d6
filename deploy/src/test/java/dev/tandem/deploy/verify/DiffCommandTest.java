package dev.tandem.deploy.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.reconcile.chunk.VerifyRange;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code --key-range} parsing: open sides, composite values, and errors that say how to write it. */
class DiffCommandTest {

    @Test
    void readsOpenAndCompositeRanges() {
        assertEquals(new VerifyRange(List.of("10"), List.of("20")), DiffCommand.parse("10..20", List.of("id")));
        VerifyRange upTo = DiffCommand.parse("..500", List.of("id"));
        assertNull(upTo.lower());
        assertEquals(List.of("500"), upTo.upper());
        assertEquals(new VerifyRange(List.of("a-1", "3"), List.of("b-2", "1")), DiffCommand.parse("a-1,3..b-2,1", List.of("code", "n")));
        assertEquals(VerifyRange.ALL, DiffCommand.parse(null, List.of("id")));
    }

    @Test
    void wrongShapesAreRefusedWithTheFix() {
        IllegalArgumentException noDots = assertThrows(IllegalArgumentException.class, () -> DiffCommand.parse("10-20", List.of("id")));
        assertTrue(noDots.getMessage().contains("LOW..HIGH"), noDots.getMessage());
        IllegalArgumentException width = assertThrows(IllegalArgumentException.class, () -> DiffCommand.parse("1,2..3,4", List.of("id")));
        assertTrue(width.getMessage().contains("has 2 values but the key [id] has 1 columns"), width.getMessage());
    }
}
