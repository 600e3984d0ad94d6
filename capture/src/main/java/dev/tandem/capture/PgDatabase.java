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

    public String jdbcUrl() {
        return "jdbc:postgresql://" + host + ":" + port + "/" + database;
    }

    /** Opens a plain JDBC connection tagged with {@code applicationName} in pg_stat_activity. */
    public Connection connect(String applicationName) throws SQLException {
        return DriverManager.getConnection(jdbcUrl(), properties(applicationName));
    }

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
