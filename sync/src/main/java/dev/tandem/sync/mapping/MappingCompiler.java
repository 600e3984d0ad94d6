package dev.tandem.sync.mapping;

import static dev.tandem.capture.SqlIdentifiers.quote;
import static dev.tandem.capture.SqlIdentifiers.quoteQualified;

import dev.tandem.capture.SqlIdentifiers;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Checks a mapping against the real source and target catalogs before anything starts and
 * compiles each table entry; every problem found is reported at once, each with file, line,
 * table, column and the fix. Expressions are type-checked by having the target database plan
 * them ({@code EXPLAIN}), so what passes here is what the applier will run.
 */
public final class MappingCompiler {

    private final Catalog source;
    private final Catalog target;
    private final List<MappingProblem> problems = new ArrayList<>();

    /** Legacy table → the columns all reverse projections into it fill. */
    private final Map<String, Set<String>> reverseFilled = new LinkedHashMap<>();

    private MappingCompiler(Connection source, Connection target) {
        this.source = new Catalog(source);
        this.target = new Catalog(target);
    }

    /** Compiles every table of {@code spec}, or throws a {@link MappingException} listing every problem. */
    public static List<CompiledTable> compile(MappingSpec spec, Connection source, Connection target) throws SQLException {
        MappingCompiler compiler = new MappingCompiler(source, target);
        for (TableSpec table : spec.tables()) { // the parts of a split fill their legacy table together
            if (table.reverse() != null) {
                compiler.reverseFilled.computeIfAbsent(table.reverse().target(), t -> new HashSet<>())
                        .addAll(table.reverse().columns().keySet());
                for (ReverseSpec joined : table.reverse().joins()) {
                    compiler.reverseFilled.computeIfAbsent(joined.target(), t -> new HashSet<>())
                            .addAll(joined.columns().keySet());
                }
            }
        }
        List<CompiledTable> tables = new ArrayList<>();
        for (TableSpec table : spec.tables()) {
            CompiledTable compiled = compiler.compile(table);
            if (compiled != null) {
                tables.add(compiled);
            }
        }
        if (!compiler.problems.isEmpty()) {
            throw new MappingException(compiler.problems);
        }
        return tables;
    }

    private CompiledTable compile(TableSpec spec) throws SQLException {
        int before = problems.size();
        LinkedHashMap<String, String> sourceTypes = source.columnTypes(spec.source());
        LinkedHashMap<String, String> targetTypes = target.columnTypes(spec.target());
        if (sourceTypes.isEmpty()) {
            problem(spec, "from", null, "no such table in the legacy database", "fix the 'from:' table name");
        }
        if (targetTypes.isEmpty()) {
            problem(spec, "target", null, "no such table in the new database", "create the table before starting, or fix 'target:'");
        }
        if (sourceTypes.isEmpty() || targetTypes.isEmpty()) {
            return null;
        }
        checkLogged(spec, "from", spec.source());
        List<String> sourceKey = source.keyColumns(spec.source());
        if (sourceKey.isEmpty()) {
            problem(spec, "from", null, spec.source() + " has no primary key or replica identity index, so changes cannot be "
                    + "matched to rows", "add a primary key to the legacy table (or REPLICA IDENTITY USING INDEX on a unique index)");
            return null;
        }
        List<SourceColumn> sourceColumns = new ArrayList<>();
        for (var e : sourceTypes.entrySet()) {
            sourceColumns.add(new SourceColumn(e.getKey(), target.hasType(e.getValue()) ? e.getValue() : "text"));
        }
        LinkedHashMap<String, String> key = new LinkedHashMap<>(spec.key());
        LinkedHashMap<String, String> columns = new LinkedHashMap<>(spec.columns());
        if (spec.copySameNamed()) {
            for (String column : targetTypes.keySet()) {
                if (sourceTypes.containsKey(column) && !key.containsKey(column) && !columns.containsKey(column)
                        && !spec.defaults().containsKey(column)) {
                    columns.put(column, quote(spec.alias()) + "." + quote(column));
                }
            }
        }
        if (key.isEmpty()) {
            deriveKey(spec, sourceKey, key, columns);
        }
        checkColumnsExist(spec, targetTypes, key, "key.");
        checkColumnsExist(spec, targetTypes, columns, "columns.");
        checkColumnsExist(spec, targetTypes, spec.defaults(), "defaults.");
        checkTargetKey(spec, key);
        checkUnmapped(spec, targetTypes, key, columns);
        List<CompiledJoin> joins = compileJoins(spec, sourceKey);
        if (problems.size() > before) {
            return null;
        }
        Map<String, Set<String>> reads = new LinkedHashMap<>();
        Set<String> sourceNames = sourceTypes.keySet();
        key.forEach((c, e) -> reads.put(c, ExpressionColumns.referenced(e, spec.alias(), sourceNames)));
        columns.forEach((c, e) -> reads.put(c, ExpressionColumns.referenced(e, spec.alias(), sourceNames)));
        if (spec.filter() != null) {
            reads.put(CompiledTable.FILTER, ExpressionColumns.referenced(spec.filter(), spec.alias(), sourceNames));
        }
        Map<String, String> writtenTypes = new LinkedHashMap<>();
        key.keySet().forEach(c -> writtenTypes.put(c, targetTypes.get(c)));
        columns.keySet().forEach(c -> writtenTypes.put(c, targetTypes.get(c)));
        CompiledTable compiled = new CompiledTable(spec, sourceColumns, sourceKey, key, columns,
                new LinkedHashMap<>(spec.defaults()), writtenTypes, reads, joins);
        typeCheck(compiled);
        if (spec.reverse() != null) {
            checkReverse(spec, spec.reverse(), targetTypes, "reverse.");
            for (ReverseSpec joined : spec.reverse().joins()) {
                checkReverse(spec, joined, targetTypes, "reverse.joins." + joined.target() + ".");
            }
        }
        return problems.size() > before ? null : compiled;
    }

