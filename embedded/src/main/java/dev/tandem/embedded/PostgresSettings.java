package dev.tandem.embedded;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Server settings of the embedded PostgreSQL; only durability is tunable, everything else is fixed.
 *
 * <p>zonky's embedded PostgreSQL turns {@code fsync} and {@code synchronous_commit} off to start faster. tandem turns
 * both back on by default, because it tests crash recovery and logical decoding: with {@code synchronous_commit=off}
 * a commit is reported before its WAL is flushed, and logical decoding lags until it is.
 *
 * @param fsync             {@code fsync}: flush WAL and data files to disk; default on ({@link #DURABLE})
 * @param synchronousCommit {@code synchronous_commit}: a commit returns only after its WAL is flushed; default on
 */
public record PostgresSettings(boolean fsync, boolean synchronousCommit) {

    /** {@code fsync=on}, {@code synchronous_commit=on}: what production runs, and the default. */
    public static final PostgresSettings DURABLE = new PostgresSettings(true, true);

    /** Logical decoding needs {@code wal_level=logical}; capture uses one replication slot per source database. */
    static final String WAL_LEVEL = "logical";
    /** Replication slots and WAL senders, enough for tests that each create their own slot. */
    static final int MAX_REPLICATION_SLOTS = 64;
    /** One WAL sender per active slot. */
    static final int MAX_WAL_SENDERS = 64;
    /** Connections for the application, Debezium and many test classes sharing one server. */
    static final int MAX_CONNECTIONS = 200;
    /** Loopback only: the embedded server is never reachable from another machine. */
    static final String LISTEN_ADDRESSES = "127.0.0.1";
    /** PostgreSQL's own default, stated so that a change of zonky's defaults cannot move it. */
    static final String SHARED_BUFFERS = "128MB";

    /** The {@code -c name=value} settings passed to the postmaster. */
    Map<String, String> serverConfig() {
        Map<String, String> config = new LinkedHashMap<>();
        config.put("wal_level", WAL_LEVEL);
        config.put("max_replication_slots", Integer.toString(MAX_REPLICATION_SLOTS));
        config.put("max_wal_senders", Integer.toString(MAX_WAL_SENDERS));
        config.put("max_connections", Integer.toString(MAX_CONNECTIONS));
        config.put("listen_addresses", LISTEN_ADDRESSES);
        config.put("shared_buffers", SHARED_BUFFERS);
        config.put("fsync", onOff(fsync));
        config.put("synchronous_commit", onOff(synchronousCommit));
        return config;
    }

    private static String onOff(boolean value) {
        return value ? "on" : "off";
    }
}
