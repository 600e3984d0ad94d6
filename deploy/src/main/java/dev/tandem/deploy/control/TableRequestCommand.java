package dev.tandem.deploy.control;

import dev.tandem.sync.control.TableStates;
import java.sql.Connection;
import java.sql.SQLException;
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
        TableStates states = new TableStates(control.migration);
        try (Connection c = control.target().connect("tandem-cli")) {
            var pause = states.load(c).get(table);
            if (pause == null) {
                System.err.println(table + " is not paused in migration " + control.migration + "; nothing to do");
                return 1;
            }
            states.request(c, table, request(), reason.isBlank() ? "requested from the command line" : reason);
            System.out.println(request().name().toLowerCase() + " requested for " + table + " (was: " + pause.reason() + ")");
            return 0;
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            return 2;
        } catch (SQLException e) {
            System.err.println("cannot record the request in " + control.targetUrl + ": " + e.getMessage());
            return 2;
        }
    }
}
