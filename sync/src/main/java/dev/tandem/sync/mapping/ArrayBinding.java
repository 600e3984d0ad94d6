package dev.tandem.sync.mapping;

/**
 * How a statement's text-array parameters travel: as {@code text[]} (pgjdbc builds each array's literal, then its
 * UTF-8 bytes, a few copies of every value), or as the literal's UTF-8 bytes in a {@code bytea} that the target turns
 * back into {@code text[]}, streamed by pgjdbc from the one array tandem built: the way for values of many megabytes.
 */
public enum ArrayBinding {
    TEXT("?::text[]"),
    UTF8_BYTES("convert_from(?::bytea, 'UTF8')::text[]");

    private final String parameter;

    ArrayBinding(String parameter) {
        this.parameter = parameter;
    }

    /** The SQL of one parameter, typed {@code text[]}. */
    public String parameter() {
        return parameter;
    }
}
