package dev.tandem.reconcile.digest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which columns are hashed typed, which by their text, and what seeds a row's column hashes. */
class RowHashSqlTest {

    @Test
    void exactTypesAreHashedTypedAndTheRestByTheirText() {
        Map<String, String> types = Map.of("id", "bigint", "name", "character varying(40)", "price", "numeric(12,2)",
                "at", "timestamp(3) with time zone", "code", "character(4)", "ratio", "double precision", "n", "integer");
        assertEquals("pg_catalog.hash_record_extended(ROW(pg_catalog.int8send(r.\"id\"), r.\"name\"::text COLLATE \"C\", "
                        + "pg_catalog.numeric_send(r.\"price\"), pg_catalog.timestamptz_send(r.\"at\"), r.\"n\", "
                        + "ROW(r.\"code\", r.\"ratio\")::text COLLATE \"C\"), coalesce(r.\"id\"::bigint, 0))",
                RowHashSql.typed(List.of("id", "name", "price", "at", "code", "ratio", "n"), types, List.of("id")));
    }

    @Test
    void aKeyThatIsNotOneIntegerIsHashedIntoTheSeed() {
        Map<String, String> types = Map.of("code", "text", "line", "integer", "qty", "integer");
        assertEquals("pg_catalog.hash_record_extended(ROW(r.\"code\"::text COLLATE \"C\", r.\"line\", r.\"qty\"), "
                        + "coalesce(pg_catalog.hash_record_extended(ROW(r.\"code\"::text COLLATE \"C\", r.\"line\"), 0), 0))",
                RowHashSql.typed(List.of("code", "line", "qty"), types, List.of("code", "line")));
    }

    @Test
    void olderServersHashTheRowText() {
        assertEquals("hashtextextended(ROW(r.\"id\", r.\"v\")::text, 0)", RowHashSql.text(List.of("id", "v")));
    }
}
