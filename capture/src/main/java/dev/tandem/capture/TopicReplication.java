package dev.tandem.capture;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;

/**
 * The replication tandem's topics get: what the cluster can give, up to three copies, with writes acknowledged by
 * two of three ({@code min.insync.replicas}), so the change log survives losing a broker; a single-broker cluster
 * (the embedded one, a laptop) gets one copy.
 *
 * @param factor      copies of each partition
 * @param minInsync   replicas that must have a write before the producer's {@code acks=all} succeeds
 * @param brokers     brokers the cluster reported
 */
public record TopicReplication(short factor, int minInsync, int brokers) {

    static final int MAX_FACTOR = 3;

    /** The replication for a cluster of {@code brokers} brokers. */
    public static TopicReplication forBrokers(int brokers) {
        short factor = (short) Math.max(1, Math.min(MAX_FACTOR, brokers));
        return new TopicReplication(factor, factor >= 3 ? 2 : 1, brokers);
    }

    /** Asks the cluster how many brokers it has. */
    public static TopicReplication of(Admin admin) throws ExecutionException, InterruptedException, TimeoutException {
        return forBrokers(admin.describeCluster().nodes().get(30, TimeUnit.SECONDS).size());
    }

    @Override
    public String toString() {
        return "replication factor " + factor + ", min.insync.replicas " + minInsync + " (" + brokers + " broker"
                + (brokers == 1 ? "" : "s") + ")";
    }
}
