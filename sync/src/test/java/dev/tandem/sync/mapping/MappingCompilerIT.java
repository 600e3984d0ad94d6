package dev.tandem.sync.mapping;

import static dev.tandem.sync.TestDatabases.exec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.capture.PgDatabase;
import dev.tandem.sync.TestDatabases;
import java.io.StringReader;
import java.sql.Connection;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every kind of invalid mapping is reported before anything starts, with file, line, table, column and fix. */
class MappingCompilerIT {

    private static PgDatabase legacy;
    private static PgDatabase fresh;

    @BeforeAll
    static void schemas() throws Exception {
        legacy = TestDatabases.fresh("compiler_legacy");
        fresh = TestDatabases.fresh("compiler_new");
        exec(legacy, "CREATE TABLE public.product (prod_id int PRIMARY KEY, prod_name text, stock_text text, price numeric(10,2))",
                "CREATE TABLE public.nokey (id int, a text)",
                "CREATE TABLE public.product_stock (prod_id int PRIMARY KEY, qty_text text)",
                "CREATE TABLE public.pair (a int, b int, PRIMARY KEY (a, b))");
        exec(fresh, "CREATE TYPE public.stock_level AS ENUM ('none', 'some')",
                "CREATE TABLE public.product (id int PRIMARY KEY, name text, stock int, price_cents bigint, level public.stock_level)",
                "CREATE TABLE public.strict (id int PRIMARY KEY, name text, needed text NOT NULL)");
    }

    @Test
    void aValidMappingCompilesWithKeyDependenciesAndTypes() throws Exception {
        List<CompiledTable> tables = compile("""
                tables:
                  - target: public.product
                    from: public.product p
                    key:
                      id: p.prod_id
                    columns:
                      name: upper(p.prod_name)
                      stock: p.stock_text::integer
                      price_cents: (p.price * 100)::bigint
                """);
        CompiledTable t = tables.get(0);
        assertEquals(List.of("prod_id"), t.sourceKey());
        assertEquals(List.of("id"), t.targetKey());
        assertEquals(java.util.Set.of("price"), t.reads().get("price_cents"));
        assertTrue(t.isCopy("id"));
        assertTrue(!t.isCopy("name"));
    }

    @Test
    void renamesFromCodeDeriveTheKey() throws Exception {
        try (Connection l = legacy.connect("t"); Connection f = fresh.connect("t")) {
            var spec = MappingSpec.of(List.of(new TableMapping("public.product", "public.product",
                    Map.of("prod_id", "id", "prod_name", "name"))));
            // stock_text and price have no same-named target column: the NOT NULL check passes since both are nullable
            CompiledTable t = MappingCompiler.compile(spec, l, f).get(0);
            assertEquals(List.of("id"), t.targetKey());
            assertEquals("\"c\".\"prod_id\"", t.key().get("id").replace("c.", "\"c\"."));
        }
    }

    @Test
    void eachProblemIsLocatedAndExplained() {
        MappingException e = assertThrows(MappingException.class, () -> compile("""
                tables:
                  - target: public.product
                    from: public.product p
                    key:
                      id: p.prod_id + length(p.prod_name)
                    columns:
                      name: p.nope
                      stock: p.stock_text
                      price_cents: p.price * 100
                  - target: public.strict
                    from: public.product p
                    key:
                      id: p.prod_id
                    columns:
                      name: p.prod_name
                  - target: public.missing
                    from: public.product p
                    columns:
                      x: p.prod_id
                  - target: public.product
                    from: public.nokey n
                    columns:
                      id: n.id
                """));
        List<String> problems = e.problems().stream().map(MappingProblem::toString).toList();
        assertLine(problems, 5, "public.product.id", "must be computed from the source key columns [prod_id]");
        assertLine(problems, 7, "public.product.name", "column p.nope does not exist");
        assertLine(problems, 8, "public.product.stock", "is of type integer but expression is of type text; cast the expression");
        assertLine(problems, 10, "public.strict.needed", "NOT NULL column without a default is neither mapped nor defaulted");
        assertLine(problems, 16, "public.missing", "no such table in the new database");
        assertLine(problems, 20, "public.product", "public.nokey has no primary key");
        assertEquals(6, problems.size(), String.join("\n", problems));
        assertTrue(problems.get(0).startsWith("test.yaml:"), problems.get(0));
    }

