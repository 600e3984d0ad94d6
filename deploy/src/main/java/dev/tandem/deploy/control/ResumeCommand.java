package dev.tandem.deploy.control;

import dev.tandem.sync.control.TableStates;
import picocli.CommandLine.Command;

/** {@code tandem resume}: replay a paused table's parked changes once the cause is fixed. */
@Command(name = "resume", mixinStandardHelpOptions = true,
        description = "Retries a paused table: its parked changes are applied in order; if one is still rejected the table stays paused.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:request recorded", "1:the table is not paused", "2:invalid options or database unreachable"})
public final class ResumeCommand extends TableRequestCommand {

    @Override
    TableStates.State request() {
        return TableStates.State.RESUME;
    }
}
