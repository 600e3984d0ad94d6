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

/** Debezium's table filter, read the way Debezium reads it, matches each captured table and nothing else. */
class ConnectorPropertiesTest {

    @Test
    void includeListMatchesWeirdNamesExactly() {
        List<String[]> tables = List.of(new String[] {"legacy", "Order"}, new String[] {"we.ird", "ta,ble"},
                new String[] {"Lëgacy \"src\"", "a+b(c)*"}, new String[] {"s", "has space"});
        String list = ConnectorProperties.includeList(tables.stream().map(t -> SqlIdentifiers.qualified(t[0], t[1])).toList());
        Set<Pattern> patterns = Strings.setOfRegex(list, Pattern.CASE_INSENSITIVE);
        assertEquals(tables.size(), patterns.size(), "one pattern per table: " + list);
        for (String[] t : tables) {
            String id = t[0] + "." + t[1];
            assertTrue(patterns.stream().anyMatch(p -> p.matcher(id).matches()), id + " is captured by " + list);
        }
        for (String other : List.of("legacyXOrder", "weXird.ta,ble", "we.ird.ta", "s.has  space", "legacy.Orders")) {
            assertFalse(patterns.stream().anyMatch(p -> p.matcher(other).matches()), other + " is not captured by " + list);
        }
    }
}
