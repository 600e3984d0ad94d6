package dev.tandem.sync;

import static dev.tandem.sync.TestDatabases.awaitTrue;
import static dev.tandem.sync.TestDatabases.digest;
import static dev.tandem.sync.TestDatabases.exec;
import static dev.tandem.sync.TestDatabases.queryString;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.capture.PgDatabase;
import dev.tandem.sync.mapping.TableMapping;
import dev.tandem.sync.pipeline.Pipeline;
import dev.tandem.sync.pipeline.PipelineConfig;
import dev.tandem.sync.pipeline.SlotLostException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A replication slot invalidated by {@code max_slot_wal_keep_size} while capture is stalled: tandem
 * stops the migration with the reason and the way out, refuses to resume past the gap, and a
 * re-backfill brings the new schema back in line.
 */
class SlotInvalidationIT {

    @Test
    void anInvalidatedSlotStopsTheMigrationUntilItIsBackfilledAgain() throws Exception {
        PgDatabase legacy = TestDatabases.fresh("lost_legacy");
        PgDatabase app = TestDatabases.fresh("lost_app");
        exec(legacy, "CREATE TABLE public.t (id int PRIMARY KEY, payload text)",
                "INSERT INTO public.t SELECT g, 'row ' || g FROM generate_series(1, 100) g");
        exec(app, "CREATE TABLE public.t (id int PRIMARY KEY, payload text)");
        PipelineConfig config = new PipelineConfig("lost", legacy, app, List.of(new TableMapping("public.t", "public.t", Map.of())),
                TestDatabases.stack().kafka().bootstrapServers());
        PgDatabase admin = new PgDatabase("127.0.0.1", legacy.port(), "postgres", "postgres", "");
        try {
            exec(admin, "ALTER SYSTEM SET max_slot_wal_keep_size = '1MB'", "SELECT pg_reload_conf()");
            try (Pipeline pipeline = new Pipeline(config)) {
                pipeline.start();
                pipeline.stopCapture(); // a stalled consumer: the slot holds WAL back
                for (int round = 0; round < 6; round++) {
                    exec(legacy, "INSERT INTO public.t SELECT g, repeat(md5(g::text), 40) FROM generate_series("
                            + (1000 + round * 5000) + ", " + (1000 + round * 5000 + 4999) + ") g",
                            "SELECT pg_switch_wal()", "CHECKPOINT");
                }
                awaitTrue(Duration.ofSeconds(30), "the slot to be invalidated", () -> "lost".equals(walStatus(legacy)));
                awaitTrue(Duration.ofSeconds(30), "the pipeline to stop on the lost slot", () -> pipeline.failure() != null);
                String message = pipeline.failure().getMessage();
                assertTrue(message.contains("invalidated") && message.contains("--rebackfill"), message);
            }
            try (Pipeline resumed = new Pipeline(config)) {
                SlotLostException refused = assertThrows(SlotLostException.class, resumed::start);
                assertTrue(refused.getMessage().contains("max_slot_wal_keep_size"), refused.getMessage());
            }
            exec(admin, "ALTER SYSTEM RESET max_slot_wal_keep_size", "SELECT pg_reload_conf()");
            try (Pipeline again = new Pipeline(config)) {
                again.start(true);
                exec(legacy, "UPDATE public.t SET payload = 'after' WHERE id = 1");
                String expected = digest(legacy, "public.t", "id, payload", "id");
                awaitTrue(Duration.ofSeconds(60), "the new table to match after the re-backfill",
                        () -> expected.equals(digest(app, "public.t", "id, payload", "id")));
                assertNull(again.failure());
            }
        } finally {
            exec(admin, "ALTER SYSTEM RESET max_slot_wal_keep_size", "SELECT pg_reload_conf()");
        }
    }

    private static String walStatus(PgDatabase db) {
        try {
            return queryString(db, "SELECT wal_status FROM pg_replication_slots WHERE slot_name = 'tandem_lost'");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
