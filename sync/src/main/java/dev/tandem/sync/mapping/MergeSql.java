package dev.tandem.sync.mapping;

import static dev.tandem.capture.SqlIdentifiers.quote;
import static dev.tandem.capture.SqlIdentifiers.quoteQualified;

import dev.tandem.capture.SqlIdentifiers;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Renders the SQL of a merged table (several legacy tables joined by key): the join state the new
 * database keeps of each legacy table, and the statements that recompute target rows from it.
 *
 * <p>The join state is one table per legacy table and migration in schema {@value #SCHEMA}, holding
 * the legacy rows as the sync last saw them; it is written in the same target transaction as the
 * target rows and the applied position, so it is exactly as far as the sync is.
 */
public final class MergeSql {

    public static final String SCHEMA = "tandem_state";
    private static final String KEYS = "__tandem_keys";
    private static final String PROJECTED = "__tandem_p";
    private static final int MAX_NAME_BYTES = 63;

    private MergeSql() {
    }

    /** The join-state table of {@code source} for {@code migration}, as canonical {@code schema.table} text. */
    public static String stateTable(String migration, String source) {
        String name = migration + "/" + source;
        if (name.getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
            name = "join_" + sha256(name).substring(0, 40);
        }
        return SqlIdentifiers.qualified(SCHEMA, name);
    }

    /** Creates the join-state table (canonical name) for a legacy table with these columns and key. */
    public static String createState(String table, List<SourceColumn> columns, List<String> key) {
        return "CREATE TABLE " + quoteQualified(table) + " (" + columns.stream().map(c -> quote(c.name()) + " " + c.type())
                .collect(Collectors.joining(", ")) + ", PRIMARY KEY (" + ProjectionSql.quoteAll(key) + "))";
    }

    /**
     * Upserts legacy rows into join state; parameters: one text array per column not in
     * {@code unsent}. A column in {@code unsent} (an unchanged TOAST value PostgreSQL did not send)
     * keeps the value the state holds.
     */
    public static String upsertState(String table, List<SourceColumn> columns, List<String> key, Set<String> unsent) {
        List<SourceColumn> sent = columns.stream().filter(c -> !unsent.contains(c.name())).toList();
        List<String> names = sent.stream().map(SourceColumn::name).toList();
        List<String> updated = names.stream().filter(c -> !key.contains(c)).toList();
        String conflict = updated.isEmpty() ? "DO NOTHING"
                : "DO UPDATE SET " + updated.stream().map(c -> quote(c) + " = EXCLUDED." + quote(c)).collect(Collectors.joining(", "));
        return "INSERT INTO " + quoteQualified(table) + " (" + ProjectionSql.quoteAll(names) + ") " + ProjectionSql.unnestRows(sent)
                + " ON CONFLICT (" + ProjectionSql.quoteAll(key) + ") " + conflict;
    }

    /** Deletes legacy rows from join state; parameters: one text array per key column. */
    public static String deleteState(String table, List<SourceColumn> keyColumns) {
        String match = keyColumns.stream().map(c -> "s." + quote(c.name()) + " = d." + quote(c.name()))
                .collect(Collectors.joining(" AND "));
        return "DELETE FROM " + quoteQualified(table) + " AS s USING (" + ProjectionSql.unnestRows(keyColumns) + ") AS d WHERE " + match;
    }

    /**
     * Recomputes the target rows of the given main-table keys from join state: deletes those whose
     * main row is gone or fails the filter, upserts the rest (writing nothing where unchanged).
     * Parameters: one text array per main-table key column.
     */
    public static String recompute(CompiledTable t, Function<String, String> relationOf) {
        List<SourceColumn> keyColumns = mainKeyColumns(t);
        String mainKey = keyColumns.stream().map(c -> quote(t.alias()) + "." + quote(c.name())).collect(Collectors.joining(", "));
        String keyNames = keyColumns.stream().map(c -> quote(c.name())).collect(Collectors.joining(", "));
        String targetKeys = t.key().entrySet().stream().map(e -> "(" + e.getValue() + ") AS " + quote(e.getKey()))
                .collect(Collectors.joining(", "));
        return "WITH " + KEYS + " AS (SELECT DISTINCT * FROM (" + ProjectionSql.unnestRows(keyColumns) + ") AS k), "
                + PROJECTED + " AS (SELECT " + ProjectionSql.projectedWithKeep(t) + " FROM " + ProjectionSql.sourceFrom(t, relationOf)
                + " WHERE (" + mainKey + ") IN (SELECT " + keyNames + " FROM " + KEYS + ")), "
                + "__tandem_gone AS (DELETE FROM " + quoteQualified(t.target()) + " AS t USING (SELECT " + targetKeys + " FROM "
                + KEYS + " AS " + quote(t.alias()) + ") AS d WHERE " + keyMatch(t, "t", "d") + " AND NOT EXISTS (SELECT 1 FROM "
                + PROJECTED + " AS p WHERE p." + ProjectionSql.keepColumn() + " AND " + keyMatch(t, "p", "d") + ")) "
                + ProjectionSql.insertKept(t, Set.of(), PROJECTED);
    }

    /** Recomputes the whole target table from join state (after a backfill), deleting rows it does not produce. */
    public static String deriveAll(CompiledTable t, Function<String, String> relationOf) {
        return "WITH " + PROJECTED + " AS (SELECT " + ProjectionSql.projectedWithKeep(t) + " FROM "
                + ProjectionSql.sourceFrom(t, relationOf) + "), "
                + "__tandem_gone AS (DELETE FROM " + quoteQualified(t.target()) + " AS t WHERE NOT EXISTS (SELECT 1 FROM "
                + PROJECTED + " AS p WHERE p." + ProjectionSql.keepColumn() + " AND " + keyMatch(t, "p", "t") + ")) "
                + ProjectionSql.insertKept(t, Set.of(), PROJECTED);
    }

    /** The main table's key columns, typed, in table order. */
    public static List<SourceColumn> mainKeyColumns(CompiledTable t) {
        return t.sourceColumns().stream().filter(c -> t.sourceKey().contains(c.name())).toList();
    }

    private static String keyMatch(CompiledTable t, String left, String right) {
        return t.targetKey().stream().map(k -> left + "." + quote(k) + " = " + right + "." + quote(k))
                .collect(Collectors.joining(" AND "));
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
