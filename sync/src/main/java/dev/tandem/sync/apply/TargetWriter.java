package dev.tandem.sync.apply;

import dev.tandem.sync.mapping.CompiledTable;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;

/** Writes one target table's share of a batch: the net changes of the legacy tables it is computed from. */
interface TargetWriter {

    CompiledTable table();

    /**
     * Applies the changes inside the caller's transaction.
     *
     * @param bySource legacy table → its net changes in the batch; only this table's sources, at least one
     */
    void apply(Connection c, Map<String, NetChanges> bySource) throws SQLException;
}
