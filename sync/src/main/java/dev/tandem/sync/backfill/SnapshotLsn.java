package dev.tandem.sync.backfill;

/** Reads PostgreSQL's textual LSN ({@code 16/B374D848}) as the number it stands for. */
public final class SnapshotLsn {

    private SnapshotLsn() {
    }

    public static long parse(String lsn) {
        int slash = lsn == null ? -1 : lsn.indexOf('/');
        if (slash <= 0 || slash == lsn.length() - 1) {
            throw new IllegalArgumentException("'" + lsn + "' is not an LSN (write it as HIGH/LOW in hex, e.g. 0/16B3748)");
        }
        try {
            return (Long.parseLong(lsn.substring(0, slash), 16) << 32) | Long.parseLong(lsn.substring(slash + 1), 16);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + lsn + "' is not an LSN (write it as HIGH/LOW in hex, e.g. 0/16B3748)", e);
        }
    }
}
