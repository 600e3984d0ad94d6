package dev.tandem.deploy.metrics;

import dev.tandem.deploy.lifecycle.ControlUnavailableException;
import dev.tandem.deploy.lifecycle.switchover.SwitchOperation;
import dev.tandem.deploy.lifecycle.PhaseStore;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Exports the write block of the newest cutover and rollback, per phase, as read from the control schema: a
 * switch may run in another process (the CLI), so the service reads what it recorded. Read at most once a second.
 */
public final class WriteBlockMetrics implements MeterBinder {

    private static final Logger log = LoggerFactory.getLogger(WriteBlockMetrics.class);
    private static final long CACHE_NANOS = 1_000_000_000L;
    private static final List<String> PHASES = List.of("fence", "drain", "verify", "switch", "total");

    private final PhaseStore store;
    private Map<String, Map<String, Long>> cached = Map.of();
    private long readAt;

    public WriteBlockMetrics(PhaseStore store) {
        this.store = store;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        for (SwitchOperation switchOperation : SwitchOperation.values()) {
            String operation = switchOperation.label();
            for (String phase : PHASES) {
                Gauge.builder("tandem_write_block_last_ms", this, m -> m.millis(operation, phase))
                        .description("write-block time of the newest cutover or rollback, per phase (NaN: none yet)")
                        .tags("operation", operation, "phase", phase)
                        .strongReference(true) // nothing else holds this binder: a weak gauge would read NaN after a GC
                        .register(registry);
            }
        }
    }

    private synchronized double millis(String operation, String phase) {
        if (System.nanoTime() - readAt > CACHE_NANOS) {
            try {
                cached = store.lastBlocks();
            } catch (ControlUnavailableException e) {
                log.warn("migration {}: cannot read write-block times ({})", store.migration(), e.getMessage());
            }
            readAt = System.nanoTime();
        }
        Long millis = cached.getOrDefault(operation, Map.of()).get(phase);
        return millis == null ? Double.NaN : millis;
    }
}
