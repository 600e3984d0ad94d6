package dev.tandem.deploy.control;

import dev.tandem.deploy.lifecycle.ControlUnavailableException;
import dev.tandem.deploy.lifecycle.TableRequests;
import dev.tandem.sync.control.TableStates;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Records an operator's request about a paused table; the running applier carries it out within about a second. */
abstract class TableRequestCommand implements Callable<Integer> {

    @Mixin
    ControlOptions control;

    @Option(names = "--table", required = true, description = "The paused target table (schema.table).")
    String table;

    @Option(names = "--reason", defaultValue = "", description = "Why, for the decision log.")
    String reason;

    abstract TableStates.State request();

    @Override
    public Integer call() {
        try {
            String detail = reason.isBlank() ? "requested from the command line" : reason;
            TableRequests.Outcome outcome = TableRequests.request(control.target(), control.migration, table, request(), detail);
            if (outcome == TableRequests.Outcome.NOT_PAUSED) {
                System.err.println(table + " is not paused in migration " + control.migration + "; nothing to do");
                return 1;
            }
            if (outcome == TableRequests.Outcome.NOTHING_TO_SKIP) {
                System.err.println(table + " was paused by the operator (`tandem pause`), not by a rejected change: nothing "
                        + "to skip; run `tandem resume --migration " + control.migration + " --table " + table + "` instead");
                return 1;
            }
            System.out.println(request().name().toLowerCase() + " requested for " + table);
            return 0;
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            return 2;
        } catch (ControlUnavailableException e) {
            System.err.println(e.getMessage());
            return 2;
        }
    }
}
