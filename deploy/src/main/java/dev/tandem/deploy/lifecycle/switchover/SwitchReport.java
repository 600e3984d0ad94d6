package dev.tandem.deploy.lifecycle.switchover;

import java.util.List;
import java.util.Map;

/**
 * What a cutover or rollback did.
 *
 * @param operation   cutover or rollback
 * @param outcome     switched, aborted (write block reopened), refused (a gate failed) or planned (dry run)
 * @param gates       each gate's verdict (empty for a rollback, which has none)
 * @param phaseMillis write-block time per phase: fence, drain, verify, switch
 * @param blockMillis total write-block time
 * @param reverified  rows re-verified inside the block
 * @param message     one line for the operator
 * @param sequences   each sequence of the opened side and what the switch set it to (empty unless switched)
 */
public record SwitchReport(SwitchOperation operation, SwitchOutcome outcome, List<GateResult> gates, Map<String, Long> phaseMillis,
                           long blockMillis, long reverified, String message, List<SequenceColumns.Moved> sequences) {

    public SwitchReport(SwitchOperation operation, SwitchOutcome outcome, List<GateResult> gates, Map<String, Long> phaseMillis,
                        long blockMillis, long reverified, String message) {
        this(operation, outcome, gates, phaseMillis, blockMillis, reverified, message, List.of());
    }

    public boolean switched() {
        return outcome == SwitchOutcome.SWITCHED;
    }
}