    /**
     * The reverse projection runs in the legacy database during a rollback: its columns must exist
     * there, its expressions type-check over a row of the new table, and it must fill every legacy
     * column an insert cannot leave out.
     */
    private void checkReverse(TableSpec spec, ReverseSpec reverse, Map<String, String> newTypes, String at)
            throws SQLException {
        String where = at.equals("reverse.") ? "reverse" : at.substring(0, at.length() - 1);
        LinkedHashMap<String, String> legacyTypes = source.columnTypes(reverse.target());
        if (legacyTypes.isEmpty()) {
            problem(spec, where, null, "reverse target " + reverse.target() + " does not exist in the legacy database",
                    "name the legacy table under 'reverse: target:'");
            return;
        }
        List<String> row = new ArrayList<>();
        for (var e : newTypes.entrySet()) {
            String type = source.hasType(e.getValue()) ? e.getValue() : "text";
            row.add("NULL::" + type + " AS " + quote(e.getKey()));
        }
        String newRow = "(SELECT " + String.join(", ", row) + ")";
        if (reverse.filter() != null) {
            explainIn(source, spec, where, null, "SELECT 1 FROM " + newRow + " AS " + quote(reverse.alias()) + " WHERE ("
                    + reverse.filter() + ")::boolean", "the filter reads the new row as " + reverse.alias() + ".<column>");
        }
        for (var e : reverse.columns().entrySet()) {
            String path = at + "columns." + e.getKey();
            if (!legacyTypes.containsKey(e.getKey())) {
                problem(spec, path, e.getKey(), "no such column in " + reverse.target(),
                        "reverse columns are legacy columns: use one of " + legacyTypes.keySet());
                continue;
            }
            explainIn(source, spec, path, e.getKey(), "INSERT INTO " + quoteQualified(reverse.target()) + " ("
                    + quote(e.getKey()) + ") " + ProjectionSql.OVERRIDING + "SELECT (" + e.getValue() + ") FROM " + newRow + " AS " + quote(reverse.alias()),
                    "reverse expressions read the new row as " + reverse.alias() + ".<column> of " + spec.target()
                            + ", whose columns are " + newTypes.keySet());
        }
        Set<String> filled = reverseFilled.getOrDefault(reverse.target(), reverse.columns().keySet());
        for (String column : legacyTypes.keySet()) {
            if (!filled.contains(column) && !source.mayBeOmitted(reverse.target(), column)) {
                problem(spec, where, column, "NOT NULL legacy column is not filled by the reverse projection, so a "
                        + "rollback could not insert rows", "add '" + column + ":' under 'reverse: columns:'");
            }
        }
    }

