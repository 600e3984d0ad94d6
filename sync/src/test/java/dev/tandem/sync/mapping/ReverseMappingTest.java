package dev.tandem.sync.mapping;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringReader;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReverseMappingTest {

    private static final String SPLIT = """
            tables:
              - target: app.customer
                from: legacy.customer c
                key: { id: c.id }
                columns: { name: c.name }
                reverse:
                  columns: { id: n.id, name: n.name }
              - target: app.contact
                from: legacy.customer x
                key: { customer_id: x.id }
                columns: { email: x.email }
                reverse:
                  columns: { id: n.customer_id, email: "lower(n.email) || 'n.'" }
            """;

    @Test
    void aSplitComesBackAsAMergeJoinedOnTheKeyFromTheSameLegacyColumns() throws Exception {
        MappingSpec reverse = ReverseMapping.of(MappingParser.parse("split.yaml", new StringReader(SPLIT)));
        assertEquals(1, reverse.tables().size(), "one legacy table");
        TableSpec merged = reverse.tables().get(0);
        assertEquals("legacy.customer", merged.target());
        assertEquals("app.customer", merged.source(), "the first new table in the file is the main one");
        JoinSpec join = merged.joins().get(0);
        assertEquals("app.contact", join.source());
        assertEquals("n2", join.alias(), "the joined part's reverse alias is renamed where it collides");
        assertEquals(Map.of("customer_id", "n.id"), join.on());
        assertEquals(List.of("id", "name", "email"), List.copyOf(merged.columns().keySet()),
                "the key copied back by both parts is written once, from the main part");
        assertEquals("lower(n2.email) || 'n.'", merged.columns().get("email"), "renamed outside string literals only");
    }

    @Test
    void aSplitThatCannotBeJoinedBackIsRefusedWithTheFix() {
        String unkeyed = SPLIT.replace("key: { customer_id: x.id }", "key: { customer_id: x.email }");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ReverseMapping.of(MappingParser.parse("split.yaml", new StringReader(unkeyed))));
        assertTrue(e.getMessage().contains("app.contact.customer_id (x.email) matches no key column of app.customer"),
                e.getMessage());

        String twice = SPLIT.replace("columns: { id: n.id, name: n.name }", "columns: { id: n.id, name: n.name, email: n.name }");
        e = assertThrows(IllegalArgumentException.class,
                () -> ReverseMapping.of(MappingParser.parse("split.yaml", new StringReader(twice))));
        assertTrue(e.getMessage().contains("legacy.customer.email is written back from both app.customer and app.contact"),
                e.getMessage());
    }
}
