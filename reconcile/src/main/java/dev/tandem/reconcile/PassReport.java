package dev.tandem.reconcile;

import java.time.Instant;
import java.util.List;

/**
 * The outcome of one full verification pass over every mapped table.
 *
 * @param passId     the pass in {@code tandem.reconcile_pass}
 * @param startedAt  when the pass started (the first attempt, when resumed)
 * @param finishedAt when the last table finished
 * @param tables     one report per table, in mapping order
 */
public record PassReport(long passId, Instant startedAt, Instant finishedAt, List<TableReport> tables) {

    public PassReport {
        tables = List.copyOf(tables);
    }

    public boolean consistent() {
        return tables.stream().allMatch(TableReport::consistent);
    }

    public long rowsCompared() {
        return tables.stream().mapToLong(TableReport::rowsCompared).sum();
    }

    public long driftedRows() {
        return tables.stream().mapToLong(TableReport::driftedRows).sum();
    }

    public long unsettledRows() {
        return tables.stream().mapToLong(TableReport::unsettledRows).sum();
    }
}
