package dev.tandem.sync.backfill;

import static dev.tandem.capture.SqlIdentifiers.quote;
import static dev.tandem.capture.SqlIdentifiers.quoteQualified;

import dev.tandem.sync.mapping.CompiledTable;
import dev.tandem.sync.mapping.SourceColumn;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.postgresql.copy.CopyOut;

/**
 * Streams a source table's rows into the target database with {@code COPY … TO STDOUT} piped
 * into {@code COPY … FROM STDIN}, either straight into a table or into a temporary staging table
 * where the mapping's projection can then run, so expressions are always evaluated by the target.
 */
public final class SourceStaging {

    /** Rows between two calls of a {@link CopyListener}. */
    static final int REPORT_EVERY = 256;

    private SourceStaging() {
    }

    /**
     * Creates {@code stage} as a temporary table (dropped at commit) with the source columns as the
     * target sees them, and fills it from the source. Returns the rows copied.
     */
    public static long stage(Connection source, Connection target, CompiledTable table, String stage, AtomicLong progress)
            throws SQLException {
        try {
            return stage(source, target, table, stage, "true", rows -> progress.addAndGet(rows));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException("staging " + table.source() + " was interrupted", e);
        }
    }

    /** Like {@link #stage(Connection, Connection, CompiledTable, String, AtomicLong)} for the rows passing {@code where}. */
    static long stage(Connection source, Connection target, CompiledTable table, String stage, String where,
                      CopyListener listener) throws SQLException, InterruptedException {
        String columns = table.sourceColumns().stream().map(c -> quote(c.name()) + " " + c.type())
                .collect(Collectors.joining(", "));
        try (Statement st = target.createStatement()) {
            st.execute("CREATE TEMP TABLE " + quote(stage) + " (" + columns + ") ON COMMIT DROP");
        }
        List<String> names = table.sourceColumns().stream().map(SourceColumn::name).toList();
        return pipe(source, target, table.source(), names, where, quote(stage), names, listener);
    }

    /** Copies {@code sourceColumns} of {@code sourceTable} into {@code targetColumns} of {@code targetRelation}. */
    public static long pipe(Connection source, Connection target, String sourceTable, List<String> sourceColumns,
                            String targetRelation, List<String> targetColumns, AtomicLong progress) throws SQLException {
        try {
            return pipe(source, target, sourceTable, sourceColumns, "true", targetRelation, targetColumns,
                    rows -> progress.addAndGet(rows));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException("copying " + sourceTable + " was interrupted", e);
        }
    }

    /**
     * Copies the rows of {@code sourceTable} passing {@code where} (SQL rendered by tandem, never
     * user input); {@code listener} hears about every {@link #REPORT_EVERY} rows and may block.
     */
    static long pipe(Connection source, Connection target, String sourceTable, List<String> sourceColumns, String where,
                     String targetRelation, List<String> targetColumns, CopyListener listener)
            throws SQLException, InterruptedException {
        CopyOut out = source.unwrap(PGConnection.class).getCopyAPI().copyOut("COPY (SELECT " + quoteAll(sourceColumns)
                + " FROM " + quoteQualified(sourceTable) + " WHERE " + where + ") TO STDOUT");
        CopyIn in = null;
        try {
            in = target.unwrap(PGConnection.class).getCopyAPI()
                    .copyIn("COPY " + targetRelation + " (" + quoteAll(targetColumns) + ") FROM STDIN");
            byte[] row;
            int unreported = 0;
            while ((row = out.readFromCopy()) != null) {
                in.writeToCopy(row, 0, row.length);
                if (++unreported == REPORT_EVERY) {
                    listener.copied(unreported);
                    unreported = 0;
                }
            }
            long rows = in.endCopy();
            listener.copied(unreported);
            return rows;
        } finally {
            if (in != null && in.isActive()) {
                in.cancelCopy();
            }
            if (out.isActive()) {
                out.cancelCopy();
            }
        }
    }

    private static String quoteAll(List<String> names) {
        return names.stream().map(n -> quote(n)).collect(Collectors.joining(", "));
    }
}
