package dev.tandem.sync.backfill;

import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A PostgreSQL snapshot as {@code pg_current_snapshot()} prints it ({@code xmin:xmax:xip,…}, 64-bit
 * ids), asked whether a recent source transaction, known by its 32-bit id, committed before it.
 *
 * @param xmin       every transaction below it had finished
 * @param xmax       no transaction from it on had finished
 * @param inProgress transactions between the two still running when the snapshot was taken
 */
public record XidSnapshot(long xmin, long xmax, Set<Long> inProgress) {

    private static final long EPOCH = 1L << 32;

    public XidSnapshot {
        inProgress = Set.copyOf(inProgress);
    }

    /** Parses {@code xmin:xmax:xip1,xip2}. */
    public static XidSnapshot parse(String text) {
        String[] parts = text == null ? new String[0] : text.split(":", -1);
        if (parts.length != 3) {
            throw new IllegalArgumentException("'" + text + "' is not a snapshot as pg_current_snapshot() prints it "
                    + "(xmin:xmax:xip,…)");
        }
        Set<Long> running = parts[2].isEmpty() ? Set.of()
                : Arrays.stream(parts[2].split(",")).map(Long::parseLong).collect(Collectors.toSet());
        return new XidSnapshot(Long.parseLong(parts[0]), Long.parseLong(parts[1]), running);
    }

    /** The transaction snapshot behind an exported snapshot, read by importing it on {@code source}. */
    public static XidSnapshot of(java.sql.Connection source, String exportedSnapshot) throws java.sql.SQLException {
        boolean autoCommit = source.getAutoCommit();
        source.setAutoCommit(false);
        try (java.sql.Statement st = source.createStatement()) {
            st.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
            st.execute("SET TRANSACTION SNAPSHOT '" + exportedSnapshot.replace("'", "''") + "'");
            try (java.sql.ResultSet rs = st.executeQuery("SELECT pg_current_snapshot()::text")) {
                rs.next();
                return parse(rs.getString(1));
            }
        } finally {
            source.commit();
            source.setAutoCommit(autoCommit);
        }
    }

    /**
     * True when the committed transaction {@code xid} (32 bits, as logical decoding reports it, and
     * less than 2^31 transactions before or after the snapshot's xmax) is visible in this snapshot.
     */
    public boolean sees(long xid) {
        // the 64-bit id closest to xmax: the transaction is recent, before or after the snapshot
        long full = (xmax & ~(EPOCH - 1)) | (xid & (EPOCH - 1));
        if (full > xmax + EPOCH / 2) {
            full -= EPOCH;
        } else if (full < xmax - EPOCH / 2) {
            full += EPOCH;
        }
        return full < xmin || (full < xmax && !inProgress.contains(full));
    }

    @Override
    public String toString() {
        return xmin + ":" + xmax + ":" + inProgress.stream().sorted().map(String::valueOf).collect(Collectors.joining(","));
    }
}
