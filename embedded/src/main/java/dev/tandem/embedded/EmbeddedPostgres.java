package dev.tandem.embedded;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real PostgreSQL 18 server run from zonky's binaries on a persistent data directory, on loopback only, with
 * logical decoding enabled; it stops a PostgreSQL left running on the directory by a killed JVM before it starts.
 */
public final class EmbeddedPostgres implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedPostgres.class);

    private static final String SUPERUSER = "postgres";
    private static final Duration STARTUP_WAIT = Duration.ofSeconds(60);
    private static final Duration SHUTDOWN_WAIT = Duration.ofSeconds(30);
    private static final String DUPLICATE_DATABASE = "42P04";

    private final Path dataDir;
    private final Path logFile;
    private final int port;
    private final PostgresSettings settings;
    private io.zonky.test.db.postgres.embedded.EmbeddedPostgres server;

    private EmbeddedPostgres(Path dataDir, int port, PostgresSettings settings) {
        this.dataDir = dataDir;
        this.logFile = dataDir.resolveSibling(dataDir.getFileName() + ".log");
        this.port = port;
        this.settings = settings;
    }

    /** Starts PostgreSQL on {@code dataDir} (created and initialised when new, reused otherwise) on a free port. */
    public static EmbeddedPostgres start(Path dataDir) {
        return start(dataDir, 0, PostgresSettings.DURABLE);
    }

    /** Starts PostgreSQL on {@code dataDir} on {@code port}; port 0 picks a free one. */
    public static EmbeddedPostgres start(Path dataDir, int port) {
        return start(dataDir, port, PostgresSettings.DURABLE);
    }

    /** Starts PostgreSQL on {@code dataDir} on {@code port} (0 picks a free one) with the given durability. */
    public static EmbeddedPostgres start(Path dataDir, int port, PostgresSettings settings) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("PostgreSQL port " + port + " is out of range; use 1-65535, or 0 for a"
                    + " free port");
        }
        Path absolute = dataDir.toAbsolutePath().normalize();
        EmbeddedPostgres postgres = new EmbeddedPostgres(absolute, port == 0 ? FreePort.pick() : port, settings);
        postgres.startServer();
        return postgres;
    }

    /** The TCP port on 127.0.0.1. */
    public int port() {
        return port;
    }

    /** The data directory. */
    public Path dataDir() {
        return dataDir;
    }

    /** The file the server's own log goes to: {@code <dataDir>.log} beside the data directory. */
    public Path logFile() {
        return logFile;
    }

    /** {@code jdbc:postgresql://127.0.0.1:PORT/DATABASE?user=postgres}; the superuser needs no password. */
    public String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database + "?user=" + SUPERUSER;
    }

    /** Opens a superuser connection to {@code database}. */
    public Connection connect(String database) throws SQLException {
        return DriverManager.getConnection(jdbcUrl(database));
    }

    /** Creates database {@code name} unless it exists; safe to call concurrently. */
    public void createDatabase(String name) {
        try (Connection connection = connect("postgres")) {
            try (PreparedStatement exists = connection.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
                exists.setString(1, name);
                try (ResultSet rows = exists.executeQuery()) {
                    if (rows.next()) {
                        return;
                    }
                }
            }
            try (Statement create = connection.createStatement()) {
                create.execute("CREATE DATABASE " + quoteIdentifier(name));
                log.info("Created database {} on PostgreSQL port {}", name, port);
            }
        } catch (SQLException e) {
            if (DUPLICATE_DATABASE.equals(e.getSQLState())) {
                return;
            }
            throw new IllegalStateException("cannot create database " + name + " on PostgreSQL 127.0.0.1:" + port
                    + " (" + e.getSQLState() + "); see " + logFile, e);
        }
    }

    /** Stops the server and starts it again on the same port and data directory, as after a crash-free restart. */
    public synchronized void restart() {
        stopServer();
        startServer();
    }

    /** Stops the server (fast shutdown); does nothing when it is not running. */
    @Override
    public synchronized void close() {
        stopServer();
    }

    private synchronized void startServer() {
        if (server != null) {
            throw new IllegalStateException("PostgreSQL on " + dataDir + " is already running on port " + port
                    + "; call restart() or close() first");
        }
        long started = System.nanoTime();
        boolean fresh = !Files.exists(dataDir.resolve("PG_VERSION"));
        try {
            Files.createDirectories(dataDir.getParent());
            OrphanedPostmaster.stop(dataDir, SHUTDOWN_WAIT);
            File logTarget = logFile.toFile();
            var builder = io.zonky.test.db.postgres.embedded.EmbeddedPostgres.builder()
                    .setDataDirectory(dataDir)
                    .setCleanDataDirectory(false)
                    .setRegisterShutdownHook(false)
                    .setPort(port)
                    .setPGStartupWait(STARTUP_WAIT)
                    .setOutputRedirector(ProcessBuilder.Redirect.appendTo(logTarget))
                    .setErrorRedirector(ProcessBuilder.Redirect.appendTo(logTarget));
            settings.serverConfig().forEach(builder::setServerConfig);
            server = builder.start();
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("PostgreSQL did not start on 127.0.0.1:" + port + " with data directory "
                    + dataDir + ": " + e.getMessage() + "; see " + logFile + " (if the port is taken, start on"
                    + " another port; if the directory is damaged and holds nothing you need, delete it)", e);
        }
        String version;
        try {
            version = verifyServer();
        } catch (RuntimeException e) {
            stopServer();
            throw e;
        }
        log.info("PostgreSQL {} started on 127.0.0.1:{} in {} ms ({} data directory {})", version, port,
                elapsedMillis(started), fresh ? "new" : "existing", dataDir);
    }

    private void stopServer() {
        if (server == null) {
            return;
        }
        long started = System.nanoTime();
        try {
            server.close();
        } catch (IOException e) {
            log.warn("pg_ctl stop failed for {}; making sure the postmaster is gone: {}", dataDir, e.toString());
        } finally {
            server = null;
        }
        try {
            OrphanedPostmaster.stop(dataDir, SHUTDOWN_WAIT);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot check that PostgreSQL on " + dataDir + " stopped; inspect "
                    + dataDir.resolve(PostmasterPidFile.FILE_NAME), e);
        }
        log.info("PostgreSQL on 127.0.0.1:{} stopped in {} ms", port, elapsedMillis(started));
    }

    /**
     * Returns the server's version after checking that the server answering on the port runs on this data directory:
     * a port taken by another PostgreSQL in the meantime would otherwise pass zonky's readiness check.
     */
    private String verifyServer() {
        try (Connection connection = connect("postgres");
             Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery(
                     "SELECT current_setting('server_version'), current_setting('data_directory')")) {
            rows.next();
            Path served = Path.of(rows.getString(2));
            if (!Files.isSameFile(served, dataDir)) {
                throw new IllegalStateException("port " + port + " is served by a PostgreSQL on " + served + ", not by"
                        + " the one started on " + dataDir + "; start on another port");
            }
            return rows.getString(1);
        } catch (SQLException | IOException e) {
            throw new IllegalStateException("PostgreSQL on 127.0.0.1:" + port + " started but cannot be verified ("
                    + e.getMessage() + "); see " + logFile, e);
        }
    }

    /** Quotes an SQL identifier: wraps it in double quotes and doubles any double quote inside. */
    static String quoteIdentifier(String identifier) {
        if (identifier.isEmpty() || identifier.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("invalid SQL identifier '" + identifier + "': it must be non-empty and"
                    + " free of NUL characters");
        }
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }

    private static long elapsedMillis(long startedNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos);
    }
}
