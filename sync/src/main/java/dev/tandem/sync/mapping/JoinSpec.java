package dev.tandem.sync.mapping;

import java.util.LinkedHashMap;
import java.util.Objects;

/**
 * A legacy table merged into a target table by key, as written under {@code join:}: its row is
 * the one whose primary key equals the main row's key, and expressions read it by its alias (its
 * columns are NULL when it has no such row).
 *
 * @param source the joined legacy table
 * @param alias  the name expressions use for its row
 * @param on     joined table's primary key column → main table key column it equals, written {@code <alias>.<column>}
 */
public record JoinSpec(String source, String alias, LinkedHashMap<String, String> on) {

    public JoinSpec {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(alias, "alias");
        on = new LinkedHashMap<>(on);
    }
}
