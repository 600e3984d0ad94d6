package dev.tandem.capture;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;

/**
 * The replication tandem's topics get: what the config says ({@link ReplicationSettings}), else what the cluster can
 * give, up to three copies, with writes acknowledged by two of three ({@code min.insync.replicas}), so the change log
 * survives losing a broker; a single-broker cluster (the embedded one, a laptop) gets one copy.
 *
 * @param factor        copies of each partition
 * @param minInsync     replicas that must have a write before the producer's {@code acks=all} succeeds
 * @param brokers       brokers the cluster reported
 * @param factorFrom    whether the factor was configured or derived from the cluster's size
 * @param minInsyncFrom whether min.insync was configured or derived from the factor
 */
public record TopicReplication(short factor, int minInsync, int brokers, Origin factorFrom, Origin minInsyncFrom) {

    /** Where a value came from. */
    public enum Origin {
        CONFIG, CLUSTER;

        /** How reports name it ("config" or "cluster"). */
        public String label() {
            return name().toLowerCase();
        }
    }

    static final int MAX_FACTOR = 3;
    /** Below this many copies the change log does not survive losing a broker while another is down. */
    static final int RECOMMENDED_FACTOR = 3;

    /** The replication derived for a cluster of {@code brokers} brokers. */
    public static TopicReplication forBrokers(int brokers) {
        short factor = (short) Math.max(1, Math.min(MAX_FACTOR, brokers));
        return new TopicReplication(factor, minInsyncFor(factor), brokers, Origin.CLUSTER, Origin.CLUSTER);
    }

    /** Two in-sync replicas from three copies up (one may be lost and writes go on), else one. */
    static int minInsyncFor(int factor) {
        return factor >= 3 ? 2 : 1;
    }

    /** Asks the cluster how many brokers it has and resolves {@code settings} for it. */
    public static TopicReplication of(Admin admin, ReplicationSettings settings)
            throws ExecutionException, InterruptedException, TimeoutException {
        return settings.resolve(admin.describeCluster().nodes().get(30, TimeUnit.SECONDS).size());
    }

    /** Risks of this replication worth a warning (it works, but a broker loss costs more than it must). */
    public List<String> warnings() {
        List<String> warnings = new ArrayList<>();
        if (minInsync == factor && factor > 1) {
            warnings.add("min.insync.replicas equals the replication factor (" + factor + "): one broker down stops "
                    + "every write to tandem's topics; set " + ReplicationSettings.MIN_INSYNC_KEY + " to " + (factor - 1));
        }
        if (factor < RECOMMENDED_FACTOR && brokers >= RECOMMENDED_FACTOR) {
            warnings.add("replication factor " + factor + " on a cluster of " + brokers + " brokers: losing "
                    + factor + " broker" + (factor == 1 ? "" : "s") + " loses the change log; set "
                    + ReplicationSettings.FACTOR_KEY + " to " + RECOMMENDED_FACTOR + " (or remove it)");
        }
        return warnings;
    }

    @Override
    public String toString() {
        return "replication factor " + factor + " (" + (factorFrom == Origin.CONFIG ? ReplicationSettings.FACTOR_KEY
                : "from the cluster's " + brokers + " broker" + (brokers == 1 ? "" : "s")) + "), min.insync.replicas "
                + minInsync + " (" + (minInsyncFrom == Origin.CONFIG ? ReplicationSettings.MIN_INSYNC_KEY
                : "derived from the factor") + ")";
    }
}
