package dev.tandem.reconcile.full;

/**
 * The result of comparing one mapped table on both sides.
 *
 * @param source the legacy table
 * @param target the new table
 * @param legacy digest of the legacy rows, projected to the mapped columns
 * @param fresh  digest of the new rows over the same columns
 */
public record TableComparison(String source, String target, TableDigest legacy, TableDigest fresh) {

    public boolean consistent() {
        return legacy.equals(fresh);
    }
}
