package dev.tandem.capture.debezium;

import dev.tandem.capture.CaptureConfig;
import dev.tandem.capture.KafkaChangeWriter;
import dev.tandem.capture.envelope.ChangeEnvelope;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import io.debezium.embedded.Connect;
import io.debezium.embedded.async.ConvertingAsyncEngineBuilderFactory;
import io.debezium.engine.format.ChangeEventFormat;
import java.io.IOException;
import java.util.Optional;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.connect.source.SourceRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs Debezium's asynchronous embedded engine on the capture's slot and hands each batch to
 * Kafka; a record is marked processed only after the broker acknowledged its envelope.
 */
public final class CaptureEngine implements DebeziumEngine.ChangeConsumer<RecordChangeEvent<SourceRecord>>, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(CaptureEngine.class);

    private final CaptureConfig config;
    private final KafkaChangeWriter writer;
    private final RecordMapper mapper;
    private final AtomicLong changesWritten = new AtomicLong();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();
    private final ExecutorService runner;
    private DebeziumEngine<RecordChangeEvent<SourceRecord>> engine;

    public CaptureEngine(CaptureConfig config) {
        this.config = config;
        this.writer = new KafkaChangeWriter(config);
        this.mapper = new RecordMapper(config.topicPrefix());
        this.runner = Executors.newSingleThreadExecutor(r -> new Thread(r, "tandem-capture-" + config.migration()));
    }

    /** Starts streaming from the slot; the change and offset topics are created when missing. */
    public void start() {
        dev.tandem.capture.ChangeTopics.ensure(config);
        engine = new ConvertingAsyncEngineBuilderFactory().builder(ChangeEventFormat.of(Connect.class))
                .using(ConnectorProperties.of(config))
                .notifying(this)
                .using((success, message, error) -> {
                    if (!success) {
                        failure.compareAndSet(null, error != null ? error : new IllegalStateException(message));
                        log.error("capture {} stopped: {}", config.migration(), message, error);
                    }
                    stopped.complete(null);
                })
                .build();
        runner.execute(engine);
    }

    @Override
    public void handleBatch(List<RecordChangeEvent<SourceRecord>> records,
                            DebeziumEngine.RecordCommitter<RecordChangeEvent<SourceRecord>> committer)
            throws InterruptedException {
        int lastBetween = -1;
        long sent = 0;
        for (int i = 0; i < records.size(); i++) {
            // each change is sent as soon as it is mapped: a batch of large values is never held as envelopes at once
            Optional<ChangeEnvelope> envelope = mapper.map(records.get(i).record());
            if (envelope.isPresent()) {
                writer.send(envelope.get());
                sent++;
            }
            if (mapper.betweenTransactions()) {
                lastBetween = i;
            }
        }
        writer.awaitAcknowledged();
        // Offsets move only to the end of a whole transaction: Debezium restarted inside one numbers the rest of it
        // from 1 again and counts only that rest at its END, which no reader could tell from a lost change.
        for (int i = 0; i <= lastBetween; i++) {
            committer.markProcessed(records.get(i));
        }
        committer.markBatchFinished();
        changesWritten.addAndGet(sent);
    }

    /** Envelopes (changes and transaction markers) acknowledged by the broker since start. */
    public long envelopesWritten() {
        return changesWritten.get();
    }

    public boolean isRunning() {
        return !stopped.isDone();
    }

    private static final long START_WAIT_MILLIS = 60_000;

    private void closeEngine() throws IOException {
        long deadline = System.currentTimeMillis() + START_WAIT_MILLIS;
        while (true) {
            try {
                engine.close();
                return;
            } catch (IllegalStateException e) {
                if (System.currentTimeMillis() > deadline || stopped.isDone()) {
                    throw e;
                }
                try {
                    Thread.sleep(100); // "Cannot stop engine while tasks are starting": ask again once they run
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    /** Why the engine stopped, or null while it runs or after a clean stop. */
    public Throwable failure() {
        return failure.get();
    }

    /**
     * Stops the engine (flushing its offsets), then the producer. An engine still starting its task refuses to stop
     * (it could leak the task), so closing waits for the start to finish, up to {@link #START_WAIT_MILLIS}.
     */
    @Override
    public void close() throws IOException {
        try {
            if (engine != null) {
                closeEngine();
            }
        } finally {
            runner.shutdown();
            writer.close();
        }
    }
}
