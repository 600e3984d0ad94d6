package dev.tandem.deploy.lifecycle.readiness;

import static dev.tandem.deploy.lifecycle.readiness.CheckResult.Status.FAIL;
import static dev.tandem.deploy.lifecycle.readiness.CheckResult.Status.WARN;

import dev.tandem.capture.PgDatabase;
import dev.tandem.sync.mapping.CaptureLimits;
import dev.tandem.sync.mapping.MappingSpec;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * What the legacy server and the new database must allow before a migration can run (Kafka's part is
 * {@link KafkaPreflight}); each check reports what it found and, when it fails, the fix.
 */
final class Preflight {

    private Preflight() {
    }

    /**
     * Checks of the legacy server: logical decoding, free slots and senders, privileges, WAL retention, and whether
     * the reverse sync's writers may run as replicas.
     */
    static List<CheckResult> source(PgDatabase source, String slotName) {
        List<CheckResult> results = new ArrayList<>();
        try (Connection c = source.connect("tandem-check"); Statement st = c.createStatement()) {
            String walLevel = single(st, "SHOW wal_level");
            results.add("logical".equals(walLevel) ? CheckResult.pass("wal_level", "logical")
                    : new CheckResult("wal_level", FAIL, walLevel, "ALTER SYSTEM SET wal_level = logical, then restart PostgreSQL"));
            boolean ownSlot = "t".equals(single(st, "SELECT (count(*) > 0)::text::char FROM pg_replication_slots WHERE slot_name = '"
                    + slotName.replace("'", "''") + "'"));
            int freeSlots = Integer.parseInt(single(st,
                    "SELECT current_setting('max_replication_slots')::int - count(*) FROM pg_replication_slots"));
            results.add(freeSlots > 0 || ownSlot ? CheckResult.pass("replication slots", freeSlots + " free"
                    + (ownSlot ? " (tandem's slot exists)" : ""))
                    : new CheckResult("replication slots", FAIL, "none free", "raise max_replication_slots (restart) or drop an unused slot"));
            int freeSenders = Integer.parseInt(single(st,
                    "SELECT current_setting('max_wal_senders')::int - count(*) FROM pg_stat_replication"));
            results.add(freeSenders > 0 ? CheckResult.pass("WAL senders", freeSenders + " free")
                    : new CheckResult("WAL senders", FAIL, "none free", "raise max_wal_senders (restart)"));
            boolean replication = "t".equals(single(st,
                    "SELECT (rolreplication OR rolsuper)::text::char FROM pg_roles WHERE rolname = current_user"));
            results.add(replication ? CheckResult.pass("REPLICATION privilege", "granted to " + source.user())
                    : new CheckResult("REPLICATION privilege", FAIL, source.user() + " lacks it",
                            "ALTER ROLE " + source.user() + " REPLICATION"));
            boolean create = "t".equals(single(st,
                    "SELECT has_database_privilege(current_user, current_database(), 'CREATE')::text::char"));
            results.add(create ? CheckResult.pass("publication", source.user() + " may create it")
                    : new CheckResult("publication", FAIL, source.user() + " may not create publications in " + source.database(),
                            "GRANT CREATE ON DATABASE " + source.database() + " TO " + source.user() + ", or create the publication as its owner"));
            String keep = single(st, "SHOW max_slot_wal_keep_size");
            results.add("-1".equals(keep)
                    ? new CheckResult("max_slot_wal_keep_size", WARN, "unlimited: a stopped or slow tandem makes the legacy server keep WAL without bound",
                            "set a limit the disk can hold (tandem stops and offers a re-backfill if the slot is invalidated) and watch the retained WAL")
                    : CheckResult.pass("max_slot_wal_keep_size", keep + " (past it the slot is invalidated; tandem stops and offers a re-backfill)"));
            results.add(WriterRoleCheck.of(c, source, "legacy"));
        } catch (SQLException e) {
            results.add(new CheckResult("legacy database", FAIL, "cannot connect to " + source + ": " + e.getMessage(),
                    "check host, port, user and TANDEM_SOURCE_PASSWORD"));
        }
        return results;
    }

    /** Checks of the new database: tandem may create its control schema, and its writers may run as replicas. */
    static List<CheckResult> target(PgDatabase target) {
        List<CheckResult> results = new ArrayList<>();
        try (Connection c = target.connect("tandem-check"); Statement st = c.createStatement()) {
            boolean schema = "t".equals(single(st, """
                    SELECT (CASE WHEN to_regnamespace('tandem') IS NULL
                                 THEN has_database_privilege(current_user, current_database(), 'CREATE')
                                 ELSE has_schema_privilege(current_user, to_regnamespace('tandem')::oid, 'USAGE, CREATE')
                            END)::text::char"""));
            results.add(schema ? CheckResult.pass("control schema", "tandem may create or use schema tandem in " + target.database())
                    : new CheckResult("control schema", FAIL, target.user() + " may not create schema tandem",
                            "GRANT CREATE ON DATABASE " + target.database() + " TO " + target.user()));
            results.add(WriterRoleCheck.of(c, target, "new"));
        } catch (SQLException e) {
            results.add(new CheckResult("new database", FAIL, "cannot connect to " + target + ": " + e.getMessage(),
                    "check host, port, user and TANDEM_TARGET_PASSWORD"));
        }
        return results;
    }

    /**
     * A warning per large-object column the mapping reads: logical decoding carries the oid, not the object, so the
     * new side would hold numbers pointing at nothing.
     */
    static List<CheckResult> largeObjects(Connection legacy, MappingSpec spec) throws SQLException {
        List<CheckResult> results = new ArrayList<>();
        for (String column : CaptureLimits.largeObjectColumns(legacy, spec)) {
            results.add(new CheckResult("large objects", WARN, column + " refers to a large object: logical decoding "
                    + "carries the oid, not the object in pg_largeobject, so the new side gets a number pointing at nothing",
                    "store the contents in a bytea column on legacy, or copy the large objects yourself (lo_export/lo_import) "
                    + "and keep them in step until cutover"));
        }
        return results;
    }

    private static String single(Statement st, String sql) throws SQLException {
        try (ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
