package dev.tandem.reconcile.digest;

import java.util.List;

/** One row's digest and, on the source side, its source key values (empty on the target side). */
public record RowHash(long hash, List<String> sourceKey) {
}
