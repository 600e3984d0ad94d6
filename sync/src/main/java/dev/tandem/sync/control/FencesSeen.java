package dev.tandem.sync.control;

import dev.tandem.capture.envelope.ChangeEnvelope;
import dev.tandem.capture.envelope.SourcePosition;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;

/**
 * The fences the applier has applied, in {@code tandem.fence_seen}: written in the batch's own target
 * transaction, read (and cleared) by whoever emitted the fence. Only fences emitted for this migration count.
 * In per-key ordering a fence reaches every partition, and each partition's applier records its own part of it.
 */
public final class FencesSeen {

    private final String migration;
    private final int part;
    private final int parts;

    /** @param part which partition of the change log this applier applies, of {@code parts} */
    public FencesSeen(String migration, int part, int parts) {
        this.migration = migration;
        this.part = part;
        this.parts = parts;
    }

    public FencesSeen(String migration) {
        this(migration, 0, 1);
    }

    /** The content a fence for {@code migration} carries: the migration, then an id unique to one emission. */
    public static String fenceContent(String migration, String id) {
        return migration + "/" + id;
    }

    /** Records the fences of this migration among {@code fences}; the caller commits with the batch. */
    public void record(Connection c, List<ChangeEnvelope> fences) throws SQLException {
        String ours = migration + "/";
        if (fences.stream().noneMatch(f -> f.fenceId().startsWith(ours))) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO tandem.fence_seen (migration, fence_id, source_lsn, part, parts)"
                + " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")) {
            for (ChangeEnvelope fence : fences) {
                if (fence.fenceId().startsWith(ours)) {
                    ps.setString(1, migration);
                    ps.setString(2, fence.fenceId());
                    ps.setString(3, SourcePosition.formatLsn(fence.position().lsn()));
                    ps.setInt(4, part);
                    ps.setInt(5, parts);
                    ps.addBatch();
                }
            }
            ps.executeBatch();
        }
    }

    /**
     * True once the appliers of every partition recorded fence {@code fenceId} (one in transactional ordering); its
     * records are then deleted, the fence having served. Called by whoever emitted the fence.
     */
    public boolean consume(Connection target, String fenceId) throws SQLException {
        try (PreparedStatement ps = target.prepareStatement("""
                DELETE FROM tandem.fence_seen f WHERE migration = ? AND fence_id = ?
                AND (SELECT count(*) FROM tandem.fence_seen a WHERE a.migration = f.migration AND a.fence_id = f.fence_id)
                    >= f.parts""")) {
            ps.setString(1, migration);
            ps.setString(2, fenceId);
            return ps.executeUpdate() > 0;
        }
    }
}
