package dev.tandem.deploy.lifecycle.switchover;

import dev.tandem.reconcile.Reconciler;
import dev.tandem.reconcile.RowDrift;
import dev.tandem.sync.mapping.CompiledTable;
import java.sql.SQLException;
import java.util.Collection;
import java.util.List;

/** The reconciler's row-by-row comparison as a cutover's re-verify, over connections opened before the write block. */
public final class ReconcilerKeys implements KeyVerifier {

    private final Reconciler reconciler;
    private Reconciler.KeySession session;

    public ReconcilerKeys(Reconciler reconciler) {
        this.reconciler = reconciler;
    }

    @Override
    public void open() throws SQLException {
        session = reconciler.openKeySession().prepareAll(); // catalog lookups before the block, not in it
    }

    @Override
    public List<String> drifted(CompiledTable table, Collection<List<String>> sourceKeys) throws SQLException {
        List<RowDrift> drift = session != null ? session.verifyKeys(table, sourceKeys)
                : reconciler.verifyKeys(table, sourceKeys);
        return drift.stream().map(RowDrift::toString).toList();
    }

    @Override
    public void close() throws SQLException {
        if (session != null) {
            session.close();
            session = null;
        }
    }
}