    /**
     * Checks each merged table: it exists with a primary key, its alias is its own, and 'on:' maps
     * exactly its key columns onto exactly the main table's key columns, so that each of its rows
     * belongs to one target row and a change to it names that row.
     */
    private List<CompiledJoin> compileJoins(TableSpec spec, List<String> mainKey) throws SQLException {
        List<CompiledJoin> joins = new ArrayList<>();
        Set<String> aliases = new HashSet<>(List.of(spec.alias()));
        for (JoinSpec join : spec.joins()) {
            String path = "join." + join.alias();
            if (!aliases.add(join.alias())) {
                problem(spec, path, null, "alias " + join.alias() + " of joined table " + join.source() + " is already used",
                        "give every table of the entry its own alias");
                continue;
            }
            LinkedHashMap<String, String> types = source.columnTypes(join.source());
            if (types.isEmpty()) {
                problem(spec, path, null, "joined table " + join.source() + " does not exist in the legacy database",
                        "fix the 'from:' of the join item");
                continue;
            }
            checkLogged(spec, path, join.source());
            List<String> key = source.keyColumns(join.source());
            if (key.isEmpty()) {
                problem(spec, path, null, join.source() + " has no primary key or replica identity index, so its changes "
                        + "cannot be matched to rows", "add a primary key to the legacy table");
                continue;
            }
            if (!new HashSet<>(key).equals(join.on().keySet())) {
                problem(spec, path, null, "'on:' maps " + join.on().keySet() + " but the primary key of " + join.source()
                        + " is " + key, "map exactly its key columns " + key + " to the main table's key columns");
                continue;
            }
            LinkedHashMap<String, String> mainKeyOf = new LinkedHashMap<>();
            for (var e : join.on().entrySet()) {
                String mainColumn = mainColumn(e.getValue(), spec.alias());
                if (mainColumn == null || !mainKey.contains(mainColumn)) {
                    problem(spec, path + ".on." + e.getKey(), e.getKey(), "'" + e.getValue() + "' is not a key column of "
                            + spec.source(), "write one of " + mainKey.stream().map(k -> spec.alias() + "." + k).toList()
                            + ": a merged table is joined by the main table's key");
                    continue;
                }
                mainKeyOf.put(e.getKey(), mainColumn);
            }
            if (mainKeyOf.size() == key.size() && !new HashSet<>(mainKeyOf.values()).equals(new HashSet<>(mainKey))) {
                problem(spec, path, null, "'on:' matches " + mainKeyOf.values() + " but the key of " + spec.source() + " is "
                        + mainKey + ", so a row of " + join.source() + " would not name one target row",
                        "merge only tables that share the main table's key, one column each");
                continue;
            }
            List<SourceColumn> columns = new ArrayList<>();
            for (var column : types.entrySet()) {
                columns.add(new SourceColumn(column.getKey(), target.hasType(column.getValue()) ? column.getValue() : "text"));
            }
            joins.add(new CompiledJoin(join, columns, key, mainKeyOf));
        }
        return joins;
    }

    /** The column named by {@code alias.column} (either part may be quoted), or null when it is something else. */
    private static String mainColumn(String expression, String alias) {
        String[] parts;
        try {
            parts = SqlIdentifiers.parts(expression.trim());
        } catch (IllegalArgumentException e) {
            return null;
        }
        return parts[0].equals(alias) ? parts[1] : null;
    }

    private void deriveKey(TableSpec spec, List<String> sourceKey, LinkedHashMap<String, String> key,
                           LinkedHashMap<String, String> columns) {
        for (String k : sourceKey) {
            String copy = quote(spec.alias()) + "." + quote(k);
            String mappedTo = columns.entrySet().stream()
                    .filter(e -> normalize(e.getValue()).equals(normalize(copy)))
                    .map(Map.Entry::getKey).findFirst().orElse(null);
            if (mappedTo == null) {
                problem(spec, "target", null, "no 'key:' given and source key column " + k + " is not copied to any column",
                        "add 'key:' mapping the target's primary key to expressions over " + sourceKey);
                return;
            }
            key.put(mappedTo, columns.remove(mappedTo));
        }
    }

