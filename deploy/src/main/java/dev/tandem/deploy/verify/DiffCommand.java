package dev.tandem.deploy.verify;

import dev.tandem.reconcile.TableReport;
import dev.tandem.reconcile.chunk.VerifyRange;
import dev.tandem.sync.mapping.CompiledTable;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code tandem diff}: the differing rows of one table, optionally within a key range. */
@Command(name = "diff", mixinStandardHelpOptions = true,
        description = {"Lists the rows of one table that differ between the two sides (missing, extra, different, with the",
                "differing columns), after the same fence rechecks as `tandem verify`. Not recorded as a pass."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:no differences", "1:differences found (listed)", "2:the config, the mapping or an option is invalid",
                "3:the comparison could not finish (database or fence error)"})
public final class DiffCommand implements Callable<Integer> {

    @Mixin
    ReconcileOptions options;

    @Option(names = "--table", required = true, description = "The target (or source) table, schema.table.")
    String table;

    @Option(names = "--key-range", description = {"Only keys in (LOW, HIGH], in target key order, e.g. 1000..2000, ..500, "
            + "'a-1,3..b-2,1' for a composite key;", "text keys compare byte-wise (COLLATE \"C\"). Default: the whole table."})
    String keyRange;

    @Override
    public Integer call() throws Exception {
        ReconcileOptions.Opened opened;
        VerifyRange range;
        try {
            opened = options.open();
            CompiledTable mapped = opened.reconciler().table(table);
            range = parse(keyRange, mapped.targetKey());
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            return 2;
        } catch (java.sql.SQLException e) {
            System.err.println("cannot reach the databases: " + e.getMessage());
            return 3;
        }
        TableReport report;
        try {
            report = opened.reconciler().diff(table, range);
        } catch (java.sql.SQLException | TimeoutException e) {
            System.err.println("the comparison of " + table + " did not finish: " + e.getMessage());
            return 3;
        }
        if (options.json) {
            System.out.println(ReportJson.write(ReportJson.table(report)));
        } else {
            System.out.println(table + " " + range + ":");
            VerifyCommand.printTable(report);
        }
        return report.consistent() ? 0 : 1;
    }

    /** Reads {@code LOW..HIGH} (either side may be empty; composite values separated by commas). */
    static VerifyRange parse(String text, List<String> key) {
        if (text == null || text.isBlank()) {
            return VerifyRange.ALL;
        }
        int dots = text.indexOf("..");
        if (dots < 0) {
            throw new IllegalArgumentException("--key-range '" + text + "' has no '..': write LOW..HIGH, e.g. 1000..2000 or ..500");
        }
        return new VerifyRange(values(text.substring(0, dots), key, text), values(text.substring(dots + 2), key, text));
    }

    private static List<String> values(String side, List<String> key, String text) {
        if (side.isEmpty()) {
            return null;
        }
        List<String> values = Arrays.asList(side.split(",", -1));
        if (values.size() != key.size()) {
            throw new IllegalArgumentException("--key-range '" + text + "': '" + side + "' has " + values.size() + " values but the key "
                    + key + " has " + key.size() + " columns; separate composite values with commas");
        }
        return values;
    }
}
