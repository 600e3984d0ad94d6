package dev.tandem.sync.mapping;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringReader;
import org.junit.jupiter.api.Test;

/** Table names in a mapping: quoted parts with dots, quotes, spaces and non-ASCII letters are read to canonical names. */
class MappingParserNamesTest {

    @Test
    void quotedPartsAreReadAndCanonicalized() {
        MappingSpec spec = MappingParser.parse("names.yaml", new StringReader("""
                tables:
                  - target: '"app"."Order"'
                    from: '"we.ird"."has space" AS ü'
                    copy_same_named: true
                    reverse: { target: '"we.ird"."ta""ble"' }
                  - target: Nëw.Ünïcode
                    from: Lëgacy.Ünïcode
                    copy_same_named: true
                """));
        TableSpec first = spec.tables().get(0);
        assertEquals("app.Order", first.target());
        assertEquals("\"we.ird\".\"has space\"", first.source());
        assertEquals("ü", first.alias());
        assertEquals("\"we.ird\".\"ta\"\"ble\"", first.reverse().target());
        TableSpec second = spec.tables().get(1);
        assertEquals("Nëw.Ünïcode", second.target());
        assertEquals("Ünïcode", second.alias());
    }

    @Test
    void anUnquotedDotIsRefusedWithTheQuotingHint() {
        MappingException e = assertThrows(MappingException.class, () -> MappingParser.parse("bad.yaml", new StringReader("""
                tables:
                  - target: app.we.ird
                    from: legacy.t
                    copy_same_named: true
                """)));
        assertTrue(e.getMessage().contains("is not schema.table") && e.getMessage().contains("double quotes"), e.getMessage());
    }
}
