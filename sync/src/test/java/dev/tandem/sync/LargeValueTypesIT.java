package dev.tandem.sync;

import static dev.tandem.sync.TestDatabases.awaitTrue;
import static dev.tandem.sync.TestDatabases.digest;
import static dev.tandem.sync.TestDatabases.exec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.capture.PgDatabase;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * One value of {@code tandem.faults.valueMiB} MiB in each of {@code text}, {@code jsonb} and {@code bytea} (64 under
 * {@code -Pfaults}; the test runs only when the size is given: 8 MiB take about 110 s here, more than the default
 * suite has room for, where {@link LargeValueIT} covers the same path with smaller values), inserted then changed, syncs exactly through a pipeline in a child JVM whose heap
 * is eight times the value (at least 128 MiB: the launcher's 512 MiB for 64 MiB), with the broker's and clients'
 * default size limits, each change arriving before the next is made. A {@code bytea} travels as hex text, twice its
 * size, and Debezium holds about three and a half times that while it decodes one, so a {@code bytea} right behind
 * another, decoded while the applier still writes the first, needs more heap than this (see docs/running.md).
 */
class LargeValueTypesIT {

    private static final int VALUE_MIB = Integer.getInteger("tandem.faults.valueMiB", 8);
    private static final int HEAP_MIB = Math.max(128, VALUE_MIB * 8);
    private static final String COLUMNS = "id, md5(body) AS body, length(body) AS body_length, md5(data::text) AS data, "
            + "md5(blob) AS blob, length(blob) AS blob_length";

    @Test
    @EnabledIfSystemProperty(named = "tandem.faults.valueMiB", matches = "\\d+")
    void aValueOfManyMegabytesOfEachTypeSyncsExactlyUnderAHeapOfEightTimesIt() throws Exception {
        PgDatabase legacy = TestDatabases.fresh("bigtypes_legacy");
        PgDatabase app = TestDatabases.fresh("bigtypes_app");
        String table = "CREATE TABLE public.doc (id int PRIMARY KEY, body text, data jsonb, blob bytea)";
        exec(legacy, table);
        exec(app, table);
        Path log = Path.of("target", "large-value-types.log");
        try (ChildPipeline child = ChildPipeline.start("bigtypes", legacy, app, "public.doc", "transactional",
                HEAP_MIB + "m", log)) {
            exec(legacy, "INSERT INTO public.doc (id, body) VALUES (0, 'marker')");
            awaitTrue(Duration.ofSeconds(120), "the pipeline to stream (see " + log + ")",
                    () -> "1".equals(count(app)) || !child.isAlive());
            int md5s = VALUE_MIB * 32768; // 32 characters each: VALUE_MIB MiB of text, of bytea once decoded from hex
            // each change arrives before the next is made: one large value in flight at a time (see the class comment)
            syncs(child, legacy, app, log,
                    "INSERT INTO public.doc (id, body) SELECT 1, string_agg(md5(g::text), '') FROM generate_series(1, "
                            + md5s + ") g");
            syncs(child, legacy, app, log, "UPDATE public.doc SET body = upper(body) WHERE id = 1");
            // an array of md5 strings: 36 characters of jsonb text each
            syncs(child, legacy, app, log, "INSERT INTO public.doc (id, data) SELECT 2, jsonb_agg(md5(g::text)) FROM "
                    + "generate_series(1, " + VALUE_MIB * 1048576 / 36 + ") g");
            syncs(child, legacy, app, log, "UPDATE public.doc SET data = jsonb_build_object('n', data) WHERE id = 2");
            syncs(child, legacy, app, log, "INSERT INTO public.doc (id, blob) SELECT 3, decode(string_agg(md5(g::text), ''),"
                    + " 'hex') FROM generate_series(1, " + 2 * md5s + ") g");
            syncs(child, legacy, app, log, "UPDATE public.doc SET blob = blob || '\\x00ff'::bytea WHERE id = 3");
        }
    }

    /** Runs {@code sql} on legacy and waits until the new side holds what legacy does, by md5 and length of each value. */
    private static void syncs(ChildPipeline child, PgDatabase legacy, PgDatabase app, Path log, String sql) throws Exception {
        exec(legacy, sql);
        String expected = digest(legacy, "public.doc", COLUMNS, "id");
        awaitTrue(Duration.ofSeconds(VALUE_MIB * 2L + 60), "the change to arrive: " + sql + " (see " + log + ")",
                () -> expected.equals(digest(app, "public.doc", COLUMNS, "id")) || !child.isAlive());
        assertTrue(child.isAlive(), "the pipeline keeps running under -Xmx" + HEAP_MIB + "m after " + sql + " (see " + log + ")");
        assertEquals(expected, digest(app, "public.doc", COLUMNS, "id"), sql);
    }

    private static String count(PgDatabase db) {
        try {
            return TestDatabases.queryString(db, "SELECT count(*) FROM public.doc WHERE id = 0");
        } catch (SQLException e) {
            return "0"; // the table is not there yet
        }
    }
}
