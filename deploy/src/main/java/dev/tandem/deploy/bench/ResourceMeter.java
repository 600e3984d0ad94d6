package dev.tandem.deploy.bench;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;

/**
 * Measures this JVM while the bench runs: peak heap in use (sampled), peak heap left after a garbage
 * collection (from GC notifications), peak RSS ({@code VmHWM}) and process CPU time. The JVM holds
 * tandem, the in-process Kafka broker and the bench's own JDBC clients; PostgreSQL runs in its own processes.
 */
final class ResourceMeter implements AutoCloseable {

    private static final long SAMPLE_MS = 50;
    private static final double MIB = 1024.0 * 1024.0;

    /** Peak figures over the meter's lifetime. */
    record Figures(double peakHeapMib, double peakHeapAfterGcMib, double heapMaxMib, Double peakRssMib) {
    }

    /** Peak heap figures since {@link #startWindow()}; {@code peakHeapAfterGcMib} is null when no collection ran. */
    record Window(double peakHeapMib, Double peakHeapAfterGcMib, double heapMaxMib) {
    }

    private final AtomicLong peakHeapUsed = new AtomicLong();
    private final AtomicLong peakHeapAfterGc = new AtomicLong();
    private final AtomicLong windowPeakHeapUsed = new AtomicLong();
    private final AtomicLong windowPeakHeapAfterGc = new AtomicLong(-1);
    private final Set<String> heapPools;
    private final NotificationListener gcListener = this::onGc;
    private final List<GarbageCollectorMXBean> collectors = ManagementFactory.getGarbageCollectorMXBeans();
    private final ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "tandem-bench-heap-sampler");
        t.setDaemon(true);
        return t;
    });

    private ResourceMeter() {
        heapPools = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP)
                .map(MemoryPoolMXBean::getName)
                .collect(Collectors.toUnmodifiableSet());
    }

    static ResourceMeter start() {
        ResourceMeter meter = new ResourceMeter();
        for (GarbageCollectorMXBean gc : meter.collectors) {
            if (gc instanceof NotificationEmitter emitter) {
                emitter.addNotificationListener(meter.gcListener, null, null);
            }
        }
        meter.sampler.scheduleAtFixedRate(meter::sampleHeap, 0, SAMPLE_MS, TimeUnit.MILLISECONDS);
        return meter;
    }

    /** CPU seconds this process has used since it started (all threads, user and system). */
    double cpuSeconds() {
        var os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean hotspot) {
            return hotspot.getProcessCpuTime() / 1e9;
        }
        throw new IllegalStateException("this JVM (" + System.getProperty("java.vm.name")
                + ") does not report process CPU time; run the bench on a HotSpot-based JDK");
    }

    Figures figures() {
        sampleHeap();
        long max = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getMax();
        return new Figures(peakHeapUsed.get() / MIB, peakHeapAfterGc.get() / MIB, max < 0 ? -1 : max / MIB,
                peakRssMib());
    }

    /** Starts measuring the peaks one part (or one side of it) reaches, alongside the lifetime peaks. */
    void startWindow() {
        windowPeakHeapAfterGc.set(-1);
        windowPeakHeapUsed.set(ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
    }

    /** The peaks since {@link #startWindow()}. */
    Window window() {
        sampleHeap();
        long max = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getMax();
        long afterGc = windowPeakHeapAfterGc.get();
        return new Window(windowPeakHeapUsed.get() / MIB, afterGc < 0 ? null : afterGc / MIB, max < 0 ? -1 : max / MIB);
    }

    private void sampleHeap() {
        long used = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        peakHeapUsed.accumulateAndGet(used, Math::max);
        windowPeakHeapUsed.accumulateAndGet(used, Math::max);
    }

    private void onGc(Notification notification, Object handback) {
        if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(notification.getType())) {
            return;
        }
        var info = GarbageCollectionNotificationInfo.from((CompositeData) notification.getUserData());
        long before = 0;
        long after = 0;
        for (String pool : heapPools) {
            MemoryUsage b = info.getGcInfo().getMemoryUsageBeforeGc().get(pool);
            MemoryUsage a = info.getGcInfo().getMemoryUsageAfterGc().get(pool);
            before += b == null ? 0 : b.getUsed();
            after += a == null ? 0 : a.getUsed();
        }
        peakHeapUsed.accumulateAndGet(before, Math::max);
        peakHeapAfterGc.accumulateAndGet(after, Math::max);
        windowPeakHeapUsed.accumulateAndGet(before, Math::max);
        windowPeakHeapAfterGc.accumulateAndGet(after, Math::max);
    }

    /** {@code VmHWM} from {@code /proc/self/status}: the process's peak resident set; null where there is no procfs. */
    private static Double peakRssMib() {
        Path status = Path.of("/proc/self/status");
        if (!Files.isReadable(status)) {
            return null;
        }
        try {
            for (String line : Files.readAllLines(status)) {
                if (line.startsWith("VmHWM:")) {
                    long kib = Long.parseLong(line.replaceAll("[^0-9]", ""));
                    return kib / 1024.0;
                }
            }
            return null;
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + status + " for the peak RSS: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        sampler.shutdownNow();
        for (GarbageCollectorMXBean gc : collectors) {
            if (gc instanceof NotificationEmitter emitter) {
                try {
                    emitter.removeNotificationListener(gcListener);
                } catch (javax.management.ListenerNotFoundException e) {
                    throw new IllegalStateException("GC listener of " + gc.getName() + " vanished", e);
                }
            }
        }
    }
}
