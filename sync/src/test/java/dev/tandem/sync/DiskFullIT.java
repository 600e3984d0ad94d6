package dev.tandem.sync;

import static dev.tandem.sync.TestDatabases.awaitTrue;
import static dev.tandem.sync.TestDatabases.exec;
import static dev.tandem.sync.TestDatabases.queryLong;
import static dev.tandem.sync.TestDatabases.queryString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tandem.capture.PgDatabase;
import dev.tandem.sync.control.TableStates;
import dev.tandem.sync.mapping.TableMapping;
import dev.tandem.sync.pipeline.Pipeline;
import dev.tandem.sync.pipeline.PipelineConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A real full disk on the new database: the target table lives in a tablespace on a 4 MB tmpfs, and the sync writes
 * more than fits. The table pauses with PostgreSQL's "No space left on device" and its changes parked (other tables go
 * on); once the file system is grown, resume applies every parked change and nothing is skipped.
 */
class DiskFullIT {

    private static final String TABLESPACE = "tandem_diskfull";

    @Test
    void aFullDiskPausesTheTableAndLosesNothing() throws Exception {
        Path disk = Files.createTempDirectory("tandem-diskfull");
        assumeTrue(run("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", disk.toString()),
                "mounting a tmpfs needs root (CAP_SYS_ADMIN); without it the disk-full test cannot fill a disk");
        PgDatabase legacy = TestDatabases.fresh("diskfull_legacy");
        PgDatabase app = TestDatabases.fresh("diskfull_app");
        try {
            exec(app, "DROP TABLESPACE IF EXISTS " + TABLESPACE, "CREATE TABLESPACE " + TABLESPACE + " LOCATION '" + disk + "'");
            exec(legacy, "CREATE SCHEMA legacy", "CREATE TABLE legacy.blob (id int PRIMARY KEY, payload text)",
                    "CREATE TABLE legacy.small (id int PRIMARY KEY, v int)");
            exec(app, "CREATE SCHEMA app", "CREATE TABLE app.blob (id int PRIMARY KEY, payload text) TABLESPACE " + TABLESPACE,
                    "CREATE TABLE app.small (id int PRIMARY KEY, v int)");
            PipelineConfig config = new PipelineConfig("diskfull", legacy, app, List.of(
                    new TableMapping("legacy.blob", "app.blob", Map.of()),
                    new TableMapping("legacy.small", "app.small", Map.of())), TestDatabases.stack().kafka().bootstrapServers());
            try (Pipeline pipeline = new Pipeline(config)) {
                pipeline.start();
                for (int tx = 0; tx < 10; tx++) { // 200 rows of 64 kB of hex digits: about 12 MB, three times the disk
                    exec(legacy, "INSERT INTO legacy.blob SELECT g, (SELECT string_agg(md5(random()::text || g || i), '') "
                            + "FROM generate_series(1, 2000) i) FROM generate_series(" + (tx * 20 + 1) + ", " + (tx * 20 + 20) + ") g");
                }
                awaitTrue(Duration.ofSeconds(90), "app.blob to pause on the full disk", () -> paused(app));
                String reason = queryString(app, "SELECT reason FROM tandem.table_state WHERE target_table = 'app.blob'");
                assertTrue(reason.contains("No space left on device") && reason.contains("tandem resume"), reason);

                exec(legacy, "INSERT INTO legacy.small VALUES (1, 1)");
                awaitTrue(Duration.ofSeconds(60), "app.small to keep syncing", () -> count(app, "app.small") == 1);

                assertTrue(run("mount", "-o", "remount,size=64m", disk.toString()), "growing the tmpfs");
                try (Connection c = app.connect("operator")) {
                    new TableStates("diskfull").request(c, "app.blob", TableStates.State.RESUME, "disk grown");
                }
                awaitTrue(Duration.ofSeconds(90), "app.blob to resume with every row", () -> !paused(app) && count(app, "app.blob") == 200);
                String digest = "SELECT md5(string_agg(id || ':' || md5(payload), ',' ORDER BY id)) FROM ";
                assertEquals(queryString(legacy, digest + "legacy.blob"), queryString(app, digest + "app.blob"));
                assertEquals(0, queryLong(app, "SELECT count(*) FROM tandem.decision WHERE decision = 'skipped'"));
                assertNull(pipeline.failure());
            }
        } finally {
            exec(app, "DROP TABLE IF EXISTS app.blob", "DROP TABLESPACE IF EXISTS " + TABLESPACE);
            run("umount", disk.toString());
        }
    }

    private static boolean paused(PgDatabase app) {
        try {
            return queryLong(app, "SELECT count(*) FROM tandem.table_state WHERE target_table = 'app.blob'") > 0;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static long count(PgDatabase db, String table) {
        try {
            return queryLong(db, "SELECT count(*) FROM " + table);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
    }
}
