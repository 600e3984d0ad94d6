package dev.tandem.sync.mapping;

/**
 * A source column as expressions see it where they are evaluated.
 *
 * @param name    column name
 * @param type    the type its text is cast to before the expressions run: the source type when the
 *                evaluating database knows it, else {@code text}
 */
public record SourceColumn(String name, String type) {
}
