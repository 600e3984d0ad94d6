package dev.tandem.sync.mapping;

import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Finds which source columns an SQL expression mentions, by reading its identifiers (string
 * literals and comments skipped). It may over-report (a function named like a column), never
 * under-report a column written as {@code alias.column}, {@code alias."Column"} or bare.
 */
final class ExpressionColumns {

    private ExpressionColumns() {
    }

    static Set<String> referenced(String expression, String alias, Set<String> columns) {
        Set<String> found = new LinkedHashSet<>();
        int i = 0;
        int n = expression.length();
        while (i < n) {
            char ch = expression.charAt(i);
            if (ch == '\'') {
                i = skipQuoted(expression, i, '\'');
            } else if (ch == '-' && i + 1 < n && expression.charAt(i + 1) == '-') {
                int end = expression.indexOf('\n', i);
                i = end < 0 ? n : end;
            } else if (ch == '"') {
                int end = skipQuoted(expression, i, '"');
                String name = expression.substring(i + 1, end - 1).replace("\"\"", "\"");
                if (columns.contains(name) && !name.equals(alias)) {
                    found.add(name);
                }
                i = end;
            } else if (Character.isLetter(ch) || ch == '_') {
                int end = i;
                while (end < n && (Character.isLetterOrDigit(expression.charAt(end)) || expression.charAt(end) == '_'
                        || expression.charAt(end) == '$')) {
                    end++;
                }
                String word = expression.substring(i, end).toLowerCase();
                if (columns.contains(word) && !word.equals(alias)) {
                    found.add(word);
                }
                i = end;
            } else {
                i++;
            }
        }
        return found;
    }

    private static int skipQuoted(String text, int start, char quote) {
        int i = start + 1;
        while (i < text.length()) {
            if (text.charAt(i) == quote) {
                if (i + 1 < text.length() && text.charAt(i + 1) == quote) {
                    i += 2;
                    continue;
                }
                return i + 1;
            }
            i++;
        }
        return text.length();
    }
}
