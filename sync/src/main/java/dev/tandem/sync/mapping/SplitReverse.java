package dev.tandem.sync.mapping;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The reverse of a legacy table split into several new tables: a merge of those new tables back into it. The first
 * new table is the main one, the others are joined to it on the key columns that come from the same legacy
 * columns, and each brings the legacy columns its {@code reverse:} names (under an alias of its own).
 */
final class SplitReverse {

    /** Stands for a row's alias while expressions are compared. */
    private static final String ANY_ALIAS = "\u0001";

    private SplitReverse() {
    }

    /** The merged reverse of {@code parts} (all reversing into one legacy table), or null after adding to {@code problems}. */
    static TableSpec merge(String file, List<ReverseMapping.Part> reverseParts, List<String> problems) {
        List<TableSpec> parts = reverseParts.stream().map(ReverseMapping.Part::forward).toList();
        TableSpec main = parts.get(0);
        ReverseSpec mainReverse = reverseParts.get(0).reverse();
        String legacy = mainReverse.target();
        int before = problems.size();
        String names = parts.stream().map(TableSpec::target).toList().toString();
        Map<String, String> mainKeyByExpression = new LinkedHashMap<>();
        main.key().forEach((column, expression) -> mainKeyByExpression.put(normalized(expression, main.alias()), column));
        for (ReverseMapping.Part part : reverseParts) {
            if (part.reverse().filter() != null) {
                problems.add(file + ":" + part.forward().where().line() + ": " + names + " all reverse into " + legacy
                        + ", which a rollback joins back into one row; a 'filter:' on one of them cannot say which rows "
                        + "exist there: remove it");
            }
        }
        for (TableSpec part : parts) {
            if (part.key().isEmpty()) {
                problems.add(file + ":" + part.where().line() + ": " + names + " all reverse into " + legacy + ", so a "
                        + "rollback joins them back by key: write 'key:' on " + part.target());
            }
        }
        LinkedHashMap<String, String> columns = new LinkedHashMap<>(mainReverse.columns());
        Set<String> aliases = new HashSet<>(Set.of(mainReverse.alias()));
        List<JoinSpec> joins = new ArrayList<>();
        for (int i = 1; i < parts.size(); i++) {
            TableSpec part = parts.get(i);
            ReverseSpec r = reverseParts.get(i).reverse();
            String alias = unique(r.alias(), aliases);
            LinkedHashMap<String, String> on = new LinkedHashMap<>();
            part.key().forEach((column, expression) -> {
                String mainColumn = mainKeyByExpression.get(normalized(expression, part.alias()));
                if (mainColumn == null) {
                    problems.add(file + ":" + part.where().line() + ": " + part.target() + "." + column + " (" + expression
                            + ") matches no key column of " + main.target() + "; to be joined back into " + legacy
                            + ", both must be keyed by the same legacy columns");
                } else {
                    on.put(column, mainReverse.alias() + "." + mainColumn);
                }
            });
            r.columns().forEach((column, expression) -> {
                if (!columns.containsKey(column)) {
                    columns.put(column, renamed(expression, r.alias(), alias));
                } else if (!readsOnlyKey(expression, r.alias(), part.key().keySet())) {
                    problems.add(file + ":" + part.where().line() + ": " + legacy + "." + column + " is written back from "
                            + "both " + main.target() + " and " + part.target() + "; keep it in one of their 'reverse:'");
                }
            });
            joins.add(new JoinSpec(part.target(), alias, on));
        }
        if (problems.size() > before) {
            return null;
        }
        return new TableSpec(legacy, main.target(), mainReverse.alias(), new LinkedHashMap<>(), columns,
                new LinkedHashMap<>(), null, false, null, main.where(), joins);
    }

    /** A column both parts write is fine when the joined part only copies its key back (equal to the main one's). */
    private static boolean readsOnlyKey(String expression, String alias, Set<String> keyColumns) {
        String e = normalized(expression, alias);
        return keyColumns.stream().anyMatch(k -> e.equals(ANY_ALIAS + "." + k) || e.equals(ANY_ALIAS + ".\"" + k + "\""));
    }

    private static String unique(String alias, Set<String> taken) {
        String candidate = alias;
        for (int n = 2; !taken.add(candidate); n++) {
            candidate = alias + n;
        }
        return candidate;
    }

    private static String normalized(String expression, String alias) {
        return renamed(expression, alias, ANY_ALIAS).replaceAll("\\s+", "");
    }

    /**
     * {@code expression} with the row alias {@code from} (as in {@code from.column}) replaced by {@code to}, outside
     * string literals and quoted identifiers.
     */
    static String renamed(String expression, String from, String to) {
        if (from.equals(to)) {
            return expression;
        }
        StringBuilder out = new StringBuilder();
        char quote = 0;
        for (int i = 0; i < expression.length(); i++) {
            char c = expression.charAt(i);
            if (quote != 0) {
                out.append(c);
                if (c == quote) {
                    quote = 0;
                }
                continue;
            }
            if (c == '\'' || c == '"') {
                quote = c;
                out.append(c);
                continue;
            }
            boolean boundary = i == 0 || !isPartOfName(expression.charAt(i - 1));
            if (boundary && expression.startsWith(from + ".", i)) {
                out.append(to).append('.');
                i += from.length();
                continue;
            }
            out.append(c);
        }
        return out.toString();
    }

    private static boolean isPartOfName(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == '$' || c == '.' || c == '"';
    }
}
