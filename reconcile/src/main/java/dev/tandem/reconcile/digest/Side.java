package dev.tandem.reconcile.digest;

import static dev.tandem.capture.SqlIdentifiers.quote;
import static dev.tandem.capture.SqlIdentifiers.quoteQualified;

import dev.tandem.capture.SqlIdentifiers;
import dev.tandem.reconcile.chunk.VerifyRange;
import dev.tandem.reconcile.chunk.KeySample;
import dev.tandem.reconcile.chunk.KeySql;
import dev.tandem.sync.mapping.CompiledTable;
import dev.tandem.sync.mapping.ProjectionSql;
import dev.tandem.sync.mapping.SourceColumn;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * One side of a mapped table as rows in the target's shape, queried in SQL so only digests (and, when narrowing a
 * difference down, per-row hashes and the differing rows' values) leave the database. Three kinds: the target table;
 * the source table through the mapping's projection cast to the target column types ({@link Mode#PUSHDOWN}); or the
 * source rows of the range copied into a temporary table in the target and projected there ({@link Mode#STAGED}).
 */
public final class Side {

    /** Where the source side's projection is evaluated. */
    public enum Mode { PUSHDOWN, STAGED }

    private static final String STAGE = "tandem_reconcile_stage";
    private static final int STAGE_BATCH = 5_000;

    private final TableShape shape;
    private final Connection connection;
    private final Connection copyFrom;
    private final String projection;
    private final KeySql chunkKey;
    private final KeySql sourceKey;
    private final boolean sourceSide;

    private Side(TableShape shape, Connection connection, Connection copyFrom, String projection, KeySql chunkKey, KeySql sourceKey,
                 boolean sourceSide) {
        this.shape = shape;
        this.connection = connection;
        this.copyFrom = copyFrom;
        this.projection = projection;
        this.chunkKey = chunkKey;
        this.sourceKey = sourceKey;
        this.sourceSide = sourceSide;
    }

    public static Side target(TableShape shape, Connection target) {
        CompiledTable t = shape.table();
        String columns = t.written().keySet().stream().map(c -> quote(TableShape.TARGET_ALIAS) + "." + quote(c))
                .collect(Collectors.joining(", "));
        String sql = "SELECT " + columns + " FROM " + quoteQualified(t.target()) + " AS " + quote(TableShape.TARGET_ALIAS) + " WHERE ";
        return new Side(shape, target, null, sql, shape.targetKey(), null, false);
    }

    public static Side source(TableShape shape, Mode mode, Connection source, Connection target) {
        CompiledTable t = shape.table();
        String projected = t.written().keySet().stream()
                .map(c -> shape.castExpression(c, mode == Mode.STAGED) + " AS " + quote(c))
                .collect(Collectors.joining(", "));
        List<String> keyTexts = new ArrayList<>();
        for (int i = 0; i < t.sourceKey().size(); i++) {
            keyTexts.add(quote(t.alias()) + "." + quote(t.sourceKey().get(i)) + "::text AS " + quote("__sk" + i));
        }
        String keep = t.filter() == null ? "true" : "coalesce((" + t.filter() + ")::boolean, false)";
        // A merged table joins its legacy tables on the source, in the same FROM clause the applier's join state uses.
        String from = mode == Mode.PUSHDOWN ? ProjectionSql.sourceFrom(t, SqlIdentifiers::quoteQualified)
                : quote(STAGE) + " AS " + quote(t.alias());
        String sql = "SELECT " + projected + ", " + String.join(", ", keyTexts) + " FROM " + from
                + " WHERE " + keep + " AND ";
        return mode == Mode.PUSHDOWN
                ? new Side(shape, source, null, sql, shape.sourceChunk(), shape.sourceKey(), true)
                : new Side(shape, target, source, sql, shape.sourceChunk(), shape.stagedKey(), true);
    }

    /**
     * Whether the projection prepares on the source (every function, type and operator it uses exists there): the
     * source side can then be digested in place. Returns the planner's error otherwise.
     */
    public static Optional<String> pushdownProblem(TableShape shape, Connection source) {
        Side side = source(shape, Mode.PUSHDOWN, source, null);
        String sql = "EXPLAIN " + side.digestSql(KeyFilter.range(new VerifyRange(List.of(), List.of())));
        try (PreparedStatement ps = source.prepareStatement(sql)) {
            for (int i = 1; i <= 2 * shape.targetKey().size(); i++) {
                ps.setNull(i, java.sql.Types.VARCHAR);
            }
            ps.execute();
            return Optional.empty();
        } catch (SQLException e) {
            String message = e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
            return Optional.of(message);
        }
    }

    private String rows(KeyFilter filter) {
        return projection + "(" + filter.sql(chunkKey, sourceKey) + ")";
    }

    private String digestSql(KeyFilter filter) {
        return "SELECT count(*), coalesce(sum(" + shape.rowHash() + "), 0)::text FROM (" + rows(filter) + ") r";
    }

    public ChunkDigest digest(KeyFilter filter) throws SQLException {
        stage(filter);
        try (PreparedStatement ps = connection.prepareStatement(digestSql(filter))) {
            filter.bind(connection, ps, 1, chunkKey, sourceKey);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new ChunkDigest(rs.getLong(1), rs.getString(2));
            }
        }
    }

    /** Target key → row hash (and source key) of every row the filter selects. */
    public Map<List<String>, RowHash> rowHashes(KeyFilter filter) throws SQLException {
        stage(filter);
        List<String> keys = shape.table().targetKey();
        String keyTexts = keys.stream().map(k -> "r." + quote(k) + "::text").collect(Collectors.joining(", "));
        int sourceKeys = sourceSide ? shape.table().sourceKey().size() : 0;
        StringBuilder sql = new StringBuilder("SELECT " + keyTexts + ", " + shape.rowHash());
        for (int i = 0; i < sourceKeys; i++) {
            sql.append(", r.").append(quote("__sk" + i));
        }
        sql.append(" FROM (").append(rows(filter)).append(") r");
        Map<List<String>, RowHash> result = new LinkedHashMap<>();
        try (PreparedStatement ps = connection.prepareStatement(sql.toString())) {
            filter.bind(connection, ps, 1, chunkKey, sourceKey);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    List<String> key = new ArrayList<>();
                    for (int i = 1; i <= keys.size(); i++) {
                        key.add(rs.getString(i));
                    }
                    List<String> source = new ArrayList<>();
                    for (int i = 0; i < sourceKeys; i++) {
                        source.add(rs.getString(keys.size() + 2 + i));
                    }
                    result.put(key, new RowHash(rs.getLong(keys.size() + 1), source));
                }
            }
        }
        return result;
    }

    /** Target key → every written column's value as text (null for SQL NULL), for the rows the filter selects. */
    public Map<List<String>, List<String>> values(KeyFilter filter) throws SQLException {
        stage(filter);
        List<String> keys = shape.table().targetKey();
        List<String> written = List.copyOf(shape.table().written().keySet());
        String sql = "SELECT " + keys.stream().map(k -> "r." + quote(k) + "::text").collect(Collectors.joining(", ")) + ", "
                + written.stream().map(c -> "r." + quote(c) + "::text").collect(Collectors.joining(", ")) + " FROM (" + rows(filter) + ") r";
        Map<List<String>, List<String>> result = new LinkedHashMap<>();
        try (PreparedStatement ps = connection.prepareStatement(sql)) {
            filter.bind(connection, ps, 1, chunkKey, sourceKey);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    List<String> key = new ArrayList<>();
                    for (int i = 1; i <= keys.size(); i++) {
                        key.add(rs.getString(i));
                    }
                    List<String> row = new ArrayList<>();
                    for (int i = 0; i < written.size(); i++) {
                        row.add(rs.getString(keys.size() + 1 + i));
                    }
                    result.put(key, row);
                }
            }
        }
        return result;
    }

    /**
     * Copies the source rows a filter may select into the temporary stage table (staged mode only). Rows are read
     * as text and cast back through the same {@code unnest} the applier uses. Tables whose key is computed are staged
     * whole for range filters, since ranges of computed keys do not map to source key ranges.
     */
    private void stage(KeyFilter filter) throws SQLException {
        if (copyFrom == null) {
            return;
        }
        if (shape.table().merged()) {
            throw new SQLException(shape.table().target() + " merges " + shape.table().sources() + " but its projection does "
                    + "not prepare on the legacy database, and a merged table is only compared there; use in its expressions "
                    + "only functions and types the legacy database has (`tandem check` shows the projection)");
        }
        List<SourceColumn> columns = shape.sourceColumns();
        try (Statement st = connection.createStatement()) {
            st.execute("DROP TABLE IF EXISTS pg_temp." + quote(STAGE));
            st.execute("CREATE TEMP TABLE " + quote(STAGE) + " (" + columns.stream().map(c -> quote(c.name()) + " " + c.type())
                    .collect(Collectors.joining(", ")) + ")");
        }
        String alias = quote(shape.table().alias());
        String where;
        KeyFilter onSource = filter;
        if (filter.range() != null && !shape.aligned()) {
            where = "true";
            onSource = null;
        } else if (filter.range() == null && !filter.bySourceKey() && !shape.aligned()) {
            where = "true";
            onSource = null;
        } else {
            where = filter.sql(shape.sourceChunk(), shape.sourceKey());
        }
        String select = "SELECT " + columns.stream().map(c -> alias + "." + quote(c.name()) + "::text").collect(Collectors.joining(", "))
                + " FROM " + quoteQualified(shape.table().source()) + " AS " + alias + " WHERE " + where;
        String insert = "INSERT INTO " + quote(STAGE) + " " + ProjectionSql.unnestRows(columns);
        boolean autoCommit = copyFrom.getAutoCommit();
        copyFrom.setAutoCommit(false);
        try (PreparedStatement ps = copyFrom.prepareStatement(select); PreparedStatement in = connection.prepareStatement(insert)) {
            ps.setFetchSize(STAGE_BATCH);
            if (onSource != null) {
                onSource.bind(copyFrom, ps, 1, shape.sourceChunk(), shape.sourceKey());
            }
            List<String[]> batch = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String[] row = new String[columns.size()];
                    for (int i = 0; i < row.length; i++) {
                        row[i] = rs.getString(i + 1);
                    }
                    batch.add(row);
                    if (batch.size() == STAGE_BATCH) {
                        insert(in, batch, columns.size());
                    }
                }
            }
            insert(in, batch, columns.size());
            copyFrom.commit();
        } finally {
            copyFrom.setAutoCommit(autoCommit);
        }
    }

    private void insert(PreparedStatement in, List<String[]> batch, int width) throws SQLException {
        if (batch.isEmpty()) {
            return;
        }
        for (int c = 0; c < width; c++) {
            String[] column = new String[batch.size()];
            for (int r = 0; r < batch.size(); r++) {
                column[r] = batch.get(r)[c];
            }
            in.setArray(c + 1, connection.createArrayOf("text", column));
        }
        in.executeUpdate();
        batch.clear();
    }

    /**
     * The chunk keys in {@code range} of about {@code blocks} table blocks picked at random ({@code TABLESAMPLE SYSTEM}), in
     * chunk order and thinned out to at most about {@code maxKeys}; reads the raw table (no filter), like {@link #keyAt}.
     */
    public KeySample keySample(VerifyRange range, int blocks, int maxKeys) throws SQLException {
        CompiledTable t = shape.table();
        String table = sourceSide ? t.source() : t.target();
        String alias = sourceSide ? quote(t.alias()) : quote(TableShape.TARGET_ALIAS);
        KeySql key = sourceSide ? shape.sourceChunk() : shape.targetKey();
        Connection on = copyFrom != null ? copyFrom : connection;
        long pages;
        // a partitioned table's own size is zero: its partitions hold the blocks
        try (PreparedStatement ps = on.prepareStatement("SELECT greatest(pg_relation_size(r.oid), (SELECT coalesce(sum(pg_relation_size("
                + "p.relid)), 0) FROM pg_partition_tree(r.oid) p))::bigint / current_setting('block_size')::bigint "
                + "FROM (SELECT to_regclass(?) AS oid) r")) {
            ps.setString(1, quoteQualified(table));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                pages = Math.max(1, rs.getLong(1));
            }
        }
        double percent = Math.min(100.0, 100.0 * blocks / pages);
        String keys = IntStream.range(0, key.size()).mapToObj(i -> "s.k" + i + "::text")
                .collect(Collectors.joining(", "));
        String sql = "SELECT " + keys + ", greatest(1, s.total / ?) FROM (SELECT " + String.join(", ",
                IntStream.range(0, key.size()).mapToObj(i -> key.expressions().get(i) + " AS k" + i).toList())
                + ", row_number() OVER (ORDER BY " + key.orderBy() + ") AS n, count(*) OVER () AS total FROM "
                + quoteQualified(table) + " AS " + alias + " TABLESAMPLE SYSTEM (?::real) WHERE " + key.predicate(range)
                + ") s WHERE s.n % greatest(1, s.total / ?) = 0 ORDER BY s.n";
        List<List<String>> sample = new ArrayList<>();
        long every = 1;
        try (PreparedStatement ps = on.prepareStatement(sql)) {
            ps.setLong(1, maxKeys);
            ps.setDouble(2, percent);
            int next = key.bind(ps, 3, range);
            ps.setLong(next, maxKeys);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    List<String> values = new ArrayList<>();
                    for (int i = 1; i <= key.size(); i++) {
                        values.add(rs.getString(i));
                    }
                    sample.add(values);
                    every = rs.getLong(key.size() + 1);
                }
            }
        }
        return new KeySample(range.lower(), sample, 100.0 / percent * every);
    }

    /**
     * The chunk key of the row {@code offset} rows into {@code range} in chunk order, or empty when the range holds no
     * more rows; reads the raw table (no filter), which is what chunk boundaries need.
     */
    public Optional<List<String>> keyAt(VerifyRange range, long offset) throws SQLException {
        CompiledTable t = shape.table();
        String relation = sourceSide ? quoteQualified(t.source()) + " AS " + quote(t.alias())
                : quoteQualified(t.target()) + " AS " + quote(TableShape.TARGET_ALIAS);
        KeySql key = sourceSide ? shape.sourceChunk() : shape.targetKey();
        Connection on = copyFrom != null ? copyFrom : connection;
        String sql = "SELECT " + key.asText("k") + " FROM " + relation + " WHERE " + key.predicate(range) + " ORDER BY "
                + key.orderBy() + " LIMIT 1 OFFSET ?";
        try (PreparedStatement ps = on.prepareStatement(sql)) {
            int next = key.bind(ps, 1, range);
            ps.setLong(next, offset);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                List<String> values = new ArrayList<>();
                for (int i = 1; i <= key.size(); i++) {
                    values.add(rs.getString(i));
                }
                return Optional.of(values);
            }
        }
    }
}
