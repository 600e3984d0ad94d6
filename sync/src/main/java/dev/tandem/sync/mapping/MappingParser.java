package dev.tandem.sync.mapping;

import dev.tandem.capture.SqlIdentifiers;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * Reads a mapping file (YAML) into a {@link MappingSpec}, keeping the line of every part; any
 * structural mistake is reported with its line and the shape that was expected.
 */
public final class MappingParser {

    private static final Set<String> TABLE_KEYS = Set.of("target", "from", "key", "columns", "defaults", "filter",
            "copy_same_named", "reverse", "join");
    private static final Set<String> JOIN_KEYS = Set.of("from", "on");
    private static final Set<String> REVERSE_KEYS = Set.of("target", "as", "columns", "joins");
    private static final Set<String> REVERSE_JOIN_KEYS = Set.of("target", "columns", "filter");
    /** One part of a qualified name: a double-quoted name (inner quotes doubled) or a run without dots, quotes or spaces. */
    private static final String PART = "(?:\"(?:[^\"]|\"\")+\"|[^\\s.\"]+)";
    private static final String QUALIFIED = PART + "\\." + PART;
    private static final Pattern FROM = Pattern.compile("\\s*(" + QUALIFIED + ")(?:\\s+(?:[Aa][Ss]\\s+)?([\\p{L}_][\\p{L}\\p{N}_$]*))?\\s*");

    private final String file;
    private final List<MappingProblem> problems = new ArrayList<>();

    private MappingParser(String file) {
        this.file = file;
    }

    public static MappingSpec parse(Path path) {
        try (Reader reader = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
            return new MappingParser(path.toString()).read(reader);
        } catch (IOException e) {
            throw new MappingException(List.of(new MappingProblem(path.toString(), 0, "(file)", null,
                    "cannot read the mapping file: " + e.getMessage(), "check the path and its permissions")));
        }
    }

    public static MappingSpec parse(String file, Reader yaml) {
        return new MappingParser(file).read(yaml);
    }

