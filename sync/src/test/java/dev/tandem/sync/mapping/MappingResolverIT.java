package dev.tandem.sync.mapping;

import static dev.tandem.sync.TestDatabases.exec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.capture.PgDatabase;
import dev.tandem.sync.TestDatabases;
import java.sql.Connection;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Mappings are checked against the real catalogs; each misfit names the table, the column and the fix. */
class MappingResolverIT {

    private static PgDatabase legacy;
    private static PgDatabase fresh;

    @BeforeAll
    static void schemas() throws Exception {
        legacy = TestDatabases.fresh("resolver_legacy");
        fresh = TestDatabases.fresh("resolver_new");
        exec(legacy, "CREATE TABLE public.src (id int PRIMARY KEY, a text, b int)",
                "CREATE TABLE public.nokey (id int, a text)");
        exec(fresh, "CREATE TABLE public.dst (nid int PRIMARY KEY, a text, b int, extra text DEFAULT 'x')",
                "CREATE TABLE public.strict (nid int PRIMARY KEY, a text, b int, needed text NOT NULL)",
                "CREATE TABLE public.narrow (nid int PRIMARY KEY, a text)");
    }

    @Test
    void aFittingMappingResolvesColumnsTypesAndKey() throws Exception {
        ResolvedTable t = resolve(new TableMapping("public.src", "public.dst", Map.of("id", "nid")));
        assertEquals(List.of("id"), t.sourceKey());
        assertEquals(List.of("nid"), t.targetKey());
        assertEquals("integer", t.targetTypes().get("b"));
        assertEquals(List.of("nid", "a", "b"), List.copyOf(t.columns().values()));
    }

    @Test
    void eachMisfitIsNamedWithItsFix() {
        assertMessage(new TableMapping("public.missing", "public.dst", Map.of()), "public.missing: no such table");
        assertMessage(new TableMapping("public.src", "public.nowhere", Map.of()), "public.nowhere: no such table");
        assertMessage(new TableMapping("public.src", "public.dst", Map.of("id", "nid", "zz", "q")), "public.src.zz: rename");
        assertMessage(new TableMapping("public.src", "public.narrow", Map.of("id", "nid")), "public.narrow.b: target column missing");
        assertMessage(new TableMapping("public.src", "public.strict", Map.of("id", "nid")), "public.strict.needed: NOT NULL");
        assertMessage(new TableMapping("public.nokey", "public.narrow", Map.of("id", "nid")), "public.nokey: has no primary key");
        assertMessage(new TableMapping("public.src", "public.dst", Map.of()), "public.dst.id: target column missing");
    }

    private static void assertMessage(TableMapping mapping, String expectedStart) {
        MappingException e = assertThrows(MappingException.class, () -> resolve(mapping));
        assertTrue(e.getMessage().startsWith(expectedStart), e.getMessage());
    }

    private static ResolvedTable resolve(TableMapping mapping) throws Exception {
        try (Connection l = legacy.connect("test"); Connection f = fresh.connect("test")) {
            return MappingResolver.resolve(mapping, l, f);
        }
    }
}
