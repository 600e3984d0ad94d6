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
 */
public record TableReport(String table, String mode, int chunks, long rowsCompared, long targetRows, long driftedRows, List<RowDrift> drift,
                          String fenceLsn, String sourceDigest, String targetDigest, double seconds) {

    public TableReport {
        drift = List.copyOf(drift);
    }

    public boolean consistent() {
        return driftedRows == 0;
    }
}
