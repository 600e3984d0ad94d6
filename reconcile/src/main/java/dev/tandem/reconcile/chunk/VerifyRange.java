package dev.tandem.reconcile.chunk;

import java.util.List;

/**
 * A half-open range of chunk-key values {@code (lower, upper]} in {@code COLLATE "C"} order; a null bound is
 * unbounded. Values are PostgreSQL text renderings.
 */
public record VerifyRange(List<String> lower, List<String> upper) {

    public static final VerifyRange ALL = new VerifyRange(null, null);

    public VerifyRange {
        lower = lower == null ? null : List.copyOf(lower);
        upper = upper == null ? null : List.copyOf(upper);
    }

    @Override
    public String toString() {
        return "(" + (lower == null ? "-∞" : String.join(",", lower)) + " .. " + (upper == null ? "+∞" : String.join(",", upper)) + "]";
    }
}
