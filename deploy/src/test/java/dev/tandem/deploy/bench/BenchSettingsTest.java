package dev.tandem.deploy.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.deploy.bench.BenchSettings.Part;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The bench's part names as the command line gives them and as the report labels them. */
class BenchSettingsTest {

    @Test
    void largeTxIsNamedWithAHyphenOnTheCommandLineAndInTheReport() {
        assertEquals(Set.of(Part.LARGE_TX, Part.SYNC), Part.parse(List.of("large-tx", " SYNC ")));
        assertEquals("large-tx", Part.LARGE_TX.label());
    }

    @Test
    void everyPartIsListedInTheNamesAnErrorOffers() {
        for (Part part : Part.values()) {
            assertTrue(Part.NAMES.contains(part.label()), part.label() + " missing from " + Part.NAMES);
            assertEquals(Set.of(part), Part.parse(List.of(part.label())));
        }
    }

    @Test
    void anUnknownPartIsRefusedWithTheChoices() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Part.parse(List.of("large_tx2")));
        assertTrue(e.getMessage().contains("large-tx"), e.getMessage());
    }
}
