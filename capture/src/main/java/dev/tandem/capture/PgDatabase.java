package dev.tandem.capture;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Objects;
import java.util.Properties;

/**
 * A PostgreSQL database: where it lives and how to log in; {@link #toString()} never shows the password.
 */
public record PgDatabase(String host, int port, String database, String user, String password) {

    public PgDatabase {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(database, "database");
        Objects.requireNonNull(user, "user");
        if (port <= 0 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is not a TCP port (1..65535)");
        }
        password = password == null ? "" : password;
    }

    /**
     * Reads {@code jdbc:postgresql://host[:port]/database[?user=name]} (user defaults to
     * {@code postgres}); the password is passed separately so it never sits in a URL or a log.
     */
    public static PgDatabase fromUrl(String url, String password) {
        java.util.regex.Matcher m = java.util.regex.Pattern
                .compile("jdbc:postgresql://([^:/?]+)(?::(\\d+))?/([^?]+)(?:\\?(.*))?").matcher(url == null ? "" : url);
        if (!m.matches()) {
            String shown = url == null ? null : url.replaceAll("(?i)password=[^&]*", "password=***");
            throw new IllegalArgumentException("'" + shown + "' is not a PostgreSQL JDBC URL: write "
                    + "jdbc:postgresql://HOST:PORT/DATABASE?user=NAME");
        }
        String user = "postgres";
        if (m.group(4) != null) {
            for (String parameter : m.group(4).split("&")) {
                if (parameter.startsWith("user=")) {
                    user = parameter.substring("user=".length());
                } else if (parameter.startsWith("password=")) {
                    throw new IllegalArgumentException("the URL carries a password: remove it from the URL and pass it "
                            + "through the environment instead, so it never shows in a process list or a log");
                }
            }
        }
        return new PgDatabase(m.group(1), m.group(2) == null ? 5432 : Integer.parseInt(m.group(2)), m.group(3), user, password);
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://" + host + ":" + port + "/" + database;
    }

    /** Opens a plain JDBC connection tagged with {@code applicationName} in pg_stat_activity. */
    public Connection connect(String applicationName) throws SQLException {
        return DriverManager.getConnection(jdbcUrl(), properties(applicationName));
    }

    /**
     * Opens a connection for tandem's own writers (appliers, backfill, the reverse sync): its writes pass the write
     * fences that block applications during and after a cutover (the fence trigger checks this session setting), and
     * it runs with {@code session_replication_role = replica}, as PostgreSQL's own apply worker does, so foreign keys
     * and ordinary triggers do not fire for replicated rows (triggers enabled ALWAYS or REPLICA still do).
     *
     * @throws SQLException naming the grant to give when the user may not set {@code session_replication_role}
     */
    public Connection connectAsSyncWriter(String applicationName) throws SQLException {
        Properties props = properties(applicationName);
        props.setProperty("options", "-c " + SYNC_WRITER_SETTING + "=on -c " + REPLICATION_ROLE_SETTING + "=replica");
        try {
            return DriverManager.getConnection(jdbcUrl(), props);
        } catch (SQLException e) {
            if (INSUFFICIENT_PRIVILEGE.equals(e.getSQLState())
                    && String.valueOf(e.getMessage()).contains(REPLICATION_ROLE_SETTING)) {
                throw new SQLException(replicationRoleRefused(), e.getSQLState(), e);
            }
            throw e;
        }
    }

    /** What to do when this database's user may not set {@code session_replication_role}. */
    public String replicationRoleRefused() {
        return "tandem's writers on " + this + " run with " + REPLICATION_ROLE_SETTING + " = replica (so foreign keys "
                + "and ordinary triggers do not fire for replicated rows, as in PostgreSQL's own logical replication), but "
                + "user " + user + " may not set it: run GRANT SET ON PARAMETER " + REPLICATION_ROLE_SETTING + " TO "
                + user + " (PostgreSQL 15 or later) as a superuser, or connect as a superuser";
    }

    /** The session setting that marks tandem's own writers. */
    public static final String SYNC_WRITER_SETTING = "tandem.sync_writer";

    /** The setting that keeps foreign keys and ordinary triggers from firing for tandem's writes. */
    public static final String REPLICATION_ROLE_SETTING = "session_replication_role";

    private static final String INSUFFICIENT_PRIVILEGE = "42501";

    Properties properties(String applicationName) {
        Properties props = new Properties();
        props.setProperty("user", user);
        props.setProperty("password", password);
        props.setProperty("ApplicationName", applicationName);
        props.setProperty("tcpKeepAlive", "true");
        return props;
    }

    @Override
    public String toString() {
        return user + "@" + host + ":" + port + "/" + database;
    }
}
