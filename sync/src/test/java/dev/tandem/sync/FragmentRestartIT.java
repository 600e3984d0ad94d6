package dev.tandem.sync;

import static dev.tandem.sync.TestDatabases.awaitTrue;
import static dev.tandem.sync.TestDatabases.digest;
import static dev.tandem.sync.TestDatabases.exec;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.capture.PgDatabase;
import dev.tandem.capture.envelope.EnvelopeFragments;
import dev.tandem.sync.apply.ChangeLogConsumer;
import dev.tandem.sync.mapping.TableMapping;
import dev.tandem.sync.pipeline.Pipeline;
import dev.tandem.sync.pipeline.PipelineConfig;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/**
 * A capture killed with SIGKILL while it writes the fragments of a large change leaves an unfinished change at the end
 * of the change log; the applier, reading it, is restarted too. The restarted capture writes the transaction again,
 * whole; the applier applies the whole value once and never a part of it.
 */
class FragmentRestartIT {

    private static final int TEXT_MIB = 40;
    private static final String COLUMNS = "id, md5(body), length(body)";

    @Test
    void aChangeCutOffMidFragmentsIsAppliedOnlyWholeAfterTheRestart() throws Exception {
        PgDatabase legacy = TestDatabases.fresh("fragkill_legacy");
        PgDatabase app = TestDatabases.fresh("fragkill_app");
        exec(legacy, "CREATE TABLE public.doc (id int PRIMARY KEY, body text)");
        exec(app, "CREATE TABLE public.doc (id int PRIMARY KEY, body text)");
        PipelineConfig config = new PipelineConfig("fragkill", legacy, app,
                List.of(new TableMapping("public.doc", "public.doc", Map.of())), TestDatabases.stack().kafka().bootstrapServers())
                .withCaptureOffsetFlush(Duration.ofMillis(200));
        try (Pipeline pipeline = new Pipeline(config);
             KafkaConsumer<byte[], byte[]> log = ChangeLogConsumer.open(config.capture().bootstrapServers(), "fragkill-test", null)) {
            pipeline.start();
            exec(legacy, "INSERT INTO public.doc VALUES (0, 'marker')");
            awaitTrue(Duration.ofSeconds(60), "the marker to arrive",
                    () -> digest(legacy, "public.doc", COLUMNS, "id").equals(digest(app, "public.doc", COLUMNS, "id")));
            TopicPartition topic = new TopicPartition(config.capture().changeTopic(), 0);
            log.assign(List.of(topic));

            pipeline.stopCapture(); // capture moves to a process of its own, killed in the middle of the large change
            boolean cut = false;
            for (int attempt = 1; attempt <= 5 && !cut; attempt++) {
                long start = endOffset(log, topic);
                try (CaptureProcess capture = CaptureProcess.start(config.capture(),
                        CaptureProcess.logFile("fragkill-capture-" + attempt))) {
                    exec(legacy, "INSERT INTO public.doc SELECT " + attempt + ", string_agg(md5(g::text), '') "
                            + "FROM generate_series(1, " + TEXT_MIB * 32768 + ") g");
                    awaitTrue(Duration.ofSeconds(60), "capture to start writing the change",
                            () -> endOffset(log, topic) >= start + 4);
                    capture.kill();
                }
                cut = endsInsideAChange(log, topic);
            }
            assertTrue(cut, "a kill landed between two fragments of the large change in one of 5 attempts");

            pipeline.stopApplier(); // it read up to the cut: restarted, it reads the unfinished change again
            pipeline.startApplier();
            pipeline.restartCapture();
            String expected = digest(legacy, "public.doc", COLUMNS, "id");
            awaitTrue(Duration.ofSeconds(180), "the large changes to arrive whole",
                    () -> expected.equals(digest(app, "public.doc", COLUMNS, "id")) || pipeline.failure() != null);
            assertNull(pipeline.failure());
        }
    }

    private static long endOffset(KafkaConsumer<byte[], byte[]> log, TopicPartition topic) {
        return log.endOffsets(List.of(topic), Duration.ofSeconds(10)).get(topic);
    }

    /** True when the change log's last record is a fragment other than its change's last one. */
    private static boolean endsInsideAChange(KafkaConsumer<byte[], byte[]> log, TopicPartition topic) {
        long last = endOffset(log, topic) - 1;
        log.seek(topic, last);
        for (int polls = 0; polls < 100; polls++) {
            for (ConsumerRecord<byte[], byte[]> record : log.poll(Duration.ofMillis(100))) {
                if (record.offset() == last) {
                    if (!EnvelopeFragments.isFragment(record.value())) {
                        return false;
                    }
                    EnvelopeFragments.Header header = EnvelopeFragments.Header.of(record.value());
                    return header.index() < header.count() - 1;
                }
            }
        }
        throw new AssertionError("could not read offset " + last + " of " + topic);
    }
}
