package dev.tandem.capture.debezium;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.capture.CaptureConfig;
import dev.tandem.capture.PgDatabase;
import dev.tandem.capture.SqlIdentifiers;
import io.debezium.spi.converter.CustomConverter;
import io.debezium.util.Strings;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Debezium's schema filter, read the way Debezium reads it, matches each captured table's schema and nothing else; the
 * connector runs tandem's value converter.
 */
class ConnectorPropertiesTest {

    @Test
    void includeListMatchesWeirdSchemaNamesExactly() {
        List<String[]> tables = List.of(new String[] {"legacy", "Order"}, new String[] {"legacy", "other"},
                new String[] {"we.ird", "ta,ble"}, new String[] {"Lëgacy \"src\"", "a+b(c)*"}, new String[] {"s p", "t"});
        String list = ConnectorProperties.includeList(tables.stream().map(t -> SqlIdentifiers.qualified(t[0], t[1])).toList());
        Set<Pattern> patterns = Strings.setOfRegex(list, Pattern.CASE_INSENSITIVE);
        assertEquals(4, patterns.size(), "one pattern per schema: " + list);
        for (String[] t : tables) {
            assertTrue(patterns.stream().anyMatch(p -> p.matcher(t[0]).matches()), t[0] + " is captured by " + list);
        }
        for (String other : List.of("legacyX", "weXird", "we.ird.ta", "s  p", "legacy.Order", "Lëgacy")) {
            assertFalse(patterns.stream().anyMatch(p -> p.matcher(other).matches()), other + " is not captured by " + list);
        }
    }

    @Test
    void theConnectorRunsTandemsTextConverter() throws Exception {
        Properties p = ConnectorProperties.of(new CaptureConfig("m", new PgDatabase("127.0.0.1", 5432, "db", "u", "pw"),
                List.of("legacy.item"), "127.0.0.1:9092"));
        assertEquals(PgTextConverter.NAME, p.getProperty("converters"));
        Class<?> type = Class.forName(p.getProperty(PgTextConverter.NAME + ".type"));
        assertTrue(CustomConverter.class.isAssignableFrom(type), type + " is a Debezium converter");
        assertEquals(PgTextConverter.class, type);
    }
}
