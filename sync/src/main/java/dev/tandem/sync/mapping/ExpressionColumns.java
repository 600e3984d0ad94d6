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
                if (columns.contains(name) && !qualifies(expression, end, name, alias)) {
                    found.add(name);
                }
                i = end;
            } else if (Character.isLetter(ch) || ch == '_') {
                int end = i;
                while (end < n && (Character.isLetterOrDigit(expression.charAt(end)) || expression.charAt(end) == '_'
                        || expression.charAt(end) == '$')) {
                    end++;
                }
                String word = foldAscii(expression.substring(i, end));
                if (columns.contains(word) && !qualifies(expression, end, word, alias)) {
                    found.add(word);
                }
                i = end;
            } else {
                i++;
            }
        }
        return found;
    }

    /** True when the name just read is the alias qualifying a column ({@code c.col}), not a column itself. */
    private static boolean qualifies(String expression, int end, String name, String alias) {
        return name.equals(alias) && end < expression.length() && expression.charAt(end) == '.';
    }

    /** PostgreSQL folds unquoted identifiers to lower case in ASCII only ({@code Ünïcode} stays as it is). */
    private static String foldAscii(String word) {
        StringBuilder folded = new StringBuilder(word.length());
        for (int k = 0; k < word.length(); k++) {
            char c = word.charAt(k);
            folded.append(c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c);
        }
        return folded.toString();
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
