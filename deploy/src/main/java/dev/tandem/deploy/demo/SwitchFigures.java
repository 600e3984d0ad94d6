package dev.tandem.deploy.demo;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.tandem.deploy.lifecycle.switchover.SequenceColumns;
import dev.tandem.deploy.lifecycle.switchover.SwitchOutcome;
import dev.tandem.deploy.lifecycle.switchover.SwitchReport;
import java.util.List;
import java.util.Map;

/**
 * One switch of the demo as the JSON report shows it.
 *
 * @param outcome   switched, aborted, refused
 * @param blockMs   how long application writes were blocked
 * @param phaseMs   the write block per phase: fence, drain, verify, switch
 * @param sequences each sequence of the side that opened, and where the switch set it
 * @param message   the switch's one line for the operator
 */
record SwitchFigures(String outcome, @JsonProperty("block_ms") long blockMs, @JsonProperty("phase_ms") Map<String, Long> phaseMs,
                     List<Sequence> sequences, String message) {

    /**
     * A sequence of the side that opened: the column it feeds, the largest value in that column, and the value the
     * application's next insert takes from it.
     */
    record Sequence(String column, String sequence, @JsonProperty("column_max") Long columnMax, long next) {
        static Sequence of(SequenceColumns.Moved moved) {
            return new Sequence(moved.backed().table() + "." + moved.backed().column(), moved.backed().sequence(), moved.max(),
                    moved.nextAfter());
        }
    }

    static SwitchFigures of(SwitchReport report) {
        return new SwitchFigures(report.outcome().label(), report.blockMillis(), report.phaseMillis(),
                report.sequences().stream().map(Sequence::of).toList(), report.message());
    }

    boolean switched() {
        return SwitchOutcome.SWITCHED.label().equals(outcome);
    }

    /** "switched, write block 94 ms (fence 12, drain 31, verify 20, switch 31)". */
    String summary() {
        StringBuilder phases = new StringBuilder();
        phaseMs.forEach((phase, ms) -> phases.append(phases.isEmpty() ? "" : ", ").append(phase).append(' ').append(ms));
        return outcome + (blockMs > 0 || switched() ? ", write block " + blockMs + " ms" + (phases.isEmpty() ? "" : " (" + phases
                + ")") : "") + (switched() ? "" : ": " + message);
    }
}
