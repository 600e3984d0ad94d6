package dev.tandem.reconcile;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.capture.PgDatabase;
import dev.tandem.embedded.SharedTestStack;
import dev.tandem.reconcile.full.FullComparator;
import dev.tandem.reconcile.full.TableComparison;
import dev.tandem.sync.mapping.MappingParser;
import dev.tandem.sync.pipeline.Pipeline;
import dev.tandem.sync.pipeline.PipelineConfig;
import java.io.StringReader;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.sql.Timestamp;
import java.sql.Types;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Property: for random legacy rows, what the applier writes (rows carried as text through Kafka,
 * projected inside the upsert) equals what the same projection computes over the legacy rows
 * staged by COPY. Random text (quotes, backslashes, non-ASCII, empty), NULLs, numerics with scale,
 * timestamps, arrays and JSON, through inserts, updates and deletes.
 */
class ProjectionPropertyIT {

    private static final String MAPPING = """
            tables:
              - target: app.thing
                from: legacy.thing t
                key:
                  id: t.id
                columns:
                  label: upper(t.label)
                  label_length: length(t.label)
                  amount_cents: (t.amount * 100)::bigint
                  seen_at: t.seen AT TIME ZONE 'UTC'
                  tags: t.tags
                  first_tag: t.tags[1]
                  doc: t.doc::jsonb
                  kind: "CASE WHEN t.amount IS NULL THEN 'none' WHEN t.amount < 0 THEN 'debit' ELSE 'credit' END"
                filter: t.label IS DISTINCT FROM 'skip'
            """;

    @Test
    void appliedRowsEqualTheProjectionOfTheLegacyRows() throws Exception {
        for (long seed : new long[] {1L, 42L, 20261124L}) {
            check(seed);
        }
    }

    private void check(long seed) throws Exception {
        PgDatabase legacy = database("prop_legacy_" + seed);
        PgDatabase fresh = database("prop_new_" + seed);
        exec(legacy, "CREATE SCHEMA legacy", """
                CREATE TABLE legacy.thing (id int PRIMARY KEY, label text, amount numeric(12,3), seen timestamp,
                                           tags text[], doc text)""");
        exec(fresh, "CREATE SCHEMA app", """
                CREATE TABLE app.thing (id int PRIMARY KEY, label text, label_length int, amount_cents bigint,
                                        seen_at timestamptz, tags text[], first_tag text, doc jsonb, kind text)""");
        Random random = new Random(seed);
        var mapping = MappingParser.parse("property.yaml", new StringReader(MAPPING));
        try (Pipeline pipeline = new Pipeline(new PipelineConfig("prop_" + seed, legacy, fresh, mapping,
                SharedTestStack.get().kafka().bootstrapServers()))) {
            pipeline.start();
            try (Connection c = legacy.connect("property")) {
                c.setAutoCommit(false);
                for (int step = 0; step < 400; step++) {
                    int id = 1 + random.nextInt(120);
                    int dice = random.nextInt(10);
                    if (dice < 7) {
                        upsert(c, id, random);
                    } else {
                        try (PreparedStatement ps = c.prepareStatement("DELETE FROM legacy.thing WHERE id = ?")) {
                            ps.setInt(1, id);
                            ps.executeUpdate();
                        }
                    }
                    if (random.nextInt(4) == 0) {
                        c.commit();
                    }
                }
                c.commit();
            }
            FullComparator comparator = new FullComparator(legacy, fresh);
            long deadline = System.nanoTime() + 60_000_000_000L;
            TableComparison result = comparator.compare(pipeline.tables()).get(0);
            while (!result.consistent() && System.nanoTime() < deadline) {
                Thread.sleep(200);
                result = comparator.compare(pipeline.tables()).get(0);
            }
            assertTrue(result.consistent(), "seed " + seed + ": " + result);
            assertTrue(result.legacy().rows() > 20, "seed " + seed + " left too few rows to mean much: " + result);
            assertNull(pipeline.failure());
        }
    }

    private static void upsert(Connection c, int id, Random random) throws Exception {
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO legacy.thing VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET label = EXCLUDED.label, amount = EXCLUDED.amount, seen = EXCLUDED.seen,
                    tags = EXCLUDED.tags, doc = EXCLUDED.doc""")) {
            ps.setInt(1, id);
            ps.setString(2, random.nextInt(12) == 0 ? null : random.nextInt(15) == 0 ? "skip" : text(random));
            if (random.nextInt(8) == 0) {
                ps.setNull(3, Types.NUMERIC);
            } else {
                ps.setBigDecimal(3, BigDecimal.valueOf(random.nextLong(-10_000_000L, 10_000_000L), 3));
            }
            ps.setTimestamp(4, random.nextInt(8) == 0 ? null
                    : new Timestamp(random.nextLong(-2_000_000_000_000L, 4_000_000_000_000L)));
            ps.setArray(5, random.nextInt(6) == 0 ? null
                    : c.createArrayOf("text", new String[] {text(random), random.nextBoolean() ? null : text(random)}));
            ps.setString(6, random.nextInt(5) == 0 ? null : "{\"v\": " + random.nextInt() + ", \"s\": \"" + jsonSafe(text(random)) + "\"}");
            ps.executeUpdate();
        }
    }

    private static final String ALPHABET = "abcXYZ 019'\"\\,{}()–äöüßéñ東京✓";

    private static String text(Random random) {
        int length = random.nextInt(12);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < length; i++) {
            sb.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
        }
        return sb.toString();
    }

    private static String jsonSafe(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    private static PgDatabase database(String name) throws Exception {
        try (Connection c = SharedTestStack.get().postgres().connect("postgres"); Statement st = c.createStatement()) {
            st.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
            st.execute("CREATE DATABASE " + name);
        }
        return new PgDatabase("127.0.0.1", SharedTestStack.get().postgres().port(), name, "postgres", "");
    }

    private static void exec(PgDatabase db, String... sql) throws Exception {
        try (Connection c = db.connect("test"); Statement st = c.createStatement()) {
            for (String s : sql) {
                st.execute(s);
            }
        }
    }
}
