package dev.tandem.deploy.control;

import static dev.tandem.deploy.TestSql.exec;
import static dev.tandem.deploy.TestSql.single;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.capture.PgDatabase;
import dev.tandem.deploy.TandemCli;
import dev.tandem.deploy.api.ApiServer;
import dev.tandem.deploy.api.ApiToken;
import dev.tandem.embedded.EmbeddedPostgres;
import dev.tandem.embedded.SharedTestStack;
import dev.tandem.sync.mapping.MappingParser;
import dev.tandem.sync.pipeline.Pipeline;
import dev.tandem.sync.pipeline.PipelineConfig;
import java.io.StringReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;

/**
 * {@code tandem pause} (CLI and API) with a running pipeline: the paused table's changes are parked, not applied,
 * while other tables go on; a resume replays them and both sides end equal. Unknown and already-paused tables are
 * refused, and every step is in the decision log.
 */
class PauseIT {

    private static final String TOKEN = "pause-it-token";
    private static final String MAPPING = """
            tables:
              - target: app.item
                from: legacy.item i
                copy_same_named: true
              - target: app.other
                from: legacy.other o
                copy_same_named: true
            """;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void pausedTableParksItsChangesUntilResumed() throws Exception {
        EmbeddedPostgres postgres = SharedTestStack.get().postgres();
        exec(postgres, "postgres", "DROP DATABASE IF EXISTS pause_legacy WITH (FORCE)", "DROP DATABASE IF EXISTS pause_new WITH (FORCE)",
                "CREATE DATABASE pause_legacy", "CREATE DATABASE pause_new");
        for (String db : new String[] {"pause_legacy", "pause_new"}) {
            String schema = db.equals("pause_legacy") ? "legacy" : "app";
            exec(postgres, db, "CREATE SCHEMA " + schema, "CREATE TABLE " + schema + ".item (id int PRIMARY KEY, v text)",
                    "CREATE TABLE " + schema + ".other (id int PRIMARY KEY, v text)");
        }
        exec(postgres, "pause_legacy", "INSERT INTO legacy.item SELECT g, 'v' || g FROM generate_series(1, 100) g",
                "INSERT INTO legacy.other VALUES (1, 'one')");
        PgDatabase legacy = PgDatabase.fromUrl(postgres.jdbcUrl("pause_legacy"), "");
        PgDatabase target = PgDatabase.fromUrl(postgres.jdbcUrl("pause_new"), "");
        String url = postgres.jdbcUrl("pause_new");
        PipelineConfig config = new PipelineConfig("pause_it", legacy, target,
                MappingParser.parse("pause.yaml", new StringReader(MAPPING)), SharedTestStack.get().kafka().bootstrapServers());
        try (Pipeline pipeline = new Pipeline(config);
             ApiServer api = new ApiServer("pause_it", "127.0.0.1", 0, target, ApiToken.load(null, TOKEN), () -> "")) {
            pipeline.start();
            String base = api.uri() + "api/v1/migrations/pause_it/tables/";

            assertEquals(0, TandemCli.commandLine().execute("pause", "--migration", "pause_it", "--target", url,
                    "--table", "app.item", "--reason", "index maintenance"));
            assertEquals(1, TandemCli.commandLine().execute("pause", "--migration", "pause_it", "--target", url,
                    "--table", "app.item"), "an already paused table is refused");
            assertEquals(2, TandemCli.commandLine().execute("pause", "--migration", "pause_it", "--target", url,
                    "--table", "app.nope"), "a table outside the migration is refused");
            assertEquals(2, TandemCli.commandLine().execute("pause", "--migration", "pause_it", "--target", url,
                    "--table", "app.we.ird"), "a malformed name is refused");
            assertEquals(401, post(base + "app.other/pause", null).statusCode());
            assertEquals(409, post(base + "app.item/pause", TOKEN).statusCode());
            assertEquals(404, post(base + "app.nope/pause", TOKEN).statusCode());

            exec(postgres, "pause_legacy", "INSERT INTO legacy.item SELECT g, 'new' FROM generate_series(101, 110) g",
                    "UPDATE legacy.item SET v = 'changed' WHERE id = 1", "DELETE FROM legacy.item WHERE id = 2",
                    "INSERT INTO legacy.other VALUES (2, 'two')");
            await("app.other to receive the later insert",
                    () -> single(postgres, "pause_new", "SELECT count(*) FROM app.other").equals("2"));
            assertEquals("100", single(postgres, "pause_new", "SELECT count(*) FROM app.item"), "nothing applied to the paused table");
            assertEquals("v1", single(postgres, "pause_new", "SELECT v FROM app.item WHERE id = 1"));
            assertEquals("12", single(postgres, "pause_new",
                    "SELECT count(*) FROM tandem.parked_change WHERE migration = 'pause_it' AND target_table = 'app.item'"),
                    "10 inserts, 1 update and 1 delete are parked in order");

            assertEquals(1, TandemCli.commandLine().execute("skip", "--migration", "pause_it", "--target", url,
                    "--table", "app.item"), "an operator's pause rejected no change: nothing to skip");
            assertEquals(409, post(base + "app.item/skip", TOKEN).statusCode());

            HttpResponse<String> resumed = post(base + "app.item/resume", TOKEN);
            assertEquals(202, resumed.statusCode(), resumed.body());
            await("app.item to equal legacy.item", () -> digest(postgres, "pause_new", "app.item")
                    .equals(digest(postgres, "pause_legacy", "legacy.item")));
            assertEquals("0", single(postgres, "pause_new", "SELECT count(*) FROM tandem.parked_change WHERE migration = 'pause_it'"));
            assertEquals("0", single(postgres, "pause_new", "SELECT count(*) FROM tandem.table_state WHERE migration = 'pause_it'"));
            assertEquals("paused:index maintenance,resume:requested through the API,resumed:12 parked changes applied",
                    single(postgres, "pause_new", "SELECT string_agg(decision || ':' || detail, ',' ORDER BY id) FROM tandem.decision "
                            + "WHERE migration = 'pause_it' AND target_table = 'app.item'"));

            assertEquals(202, post(base + "%22app%22.%22other%22/pause", TOKEN).statusCode(), "quoted parts name the same table");
            assertEquals("paused", single(postgres, "pause_new",
                    "SELECT state FROM tandem.table_state WHERE migration = 'pause_it' AND target_table = 'app.other'"));
            assertNull(pipeline.failure());
        }
    }

    private static String digest(EmbeddedPostgres postgres, String db, String table) throws Exception {
        return single(postgres, db, "SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, ',' ORDER BY id)), '') FROM " + table + " t");
    }

    private static void await(String what, Callable<Boolean> condition) throws Exception {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!condition.call()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after 60 s waiting for " + what);
            }
            Thread.sleep(100);
        }
    }

    private HttpResponse<String> post(String url, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).POST(HttpRequest.BodyPublishers.noBody());
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
