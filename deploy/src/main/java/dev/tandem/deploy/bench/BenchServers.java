package dev.tandem.deploy.bench;

import static dev.tandem.capture.SqlIdentifiers.quote;

import dev.tandem.capture.PgDatabase;
import dev.tandem.embedded.EmbeddedPostgres;
import dev.tandem.embedded.EmbeddedStack;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The servers every part runs on: a source PostgreSQL (with the Kafka broker) and a separate target
 * PostgreSQL, so tandem and native replication both cross from one instance to the other.
 */
final class BenchServers implements AutoCloseable {

    private static final String HOST = "127.0.0.1";
    private static final String SUPERUSER = "postgres";
    private static final String TARGET_DIR = "postgres-target";

    private final EmbeddedStack stack;
    private final EmbeddedPostgres target;

    private BenchServers(EmbeddedStack stack, EmbeddedPostgres target) {
        this.stack = stack;
        this.target = target;
    }

    /** Starts both servers on an emptied {@code workDir}. */
    static BenchServers start(Path workDir) {
        Path dir = workDir.toAbsolutePath().normalize();
        Path targetDir = dir.resolve(TARGET_DIR);
        if (Files.exists(targetDir.resolve("postmaster.pid"))) {
            // a killed earlier run may have left this server running; starting on it stops that one first
            EmbeddedPostgres.start(targetDir).close();
        }
        EmbeddedStack stack = EmbeddedStack.startFresh(dir);
        try {
            return new BenchServers(stack, EmbeddedPostgres.start(targetDir));
        } catch (RuntimeException e) {
            stack.close();
            throw e;
        }
    }

    /** A new, empty database on the source instance. */
    PgDatabase sourceDatabase(String name) {
        stack.postgres().createDatabase(name);
        return new PgDatabase(HOST, stack.postgres().port(), name, SUPERUSER, "");
    }

    /** A new, empty database on the target instance. */
    PgDatabase targetDatabase(String name) {
        target.createDatabase(name);
        return new PgDatabase(HOST, target.port(), name, SUPERUSER, "");
    }

    String bootstrapServers() {
        return stack.kafka().bootstrapServers();
    }

    /** Drops {@code database}, disconnecting its sessions; slots and subscriptions on it must be gone. */
    static void drop(PgDatabase database) throws SQLException {
        try (Connection c = admin(database).connect("tandem-bench");
             Statement st = c.createStatement()) {
            st.execute("DROP DATABASE IF EXISTS " + quote(database.database()) + " WITH (FORCE)");
        }
    }

    /** Flushes dirty buffers on the instance of {@code database}, so a checkpoint does not land inside a measurement. */
    static void checkpoint(PgDatabase database) throws SQLException {
        try (Connection c = admin(database).connect("tandem-bench");
             Statement st = c.createStatement()) {
            st.execute("CHECKPOINT");
        }
    }

    /** {@code server_version} of the source instance (both run the same binaries). */
    String postgresVersion() throws SQLException {
        try (Connection c = stack.postgres().connect("postgres");
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SHOW server_version")) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static PgDatabase admin(PgDatabase database) {
        return new PgDatabase(database.host(), database.port(), "postgres", database.user(), database.password());
    }

    @Override
    public void close() {
        try {
            target.close();
        } finally {
            stack.close();
        }
    }
}
