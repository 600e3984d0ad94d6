package dev.tandem.reconcile;

import static dev.tandem.reconcile.ReconcileFixture.described;
import static dev.tandem.reconcile.ReconcileFixture.exec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.capture.PgDatabase;
import dev.tandem.reconcile.chunk.VerifyRange;
import dev.tandem.reconcile.repair.RepairReport;
import dev.tandem.reconcile.repair.Repairer;
import dev.tandem.sync.fence.SyncFence;
import dev.tandem.sync.mapping.CompiledTable;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Each kind of injected drift is reported with exactly the right keys and columns, for integer, composite
 * (text + int), uuid and computed text keys, in pushdown and staged mode; equal tables are consistent.
 */
class DriftMatrixIT {

    static final String MAPPING = """
            tables:
              - target: app.items
                from: legacy.items i
                key: { item_id: i.id }
                columns: { title: i.name, note: i.note, amount: i.amount }
                filter: i.active
              - target: app.lines
                from: legacy.lines l
                key: { order_code: l.code, line_no: l.line_no }
                columns: { qty: l.qty }
              - target: app.docs
                from: legacy.docs d
                key: { doc_id: d.id }
                columns: { body: d.body }
              - target: app.people
                from: legacy.people p
                key: { id: p.id }
                columns: { mood: p.mood::app.mood }
              - target: app.codes
                from: legacy.codes c
                key: { code: "'C-' || c.id" }
                columns: { val: c.val }
            """;

    static PgDatabase legacy;
    static PgDatabase target;
    static List<CompiledTable> tables;

    @BeforeAll
    static void databases() throws SQLException {
        legacy = ReconcileFixture.fresh("rc_matrix_legacy");
        target = ReconcileFixture.fresh("rc_matrix_new");
        exec(legacy, "CREATE SCHEMA legacy",
                "CREATE TABLE legacy.items (id int PRIMARY KEY, name text, note text, amount numeric(8,2), active boolean NOT NULL)",
                "INSERT INTO legacy.items SELECT g, 'name' || g, CASE WHEN g % 7 = 0 THEN NULL ELSE 'note ' || g END, g * 1.25, g % 11 <> 0 "
                        + "FROM generate_series(1, 6000) g",
                "CREATE TABLE legacy.lines (code text, line_no int, qty int, PRIMARY KEY (code, line_no))",
                "INSERT INTO legacy.lines SELECT c, n, n * 3 FROM unnest(ARRAY['a-1','B-7','b-2','Z','a-3','é-9']) c, generate_series(1, 300) n",
                "CREATE TABLE legacy.docs (id uuid PRIMARY KEY, body text)",
                "INSERT INTO legacy.docs SELECT md5(g::text)::uuid, 'body ' || g FROM generate_series(1, 3000) g",
                "CREATE TABLE legacy.people (id int PRIMARY KEY, mood text)",
                "INSERT INTO legacy.people SELECT g, (ARRAY['happy','sad'])[1 + g % 2] FROM generate_series(1, 500) g",
                "CREATE TABLE legacy.codes (id int PRIMARY KEY, val text)",
                "INSERT INTO legacy.codes SELECT g, 'v' || g FROM generate_series(1, 400) g");
        exec(target, "CREATE SCHEMA app", "CREATE TYPE app.mood AS ENUM ('happy', 'sad')",
                "CREATE TABLE app.items (item_id int PRIMARY KEY, title text, note text, amount numeric(8,2))",
                "INSERT INTO app.items SELECT g, 'name' || g, CASE WHEN g % 7 = 0 THEN NULL ELSE 'note ' || g END, g * 1.25 "
                        + "FROM generate_series(1, 6000) g WHERE g % 11 <> 0",
                "CREATE TABLE app.lines (order_code text, line_no int, qty int, PRIMARY KEY (order_code, line_no))",
                "INSERT INTO app.lines SELECT c, n, n * 3 FROM unnest(ARRAY['a-1','B-7','b-2','Z','a-3','é-9']) c, generate_series(1, 300) n",
                "CREATE TABLE app.docs (doc_id uuid PRIMARY KEY, body text)",
                "INSERT INTO app.docs SELECT md5(g::text)::uuid, 'body ' || g FROM generate_series(1, 3000) g",
                "CREATE TABLE app.people (id int PRIMARY KEY, mood app.mood)",
                "INSERT INTO app.people SELECT g, ((ARRAY['happy','sad'])[1 + g % 2])::app.mood FROM generate_series(1, 500) g",
                "CREATE TABLE app.codes (code text PRIMARY KEY, val text)",
                "INSERT INTO app.codes SELECT 'C-' || g, 'v' || g FROM generate_series(1, 400) g");
        tables = ReconcileFixture.compile(MAPPING, legacy, target);
    }

