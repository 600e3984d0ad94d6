package dev.tandem.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The embedded PostgreSQL and Kafka broker tandem runs on, started together under one work directory. */
public final class EmbeddedStack implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedStack.class);

    private final Path workDir;
    private final EmbeddedPostgres postgres;
    private final EmbeddedKafka kafka;

    private EmbeddedStack(Path workDir, EmbeddedPostgres postgres, EmbeddedKafka kafka) {
        this.workDir = workDir;
        this.postgres = postgres;
        this.kafka = kafka;
    }

    /**
     * Starts PostgreSQL on {@code <workDir>/postgres} and Kafka on {@code <workDir>/kafka} in parallel, reusing what
     * earlier runs left there.
     */
    public static EmbeddedStack start(Path workDir) {
        Path dir = workDir.toAbsolutePath().normalize();
        long started = System.nanoTime();
        CompletableFuture<EmbeddedKafka> kafka = CompletableFuture.supplyAsync(
                () -> EmbeddedKafka.start(dir.resolve("kafka")), EmbeddedStack::startThread);
        EmbeddedPostgres postgres;
        try {
            postgres = EmbeddedPostgres.start(dir.resolve("postgres"));
        } catch (RuntimeException e) {
            kafka.thenAccept(EmbeddedKafka::close);
            throw e;
        }
        EmbeddedKafka broker;
        try {
            broker = kafka.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            kafka.thenAccept(EmbeddedKafka::close);
            postgres.close();
            throw new IllegalStateException("interrupted while waiting for Kafka to start under " + dir, e);
        } catch (ExecutionException e) {
            postgres.close();
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException("Kafka did not start under " + dir + ": " + cause.getMessage(), cause);
        }
        log.info("Embedded stack up in {} ms under {}: PostgreSQL 127.0.0.1:{}, Kafka {}",
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), dir, postgres.port(),
                broker.bootstrapServers());
        return new EmbeddedStack(dir, postgres, broker);
    }

    /** Starts on an empty {@code workDir}: whatever an earlier run left there is stopped and deleted first. */
    public static EmbeddedStack startFresh(Path workDir) {
        clear(workDir.toAbsolutePath().normalize());
        return start(workDir);
    }

    /**
     * Deletes what an earlier JVM left in {@code workDir}, after stopping a PostgreSQL it left running there;
     * refuses when a live JVM still uses the directory.
     */
    static void clear(Path workDir) {
        if (!Files.exists(workDir)) {
            return;
        }
        try {
            OrphanedPostmaster.stop(workDir.resolve("postgres"), Duration.ofSeconds(30));
            try (Stream<Path> paths = Files.walk(workDir)) {
                for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(path);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot clear the test stack directory " + workDir + " left by an earlier"
                    + " run; delete it by hand (`rm -rf " + workDir + "`)", e);
        }
        log.info("Cleared {} left by an earlier run", workDir);
    }

    private static void startThread(Runnable runnable) {
        Thread thread = new Thread(runnable, "embedded-kafka-start");
        thread.setDaemon(true);
        thread.start();
    }

    /** The PostgreSQL server, on {@code <workDir>/postgres}. */
    public EmbeddedPostgres postgres() {
        return postgres;
    }

    /** The Kafka broker, on {@code <workDir>/kafka}. */
    public EmbeddedKafka kafka() {
        return kafka;
    }

    /** The directory holding both servers' data. */
    public Path workDir() {
        return workDir;
    }

    /**
     * Stops the broker, then PostgreSQL. The application stops its own engine, producers and consumers first.
     */
    @Override
    public void close() {
        long started = System.nanoTime();
        RuntimeException failure = null;
        try {
            kafka.close();
        } catch (RuntimeException e) {
            failure = e;
        }
        try {
            postgres.close();
        } catch (RuntimeException e) {
            if (failure == null) {
                failure = e;
            } else {
                failure.addSuppressed(e);
            }
        }
        if (failure != null) {
            throw failure;
        }
        log.info("Embedded stack under {} stopped in {} ms", workDir,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
    }
}
