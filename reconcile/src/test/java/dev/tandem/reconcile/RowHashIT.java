package dev.tandem.reconcile;

import static dev.tandem.reconcile.ReconcileFixture.exec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.capture.PgDatabase;
import dev.tandem.reconcile.chunk.VerifyRange;
import dev.tandem.reconcile.digest.KeyFilter;
import dev.tandem.reconcile.digest.RowHash;
import dev.tandem.reconcile.digest.SessionPin;
import dev.tandem.reconcile.digest.Side;
import dev.tandem.reconcile.digest.TableShape;
import dev.tandem.sync.mapping.CompiledTable;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The typed row hash draws the line between equal and different exactly where the row's text does, per column type:
 * values whose typed hashes collide ({@code bigint} and timestamps fold to 32 bits, {@code numeric} drops sign and
 * scale) or whose type calls them equal (a case-insensitive collation, {@code -0} and {@code 0}) still differ, while
 * values that print alike hash alike; and a value moved from one row to another changes a range's digest.
 */
class RowHashIT {

    private static final String COLUMNS = "i2 smallint, i4 integer, i8 bigint, n numeric, n2 numeric(8,2), f8 float8, ts timestamptz, "
            + "tsl timestamp, d date, tm time, tx text, vc varchar(10), ci text COLLATE ci, bc char(4), u uuid, b boolean, "
            + "bin bytea, j jsonb, arr int[]";
    private static final String MAPPING = """
            tables:
              - target: app.v
                from: legacy.v s
                key: { id: s.id }
                columns: { i2: s.i2, i4: s.i4, i8: s.i8, n: s.n, n2: s.n2, f8: s.f8, ts: s.ts, tsl: s.tsl, d: s.d, tm: s.tm,
                           tx: s.tx, vc: s.vc, ci: s.ci, bc: s.bc, u: s.u, b: s.b, bin: s.bin, j: s.j, arr: s.arr }
            """;
    private static final String EPOCH = "'2000-01-01 00:00:00+00'";

    /** One row: a column, its value on each side (SQL literals), and whether the two print alike. */
    record Pair(String column, String source, String target, boolean equal) {
    }

    private static final List<Pair> PAIRS = List.of(
            new Pair("i8", "1", "4294967296", false),
            new Pair("i8", "-1", "4294967295", false),
            new Pair("i8", "9000000000", "9000000000", true),
            new Pair("i2", "1", "2", false),
            new Pair("i4", "0", "NULL", false),
            new Pair("n", "5", "-5", false),
            new Pair("n", "1.0", "1.00", false),
            new Pair("n", "'NaN'", "'NaN'", true),
            new Pair("n", "'Infinity'", "'-Infinity'", false),
            new Pair("n", "0.00", "-0.00", true),
            new Pair("n2", "1.1", "1.10", true),
            new Pair("f8", "0", "'-0'", false),
            new Pair("f8", "0.1", "0.1", true),
            new Pair("ts", "'2026-01-01 00:00:00+02'", "'2025-12-31 22:00:00+00'", true),
            new Pair("ts", EPOCH, EPOCH + "::timestamptz + interval '4294967297 microseconds'", false),
            new Pair("tsl", EPOCH + "::timestamp", EPOCH + "::timestamp + interval '4294967297 microseconds'", false),
            new Pair("d", "'2026-01-01'", "'2026-01-02'", false),
            new Pair("tm", "'12:00'", "'12:00:00.000001'", false),
            new Pair("tx", "NULL", "''", false),
            new Pair("tx", "'a'", "'a '", false),
            new Pair("tx", "U&'caf\\00E9'", "U&'cafe\\0301'", false),
            new Pair("tx", "'same'", "'same'", true),
            new Pair("vc", "'x'", "'x '", false),
            new Pair("ci", "'Abc'", "'abc'", false),
            new Pair("bc", "'a'", "'a   '", true),
            new Pair("u", "'00000000-0000-0000-0000-000000000001'", "'00000000-0000-0000-0000-000000000002'", false),
            new Pair("b", "true", "false", false),
            new Pair("bin", "'\\x00'", "'\\x0000'", false),
            new Pair("j", "'{\"a\": 1}'", "'{\"a\":1}'", true),
            new Pair("arr", "'{1,2}'", "'{2,1}'", false),
            new Pair("tx", "NULL", "NULL", true));

    static PgDatabase legacy;
    static PgDatabase target;
    static CompiledTable table;

