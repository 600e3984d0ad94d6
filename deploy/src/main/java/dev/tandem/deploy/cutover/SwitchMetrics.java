package dev.tandem.deploy.cutover;

import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;

/** Write-block time of every switch, per phase, as timers in the global registry the metrics endpoint exports. */
final class SwitchMetrics {

    private SwitchMetrics() {
    }

    static void record(String migration, String operation, Map<String, Long> phaseMillis, long blockMillis) {
        phaseMillis.forEach((phase, millis) -> Timer.builder("tandem_write_block_phase")
                .description("write-block time of one phase of a cutover or rollback")
                .tags("migration", migration, "operation", operation, "phase", phase)
                .register(Metrics.globalRegistry).record(Duration.ofMillis(millis)));
        Timer.builder("tandem_write_block").description("total write-block time of a cutover or rollback")
                .tags("migration", migration, "operation", operation)
                .register(Metrics.globalRegistry).record(Duration.ofMillis(blockMillis));
    }
}
