package dev.tandem.reconcile.digest;

import dev.tandem.reconcile.chunk.VerifyRange;
import dev.tandem.reconcile.chunk.KeySql;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Collection;
import java.util.List;

/**
 * Which rows a side query reads: a chunk-key range, a set of chunk (target) keys, or a set of source keys.
 */
public record KeyFilter(VerifyRange range, Collection<List<String>> keys, boolean bySourceKey) {

    public static KeyFilter range(VerifyRange range) {
        return new KeyFilter(range, null, false);
    }

    public static KeyFilter targetKeys(Collection<List<String>> keys) {
        return new KeyFilter(null, List.copyOf(keys), false);
    }

    public static KeyFilter sourceKeys(Collection<List<String>> keys) {
        return new KeyFilter(null, List.copyOf(keys), true);
    }

    /** The predicate over {@code chunkKey} (or {@code sourceKey} for a source-key filter). */
    String sql(KeySql chunkKey, KeySql sourceKey) {
        if (range != null) {
            return chunkKey.predicate(range);
        }
        return (bySourceKey ? sourceKey : chunkKey).inPredicate();
    }

    int bind(Connection c, PreparedStatement ps, int index, KeySql chunkKey, KeySql sourceKey) throws SQLException {
        if (range != null) {
            return chunkKey.bind(ps, index, range);
        }
        return (bySourceKey ? sourceKey : chunkKey).bindKeys(c, ps, index, keys);
    }
}
