package dev.tandem.reconcile.full;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.capture.PgDatabase;
import dev.tandem.embedded.SharedTestStack;
import dev.tandem.sync.mapping.CompiledTable;
import dev.tandem.sync.mapping.MappingCompiler;
import dev.tandem.sync.mapping.MappingSpec;
import dev.tandem.sync.mapping.TableMapping;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The full comparison finds a changed value, a missing row and a trailing space, and agrees on equal tables. */
class FullComparatorIT {

    private static PgDatabase legacy;
    private static PgDatabase fresh;
    private static List<CompiledTable> tables;

    @BeforeAll
    static void databases() throws SQLException {
        legacy = database("full_cmp_legacy");
        fresh = database("full_cmp_new");
        exec(legacy, "CREATE TABLE public.t (id int PRIMARY KEY, name text, amount numeric(8,2))");
        exec(fresh, "CREATE TABLE public.n (nid int PRIMARY KEY, name text, amount numeric(8,2))");
        try (Connection l = legacy.connect("test"); Connection f = fresh.connect("test")) {
            tables = MappingCompiler.compile(MappingSpec.of(List.of(new TableMapping("public.t", "public.n", Map.of("id", "nid")))), l, f);
        }
    }

    @Test
    void equalTablesAreConsistentAndEachKindOfDifferenceIsNot() throws SQLException {
        exec(legacy, "TRUNCATE public.t", "INSERT INTO public.t VALUES (1, 'a', 1.50), (2, 'b', NULL)");
        exec(fresh, "TRUNCATE public.n", "INSERT INTO public.n VALUES (1, 'a', 1.50), (2, 'b', NULL)");
        TableComparison equal = compare();
        assertTrue(equal.consistent());
        assertEquals(2, equal.legacy().rows());

        exec(fresh, "UPDATE public.n SET amount = 1.51 WHERE nid = 1");
        assertFalse(compare().consistent(), "changed value");
        exec(fresh, "UPDATE public.n SET amount = 1.50 WHERE nid = 1", "UPDATE public.n SET name = 'b ' WHERE nid = 2");
        assertFalse(compare().consistent(), "trailing space");
        exec(fresh, "UPDATE public.n SET name = 'b' WHERE nid = 2", "DELETE FROM public.n WHERE nid = 2");
        TableComparison missing = compare();
        assertFalse(missing.consistent(), "missing row");
        assertEquals(1, missing.newDb().rows());
    }

    private static TableComparison compare() throws SQLException {
        return new FullComparator(legacy, fresh).compare(tables).get(0);
    }

    private static PgDatabase database(String name) {
        SharedTestStack.get().postgres().createDatabase(name);
        return new PgDatabase("127.0.0.1", SharedTestStack.get().postgres().port(), name, "postgres", "");
    }

    private static void exec(PgDatabase db, String... sql) throws SQLException {
        try (Connection c = db.connect("test"); Statement st = c.createStatement()) {
            for (String s : sql) {
                st.execute(s);
            }
        }
    }
}
