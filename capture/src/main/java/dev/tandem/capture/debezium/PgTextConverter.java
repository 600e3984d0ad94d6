package dev.tandem.capture.debezium;

import io.debezium.spi.converter.CustomConverter;
import io.debezium.spi.converter.RelationalColumn;
import io.debezium.time.ZonedTimestamp;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeParseException;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.connect.data.SchemaBuilder;

/**
 * A Debezium converter that hands {@code timestamptz} columns on as PostgreSQL text, so Debezium does not format each
 * value as ISO text (a new formatter per value) only for {@link PgTextValues} to rewrite it; other columns keep
 * Debezium's own conversion.
 */
public final class PgTextConverter implements CustomConverter<SchemaBuilder, RelationalColumn> {

    /** The converter's name in the connector's {@code converters} list. */
    static final String NAME = "tandempgtext";

    private static final Set<String> TIMESTAMPTZ = Set.of("timestamptz", "timestamp with time zone");

    @Override
    public void configure(Properties properties) {
        // nothing to configure: the text is PostgreSQL's own spelling
    }

    @Override
    public void converterFor(RelationalColumn column, ConverterRegistration<SchemaBuilder> registration) {
        if (!TIMESTAMPTZ.contains(column.typeName())) {
            return;
        }
        // Optional even for a NOT NULL column: a delete's old row under the default replica identity carries only the
        // key, the other columns arrive null, and a required schema would stop the capture at the first such delete.
        registration.register(SchemaBuilder.string().optional(), value -> timestamptz(column, value));
    }

    /**
     * The streamed value is always an {@link OffsetDateTime} at UTC; a column default arrives as a {@link ZonedDateTime}
     * (a constant) or as ISO text (Debezium's stand-in for a function such as {@code now()}). Anything else would be
     * printed wrongly, so it stops the capture with the column's name.
     */
    static String timestamptz(RelationalColumn column, Object value) {
        if (value == null) {
            return null;
        }
        if (value instanceof OffsetDateTime t) {
            return PgTextValues.timestamptz(t);
        }
        if (value instanceof String text) {
            return defaultText(text);
        }
        if (value instanceof ZonedDateTime t) {
            return PgTextValues.timestamptz(t.toOffsetDateTime().withOffsetSameInstant(ZoneOffset.UTC));
        }
        throw new IllegalArgumentException("capture (legacy side): column " + column.name() + " of type "
                + column.typeName() + " arrived from Debezium as " + value.getClass().getName()
                + ", which tandem cannot print as PostgreSQL text: run tandem with the Debezium version it was built and"
                + " tested with");
    }

    /** A default in Debezium's ISO spelling, as PostgreSQL text; any other text is left as it came. */
    private static String defaultText(String text) {
        try {
            return PgTextValues.toText("default", ZonedTimestamp.schema(), text);
        } catch (DateTimeParseException notIso) {
            return text;
        }
    }
}