    private void checkColumnsExist(TableSpec spec, Map<String, String> targetTypes, Map<String, String> written,
                                   String pathPrefix) {
        for (String column : written.keySet()) {
            if (!targetTypes.containsKey(column)) {
                problem(spec, pathPrefix + column, column, "no such column in " + spec.target(),
                        "add the column to the new table or use one of " + targetTypes.keySet());
            }
        }
    }

    private void checkTargetKey(TableSpec spec, LinkedHashMap<String, String> key) throws SQLException {
        List<String> targetKey = target.keyColumns(spec.target());
        if (!new HashSet<>(targetKey).equals(key.keySet())) {
            problem(spec, "key", null, "the mapped key " + key.keySet() + " is not the primary key " + targetKey + " of "
                    + spec.target(), "map exactly the target's primary key columns under 'key:'");
        }
    }

    private void checkUnmapped(TableSpec spec, Map<String, String> targetTypes, Map<String, String> key,
                               Map<String, String> columns) throws SQLException {
        for (String column : targetTypes.keySet()) {
            if (!key.containsKey(column) && !columns.containsKey(column) && !spec.defaults().containsKey(column)
                    && !target.mayBeOmitted(spec.target(), column)) {
                problem(spec, "target", column, "NOT NULL column without a default is neither mapped nor defaulted",
                        "map it under 'columns:', give it a value under 'defaults:', or give the column a DEFAULT");
            }
        }
    }

    /** Plans every expression in the target database, then the whole upsert, and records what fails. */
    private void typeCheck(CompiledTable t) throws SQLException {
        String allRows = ProjectionSql.sourceFrom(t, s -> nullRow(columnsOf(t, s)));
        String keyRows = nullRow(t.sourceColumns().stream().filter(c -> t.sourceKey().contains(c.name())).toList());
        for (var e : t.key().entrySet()) {
            explain(t.spec(), "key." + e.getKey(), e.getKey(), "SELECT (" + e.getValue() + ") FROM " + keyRows + " AS "
                    + quote(t.alias()), "the key must be computed from the source key columns " + t.sourceKey() + " only");
        }
        Map<String, String> assigned = new LinkedHashMap<>(t.written());
        assigned.putAll(t.defaults());
        for (var e : assigned.entrySet()) {
            String path = (t.key().containsKey(e.getKey()) ? "key." : t.defaults().containsKey(e.getKey()) ? "defaults." : "columns.")
                    + e.getKey();
            explain(t.spec(), path, e.getKey(), "INSERT INTO " + quoteQualified(t.target()) + " (" + quote(e.getKey())
                    + ") " + ProjectionSql.OVERRIDING + "SELECT (" + e.getValue() + ") FROM " + allRows, null);
        }
        if (t.filter() != null) {
            explain(t.spec(), "filter", null, "SELECT 1 FROM " + allRows + " WHERE ("
                    + t.filter() + ")", "the filter must be a boolean condition over the source row");
        }
        if (problems.isEmpty()) {
            explainUpsert(t);
        }
        if (problems.isEmpty() && t.merged()) {
            explainOnLegacy(t);
        }
    }

    /**
     * A merged table is compared by running its join on the legacy database (it cannot be staged row by row), so its
     * expressions, cast to the new columns' types, must also plan there.
     */
    private void explainOnLegacy(CompiledTable t) {
        String from = ProjectionSql.sourceFrom(t, SqlIdentifiers::quoteQualified);
        String fix = "use in a merged table's expressions only types and functions the legacy database has too (compare "
                + "as text, or map the column in a separate, unmerged table)";
        for (var e : t.written().entrySet()) {
            String path = (t.key().containsKey(e.getKey()) ? "key." : "columns.") + e.getKey();
            explainOnLegacy(t, path, e.getKey(), "SELECT ((" + e.getValue() + ")::" + t.targetTypes().get(e.getKey()) + ") FROM "
                    + from, fix);
        }
        if (t.filter() != null) {
            explainOnLegacy(t, "filter", null, "SELECT 1 FROM " + from + " WHERE (" + t.filter() + ")", fix);
        }
    }

