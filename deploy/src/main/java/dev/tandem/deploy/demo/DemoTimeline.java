package dev.tandem.deploy.demo;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/** What happened when during a demo run: each step is printed as it happens and listed again at the end. */
final class DemoTimeline {

    /** One step: seconds since the demo started, the step's name and what it did. */
    record Moment(@JsonProperty("at_seconds") double atSeconds, String step, String what) {
        @Override
        public String toString() {
            return String.format("%7.1f s  %-9s %s", atSeconds, step, what);
        }
    }

    private final long startedNanos;
    private final PrintStream console;
    private final List<Moment> moments = new ArrayList<>();

    DemoTimeline(long startedNanos, PrintStream console) {
        this.startedNanos = startedNanos;
        this.console = console;
    }

    synchronized void add(String step, String what) {
        Moment moment = new Moment(Math.round((System.nanoTime() - startedNanos) / 1e8) / 10.0, step, what);
        moments.add(moment);
        console.println(moment);
    }

    synchronized List<Moment> moments() {
        return List.copyOf(moments);
    }
}
