package dev.tandem.reconcile;

import java.util.List;

/**
 * One table's verification in a pass.
 *
 * @param table        the target table
 * @param mode         where the source side was digested: {@code pushdown} (on the source) or {@code staged}
 * @param chunks       chunks compared
 * @param rowsCompared source rows compared (those passing the mapping's filter)
 * @param targetRows   target rows compared
 * @param driftedRows  rows that still differed after the rechecks
 * @param drift        drifted rows, capped at the settings' sample cap
 * @param fenceLsn     source position applied before the table was verified
 * @param sourceDigest sum of the source chunks' digests
 * @param targetDigest sum of the target chunks' digests
 * @param seconds      time the table took
 * @param unsettledRows rows still differing that the source changed in every recheck up to the bound (hot rows): not
 *                     drift, not proven equal either; the next pass (or the cutover, with writes blocked) settles them
 * @param unsettled    unsettled rows as last seen, capped at the settings' sample cap
 */
public record TableReport(String table, String mode, int chunks, long rowsCompared, long targetRows, long driftedRows, List<RowDrift> drift,
                          String fenceLsn, String sourceDigest, String targetDigest, double seconds, long unsettledRows,
                          List<RowDrift> unsettled) {

    public TableReport {
        drift = List.copyOf(drift);
        unsettled = List.copyOf(unsettled);
    }

    /** A report without unsettled rows. */
    public TableReport(String table, String mode, int chunks, long rowsCompared, long targetRows, long driftedRows, List<RowDrift> drift,
                       String fenceLsn, String sourceDigest, String targetDigest, double seconds) {
        this(table, mode, chunks, rowsCompared, targetRows, driftedRows, drift, fenceLsn, sourceDigest, targetDigest, seconds, 0, List.of());
    }

    /** No row drifted (unsettled rows do not count: they were changing on the source, not drifting). */
    public boolean consistent() {
        return driftedRows == 0;
    }

    /** Consistent, and every differing row was settled (none kept changing past the recheck bound). */
    public boolean settled() {
        return driftedRows == 0 && unsettledRows == 0;
    }
}
