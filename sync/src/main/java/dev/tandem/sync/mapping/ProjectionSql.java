package dev.tandem.sync.mapping;

import static dev.tandem.capture.SqlIdentifiers.quote;
import static dev.tandem.capture.SqlIdentifiers.quoteQualified;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Renders the SQL that evaluates a table's projection inside the target database: the set-based
 * upsert and delete the applier binds text arrays to, and the SELECT the backfill and the
 * comparison run over staged source rows.
 */
public final class ProjectionSql {

    private static final String KEEP = "__tandem_keep";
    /** Lets an insert write the source's value into a {@code GENERATED ALWAYS AS IDENTITY} column (a no-op elsewhere). */
    public static final String OVERRIDING = "OVERRIDING SYSTEM VALUE ";

    private ProjectionSql() {
    }

    /**
     * The typed source rows from one {@code ?::text[]} parameter per column:
     * {@code SELECT s."a"::integer AS "a", … FROM unnest(?::text[], …) AS s("a", …)}.
     */
    public static String unnestRows(List<SourceColumn> columns) {
        return unnestRows(columns, ArrayBinding.TEXT);
    }

    /** As {@link #unnestRows(List)}, with the parameters bound as {@code binding} says. */
    public static String unnestRows(List<SourceColumn> columns, ArrayBinding binding) {
        String casts = columns.stream().map(c -> "s." + quote(c.name()) + "::" + c.type() + " AS " + quote(c.name()))
                .collect(Collectors.joining(", "));
        String params = columns.stream().map(c -> binding.parameter()).collect(Collectors.joining(", "));
        String names = columns.stream().map(c -> quote(c.name())).collect(Collectors.joining(", "));
        return "SELECT " + casts + " FROM unnest(" + params + ") AS s(" + names + ")";
    }

    /**
     * One statement that deletes the target rows whose source rows no longer pass the filter and
     * upserts the rest, writing nothing where the values are unchanged. Parameters: one text array
     * per source column (see {@link #unnestRows}). Columns in {@code keep} are neither inserted nor
     * updated (their source value was not sent).
     */
    public static String upsert(CompiledTable t, Set<String> keep) {
        return upsert(t, keep, ArrayBinding.TEXT);
    }

    /** As {@link #upsert(CompiledTable, Set)}, with the parameters bound as {@code binding} says. */
    public static String upsert(CompiledTable t, Set<String> keep, ArrayBinding binding) {
        List<String> projected = new ArrayList<>();
        t.written().forEach((column, expression) -> {
            if (!keep.contains(column)) {
                projected.add("(" + expression + ") AS " + quote(column));
            }
        });
        projected.add(keepExpression(t) + " AS " + KEEP);
        String keyMatch = t.targetKey().stream().map(k -> "t." + quote(k) + " = p." + quote(k))
                .collect(Collectors.joining(" AND "));
        // Without a filter no row can stop passing it: no delete, so no join of the batch with the target table (whose
        // statistics may say "empty" while one large transaction fills it, and a join planned on that reads it whole
        // once per row of the batch).
        String gone = t.filter() == null ? "" : "gone AS (DELETE FROM " + quoteQualified(t.target()) + " AS t USING p "
                + "WHERE NOT p." + KEEP + " AND " + keyMatch + ") ";
        return "WITH __src AS (" + unnestRows(t.sourceColumns(), binding) + "), "
                + "p AS (SELECT " + String.join(", ", projected) + " FROM __src AS " + quote(t.alias()) + ")"
                + (gone.isEmpty() ? " " : ", " + gone)
                + insertKept(t, keep, "p");
    }

    /**
     * Upserts the rows of {@code projected} (the written columns and the keep flag) that pass the
     * filter, writing nothing where the values are unchanged.
     */
    static String insertKept(CompiledTable t, Set<String> keep, String projected) {
        List<String> written = t.written().keySet().stream().filter(c -> !keep.contains(c)).toList();
        List<String> updated = written.stream().filter(c -> !t.key().containsKey(c)).toList();
        List<String> insertColumns = new ArrayList<>(written);
        List<String> insertValues = new ArrayList<>(written.stream().map(c -> "p." + quote(c)).toList());
        t.defaults().forEach((column, expression) -> {
            insertColumns.add(column);
            insertValues.add("(" + expression + ")");
        });
        String conflict = updated.isEmpty()
                ? "DO NOTHING"
                : "DO UPDATE SET " + updated.stream().map(c -> quote(c) + " = EXCLUDED." + quote(c)).collect(Collectors.joining(", "))
                  + " WHERE " + changed(t, updated, "t");
        return "INSERT INTO " + quoteQualified(t.target()) + " AS t (" + quoteAll(insertColumns) + ") " + OVERRIDING
                + "SELECT " + String.join(", ", insertValues) + " FROM " + projected + " AS p WHERE p." + KEEP
                + " ON CONFLICT (" + quoteAll(t.targetKey()) + ") " + conflict;
    }

