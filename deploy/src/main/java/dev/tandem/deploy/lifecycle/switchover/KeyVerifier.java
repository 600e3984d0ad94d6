package dev.tandem.deploy.lifecycle.switchover;

import dev.tandem.sync.mapping.CompiledTable;
import java.sql.SQLException;
import java.util.Collection;
import java.util.List;

/**
 * Compares given rows on both sides right now (the caller has drained the sync); returns the drifted keys. Opened
 * before a write block and closed after it, so the comparison inside the block costs only its queries.
 */
public interface KeyVerifier extends AutoCloseable {

    /** Descriptions of the rows of {@code table} among {@code sourceKeys} that differ; empty when all agree. */
    List<String> drifted(CompiledTable table, Collection<List<String>> sourceKeys) throws SQLException;

    /** Gets ready to compare (e.g. opens connections); called before the write block. */
    default void open() throws SQLException {
    }

    @Override
    default void close() throws SQLException {
    }
}
