package dev.tandem.reconcile.chunk;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * The chunk key as one side's SQL sees it: an expression per key column, the type its bound values are cast to,
 * and whether it is compared under {@code COLLATE "C"} (every collatable type, so both databases order text the same
 * way whatever their collations). Renders range and key-set predicates with {@code ?} parameters.
 */
public record KeySql(List<String> expressions, List<String> types, List<Boolean> collatable) {

    public KeySql {
        expressions = List.copyOf(expressions);
        types = List.copyOf(types);
        collatable = List.copyOf(collatable);
        if (expressions.size() != types.size() || types.size() != collatable.size() || expressions.isEmpty()) {
            throw new IllegalArgumentException("key SQL needs one type and collation flag per expression, got "
                    + expressions.size() + " expressions, " + types.size() + " types, " + collatable.size() + " flags");
        }
    }

    public int size() {
        return expressions.size();
    }

    /** The same key columns under other expressions (another relation or alias). */
    public KeySql with(List<String> otherExpressions) {
        return new KeySql(otherExpressions, types, collatable);
    }

    private String column(int i) {
        return expressions.get(i) + (collatable.get(i) ? " COLLATE \"C\"" : "");
    }

    private String parameter(int i) {
        return "?::" + types.get(i) + (collatable.get(i) ? " COLLATE \"C\"" : "");
    }

    private String row(java.util.function.IntFunction<String> part) {
        return "(" + IntStream.range(0, size()).mapToObj(part).collect(Collectors.joining(", ")) + ")";
    }

    /** {@code a COLLATE "C", b}: the chunk order. */
    public String orderBy() {
        return IntStream.range(0, size()).mapToObj(this::column).collect(Collectors.joining(", "));
    }

    /** The key values as text, for select lists. */
    public String asText(String prefix) {
        return IntStream.range(0, size()).mapToObj(i -> expressions.get(i) + "::text AS " + prefix + i)
                .collect(Collectors.joining(", "));
    }

    /** A predicate selecting {@code range}; bind with {@link #bind(PreparedStatement, int, VerifyRange)}. */
    public String predicate(VerifyRange range) {
        List<String> parts = new ArrayList<>();
        if (range.lower() != null) {
            parts.add(row(this::column) + " > " + row(this::parameter));
        }
        if (range.upper() != null) {
            parts.add(row(this::column) + " <= " + row(this::parameter));
        }
        return parts.isEmpty() ? "true" : String.join(" AND ", parts);
    }

    /** Binds {@code range}'s bounds from parameter {@code index}; returns the next free index. */
    public int bind(PreparedStatement ps, int index, VerifyRange range) throws SQLException {
        if (range.lower() != null) {
            index = bindValues(ps, index, range.lower());
        }
        if (range.upper() != null) {
            index = bindValues(ps, index, range.upper());
        }
        return index;
    }

    private int bindValues(PreparedStatement ps, int index, List<String> values) throws SQLException {
        if (values.size() != size()) {
            throw new IllegalArgumentException("a key of " + size() + " columns cannot be bound to " + values.size() + " values "
                    + values);
        }
        for (String value : values) {
            ps.setString(index++, value);
        }
        return index;
    }

    /** A predicate selecting a set of keys; bind with {@link #bindKeys}. */
    public String inPredicate() {
        String casts = IntStream.range(0, size()).mapToObj(i -> "u.k" + i + "::" + types.get(i)).collect(Collectors.joining(", "));
        String arrays = IntStream.range(0, size()).mapToObj(i -> "?::text[]").collect(Collectors.joining(", "));
        String names = IntStream.range(0, size()).mapToObj(i -> "k" + i).collect(Collectors.joining(", "));
        return "(" + String.join(", ", expressions) + ") IN (SELECT " + casts + " FROM unnest(" + arrays + ") AS u(" + names + "))";
    }

    /** Binds one text array per key column, from parameter {@code index}; returns the next free index. */
    public int bindKeys(Connection c, PreparedStatement ps, int index, Collection<List<String>> keys) throws SQLException {
        for (int i = 0; i < size(); i++) {
            String[] column = new String[keys.size()];
            int row = 0;
            for (List<String> key : keys) {
                if (key.size() != size()) {
                    throw new IllegalArgumentException("key " + key + " has " + key.size() + " values; this table's key has "
                            + size() + " columns");
                }
                column[row++] = key.get(i);
            }
            ps.setArray(index++, c.createArrayOf("text", column));
        }
        return index;
    }
}
