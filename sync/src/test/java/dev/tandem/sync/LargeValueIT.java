package dev.tandem.sync;

import static dev.tandem.sync.TestDatabases.awaitTrue;
import static dev.tandem.sync.TestDatabases.digest;
import static dev.tandem.sync.TestDatabases.exec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.capture.PgDatabase;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Values far larger than a Kafka record (6.4 MB of text, several MB of jsonb, a text of {@code tandem.faults.valueMiB}
 * MiB, 16 by default and 64 under {@code -Pfaults}, and a bytea of half that, which the change log carries as hex text
 * of the same length), and in transactional ordering one transaction of 100 values of 2 MiB, sync exactly through a
 * pipeline running in a child JVM with the launcher's default heap of 512 MiB, in both orderings, with the broker's
 * and the clients' default size limits.
 */
class LargeValueIT {

    private static final int VALUE_MIB = Integer.getInteger("tandem.faults.valueMiB", 16);
    private static final String COLUMNS = "id, md5(body) AS body, length(body) AS body_length, md5(data::text) AS data, "
            + "md5(blob) AS blob, length(blob) AS blob_length";

    @ParameterizedTest
    @ValueSource(strings = {"transactional", "per-key"})
    void valuesOfManyMegabytesSyncExactlyUnderTheDefaultHeap(String ordering) throws Exception {
        String name = "bigval_" + ordering.replace('-', '_');
        PgDatabase legacy = TestDatabases.fresh(name + "_legacy");
        PgDatabase app = TestDatabases.fresh(name + "_app");
        String table = "CREATE TABLE public.doc (id int PRIMARY KEY, body text, data jsonb, blob bytea)";
        exec(legacy, table);
        exec(app, table);
        Path log = Path.of("target", "large-value-" + ordering + ".log");
        try (ChildPipeline child = ChildPipeline.start(name, legacy, app, "public.doc", ordering, "512m", log)) {
            exec(legacy, "INSERT INTO public.doc (id, body) VALUES (0, 'marker')");
            awaitTrue(Duration.ofSeconds(120), "the pipeline to stream (see " + log + ")",
                    () -> "1".equals(count(app, "id = 0")) || !child.isAlive());
            exec(legacy,
                    // 6.4 MB of text: the value of the reproduction, 200,000 md5 strings
                    "INSERT INTO public.doc (id, body) SELECT 1, string_agg(md5(g::text), '') FROM generate_series(1, 200000) g",
                    // about 10 MB of jsonb
                    "INSERT INTO public.doc (id, data) SELECT 2, jsonb_build_object('items', jsonb_agg(jsonb_build_object("
                            + "'n', g, 'h', md5(g::text)))) FROM generate_series(1, 200000) g",
                    "INSERT INTO public.doc (id, blob) SELECT 3, decode(string_agg(md5(g::text), ''), 'hex') FROM "
                            + "generate_series(1, " + VALUE_MIB * 32768 + ") g",
                    "INSERT INTO public.doc (id, body) SELECT 4, string_agg(md5(g::text), '') FROM generate_series(1, "
                            + VALUE_MIB * 32768 + ") g",
                    // a large value changed again, and a small change behind it in the same transaction
                    "BEGIN; UPDATE public.doc SET body = upper(body) WHERE id = 1; "
                            + "UPDATE public.doc SET body = 'after the large ones' WHERE id = 0; COMMIT");
            if (ordering.equals("transactional")) {
                // one transaction of 100 values of 2 MiB: 200 MiB, more than the heap holds at once (a per-key applier
                // holds its partition's share of a transaction whole, so it is left out there)
                exec(legacy, "INSERT INTO public.doc (id, body) SELECT 100 + i, (SELECT string_agg(md5((g * i)::text), '') "
                        + "FROM generate_series(1, 65536) g) FROM generate_series(1, 100) i");
            }
            String expected = digest(legacy, "public.doc", COLUMNS, "id");
            awaitTrue(Duration.ofSeconds(300), "the large values to arrive (see " + log + ")",
                    () -> expected.equals(digest(app, "public.doc", COLUMNS, "id")) || !child.isAlive());
            assertTrue(child.isAlive(), "the pipeline keeps running under -Xmx512m (see " + log + ")");
            assertEquals(expected, digest(app, "public.doc", COLUMNS, "id"));
        }
    }

    private static String count(PgDatabase db, String where) {
        try {
            return TestDatabases.queryString(db, "SELECT count(*) FROM public.doc WHERE " + where);
        } catch (java.sql.SQLException e) {
            return "0"; // the control schema or the table is not there yet
        }
    }
}