    private MappingSpec read(Reader yaml) {
        Node root;
        try {
            root = new Yaml(new LoaderOptions()).compose(yaml);
        } catch (MarkedYAMLException e) {
            throw new MappingException(List.of(new MappingProblem(file, e.getProblemMark().getLine() + 1, "(file)", null,
                    "not valid YAML: " + e.getProblem(), "fix the YAML syntax at that line")));
        }
        List<TableSpec> tables = new ArrayList<>();
        if (!(root instanceof MappingNode top) || child(top, "tables") == null) {
            fail(root, "(file)", null, "no 'tables:' list", "start the file with 'tables:' followed by one entry per target table");
        } else if (!(child(top, "tables") instanceof SequenceNode list)) {
            fail(child(top, "tables"), "(file)", null, "'tables' is not a list", "write each table as an item starting with '- target:'");
        } else {
            for (Node entry : list.getValue()) {
                TableSpec spec = table(entry);
                if (spec != null) {
                    tables.add(spec);
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new MappingException(problems);
        }
        return new MappingSpec(file, tables);
    }

    private TableSpec table(Node entry) {
        if (!(entry instanceof MappingNode map)) {
            fail(entry, "(table)", null, "a table entry must be a mapping", "write 'target:', 'from:' and 'columns:' under '- '");
            return null;
        }
        String target = scalar(map, "target");
        String label = target == null ? "(table at line " + line(entry) + ")" : target;
        unknownKeys(map, TABLE_KEYS, label);
        HashMap<String, Integer> lines = new HashMap<>();
        String fromText = scalar(map, "from");
        String source = null;
        String alias = null;
        if (target == null) {
            fail(entry, label, null, "no 'target:'", "name the new table, e.g. 'target: shop.customer'");
        } else if (!target.matches(QUALIFIED)) {
            fail(child(map, "target"), label, null, "target '" + target + "' is not schema.table", "qualify it, e.g. shop.customer, "
                    + "with double quotes around a part that contains a dot, a quote or a space, e.g. \"my.schema\".\"my table\"");
        } else {
            target = SqlIdentifiers.canonical(target);
        }
        if (fromText == null) {
            fail(entry, label, null, "no 'from:'", "name the legacy table and its alias, e.g. 'from: legacy.customers c'");
        } else {
            Matcher m = FROM.matcher(fromText);
            if (!m.matches()) {
                fail(child(map, "from"), label, null, "'from: " + fromText + "' is not 'schema.table [alias]'",
                        "write e.g. 'from: legacy.customers c'");
            } else {
                source = SqlIdentifiers.canonical(m.group(1));
                alias = m.group(2) != null ? m.group(2) : SqlIdentifiers.parts(source)[1];
            }
        }
        LinkedHashMap<String, String> key = expressions(map, "key", label, lines);
        LinkedHashMap<String, String> columns = expressions(map, "columns", label, lines);
        LinkedHashMap<String, String> defaults = expressions(map, "defaults", label, lines);
        String filter = scalar(map, "filter");
        if (child(map, "filter") != null) {
            lines.put("filter", line(child(map, "filter")));
        }
        boolean copySameNamed = "true".equalsIgnoreCase(scalar(map, "copy_same_named"));
        ReverseSpec reverse = reverse(map, label, source, lines);
        List<JoinSpec> joins = joins(map, label, lines);
        if (target == null || source == null) {
            return null;
        }
        return new TableSpec(target, source, alias, key, columns, defaults, filter, copySameNamed, reverse,
                SpecSource.of(file, line(entry), lines), joins);
    }

    /** The {@code join:} list: each item a legacy table with alias and the key columns it is matched on. */
    private List<JoinSpec> joins(MappingNode map, String label, HashMap<String, Integer> lines) {
        Node node = child(map, "join");
        if (node == null) {
            return List.of();
        }
        if (!(node instanceof SequenceNode list)) {
            fail(node, label, null, "'join' must be a list", "write one item per merged table: '- from: legacy.t x' with "
                    + "'on: { <its key column>: <main alias>.<key column> }'");
            return List.of();
        }
        List<JoinSpec> joins = new ArrayList<>();
        for (Node item : list.getValue()) {
            if (!(item instanceof MappingNode join)) {
                fail(item, label, null, "a 'join' item must be a mapping", "write 'from:' and 'on:' under '- '");
                continue;
            }
            unknownKeys(join, JOIN_KEYS, label);
            String fromText = scalar(join, "from");
            Matcher m = fromText == null ? null : FROM.matcher(fromText);
            if (m == null || !m.matches()) {
                fail(item, label, null, fromText == null ? "a 'join' item has no 'from:'" : "join 'from: " + fromText
                        + "' is not 'schema.table alias'", "write e.g. 'from: legacy.customer_profile p'");
                continue;
            }
            String source = SqlIdentifiers.canonical(m.group(1));
            String alias = m.group(2) != null ? m.group(2) : SqlIdentifiers.parts(source)[1];
            String path = "join." + alias;
            LinkedHashMap<String, String> on = expressions(join, "on", label, lines, path + ".on.");
            if (on.isEmpty()) {
                fail(item, label, null, "join of " + source + " has no 'on:'", "map each primary key column of " + source
                        + " to the main table's key column it equals, e.g. 'on: { cust_id: c.cust_id }'");
                continue;
            }
            lines.put(path, line(item));
            joins.add(new JoinSpec(source, alias, on));
        }
        return joins;
    }

    private ReverseSpec reverse(MappingNode map, String label, String source, HashMap<String, Integer> lines) {
        Node node = child(map, "reverse");
        if (node == null) {
            return null;
        }
        if (!(node instanceof MappingNode reverse)) {
            fail(node, label, null, "'reverse' must be a mapping", "write 'reverse:' with 'columns:' under it");
            return null;
        }
        unknownKeys(reverse, REVERSE_KEYS, label);
        String target = scalar(reverse, "target");
        String alias = scalar(reverse, "as");
        LinkedHashMap<String, String> columns = expressions(reverse, "columns", label, lines, "reverse.columns.");
        lines.put("reverse", line(node));
        if (target != null && !target.matches(QUALIFIED)) {
            fail(child(reverse, "target"), label, null, "reverse target '" + target + "' is not schema.table",
                    "qualify it, e.g. legacy.customers, with double quotes around a part that contains a dot, a quote or a space");
            target = null;
        }
        String rowAlias = alias != null ? alias : "n";
        return new ReverseSpec(target != null ? SqlIdentifiers.canonical(target) : source, rowAlias, columns, null,
                reverseJoins(reverse, label, rowAlias, lines));
    }

    /** {@code reverse: joins:} of a merged table: one item per joined legacy table, with its columns and filter. */
    private List<ReverseSpec> reverseJoins(MappingNode reverse, String label, String alias, HashMap<String, Integer> lines) {
        Node node = child(reverse, "joins");
        if (node == null) {
            return List.of();
        }
        if (!(node instanceof SequenceNode list)) {
            fail(node, label, null, "'reverse: joins' must be a list", "write one item per joined legacy table: "
                    + "'- target: legacy.t' with 'columns:' (and optionally 'filter:')");
            return List.of();
        }
        List<ReverseSpec> joins = new ArrayList<>();
        for (Node item : list.getValue()) {
            if (!(item instanceof MappingNode join)) {
                fail(item, label, null, "a 'reverse: joins' item must be a mapping", "write 'target:' and 'columns:' under '- '");
                continue;
            }
            unknownKeys(join, REVERSE_JOIN_KEYS, label);
            String target = scalar(join, "target");
            if (target == null || !target.matches(QUALIFIED)) {
                fail(item, label, null, target == null ? "a 'reverse: joins' item has no 'target:'"
                        : "reverse join target '" + target + "' is not schema.table", "name the joined legacy table, e.g. "
                        + "'target: legacy.customer_profile'");
                continue;
            }
            String canonical = SqlIdentifiers.canonical(target);
            String path = "reverse.joins." + canonical;
            LinkedHashMap<String, String> columns = expressions(join, "columns", label, lines, path + ".columns.");
            lines.put(path, line(item));
            joins.add(new ReverseSpec(canonical, alias, columns, scalar(join, "filter"), List.of()));
        }
        return joins;
    }

    private LinkedHashMap<String, String> expressions(MappingNode map, String field, String label,
                                                      HashMap<String, Integer> lines) {
        return expressions(map, field, label, lines, field + ".");
    }

    private LinkedHashMap<String, String> expressions(MappingNode map, String field, String label,
                                                      HashMap<String, Integer> lines, String pathPrefix) {
        LinkedHashMap<String, String> result = new LinkedHashMap<>();
        Node node = child(map, field);
        if (node == null) {
            return result;
        }
        if (!(node instanceof MappingNode entries)) {
            fail(node, label, null, "'" + field + "' must map column names to SQL expressions",
                    "write one 'column: expression' per line under '" + field + ":'");
            return result;
        }
        for (NodeTuple tuple : entries.getValue()) {
            String column = ((ScalarNode) tuple.getKeyNode()).getValue();
            if (!(tuple.getValueNode() instanceof ScalarNode value) || value.getValue().isBlank()) {
                fail(tuple.getValueNode(), label, column, "has no SQL expression", "write e.g. '" + column + ": c.some_column'");
                continue;
            }
            if (result.put(column, value.getValue()) != null) {
                fail(tuple.getKeyNode(), label, column, "is listed twice under '" + field + "'", "keep one of them");
            }
            lines.put(pathPrefix + column, line(tuple.getKeyNode()));
        }
        return result;
    }

    private void unknownKeys(MappingNode map, Set<String> known, String label) {
        for (NodeTuple tuple : map.getValue()) {
            String name = ((ScalarNode) tuple.getKeyNode()).getValue();
            if (!known.contains(name)) {
                fail(tuple.getKeyNode(), label, null, "unknown field '" + name + "'", "use one of " + known.stream().sorted().toList());
            }
        }
    }

    private static Node child(MappingNode map, String name) {
        for (NodeTuple tuple : map.getValue()) {
            if (tuple.getKeyNode() instanceof ScalarNode key && key.getValue().equals(name)) {
                return tuple.getValueNode();
            }
        }
        return null;
    }

    private String scalar(MappingNode map, String name) {
        Node node = child(map, name);
        if (node == null) {
            return null;
        }
        if (node instanceof ScalarNode scalar) {
            return scalar.getValue().trim();
        }
        fail(node, "(table at line " + line(map) + ")", null, "'" + name + "' must be a single value", "write it on one line");
        return null;
    }

    private void fail(Node node, String table, String column, String problem, String fix) {
        problems.add(new MappingProblem(file, node == null ? 0 : line(node), table, column, problem, fix));
    }

    private static int line(Node node) {
        return node.getStartMark().getLine() + 1;
    }
}
