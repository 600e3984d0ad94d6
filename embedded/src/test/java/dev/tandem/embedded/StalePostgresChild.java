package dev.tandem.embedded;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;

/** Test-side main run in a child JVM: starts PostgreSQL on a data directory, writes a row, reports, then waits to be killed. */
public final class StalePostgresChild {

    static final String READY = "ready port=";

    private StalePostgresChild() {
    }

    public static void main(String[] args) throws Exception {
        EmbeddedPostgres postgres = EmbeddedPostgres.start(Path.of(args[0]));
        try (Connection connection = postgres.connect("postgres"); Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE written_before_kill (id int PRIMARY KEY, note text)");
            statement.execute("INSERT INTO written_before_kill VALUES (1, 'survives kill -9')");
        }
        System.out.println(READY + postgres.port());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
