package dev.tandem.deploy.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.capture.PgDatabase;
import dev.tandem.embedded.EmbeddedPostgres;
import dev.tandem.embedded.SharedTestStack;
import dev.tandem.sync.control.ControlSchema;
import dev.tandem.sync.control.TableStates;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.Connection;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/** {@code tandem_paused_tables} counts the migration's paused tables in the real control schema, and only its own. */
class PausedTablesMetricsIT {

    @Test
    void countsThePausedTablesOfItsMigration() throws Exception {
        EmbeddedPostgres postgres = SharedTestStack.get().postgres();
        postgres.createDatabase("paused_metrics");
        PgDatabase target = new PgDatabase("127.0.0.1", postgres.port(), "paused_metrics", "postgres", "");

        assertTrue(Double.isNaN(read(target, "m1")), "no control schema yet: the gauge must not claim 0");
        try (Connection c = postgres.connect("paused_metrics")) {
            ControlSchema.ensure(c);
            try (Statement st = c.createStatement()) {
                st.execute("INSERT INTO tandem.migration (migration, backfill_done) VALUES ('m1', true), ('m2', true)");
            }
            assertEquals(0.0, read(target, "m1"));
            new TableStates("m1").pause(c, "app.a", "app.a paused: test", "0/1", "{id=1}");
            new TableStates("m1").pause(c, "app.b", "app.b paused: test", "0/2", "{id=2}");
            new TableStates("m2").pause(c, "app.a", "app.a paused: test", "0/3", "{id=3}");
            assertEquals(2.0, read(target, "m1"));
            assertEquals(1.0, read(target, "m2"));
        }
    }

    /** A newDb binder each time, so its five-second cache does not hide the change. */
    private static double read(PgDatabase target, String migration) {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        new PausedTablesMetrics(migration, target).bindTo(registry);
        return registry.get("tandem_paused_tables").gauge().value();
    }
}
