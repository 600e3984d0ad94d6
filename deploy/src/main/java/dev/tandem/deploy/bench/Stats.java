package dev.tandem.deploy.bench;

import java.util.List;
import java.util.function.ToDoubleFunction;

/** Medians of per-run figures. */
final class Stats {

    private Stats() {
    }

    /** The median of {@code f} over {@code runs} (the mean of the two middle values for an even count). */
    static <T> double median(List<T> runs, ToDoubleFunction<T> f) {
        if (runs.isEmpty()) {
            throw new IllegalArgumentException("no runs to take a median of");
        }
        double[] values = runs.stream().mapToDouble(f).sorted().toArray();
        int mid = values.length / 2;
        return values.length % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
    }
}
