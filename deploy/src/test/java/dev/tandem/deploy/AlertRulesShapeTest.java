package dev.tandem.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * The Prometheus rule files have the shape Prometheus loads (what {@code promtool check rules} checks, as far as it goes
 * without PromQL: there is no promtool on these machines): {@code groups} of uniquely named groups, each rule either an
 * alert or a recording rule with an expression, durations in Prometheus' form, labels and annotations as string maps
 * with valid names, and no key Prometheus would refuse.
 */
class AlertRulesShapeTest {

    private static final Path RULES = Path.of("").toAbsolutePath().resolve("prometheus");
    /** Prometheus' duration: units from largest to smallest, e.g. {@code 1h30m}, {@code 0m}, {@code 500ms}. */
    private static final Pattern DURATION = Pattern.compile("(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?");
    private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
    private static final Pattern METRIC_NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Set<String> FILE_KEYS = Set.of("groups");
    private static final Set<String> GROUP_KEYS = Set.of("name", "interval", "limit", "query_offset", "labels", "rules");
    private static final Set<String> RULE_KEYS = Set.of("alert", "record", "expr", "for", "keep_firing_for", "labels", "annotations");

    @Test
    void everyRuleFileHasTheShapePrometheusLoads() throws IOException {
        List<Path> files;
        try (Stream<Path> listed = Files.list(RULES)) {
            files = listed.filter(f -> f.toString().endsWith(".yaml") || f.toString().endsWith(".yml")).sorted().toList();
        }
        assertTrue(!files.isEmpty(), "no rule file in " + RULES);
        List<String> problems = new ArrayList<>();
        for (Path file : files) {
            problems.addAll(problems(file.getFileName().toString(), new Yaml().load(Files.readString(file))));
        }
        assertEquals(List.of(), problems);
    }

    @Test
    void theCheckRefusesWhatPrometheusRefuses() {
        Map<String, Object> rule = Map.of("alert", "X", "expr", "up == 0", "for", "5 minutes", "labels", Map.of("severity", 2),
                "annotation", Map.of());
        List<String> found = problems("bad.yaml", Map.of("groups", List.of(Map.of("name", "g", "rules", List.of(rule)),
                Map.of("name", "g", "rules", List.of(Map.of("record", "a-b", "alert", "Y", "expr", ""))))));
        String all = String.join("\n", found);
        for (String expected : List.of("'for' is '5 minutes'", "label severity must be a string", "unknown key 'annotation'",
                "group name 'g' is used twice", "both alert and record", "'a-b' is not a valid metric name", "no expr")) {
            assertTrue(all.contains(expected), "expected '" + expected + "' in:\n" + all);
        }
    }

    /** Every way {@code root} (a parsed rule file) differs from what Prometheus loads. */
    private static List<String> problems(String file, Object root) {
        List<String> problems = new ArrayList<>();
        if (!(root instanceof Map<?, ?> top) || !(top.get("groups") instanceof List<?> groups)) {
            return List.of(file + ": the top level must be a map with a 'groups' list");
        }
        unknownKeys(file, top, FILE_KEYS, problems);
        Set<String> groupNames = new HashSet<>();
        for (Object g : groups) {
            if (!(g instanceof Map<?, ?> group) || !(group.get("name") instanceof String name) || name.isBlank()) {
                problems.add(file + ": every group needs a name");
                continue;
            }
            String where = file + ": group " + name;
            if (!groupNames.add(name)) {
                problems.add(file + ": group name '" + name + "' is used twice; Prometheus refuses the file");
            }
            unknownKeys(where, group, GROUP_KEYS, problems);
            duration(where, "interval", group.get("interval"), problems);
            if (!(group.get("rules") instanceof List<?> rules) || rules.isEmpty()) {
                problems.add(where + ": 'rules' must be a non-empty list");
                continue;
            }
            for (Object r : rules) {
                rule(where, r, problems);
            }
        }
        return problems;
    }

    private static void rule(String group, Object r, List<String> problems) {
        if (!(r instanceof Map<?, ?> rule)) {
            problems.add(group + ": a rule must be a map");
            return;
        }
        Object alert = rule.get("alert");
        Object record = rule.get("record");
        String where = group + ", rule " + (alert != null ? alert : record);
        unknownKeys(where, rule, RULE_KEYS, problems);
        if (alert != null && record != null) {
            problems.add(where + ": has both alert and record; a rule is one or the other");
        } else if (alert == null && record == null) {
            problems.add(where + ": has neither alert nor record");
        }
        if (alert != null && (!(alert instanceof String a) || !LABEL_NAME.matcher(a).matches())) {
            problems.add(where + ": '" + alert + "' is not a valid alert name");
        }
        if (record != null && (!(record instanceof String m) || !METRIC_NAME.matcher(m).matches())) {
            problems.add(where + ": '" + record + "' is not a valid metric name");
        }
        if (!(rule.get("expr") instanceof String expr) || expr.isBlank()) {
            problems.add(where + ": no expr");
        }
        if (record != null && (rule.containsKey("for") || rule.containsKey("annotations") || rule.containsKey("keep_firing_for"))) {
            problems.add(where + ": a recording rule takes no for, keep_firing_for or annotations");
        }
        duration(where, "for", rule.get("for"), problems);
        duration(where, "keep_firing_for", rule.get("keep_firing_for"), problems);
        stringMap(where, "label", rule.get("labels"), problems);
        stringMap(where, "annotation", rule.get("annotations"), problems);
    }

    private static void duration(String where, String key, Object value, List<String> problems) {
        if (value != null && (!(value instanceof String text) || text.isEmpty() || !DURATION.matcher(text).matches())) {
            problems.add(where + ": '" + key + "' is '" + value + "'; write a Prometheus duration such as 0m, 30s, 10m or 1h30m");
        }
    }

    private static void stringMap(String where, String what, Object value, List<String> problems) {
        if (value == null) {
            return;
        }
        if (!(value instanceof Map<?, ?> map)) {
            problems.add(where + ": " + what + "s must be a map");
            return;
        }
        for (Map.Entry<?, ?> e : map.entrySet()) {
            if (!(e.getKey() instanceof String name) || !LABEL_NAME.matcher(name).matches()) {
                problems.add(where + ": '" + e.getKey() + "' is not a valid " + what + " name");
            }
            if (!(e.getValue() instanceof String text)) {
                problems.add(where + ": " + what + " " + e.getKey() + " must be a string, is " + e.getValue() + "; quote it");
            } else if (text.split("\\{\\{", -1).length != text.split("}}", -1).length) {
                problems.add(where + ": " + what + " " + e.getKey() + " has unbalanced {{ }} in its template");
            }
        }
    }

    private static void unknownKeys(String where, Map<?, ?> map, Set<String> known, List<String> problems) {
        for (Object key : map.keySet()) {
            if (!known.contains(String.valueOf(key))) {
                problems.add(where + ": unknown key '" + key + "' (Prometheus knows " + known + ")");
            }
        }
    }
}
