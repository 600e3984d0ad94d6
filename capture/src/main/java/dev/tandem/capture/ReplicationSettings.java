package dev.tandem.capture;

/**
 * The replication the migration config asks of tandem's topics ({@value #FACTOR_KEY}, {@value #MIN_INSYNC_KEY});
 * either may be absent (null), and an absent one is derived from the cluster's size when the topics are made.
 *
 * @param factor    copies of each partition, or null for what the cluster can give (up to three)
 * @param minInsync replicas that must have a write before it is acknowledged, or null for two of three (else one)
 */
public record ReplicationSettings(Integer factor, Integer minInsync) {

    public static final String FACTOR_KEY = "kafka.replication_factor";
    public static final String MIN_INSYNC_KEY = "kafka.min_insync_replicas";
    /** Nothing configured: both derived from the cluster's size. */
    public static final ReplicationSettings FROM_CLUSTER = new ReplicationSettings(null, null);

    public ReplicationSettings {
        if (factor != null && (factor < 1 || factor > Short.MAX_VALUE)) {
            throw new IllegalArgumentException(FACTOR_KEY + " is " + factor + ": a topic needs at least one copy; "
                    + "set it to 1 or more, or remove it to get what the cluster can give (up to 3)");
        }
        if (minInsync != null && minInsync < 1) {
            throw new IllegalArgumentException(MIN_INSYNC_KEY + " is " + minInsync + ": a write needs at least one "
                    + "replica; set it to 1 or more, or remove it");
        }
        if (factor != null && minInsync != null && minInsync > factor) {
            throw new IllegalArgumentException(MIN_INSYNC_KEY + " is " + minInsync + " but " + FACTOR_KEY + " is "
                    + factor + ": no write could ever be acknowledged; set " + MIN_INSYNC_KEY + " to at most " + factor);
        }
    }

    /**
     * The replication tandem's topics get on a cluster of {@code brokers} brokers: what is configured, and the
     * derivation for what is not.
     *
     * @throws IllegalStateException when the cluster cannot give it (more copies than brokers, or more in-sync
     *                               replicas than the derived factor); the message names the key and the fix
     */
    public TopicReplication resolve(int brokers) {
        TopicReplication derived = TopicReplication.forBrokers(brokers);
        short resolvedFactor = factor == null ? derived.factor() : factor.shortValue();
        if (resolvedFactor > brokers) {
            throw new IllegalStateException("Kafka: replication_factor " + resolvedFactor + " but the cluster has "
                    + brokers + " broker" + (brokers == 1 ? "" : "s") + ": lower " + FACTOR_KEY + " or add brokers");
        }
        int resolvedMinInsync = minInsync == null ? TopicReplication.minInsyncFor(resolvedFactor) : minInsync;
        if (resolvedMinInsync > resolvedFactor) {
            throw new IllegalStateException("Kafka: min_insync_replicas " + resolvedMinInsync + " but the replication "
                    + "factor derived from the cluster's " + brokers + " broker" + (brokers == 1 ? "" : "s") + " is "
                    + resolvedFactor + ": lower " + MIN_INSYNC_KEY + ", or set " + FACTOR_KEY + " and add brokers");
        }
        return new TopicReplication(resolvedFactor, resolvedMinInsync, brokers,
                factor == null ? TopicReplication.Origin.CLUSTER : TopicReplication.Origin.CONFIG,
                minInsync == null ? TopicReplication.Origin.CLUSTER : TopicReplication.Origin.CONFIG);
    }

    @Override
    public String toString() {
        return (factor == null ? "replication factor from the cluster's size" : FACTOR_KEY + " " + factor) + ", "
                + (minInsync == null ? "min.insync.replicas from the factor" : MIN_INSYNC_KEY + " " + minInsync);
    }
}
