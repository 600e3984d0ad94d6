package dev.tandem.deploy.bench;

/**
 * Measures tandem and its baseline in alternating order (odd runs: tandem first), so neither
 * side always gets the warmer or the colder machine.
 */
final class Alternating {

    /** One side's measurement. */
    interface Measure<T> {
        T measure() throws Exception;
    }

    /** Both sides of one run. */
    record Pair<T>(T tandem, T baseline) {
    }

    private Alternating() {
    }

    static <T> Pair<T> run(int run, Measure<T> tandem, Measure<T> baseline) throws Exception {
        if (run % 2 == 1) {
            T first = tandem.measure();
            return new Pair<>(first, baseline.measure());
        }
        T first = baseline.measure();
        return new Pair<>(tandem.measure(), first);
    }
}