    private void explainOnLegacy(CompiledTable t, String path, String column, String sql, String fix) {
        try (Statement st = source.connection().createStatement()) {
            st.execute("EXPLAIN " + sql);
        } catch (SQLException e) {
            problem(t.spec(), path, column, "does not run on the legacy database, where verification joins the merged "
                    + "tables: " + firstLine(e), fix);
        }
    }

    private void explainUpsert(CompiledTable t) throws SQLException {
        String sql = "EXPLAIN " + (t.merged() ? MergeSql.recompute(t, s -> nullRow(columnsOf(t, s)))
                : ProjectionSql.upsert(t, Set.of()));
        int parameters = t.merged() ? MergeSql.mainKeyColumns(t).size() : t.sourceColumns().size();
        try (PreparedStatement ps = target.connection().prepareStatement(sql)) {
            for (int i = 1; i <= parameters; i++) {
                ps.setNull(i, java.sql.Types.ARRAY);
            }
            ps.execute();
        } catch (SQLException e) {
            problem(t.spec(), "target", null, "the upsert the applier would run is rejected: " + firstLine(e),
                    "check that the key columns carry a primary key or unique constraint in " + t.target());
        }
    }

    private void explain(TableSpec spec, String path, String column, String sql, String hint) throws SQLException {
        explainIn(target, spec, path, column, sql, hint);
    }

    private void explainIn(Catalog db, TableSpec spec, String path, String column, String sql, String hint) {
        try (Statement st = db.connection().createStatement()) {
            st.execute("EXPLAIN " + sql);
        } catch (SQLException e) {
            String message = firstLine(e);
            String fix = hint != null && message.contains("does not exist") ? hint : fixFor(message);
            problem(spec, path, column, message, fix);
        }
    }

    private static String fixFor(String message) {
        if (message.contains("is of type") && message.contains("but expression is of type")) {
            return "cast the expression to the column's type, e.g. (expression)::" + message.replaceAll(".*is of type (.+?) but.*", "$1");
        }
        if (message.contains("does not exist")) {
            return "check the name; columns are read as <alias>.<column> of the 'from:' table";
        }
        if (message.contains("invalid input")) {
            return "the expression fails for every row; fix the literal or the cast";
        }
        return "fix the SQL expression";
    }

    /** The typed columns of {@code sourceTable}: the main table's or a joined table's. */
    private static List<SourceColumn> columnsOf(CompiledTable t, String sourceTable) {
        if (sourceTable.equals(t.source())) {
            return t.sourceColumns();
        }
        return t.joins().stream().filter(j -> j.source().equals(sourceTable)).findFirst().orElseThrow().sourceColumns();
    }

    private static String nullRow(List<SourceColumn> columns) {
        return "(SELECT " + columns.stream().map(c -> "NULL::" + c.type() + " AS " + quote(c.name()))
                .collect(Collectors.joining(", ")) + ")";
    }

    /** An unlogged table (or partition) is never decoded: refused before anything is created. */
    private void checkLogged(TableSpec spec, String path, String table) throws SQLException {
        for (String relation : CaptureLimits.unlogged(source.connection(), table)) {
            problem(spec, path, null, CaptureLimits.unloggedProblem(relation), CaptureLimits.unloggedFix(relation));
        }
    }

    private void problem(TableSpec spec, String path, String column, String problem, String fix) {
        problems.add(new MappingProblem(spec.where().file(), spec.where().lineOf(path), spec.target(), column, problem, fix));
    }

    private static String firstLine(SQLException e) {
        String message = e.getMessage() == null ? e.toString() : e.getMessage();
        message = message.replaceFirst("^ERROR: ", "");
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }

    private static String normalize(String expression) {
        return expression.replace(" ", "").replace("\"", "").toLowerCase();
    }
}
