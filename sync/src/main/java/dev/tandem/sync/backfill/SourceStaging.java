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

    private SourceStaging() {
    }

    /**
     * Creates {@code stage} as a temporary table (dropped at commit) with the source columns as the
     * target sees them, and fills it from the source. Returns the rows copied.
     */
    public static long stage(Connection source, Connection target, CompiledTable table, String stage, AtomicLong progress)
            throws SQLException {
        String columns = table.sourceColumns().stream().map(c -> quote(c.name()) + " " + c.type())
                .collect(Collectors.joining(", "));
        try (Statement st = target.createStatement()) {
            st.execute("CREATE TEMP TABLE " + quote(stage) + " (" + columns + ") ON COMMIT DROP");
        }
        return pipe(source, target, table.source(), table.sourceColumns().stream().map(SourceColumn::name).toList(),
                quote(stage), table.sourceColumns().stream().map(SourceColumn::name).toList(), progress);
    }

    /** Copies {@code sourceColumns} of {@code sourceTable} into {@code targetColumns} of {@code targetRelation}. */
    public static long pipe(Connection source, Connection target, String sourceTable, List<String> sourceColumns,
                            String targetRelation, List<String> targetColumns, AtomicLong progress) throws SQLException {
        CopyOut out = source.unwrap(PGConnection.class).getCopyAPI().copyOut("COPY (SELECT " + quoteAll(sourceColumns)
                + " FROM " + quoteQualified(sourceTable) + ") TO STDOUT");
        CopyIn in = target.unwrap(PGConnection.class).getCopyAPI()
                .copyIn("COPY " + targetRelation + " (" + quoteAll(targetColumns) + ") FROM STDIN");
        try {
            byte[] row;
            while ((row = out.readFromCopy()) != null) {
                in.writeToCopy(row, 0, row.length);
                progress.incrementAndGet();
            }
            return in.endCopy();
        } finally {
            if (in.isActive()) {
                in.cancelCopy();
            }
        }
    }

    private static String quoteAll(List<String> names) {
        return names.stream().map(n -> quote(n)).collect(Collectors.joining(", "));
    }
}