    @BeforeAll
    static void databases() throws Exception {
        legacy = ReconcileFixture.fresh("rc_rowhash_legacy");
        target = ReconcileFixture.fresh("rc_rowhash_new");
        String collation = "CREATE COLLATION ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false)";
        exec(legacy, collation, "CREATE SCHEMA legacy", "CREATE TABLE legacy.v (id int PRIMARY KEY, " + COLUMNS + ")");
        exec(target, collation, "CREATE SCHEMA app", "CREATE TABLE app.v (id int PRIMARY KEY, " + COLUMNS + ")");
        List<String> sourceRows = new ArrayList<>();
        List<String> targetRows = new ArrayList<>();
        for (int i = 0; i < PAIRS.size(); i++) {
            Pair p = PAIRS.get(i);
            sourceRows.add("INSERT INTO legacy.v (id, " + p.column() + ") VALUES (" + (i + 1) + ", " + p.source() + ")");
            targetRows.add("INSERT INTO app.v (id, " + p.column() + ") VALUES (" + (i + 1) + ", " + p.target() + ")");
        }
        // Rows 101 and 102 swap their values between each other: equal as sets of column values, different as rows.
        sourceRows.add("INSERT INTO legacy.v (id, i8, tx) VALUES (101, 7, 'x'), (102, 8, 'y')");
        targetRows.add("INSERT INTO app.v (id, i8, tx) VALUES (101, 8, 'y'), (102, 7, 'x')");
        exec(legacy, sourceRows.toArray(String[]::new));
        exec(target, targetRows.toArray(String[]::new));
        table = ReconcileFixture.compile(MAPPING, legacy, target).get(0);
    }

    @Test
    void typedHashesDifferExactlyWhereTheRowTextDiffers() throws Exception {
        try (Connection s = SessionPin.pin(legacy.connect("test")); Connection t = SessionPin.pin(target.connect("test"))) {
            TableShape typed = TableShape.load(table, s, t);
            assertTrue(typed.typedHash(), "PostgreSQL 14+ on both sides hashes typed values");
            assertTrue(typed.rowHash().contains("int8send") && typed.rowHash().contains("numeric_send"), typed.rowHash());
            TableShape text = new TableShape(typed.table(), typed.aligned(), typed.targetKey(), typed.sourceChunk(), typed.sourceKey(),
                    typed.stagedKey(), typed.sourceTypes(), false);
            for (TableShape shape : List.of(typed, text)) {
                Map<List<String>, RowHash> onSource = Side.source(shape, Side.Mode.PUSHDOWN, s, t).rowHashes(KeyFilter.range(VerifyRange.ALL));
                Map<List<String>, RowHash> onTarget = Side.target(shape, t).rowHashes(KeyFilter.range(VerifyRange.ALL));
                for (int i = 0; i < PAIRS.size(); i++) {
                    Pair p = PAIRS.get(i);
                    List<String> key = List.of(String.valueOf(i + 1));
                    String what = (shape.typedHash() ? "typed" : "text") + " hash of " + p;
                    assertEquals(p.equal(), onSource.get(key).hash() == onTarget.get(key).hash(), what);
                }
            }
        }
    }

    @Test
    void aValueMovedToAnotherRowChangesTheRangeDigest() throws Exception {
        try (Connection s = SessionPin.pin(legacy.connect("test")); Connection t = SessionPin.pin(target.connect("test"))) {
            TableShape shape = TableShape.load(table, s, t);
            KeyFilter swapped = KeyFilter.range(new VerifyRange(List.of("100"), List.of("102")));
            var sourceDigest = Side.source(shape, Side.Mode.PUSHDOWN, s, t).digest(swapped);
            var targetDigest = Side.target(shape, t).digest(swapped);
            assertEquals(2, sourceDigest.rows());
            assertNotEquals(sourceDigest, targetDigest, "column values swapped between two rows");
            KeyFilter equalRows = KeyFilter.range(new VerifyRange(List.of("2"), List.of("3")));
            assertEquals(Side.source(shape, Side.Mode.PUSHDOWN, s, t).digest(equalRows), Side.target(shape, t).digest(equalRows));
        }
    }

    @Test
    void aPassReportsEachDifferentRowAndOnlyThose() throws Exception {
        ReconcileSettings settings = new ReconcileSettings(java.time.Duration.ofMillis(500), 5, 1_000, 2, 1,
                java.time.Duration.ofSeconds(10), 4, 100, 1000, java.time.Duration.ZERO);
        PassReport pass = new Reconciler("rowhash", legacy, target, List.of(table), settings, dev.tandem.sync.fence.SyncFence.NONE)
                .verifyPass();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < PAIRS.size(); i++) {
            if (!PAIRS.get(i).equal()) {
                expected.add("DIFFERENT [" + (i + 1) + "] [" + PAIRS.get(i).column() + "]");
            }
        }
        expected.add("DIFFERENT [101] [i8, tx]");
        expected.add("DIFFERENT [102] [i8, tx]");
        assertFalse(pass.consistent());
        assertEquals(new java.util.TreeSet<>(expected), new java.util.TreeSet<>(ReconcileFixture.described(pass.tables().get(0).drift())));
    }
}
