package dev.tandem.deploy.bench;

import static dev.tandem.capture.SqlIdentifiers.quote;

import dev.tandem.capture.PgDatabase;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The baseline: PostgreSQL's own publication and subscription from {@code legacy.item} on the source
 * instance to the same-shaped {@code legacy.item} on the target instance, over loopback.
 */
final class NativeReplication implements Replication {

    private final PgDatabase publisher;
    private final PgDatabase subscriber;
    private final String name;
    private boolean subscribed;

    private NativeReplication(PgDatabase publisher, PgDatabase subscriber, String name) {
        this.publisher = publisher;
        this.subscriber = subscriber;
        this.name = name;
    }

    /** Creates both databases and tables; {@code stampVisibility} adds the {@code visible_at} trigger on the subscriber. */
    static NativeReplication create(BenchServers servers, String tag, boolean stampVisibility) throws SQLException {
        PgDatabase publisher = servers.sourceDatabase("native_pub_" + tag);
        PgDatabase subscriber = servers.targetDatabase("native_sub_" + tag);
        try (Connection c = publisher.connect("tandem-bench")) {
            BenchTable.createSource(c);
        }
        try (Connection c = subscriber.connect("tandem-bench")) {
            BenchTable.createNativeTarget(c);
            if (stampVisibility) {
                BenchTable.stampVisibility(c, BenchTable.SOURCE);
            }
        }
        return new NativeReplication(publisher, subscriber, "bench_native_" + tag);
    }

    @Override
    public String name() {
        return "native";
    }

    @Override
    public PgDatabase source() {
        return publisher;
    }

    @Override
    public PgDatabase target() {
        return subscriber;
    }

    @Override
    public String targetTable() {
        return BenchTable.SOURCE;
    }

    @Override
    public String targetKey() {
        return BenchTable.SOURCE_KEY;
    }

    /** Publication on the source, then a subscription that starts at the current position ({@code copy_data = false}). */
    @Override
    public void start() throws SQLException {
        try (Connection c = publisher.connect("tandem-bench"); Statement st = c.createStatement()) {
            st.execute("CREATE PUBLICATION " + quote(name) + " FOR TABLE legacy.item");
        }
        String conninfo = "host=" + publisher.host() + " port=" + publisher.port() + " dbname=" + publisher.database()
                + " user=" + publisher.user();
        try (Connection c = subscriber.connect("tandem-bench"); Statement st = c.createStatement()) {
            st.execute("CREATE SUBSCRIPTION " + quote(name) + " CONNECTION '" + conninfo.replace("'", "''")
                    + "' PUBLICATION " + quote(name) + " WITH (copy_data = false)");
        }
        subscribed = true;
    }

    @Override
    public Throwable failure() {
        return null;
    }

    /** Drops the subscription (which drops its slot on the publisher), then both databases. */
    @Override
    public void close() throws SQLException {
        if (subscribed) {
            try (Connection c = subscriber.connect("tandem-bench"); Statement st = c.createStatement()) {
                st.execute("DROP SUBSCRIPTION " + quote(name));
            }
        }
        BenchServers.drop(publisher);
        BenchServers.drop(subscriber);
    }
}
