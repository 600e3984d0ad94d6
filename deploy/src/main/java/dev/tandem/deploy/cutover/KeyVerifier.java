package dev.tandem.deploy.cutover;

import dev.tandem.sync.mapping.CompiledTable;
import java.sql.SQLException;
import java.util.Collection;
import java.util.List;

/** Compares given rows on both sides right now (the caller has drained the sync); returns the drifted keys. */
@FunctionalInterface
public interface KeyVerifier {

    /** Descriptions of the rows of {@code table} among {@code sourceKeys} that differ; empty when all agree. */
    List<String> drifted(CompiledTable table, Collection<List<String>> sourceKeys) throws SQLException;
}
