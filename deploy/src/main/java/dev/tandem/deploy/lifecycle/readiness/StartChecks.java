package dev.tandem.deploy.lifecycle.readiness;

import dev.tandem.capture.PgDatabase;
import dev.tandem.deploy.run.MigrationConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * What {@code tandem run} checks before it creates anything (slot, publication, control schema, topic): both
 * databases answer with the configured credentials, Kafka answers and can give the configured replication, and the
 * API port is free. A start refused here leaves nothing behind.
 */
public final class StartChecks {

    private StartChecks() {
    }

    /**
     * One line per problem, each naming the side, the setting and the fix; empty when the start may go on. What works
     * but is a risk (Kafka replication a broker loss would stop, an existing topic replicated otherwise than asked)
     * goes to {@code warnings}.
     */
    public static List<String> refusals(MigrationConfig migration, String apiHost, Integer apiPort,
                                        Consumer<String> warnings) {
        List<String> refusals = new ArrayList<>();
        database("legacy database (source)", "source", migration.source(), refusals);
        database("new database (target)", "target", migration.target(), refusals);
        for (CheckResult kafka : KafkaPreflight.run(migration.bootstrapServers(), migration.kafkaReplication(),
                migration.migration()).checks()) {
            if (kafka.status() == CheckResult.Status.FAIL) {
                refusals.add((kafka.check().equals("Kafka") ? "Kafka (kafka.bootstrap): " : "Kafka: ") + kafka.detail()
                        + "; " + kafka.fix());
            } else if (kafka.status() == CheckResult.Status.WARN) {
                warnings.accept(kafka.check() + ": " + kafka.detail() + "; " + kafka.fix());
            }
        }
        if (apiPort != null && apiPort != 0) {
            try (ServerSocket ignored = new ServerSocket(apiPort, 1, InetAddress.getByName(apiHost))) {
                // bound and released at once: the port is free for the API
            } catch (IOException e) {
                refusals.add("API (--api-port): cannot listen on " + apiHost + ":" + apiPort + " (" + e.getMessage()
                        + "); stop what uses the port or choose another --api-port");
            }
        }
        return refusals;
    }

    private static void database(String side, String key, PgDatabase db, List<String> refusals) {
        try (Connection c = db.connect("tandem-start-check")) {
            c.isValid(5);
        } catch (SQLException e) {
            boolean credentials = "28P01".equals(e.getSQLState()) || "28000".equals(e.getSQLState());
            refusals.add(side + " " + db + ": " + e.getMessage() + (credentials
                    ? "; check " + key + ".url's user and " + key + ".password (and the variable it names)"
                    : "; check " + key + ".url (host, port, database) and that the server runs"));
        }
    }
}
