package dev.tandem.capture.debezium;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.capture.CaptureConfig;
import dev.tandem.capture.PgDatabase;
import dev.tandem.capture.envelope.ChangeEnvelope;
import dev.tandem.capture.replication.ExportedSnapshot;
import dev.tandem.capture.replication.ReplicationSetup;
import dev.tandem.embedded.EmbeddedStack;
import dev.tandem.embedded.SharedTestStack;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A running capture on its own database of the shared stack: schema, publication, slot (its exported
 * snapshot closed), engine and a reader of the change topic; {@link #close()} stops the engine and drops the slot.
 */
final class CaptureFixture implements AutoCloseable {

    private static final Duration WAIT = Duration.ofSeconds(45);

    final PgDatabase source;
    final CaptureConfig config;
    private final ReplicationSetup replication;
    private final CaptureEngine engine;
    private final ChangeTopicReader topic;

    /** Creates database {@code name}, runs {@code ddl} in it, and starts capturing {@code tables}. */
    CaptureFixture(String name, String ddl, List<String> tables) throws SQLException {
        EmbeddedStack stack = SharedTestStack.get();
        stack.postgres().createDatabase(name);
        source = new PgDatabase("127.0.0.1", stack.postgres().port(), name, "postgres", "");
        try (Connection c = source.connect("test")) {
            exec(c, ddl);
        }
        config = new CaptureConfig(name, source, tables, stack.kafka().bootstrapServers());
        replication = new ReplicationSetup(config);
        replication.ensurePublication();
        try (ExportedSnapshot snapshot = replication.createSlotWithSnapshot()) {
            assertNotNull(snapshot.snapshotName());
            assertNotNull(snapshot.consistentPoint());
        }
        assertTrue(replication.slotExists());
        engine = new CaptureEngine(config);
        engine.start();
        topic = new ChangeTopicReader(config);
    }

    /** Waits for the COMMIT of each transaction and returns the whole change log read so far, checked and split. */
    List<CapturedTransaction> awaitTransactions(Long... txIds) {
        List<ChangeEnvelope> stream = topic.awaitCommits(List.of(txIds), WAIT, engine);
        return CapturedTransaction.split(stream);
    }

    /** Runs the statements in one transaction and returns its xid. */
    long write(String... statements) throws SQLException {
        try (Connection c = source.connect("test")) {
            c.setAutoCommit(false);
            for (String sql : statements) {
                exec(c, sql);
            }
            long txId = currentTxId(c);
            c.commit();
            return txId;
        }
    }

    static long currentTxId(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT pg_current_xact_id()::text::bigint")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    static void exec(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    String queryText(String sql) throws SQLException {
        try (Connection c = source.connect("test"); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** Column name → type ({@code format_type}) of {@code table}, in column order. */
    LinkedHashMap<String, String> columnTypes(String table) throws SQLException {
        LinkedHashMap<String, String> types = new LinkedHashMap<>();
        try (Connection c = source.connect("test");
             PreparedStatement ps = c.prepareStatement("SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute"
                     + " WHERE attrelid = ?::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    types.put(rs.getString(1), rs.getString(2));
                }
            }
        }
        return types;
    }

    /**
     * Each row of {@code table} matching {@code where}, by id, in table column order, each value as the type's
     * output function prints it (text result format; {@code t} for a boolean where {@code ::text} says {@code true}).
     */
    Map<String, LinkedHashMap<String, String>> rowsAsText(String table, String where) throws SQLException {
        List<String> columns = new ArrayList<>(columnTypes(table).keySet());
        String select = String.join(", ", columns);
        Map<String, LinkedHashMap<String, String>> rows = new TreeMap<>();
        try (Connection c = source.connect("test"); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT " + select + " FROM " + table + " WHERE " + where)) {
            while (rs.next()) {
                LinkedHashMap<String, String> row = new LinkedHashMap<>();
                for (int i = 0; i < columns.size(); i++) {
                    row.put(columns.get(i), rs.getString(i + 1));
                }
                rows.put(row.get("id"), row);
            }
        }
        return rows;
    }

    /** Stops the engine (failing when it failed), then drops slot and publication once the walsender let go. */
    @Override
    public void close() throws Exception {
        Throwable failure = engine.failure();
        try {
            engine.close();
        } finally {
            topic.close();
            awaitSlotReleased();
            replication.drop();
        }
        assertFalse(replication.slotExists());
        assertNull(failure, "the engine failed during the test");
    }

    private void awaitSlotReleased() throws SQLException, InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while ("t".equals(queryText("SELECT coalesce(bool_or(active), false) FROM pg_replication_slots WHERE slot_name = '"
                + config.slotName() + "'"))) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("slot " + config.slotName() + " still active 20 s after the engine closed");
            }
            Thread.sleep(100);
        }
    }

    static String abbreviated(Object value) {
        String text = String.valueOf(value);
        return text.length() <= 300 ? text : text.substring(0, 300) + "… (" + text.length() + " chars)";
    }
}
