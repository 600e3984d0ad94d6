package dev.tandem.sync.control;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The only owner of the {@code tandem} control schema, where durable state lives: brings a database to
 * {@link #VERSION} by the numbered steps it has not had ({@link ControlSchemaSteps}), recorded in
 * {@code tandem.schema_version}, and refuses a schema newer than this tandem knows.
 */
public final class ControlSchema {

    private static final Logger log = LoggerFactory.getLogger(ControlSchema.class);

    /** The version this tandem creates and understands: the number of its last step. */
    public static final int VERSION = ControlSchemaSteps.ALL.get(ControlSchemaSteps.ALL.size() - 1).version();

    private ControlSchema() {
    }

    /**
     * Brings the control schema to {@link #VERSION}, in one transaction serialized by an advisory lock (instances
     * started together, the main one and an {@code --apply-only} one say, would otherwise collide in the catalog).
     *
     * @throws IllegalStateException when the schema is newer than this tandem (a later release wrote it)
     */
    public static void ensure(Connection db) throws SQLException {
        if (version(db) == VERSION) { // the usual case: no lock, no DDL
            return;
        }
        boolean autoCommit = db.getAutoCommit();
        db.setAutoCommit(false);
        try {
            upgrade(db);
            db.commit();
        } catch (SQLException e) {
            db.rollback();
            throw new SQLException("cannot create or upgrade the tandem control schema in " + db.getCatalog() + ": "
                    + e.getMessage() + "; tandem's user needs CREATE on the database (or an existing tandem schema it owns)",
                    e.getSQLState(), e);
        } catch (RuntimeException e) {
            db.rollback();
            throw e;
        } finally {
            db.setAutoCommit(autoCommit);
        }
    }

    /** The version a database's control schema is at: 0 when it has none or predates versioning. */
    public static int version(Connection db) throws SQLException {
        try (Statement st = db.createStatement();
             ResultSet rs = st.executeQuery("SELECT to_regclass('tandem.schema_version') IS NOT NULL")) {
            rs.next();
            if (!rs.getBoolean(1)) {
                return 0;
            }
        }
        try (Statement st = db.createStatement(); ResultSet rs = st.executeQuery("SELECT version FROM tandem.schema_version")) {
            return rs.next() ? rs.getInt(1) : 0;
        }
    }

    private static void upgrade(Connection db) throws SQLException {
        try (Statement st = db.createStatement()) {
            st.execute("SELECT pg_advisory_xact_lock(hashtext('tandem.control_schema'))");
            st.execute("CREATE SCHEMA IF NOT EXISTS tandem");
            st.execute("""
                    CREATE TABLE IF NOT EXISTS tandem.schema_version (
                        one        boolean PRIMARY KEY DEFAULT true CHECK (one),
                        version    int NOT NULL,
                        changed_at timestamptz NOT NULL DEFAULT now())""");
        }
        int found = version(db);
        if (found > VERSION) {
            throw new IllegalStateException("the tandem control schema in database " + db.getCatalog() + " is at version "
                    + found + ", newer than this tandem understands (version " + VERSION + "): run the tandem release that "
                    + "upgraded it, or a newer one");
        }
        for (ControlSchemaSteps.Step step : ControlSchemaSteps.ALL) {
            if (step.version() <= found) {
                continue;
            }
            try (Statement st = db.createStatement()) {
                step.sql().apply(st);
            }
            try (PreparedStatement ps = db.prepareStatement("""
                    INSERT INTO tandem.schema_version (one, version) VALUES (true, ?)
                    ON CONFLICT (one) DO UPDATE SET version = EXCLUDED.version, changed_at = now()""")) {
                ps.setInt(1, step.version());
                ps.executeUpdate();
            }
            log.info("control schema in {}: step {} ({}) applied, version {} → {}", db.getCatalog(), step.version(),
                    step.description(), found, step.version());
            found = step.version();
        }
    }
}
