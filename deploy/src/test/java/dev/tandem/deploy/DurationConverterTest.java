package dev.tandem.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class DurationConverterTest {

    private final DurationConverter converter = new DurationConverter();

    @Test
    void readsTheUsualUnits() {
        assertEquals(Duration.ofMillis(500), converter.convert("500ms"));
        assertEquals(Duration.ofSeconds(30), converter.convert("30s"));
        assertEquals(Duration.ofSeconds(45), converter.convert("45"));
        assertEquals(Duration.ofMinutes(2), converter.convert("2m"));
        assertEquals(Duration.ofHours(1), converter.convert(" 1H "));
    }

    @Test
    void rejectsWhatIsNotADurationAndSaysHowToWriteOne() {
        var e = assertThrows(CommandLine.TypeConversionException.class, () -> converter.convert("soon"));
        assertTrue(e.getMessage().contains("30s"), e.getMessage());
        assertThrows(CommandLine.TypeConversionException.class, () -> converter.convert("-5s"));
    }
}
