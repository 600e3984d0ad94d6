package dev.tandem.deploy.lifecycle.readiness;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.capture.CaptureConfig;
import dev.tandem.capture.PgDatabase;
import dev.tandem.deploy.lifecycle.Sides;
import dev.tandem.sync.route.StreamsRouter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class KafkaPreflightTest {

    private static final PgDatabase DB = new PgDatabase("127.0.0.1", 5432, "db", "u", "");

    /** Every topic a migration's pipelines create in either direction and generation is among those compared. */
    @Test
    void theComparedTopicsAreEveryTopicTheMigrationCreatesAndNoOtherMigrations() {
        List<String> prefixes = KafkaPreflight.prefixes("shop");
        List<String> created = new ArrayList<>();
        for (String direction : List.of("shop", Sides.reverseName("shop"))) {
            for (int generation : List.of(1, 2)) {
                CaptureConfig capture = new CaptureConfig(direction, DB, List.of("public.t"), "k:9092", null, null,
                        generation);
                created.addAll(List.of(capture.changeTopic(), capture.keyedChangeTopic(), capture.offsetTopic(),
                        capture.deadLetterTopic(),
                        StreamsRouter.applicationId(capture.changeTopic()) + "-open-transactions-changelog"));
            }
        }
        for (String topic : created) {
            assertTrue(prefixes.stream().anyMatch(topic::startsWith), topic + " is compared");
        }
        CaptureConfig other = new CaptureConfig("shop2", DB, List.of("public.t"), "k:9092");
        for (String topic : List.of(other.changeTopic(), StreamsRouter.applicationId(other.changeTopic()) + "-x-changelog")) {
            assertFalse(prefixes.stream().anyMatch(topic::startsWith), topic + " belongs to another migration");
        }
    }
}
