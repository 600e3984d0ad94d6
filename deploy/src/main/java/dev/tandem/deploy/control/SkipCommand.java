package dev.tandem.deploy.control;

import dev.tandem.sync.control.TableStates;
import picocli.CommandLine.Command;

/** {@code tandem skip}: drop the change a paused table rejected (recorded), then resume. */
@Command(name = "skip", mixinStandardHelpOptions = true,
        description = {"Drops the first parked change of a paused table (the one it rejected), records the decision,",
                "then applies the rest in order."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:request recorded", "1:the table is not paused, or was paused by the operator (nothing to skip)",
                "2:invalid options or database unreachable"})
public final class SkipCommand extends TableRequestCommand {

    @Override
    TableStates.State request() {
        return TableStates.State.SKIP;
    }
}
