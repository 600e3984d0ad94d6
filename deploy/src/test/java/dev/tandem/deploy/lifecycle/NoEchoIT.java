package dev.tandem.deploy.lifecycle;

import dev.tandem.deploy.lifecycle.switchover.SwitchReport;
import static dev.tandem.deploy.lifecycle.CutoverIT.awaitTrue;
import static dev.tandem.deploy.lifecycle.CutoverIT.exec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.capture.PgDatabase;
import dev.tandem.sync.fence.SourceFence;
import dev.tandem.sync.pipeline.Pipeline;
import dev.tandem.sync.pipeline.PipelineConfig;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * DESIGN invariant 3, no echo: after a cutover, with the reverse sync running and an application writing to the
 * new side, the forward direction writes nothing on the new side, and each application write reaches legacy exactly
 * once. Then the forward direction is started on purpose while the reverse one runs (an overlap the follower never
 * makes): it receives every change the reverse sync wrote to legacy and must write none of them back.
 *
 * <p>The checker is a history trigger on each side's table recording every row version and whether the session
 * writing it was one of tandem's appliers ({@code tandem.sync_writer=on}).
 */
class NoEchoIT {

    private static final int WRITES = 200;
    private static final String HISTORY = """
            CREATE TABLE public.account_history (seq bigserial PRIMARY KEY, op text NOT NULL, id bigint NOT NULL,
                cents bigint, name text, by_sync boolean NOT NULL)""";
    private static final String REMEMBER = """
            CREATE FUNCTION public.remember() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'DELETE' THEN
                    INSERT INTO public.account_history (op, id, by_sync)
                    VALUES (TG_OP, OLD.id, coalesce(current_setting('tandem.sync_writer', true), '') = 'on');
                    RETURN OLD;
                END IF;
                INSERT INTO public.account_history (op, id, cents, name, by_sync)
                VALUES (TG_OP, NEW.id, %s, NEW.%s, coalesce(current_setting('tandem.sync_writer', true), '') = 'on');
                RETURN NEW;
            END $$""";

    @Test
    void neitherDirectionEchoesTheOthersWrites() throws Exception {
        try (CutoverFixture f = new CutoverFixture("noecho", "(n.balance_cents / 100.0)::numeric(12,2)")) {
            exec(f.legacy, HISTORY, REMEMBER.formatted("(NEW.balance * 100)::bigint", "owner"),
                    "CREATE TRIGGER remember AFTER INSERT OR UPDATE OR DELETE ON legacy.account FOR EACH ROW "
                            + "EXECUTE FUNCTION public.remember()",
                    "ALTER TABLE legacy.account ENABLE ALWAYS TRIGGER remember");
            exec(f.newDb, HISTORY, REMEMBER.formatted("NEW.balance_cents", "owner_name"),
                    "CREATE TRIGGER remember AFTER INSERT OR UPDATE OR DELETE ON app.account FOR EACH ROW "
                            + "EXECUTE FUNCTION public.remember()",
                    "ALTER TABLE app.account ENABLE ALWAYS TRIGGER remember");
            f.startSync();
            exec(f.legacy, "INSERT INTO legacy.account VALUES (600, 'before the cutover', 6.00)");
            awaitTrue(() -> f.ids(f.newDb, "app.account").contains(600L), "the forward sync to stream");
            assertEquals(1, count(f.newDb, "by_sync AND op = 'INSERT' AND id = 600", 0),
                    "the checker sees the forward applier's writes as the sync's");

            SwitchReport cutover = f.switchover(CutoverIT.LOOSE).cutover(false);
            assertTrue(cutover.switched(), cutover.message() + " " + cutover.gates());
            long legacyMark = mark(f.legacy);
            long newMark = mark(f.newDb);
            awaitTrue(() -> f.follower.direction() == MigrationPhase.SyncDirection.REVERSE, "the reverse sync to start");

            // The application, on the new side: each transaction inserts an account and credits a different old one,
            // so no two writes touch the same row and each must arrive in legacy as one version of its own.
            try (Connection app = f.newDb.connect("app")) {
                app.setAutoCommit(false);
                for (int i = 1; i <= WRITES; i++) {
                    run(app, "INSERT INTO app.account VALUES (" + (2000 + i) + ", 'new " + i + "', " + (100 * i) + ")",
                            "UPDATE app.account SET balance_cents = balance_cents + 1 WHERE id = " + i);
                    app.commit();
                }
            }
            new SourceFence(Sides.reverseName(f.migration), f.newDb, f.legacy).await(Duration.ofSeconds(60));
            assertEquals(f.newDigest(), f.legacyDigest(), "the reverse sync carried every write to legacy");

            assertEquals(2 * WRITES, count(f.newDb, "NOT by_sync", newMark), "application writes on the new side");
            assertEquals(0, count(f.newDb, "by_sync", newMark), "the forward sync wrote on the new side after the cutover");
            assertEquals(0, count(f.legacy, "NOT by_sync", legacyMark), "the fence let an application write to legacy");
            assertEquals(versions(f.newDb, "NOT by_sync", newMark), versions(f.legacy, "by_sync", legacyMark),
                    "each application write on the new side must reach legacy exactly once, and nothing else");

            // An overlap: the forward sync runs while the reverse one does. It reads back every change the reverse
            // sync made to legacy; they match the new side already, so none may be written there again.
            try (Pipeline forward = new Pipeline(new PipelineConfig(f.migration, f.legacy, f.newDb, f.mapping,
                    f.stack.kafka().bootstrapServers()))) {
                forward.start();
                new SourceFence(f.migration, f.legacy, f.newDb).await(Duration.ofSeconds(60));
                assertTrue(forward.applyStats().changesApplied("app.account") >= 2 * WRITES,
                        "the forward sync received the reverse sync's writes: "
                                + forward.applyStats().changesApplied("app.account") + " changes");
            }
            new SourceFence(Sides.reverseName(f.migration), f.newDb, f.legacy).await(Duration.ofSeconds(60));
            assertEquals(0, count(f.newDb, "by_sync", newMark), "the forward sync echoed the reverse sync's writes");
            assertEquals(2 * WRITES, count(f.legacy, "by_sync", legacyMark), "legacy versions after the overlap");
            assertEquals(f.newDigest(), f.legacyDigest());
        }
    }

    private static long mark(PgDatabase db) throws SQLException {
        return Long.parseLong(CutoverFixture.query(db, "SELECT coalesce(max(seq), 0) FROM public.account_history"));
    }

    private static long count(PgDatabase db, String condition, long after) throws SQLException {
        return Long.parseLong(CutoverFixture.query(db, "SELECT count(*) FROM public.account_history WHERE seq > " + after
                + " AND " + condition));
    }

    /** The row versions written after {@code after} by the sessions {@code condition} selects, in a stable order. */
    private static List<String> versions(PgDatabase db, String condition, long after) throws SQLException {
        List<String> versions = new ArrayList<>();
        try (Connection c = db.connect("test"); PreparedStatement ps = c.prepareStatement("SELECT op || ' ' || id || ' '"
                + " || coalesce(cents::text, '-') || ' ' || coalesce(name, '-') FROM public.account_history WHERE seq > ? AND "
                + condition + " ORDER BY id, op, cents")) {
            ps.setLong(1, after);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    versions.add(rs.getString(1));
                }
            }
        }
        return versions;
    }

    private static void run(Connection c, String... sql) throws SQLException {
        try (var st = c.createStatement()) {
            for (String s : sql) {
                st.execute(s);
            }
        }
    }
}
