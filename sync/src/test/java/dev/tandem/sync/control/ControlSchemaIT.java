package dev.tandem.sync.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.capture.PgDatabase;
import dev.tandem.sync.TestDatabases;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The control schema has one owner and a version: new databases, upgrades from the unversioned release, and refusal of a newer one. */
class ControlSchemaIT {

    @Test
    void aNewDatabaseGetsTheLatestVersion() throws Exception {
        PgDatabase db = TestDatabases.fresh("control_new");
        try (Connection c = db.connect("test")) {
            assertEquals(0, ControlSchema.version(c));
            ControlSchema.ensure(c);
            assertEquals(ControlSchema.VERSION, ControlSchema.version(c));
            ControlSchema.ensure(c); // again: nothing to do
            assertEquals(ControlSchema.VERSION, ControlSchema.version(c));
        }
    }

    @Test
    void theShapeOfTheUnversionedReleaseIsUpgradedStepByStepKeepingItsState() throws Exception {
        PgDatabase old = TestDatabases.fresh("control_upgrade");
        PgDatabase created = TestDatabases.fresh("control_created");
        try (Connection c = old.connect("test"); Statement st = c.createStatement()) {
            st.execute(resource("/control-schema/unversioned.sql"));
            st.execute("INSERT INTO tandem.migration (migration, backfill_done) VALUES ('streaming', true), ('copying', false), "
                    + "('switched', true)");
            st.execute("INSERT INTO tandem.cutover (migration, phase, changed_by) VALUES ('switched', 'CUT_OVER', 'ops')");
            st.execute("INSERT INTO tandem.applied_position (migration, topic, next_offset, tx_order, tx_id) "
                    + "VALUES ('streaming', 'tandem.streaming.changes', 42, 7, 9)");
            assertEquals(0, ControlSchema.version(c), "the old release wrote no version");

            ControlSchema.ensure(c);

            assertEquals(ControlSchema.VERSION, ControlSchema.version(c));
            assertEquals(List.of("copying BACKFILLING", "streaming SYNCING", "switched CUT_OVER"),
                    strings(c, "SELECT migration || ' ' || phase FROM tandem.cutover ORDER BY migration"),
                    "each migration gets the phase its durable state shows; a switched one keeps its own");
            assertEquals(List.of("42"), strings(c, "SELECT next_offset::text FROM tandem.applied_position"));
        }
        try (Connection c = created.connect("test")) {
            ControlSchema.ensure(c);
        }
        assertTrue(shape(created).size() > 60, "the shape lists every column, constraint and trigger");
        assertEquals(shape(created), shape(old), "an upgraded schema has exactly the shape of a new one");
    }

    @Test
    void aNewerSchemaIsRefusedNamingBothVersions() throws Exception {
        PgDatabase db = TestDatabases.fresh("control_newer");
        try (Connection c = db.connect("test")) {
            ControlSchema.ensure(c);
            try (Statement st = c.createStatement()) {
                st.execute("UPDATE tandem.schema_version SET version = " + (ControlSchema.VERSION + 1));
            }
            IllegalStateException refused = assertThrows(IllegalStateException.class, () -> ControlSchema.ensure(c));
            assertTrue(refused.getMessage().contains("version " + (ControlSchema.VERSION + 1))
                    && refused.getMessage().contains("(version " + ControlSchema.VERSION + ")"), refused.getMessage());
            assertEquals(ControlSchema.VERSION + 1, ControlSchema.version(c), "nothing was changed");
        }
    }

    private static List<String> shape(PgDatabase db) throws SQLException {
        List<String> shape = new ArrayList<>(strings(db, """
                SELECT table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' '
                       || coalesce(column_default, '')
                FROM information_schema.columns WHERE table_schema = 'tandem' ORDER BY 1"""));
        shape.addAll(strings(db, """
                SELECT conrelid::regclass::text || ' ' || contype::text || ' ' || pg_get_constraintdef(oid)
                FROM pg_constraint WHERE connamespace = 'tandem'::regnamespace ORDER BY 1"""));
        shape.addAll(strings(db, """
                SELECT tgrelid::regclass::text || ' ' || tgname FROM pg_trigger
                WHERE tgrelid::regclass::text LIKE 'tandem.%' AND NOT tgisinternal ORDER BY 1"""));
        return shape;
    }

    private static List<String> strings(PgDatabase db, String sql) throws SQLException {
        try (Connection c = db.connect("test")) {
            return strings(c, sql);
        }
    }

    private static List<String> strings(Connection c, String sql) throws SQLException {
        List<String> values = new ArrayList<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                values.add(rs.getString(1));
            }
        }
        return values;
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = ControlSchemaIT.class.getResourceAsStream(name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