    @Test
    void joinMistakesAreLocatedAndExplained() {
        MappingException e = assertThrows(MappingException.class, () -> compile("""
                tables:
                  - target: public.product
                    from: public.product p
                    join:
                      - from: public.product_stock s
                        on: { prod_id: p.prod_name }
                      - from: public.nokey n
                        on: { id: p.prod_id }
                      - from: public.absent x
                        on: { id: p.prod_id }
                      - from: public.product_stock p
                        on: { prod_id: p.prod_id }
                      - from: public.pair q
                        on: { a: p.prod_id }
                    key: { id: p.prod_id }
                    columns: { name: p.prod_name }
                  - target: public.product
                    from: public.product p
                    join:
                      - from: public.product_stock s
                        on: { prod_id: p.prod_id }
                    key: { id: p.prod_id }
                    columns:
                      stock: s.qty_text
                """));
        List<String> problems = e.problems().stream().map(MappingProblem::toString).toList();
        assertLine(problems, 6, "public.product.prod_id", "'p.prod_name' is not a key column of public.product");
        assertLine(problems, 7, "public.product", "public.nokey has no primary key");
        assertLine(problems, 9, "public.product", "joined table public.absent does not exist");
        assertLine(problems, 11, "public.product", "alias p of joined table public.product_stock is already used");
        assertLine(problems, 13, "public.product", "'on:' maps [a] but the primary key of public.pair is [a, b]");
        assertLine(problems, 24, "public.product.stock", "is of type integer but expression is of type text");
        assertEquals(6, problems.size(), String.join("\n", problems));
    }

    @Test
    void aMergedTableMustAlsoRunOnTheLegacyDatabase() {
        MappingException e = assertThrows(MappingException.class, () -> compile("""
                tables:
                  - target: public.product
                    from: public.product p
                    join:
                      - from: public.product_stock s
                        on: { prod_id: p.prod_id }
                    key: { id: p.prod_id }
                    columns:
                      level: "CASE WHEN s.qty_text::int > 0 THEN 'some' ELSE 'none' END::public.stock_level"
                """));
        List<String> problems = e.problems().stream().map(MappingProblem::toString).toList();
        assertLine(problems, 9, "public.product.level", "does not run on the legacy database, where verification joins");
        assertEquals(1, problems.size(), String.join("\n", problems));
    }

    @Test
    void aMergedTableCompilesWithItsJoins() throws Exception {
        CompiledTable t = compile("""
                tables:
                  - target: public.product
                    from: public.product p
                    join:
                      - from: public.product_stock s
                        on: { prod_id: p.prod_id }
                    key: { id: p.prod_id }
                    columns:
                      stock: s.qty_text::integer
                """).get(0);
        assertTrue(t.merged());
        assertEquals(List.of("public.product", "public.product_stock"), t.sources());
        assertEquals(Map.of("prod_id", "prod_id"), t.joins().get(0).mainKeyOf());
    }

    @Test
    void theReverseProjectionIsCheckedInTheLegacyDatabase() {
        MappingException e = assertThrows(MappingException.class, () -> compile("""
                tables:
                  - target: public.product
                    from: public.product p
                    key:
                      id: p.prod_id
                    columns:
                      name: p.prod_name
                    reverse:
                      columns:
                        prod_id: n.id
                        prod_name: n.nme
                        price: n.name
                        colour: n.name
                """));
        List<String> problems = e.problems().stream().map(MappingProblem::toString).toList();
        assertLine(problems, 11, "public.product.prod_name", "column n.nme does not exist");
        assertLine(problems, 11, "public.product.prod_name", "reverse expressions read the new row");
        assertLine(problems, 12, "public.product.price", "is of type numeric but expression is of type text");
        assertLine(problems, 13, "public.product.colour", "no such column in public.product");
        assertEquals(3, problems.size(), String.join("\n", problems));
    }

    @Test
    void anUnloggedLegacyTableIsRefusedWithTheFix() throws Exception {
        exec(legacy, "CREATE UNLOGGED TABLE public.scratch (prod_id int PRIMARY KEY, prod_name text)");
        MappingException e = assertThrows(MappingException.class, () -> compile("""
                tables:
                  - target: public.product
                    from: public.scratch p
                    key: { id: p.prod_id }
                    columns: { name: p.prod_name }
                """));
        List<String> problems = e.problems().stream().map(MappingProblem::toString).toList();
        assertLine(problems, 2, "public.product", "public.scratch is UNLOGGED");
        assertTrue(problems.get(0).contains("ALTER TABLE \"public\".\"scratch\" SET LOGGED"), problems.toString());
    }

    @Test
    void structuralMistakesAreReportedWithTheirLine() {
        MappingException e = assertThrows(MappingException.class, () -> MappingParser.parse("bad.yaml", new StringReader("""
                tables:
                  - target: public.product
                    form: public.product p
                    columns:
                      name:
                """)));
        List<String> problems = e.problems().stream().map(MappingProblem::toString).toList();
        assertLine(problems, 3, "public.product", "unknown field 'form'");
        assertLine(problems, 2, "public.product", "no 'from:'");
        assertLine(problems, 5, "public.product.name", "has no SQL expression");
    }

    private static void assertLine(List<String> problems, int line, String where, String text) {
        String prefix = ":" + line + ": " + where;
        assertTrue(problems.stream().anyMatch(p -> p.contains(prefix) && p.contains(text)),
                "expected a problem at line " + line + " for " + where + " containing '" + text + "' in:\n"
                        + String.join("\n", problems));
    }

    private static List<CompiledTable> compile(String yaml) throws Exception {
        MappingSpec spec = MappingParser.parse("test.yaml", new StringReader(yaml));
        try (Connection l = legacy.connect("t"); Connection f = fresh.connect("t")) {
            return MappingCompiler.compile(spec, l, f);
        }
    }
}