    static Reconciler reconciler(String migration) {
        ReconcileSettings settings = new ReconcileSettings(java.time.Duration.ofMillis(500), 700, 2_000, 2, 2,
                java.time.Duration.ofSeconds(10), 40, 100, 1000, java.time.Duration.ZERO);
        return new Reconciler(migration, legacy, target, tables, settings, SyncFence.NONE);
    }

    @Test
    void everyInjectedDifferenceIsReportedWithExactlyItsKeys() throws Exception {
        PassReport clean = reconciler("matrix").verifyPass();
        assertTrue(clean.consistent(), () -> "equal tables: " + clean);
        Map<String, TableReport> cleanTables = byTable(clean);
        assertEquals(6000 - 6000 / 11, cleanTables.get("app.items").rowsCompared());
        assertTrue(cleanTables.get("app.items").chunks() > 3, "app.items is split into chunks");
        assertEquals("pushdown", cleanTables.get("app.items").mode());
        assertEquals("staged", cleanTables.get("app.people").mode(), "the enum type exists only in the target");
        assertTrue(Reconciler.lastCleanPass(target.connect("test"), "matrix").isPresent());

        exec(target, "UPDATE app.items SET amount = amount + 0.01 WHERE item_id = 10",
                "DELETE FROM app.items WHERE item_id = 20",
                "INSERT INTO app.items VALUES (100000, 'rogue', NULL, 1)",
                "UPDATE app.items SET title = 'name40 ' WHERE item_id = 40",
                "UPDATE app.items SET title = 'rogue', amount = 0 WHERE item_id = 60",
                "UPDATE app.lines SET qty = 0 WHERE order_code = 'a-3' AND line_no = 1",
                "DELETE FROM app.lines WHERE order_code = 'B-7' AND line_no = 2",
                "INSERT INTO app.docs VALUES ('00000000-0000-0000-0000-000000000001', 'extra')",
                "UPDATE app.docs SET body = 'changed' WHERE doc_id = md5('17')::uuid",
                "UPDATE app.people SET mood = 'happy' WHERE id = 9",
                "UPDATE app.codes SET val = 'x' WHERE code = 'C-5'",
                "INSERT INTO app.codes VALUES ('C-9999', 'extra')");
        exec(legacy, "UPDATE legacy.items SET note = NULL WHERE id = 30",
                "UPDATE legacy.items SET name = U&'caf\\00E9' WHERE id = 50",
                "UPDATE legacy.items SET active = false WHERE id = 70",
                // 2.5 MB with quotes, backslashes and a two-byte character: its repair binds the streamed literal
                "UPDATE legacy.docs SET body = repeat('a\"b\\c', 500000) || 'é' WHERE id = md5('1')::uuid");
        exec(target, "UPDATE app.items SET note = '' WHERE item_id = 30",
                "UPDATE app.items SET title = U&'cafe\\0301' WHERE item_id = 50");

        PassReport drifted = reconciler("matrix").verifyPass();
        assertFalse(drifted.consistent());
        Map<String, TableReport> t = byTable(drifted);
        assertEquals(Set.of("DIFFERENT [10] [amount]", "MISSING [20] []", "EXTRA [100000] []", "DIFFERENT [30] [note]",
                "DIFFERENT [40] [title]", "DIFFERENT [50] [title]", "DIFFERENT [60] [title, amount]", "EXTRA [70] []"),
                described(t.get("app.items").drift()));
        assertEquals(Set.of("DIFFERENT [a-3, 1] [qty]", "MISSING [B-7, 2] []"), described(t.get("app.lines").drift()));
        assertEquals(Set.of("EXTRA [00000000-0000-0000-0000-000000000001] []", "DIFFERENT [" + md5Uuid("17") + "] [body]",
                        "DIFFERENT [" + md5Uuid("1") + "] [body]"),
                described(t.get("app.docs").drift()));
        assertEquals(Set.of("DIFFERENT [9] [mood]"), described(t.get("app.people").drift()));
        assertEquals(Set.of("DIFFERENT [C-5] [val]", "EXTRA [C-9999] []"), described(t.get("app.codes").drift()));
        assertEquals(List.of("5"), t.get("app.codes").drift().stream().filter(d -> d.kind() == RowDrift.Kind.DIFFERENT)
                .findFirst().orElseThrow().sourceKey(), "the source key of a computed-key row is reported");

        TableReport range = reconciler("matrix").diff("app.items", new VerifyRange(List.of("25"), List.of("55")));
        assertEquals(Set.of("DIFFERENT [30] [note]", "DIFFERENT [40] [title]", "DIFFERENT [50] [title]"), described(range.drift()));

        CompiledTable items = reconciler("matrix").table("app.items");
        List<RowDrift> keys = reconciler("matrix").verifyKeys(items, List.of(List.of("10"), List.of("11"), List.of("20"), List.of("70")));
        assertEquals(Set.of("DIFFERENT [10] [amount]", "MISSING [20] []", "EXTRA [70] []"), described(keys));
        exec(legacy, "DELETE FROM legacy.items WHERE id = 12");
        assertEquals(Set.of("EXTRA [12] []"), described(reconciler("matrix").verifyKeys(items, List.of(List.of("12")))),
                "a key whose source row is deleted");
        CompiledTable codes = reconciler("matrix").table("app.codes");
        exec(legacy, "DELETE FROM legacy.codes WHERE id = 6");
        assertEquals(Set.of("EXTRA [C-6] []"), described(reconciler("matrix").verifyKeys(codes, List.of(List.of("6"), List.of("7")))));

        Repairer repairer = new Repairer(reconciler("matrix"), legacy, target, SyncFence.NONE, java.time.Duration.ofSeconds(5));
        RepairReport dry = repairer.repair(items, t.get("app.items").drift(), true);
        assertEquals(Set.of("upsert [10]", "upsert [20]", "delete [100000]", "upsert [30]", "upsert [40]", "upsert [50]",
                "upsert [60]", "delete-filtered [70]"), dry.actions().stream().map(a -> a.action() + " " + a.targetKey())
                .collect(Collectors.toSet()));
        assertEquals(1, ReconcileFixture.queryLong(target, "SELECT count(*) FROM app.items WHERE item_id = 100000"), "a dry run writes nothing");
        for (CompiledTable table : tables) {
            RepairReport done = repairer.repair(table, t.get(table.target()).drift(), false);
            assertTrue(done.remaining().isEmpty(), () -> table.target() + " after repair: " + done.remaining());
        }
        RepairReport deleted = repairer.repair(items, reconciler("matrix").verifyKeys(items, List.of(List.of("12"))), false);
        assertEquals("delete", deleted.actions().get(0).action());
        RepairReport orphan = repairer.repair(codes, reconciler("matrix").verifyKeys(codes, List.of(List.of("6"))), false);
        assertTrue(orphan.remaining().isEmpty());
        PassReport repaired = reconciler("matrix").verifyPass();
        assertTrue(repaired.consistent(), () -> "after repair: " + repaired);
        assertEquals(2_500_001, ReconcileFixture.queryLong(target, "SELECT length(body) FROM app.docs WHERE doc_id = md5('1')::uuid"),
                "the large value repaired whole");
        assertTrue(ReconcileFixture.queryLong(target, "SELECT count(*) FROM tandem.reconcile_repair WHERE verified") >= 15,
                "every repair is recorded");
    }

    static String md5Uuid(String text) throws Exception {
        byte[] digest = java.security.MessageDigest.getInstance("MD5").digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        String hex = java.util.HexFormat.of().formatHex(digest);
        return hex.substring(0, 8) + "-" + hex.substring(8, 12) + "-" + hex.substring(12, 16) + "-" + hex.substring(16, 20) + "-"
                + hex.substring(20);
    }

    static Map<String, TableReport> byTable(PassReport report) {
        return report.tables().stream().collect(Collectors.toMap(TableReport::table, r -> r));
    }
}
