package dev.tandem.deploy.bench;

import static dev.tandem.capture.SqlIdentifiers.quote;
import static dev.tandem.capture.SqlIdentifiers.quoteQualified;

import dev.tandem.capture.PgDatabase;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.stream.Collectors;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.postgresql.copy.CopyOut;

/**
 * The backfill baseline: {@code COPY … TO STDOUT} piped into {@code COPY … FROM STDIN} in-process,
 * the same code shape as tandem's backfill without tandem (no snapshot, no mapping, no bookkeeping).
 */
final class CopyPipe {

    private CopyPipe() {
    }

    /** Empties {@code table} on the target and copies the source's rows into it; returns the rows copied. */
    static long copy(PgDatabase source, PgDatabase target, String table, List<String> columns) throws SQLException {
        String list = columns.stream().map(c -> quote(c)).collect(Collectors.joining(", "));
        try (Connection src = source.connect("tandem-bench-copy");
             Connection dst = target.connect("tandem-bench-copy")) {
            src.setAutoCommit(false);
            dst.setAutoCommit(false);
            try (Statement st = src.createStatement()) {
                st.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
            }
            try (Statement st = dst.createStatement()) {
                st.execute("TRUNCATE " + quoteQualified(table));
            }
            CopyOut out = src.unwrap(PGConnection.class).getCopyAPI()
                    .copyOut("COPY (SELECT " + list + " FROM " + quoteQualified(table) + ") TO STDOUT");
            CopyIn in = dst.unwrap(PGConnection.class).getCopyAPI()
                    .copyIn("COPY " + quoteQualified(table) + " (" + list + ") FROM STDIN");
            long rows;
            try {
                byte[] row;
                while ((row = out.readFromCopy()) != null) {
                    in.writeToCopy(row, 0, row.length);
                }
                rows = in.endCopy();
            } finally {
                if (in.isActive()) {
                    in.cancelCopy();
                }
            }
            dst.commit();
            src.commit();
            return rows;
        }
    }
}
