package dev.tandem.capture.debezium;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.capture.SqlIdentifiers;
import io.debezium.util.Strings;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Debezium's schema filter, read the way Debezium reads it, matches each captured table's schema and nothing else. */
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
}
