package dev.tandem.sync;

import static dev.tandem.sync.TestDatabases.awaitTrue;
import static dev.tandem.sync.TestDatabases.exec;
import static dev.tandem.sync.TestDatabases.queryLong;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tandem.capture.PgDatabase;
import dev.tandem.sync.pipeline.Pipeline;
import java.time.Duration;

/**
 * The fault tests' independent checker: a trigger on the target table records every version each
 * row goes through, and the history must show no version twice and none going backwards.
 */
final class HistoryChecks {

    private HistoryChecks() {
    }

    /** Creates {@code history} and the trigger that fills it from {@code table} (which has id and version). */
    static void recordHistory(PgDatabase db, String table, String idColumn) throws Exception {
        String schema = table.substring(0, table.indexOf('.'));
        exec(db, "CREATE TABLE " + schema + ".history (seq bigserial PRIMARY KEY, id int, version int)",
                "CREATE FUNCTION " + schema + ".remember() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO "
                        + schema + ".history (id, version) VALUES (NEW." + idColumn + ", NEW.version); RETURN NEW; END $$",
                "CREATE TRIGGER remember AFTER INSERT OR UPDATE ON " + table + " FOR EACH ROW EXECUTE FUNCTION "
                        + schema + ".remember()",
                // tandem's writers run as replicas: only a trigger enabled ALWAYS sees their writes
                "ALTER TABLE " + table + " ENABLE ALWAYS TRIGGER remember");
    }

    static void assertNoDuplicateOrRegression(PgDatabase db, String schema) throws Exception {
        assertEquals(0, queryLong(db, "SELECT count(*) FROM (SELECT id, version FROM " + schema
                + ".history GROUP BY 1, 2 HAVING count(*) > 1) d"), "a version was applied twice");
        assertEquals(0, queryLong(db, "SELECT count(*) FROM (SELECT version, lag(version) OVER (PARTITION BY id ORDER BY seq)"
                + " AS previous FROM " + schema + ".history) h WHERE version <= previous"), "a row went back to an older version");
    }

    /** Waits until the applier has applied {@code more} changes beyond what it had now. */
    static void awaitApplied(Pipeline pipeline, long more) throws InterruptedException {
        long before = pipeline.applyStats().changesApplied();
        awaitTrue(Duration.ofSeconds(90), more + " more changes applied",
                () -> pipeline.applyStats().changesApplied() >= before + more);
    }
}
