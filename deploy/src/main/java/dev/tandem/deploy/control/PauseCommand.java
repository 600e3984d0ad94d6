package dev.tandem.deploy.control;

import dev.tandem.deploy.lifecycle.ControlUnavailableException;
import dev.tandem.deploy.lifecycle.TableRequests;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code tandem pause}: an operator stops applying a table's changes on purpose; they are parked until a resume. */
@Command(name = "pause", mixinStandardHelpOptions = true,
        description = {"Pauses a table on purpose (e.g. before maintenance): the running applier parks its changes, in order,",
                "from its next batch on; `tandem resume` applies them. Recorded in the decision log."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:pause recorded", "1:the table is already paused",
                "2:invalid options, unknown table, or database unreachable"})
public final class PauseCommand implements Callable<Integer> {

    @Mixin
    ControlOptions control;

    @Option(names = "--table", required = true,
            description = "The target table (schema.table; double-quote a part that contains a dot, a quote or a space).")
    String table;

    @Option(names = "--reason", defaultValue = "", description = "Why, for the decision log.")
    String reason;

    @Override
    public Integer call() {
        try {
            String detail = reason.isBlank() ? "paused from the command line" : reason;
            return switch (TableRequests.pause(control.target(), control.migration, table, detail)) {
                case RECORDED -> {
                    System.out.println("pause recorded for " + table + ": the applier parks its changes from its next batch; "
                            + "run `tandem resume --migration " + control.migration + " --table " + table + "` to apply them");
                    yield 0;
                }
                case ALREADY_PAUSED -> {
                    System.err.println(table + " is already paused in migration " + control.migration
                            + "; see `tandem status` for the reason, or `tandem resume` to continue");
                    yield 1;
                }
                case UNKNOWN_TABLE, NOT_PAUSED, NOTHING_TO_SKIP -> {
                    System.err.println(table + " is not a target table of migration " + control.migration + " (no row in "
                            + "tandem.backfill or tandem.backfill_chunk): check the name (schema.table, case-sensitive) "
                            + "and the migration");
                    yield 2;
                }
            };
        } catch (IllegalArgumentException | ControlUnavailableException e) {
            System.err.println(e.getMessage());
            return 2;
        }
    }
}
