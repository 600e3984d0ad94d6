package dev.tandem.reconcile.full;

/**
 * The result of comparing one mapped table on both sides.
 *
 * @param source the legacy table
 * @param target the new table
 * @param legacy digest of the legacy rows, projected to the mapped columns
 * @param newDb  digest of the new rows over the same columns
 */
public record TableComparison(String source, String target, TableDigest legacy, TableDigest newDb) {

    public boolean consistent() {
        return legacy.equals(newDb);
    }
}
