package dev.tandem.deploy.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.tandem.sync.mapping.JoinSpec;
import dev.tandem.sync.mapping.MappingSpec;
import dev.tandem.sync.mapping.ReverseMapping;
import dev.tandem.sync.mapping.TableSpec;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demo mapping runs in reverse too: the split comes back as a merge, the merge as a split with a filter. */
class ShopMappingTest {

    @Test
    void everyDemoTableHasAWayBackIntoLegacy(@TempDir Path dir) throws Exception {
        MappingSpec forward = ShopSchema.mapping(dir.resolve("shop-mapping.yaml"));
        Map<String, TableSpec> reverse = ReverseMapping.of(forward).tables().stream()
                .collect(Collectors.toMap(TableSpec::target, Function.identity()));

        assertEquals(4, reverse.size(), reverse.keySet().toString());
        TableSpec customer = reverse.get("legacy.tbl_customer");
        assertEquals("shop.customer", customer.source(), "the main part of the split written back");
        assertEquals("shop.customer_profile", customer.joins().stream().map(JoinSpec::source).findFirst().orElseThrow(),
                "the profile is joined back into the same legacy row");
        assertNull(customer.filter(), "a customer row exists on legacy while its shop.customer row does");
        assertEquals("n.loyalty_points > 0", reverse.get("legacy.tbl_cust_loyalty").filter(),
                "only customers with points have a loyalty row on legacy");
        assertEquals("shop.orders", reverse.get("legacy.tbl_order").source());
        assertEquals("shop.order_item", reverse.get("legacy.tbl_order_line").source());
    }
}