    /** The written columns as expressions plus the filter's verdict as {@value #KEEP}, for a SELECT list. */
    static String projectedWithKeep(CompiledTable t) {
        return t.written().entrySet().stream().map(e -> "(" + e.getValue() + ") AS " + quote(e.getKey()))
                .collect(Collectors.joining(", ")) + ", " + keepExpression(t) + " AS " + KEEP;
    }

    static String keepColumn() {
        return KEEP;
    }

    /**
     * The FROM clause that gives a merged table's expressions their rows: the main table under its
     * alias, each joined table LEFT JOINed by key under its own; {@code relationOf} names the
     * relation that holds each legacy table's rows where the SQL runs.
     */
    public static String sourceFrom(CompiledTable t, Function<String, String> relationOf) {
        StringBuilder from = new StringBuilder(relationOf.apply(t.source()) + " AS " + quote(t.alias()));
        for (CompiledJoin j : t.joins()) {
            String on = j.mainKeyOf().entrySet().stream()
                    .map(e -> quote(j.alias()) + "." + quote(e.getKey()) + " = " + quote(t.alias()) + "." + quote(e.getValue()))
                    .collect(Collectors.joining(" AND "));
            from.append(" LEFT JOIN ").append(relationOf.apply(j.source())).append(" AS ").append(quote(j.alias()))
                    .append(" ON ").append(on);
        }
        return from.toString();
    }

    /** Deletes target rows by source key. Parameters: one text array per source key column. */
    public static String delete(CompiledTable t) {
        List<SourceColumn> keyColumns = t.sourceColumns().stream().filter(c -> t.sourceKey().contains(c.name())).toList();
        String keys = t.key().entrySet().stream().map(e -> "(" + e.getValue() + ") AS " + quote(e.getKey()))
                .collect(Collectors.joining(", "));
        String match = t.targetKey().stream().map(k -> "t." + quote(k) + " = d." + quote(k)).collect(Collectors.joining(" AND "));
        return "DELETE FROM " + quoteQualified(t.target()) + " AS t USING (SELECT " + keys + " FROM ("
                + unnestRows(keyColumns) + ") AS " + quote(t.alias()) + ") AS d WHERE " + match;
    }

    /**
     * The projection over rows already typed like the source ({@code fromRows} yields the source
     * columns): key and columns in written order, only rows passing the filter.
     */
    public static String select(CompiledTable t, String fromRows) {
        return selectFrom(t, fromRows + " AS " + quote(t.alias()));
    }

    /** The projection over a FROM clause that names every row the expressions read (see {@link #sourceFrom}). */
    public static String selectFrom(CompiledTable t, String from) {
        String projected = t.written().entrySet().stream().map(e -> "(" + e.getValue() + ") AS " + quote(e.getKey()))
                .collect(Collectors.joining(", "));
        return "SELECT " + projected + " FROM " + from + " WHERE " + keepExpression(t);
    }

    /**
     * Whether an upsert changes the row {@code alias} ({@code EXCLUDED} holds the new values): {@code json} and
     * {@code xml} columns, which have no equality operator, compare by their text.
     */
    public static String changed(CompiledTable t, List<String> updated, String alias) {
        return "(" + updated.stream().map(c -> comparable(t, alias + "." + quote(c), c)).collect(Collectors.joining(", "))
                + ") IS DISTINCT FROM (" + updated.stream().map(c -> comparable(t, "EXCLUDED." + quote(c), c))
                .collect(Collectors.joining(", ")) + ")";
    }

    private static String comparable(CompiledTable t, String ref, String column) {
        String type = t.targetTypes().getOrDefault(column, "");
        return type.startsWith("json") && !type.startsWith("jsonb") || type.startsWith("xml") ? ref + "::text" : ref;
    }

    static String keepExpression(CompiledTable t) {
        return t.filter() == null ? "true" : "coalesce((" + t.filter() + ")::boolean, false)";
    }

    static String quoteAll(List<String> names) {
        return names.stream().map(n -> quote(n)).collect(Collectors.joining(", "));
    }
}
