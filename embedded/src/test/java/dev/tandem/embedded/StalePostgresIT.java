package dev.tandem.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A JVM killed with SIGKILL leaves its PostgreSQL running; the next start on the same directory must stop it. */
class StalePostgresIT {

    private static final Logger log = LoggerFactory.getLogger(StalePostgresIT.class);

    @TempDir
    Path workDir;

    private Process child;
    private long orphanPid;

    @AfterEach
    void cleanUp() {
        if (child != null) {
            child.destroyForcibly();
        }
        if (orphanPid > 0 && PostmasterPidFile.isRunning(orphanPid)) {
            ProcessHandle.of(orphanPid).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    @Test
    void startStopsThePostgresOfAKilledJvmAndKeepsItsData() throws Exception {
        Path dataDir = workDir.resolve("postgres");
        child = new ProcessBuilder(ProcessHandle.current().info().command().orElseThrow(),
                "-cp", System.getProperty("java.class.path"), StalePostgresChild.class.getName(), dataDir.toString())
                .redirectErrorStream(true)
                .start();
        int childPort = awaitReady(child, Duration.ofSeconds(60));

        child.destroyForcibly();
        assertTrue(child.waitFor(10, TimeUnit.SECONDS), "child JVM did not die from SIGKILL");
        orphanPid = PostmasterPidFile.read(dataDir).orElseThrow().pid();
        assertTrue(PostmasterPidFile.isRunning(orphanPid), "the killed JVM's postmaster should still run");
        assertEquals(PostmasterPidFile.Holder.POSTMASTER, PostmasterPidFile.read(dataDir).orElseThrow().holder());

        try (EmbeddedPostgres postgres = EmbeddedPostgres.start(dataDir)) {
            assertFalse(PostmasterPidFile.isRunning(orphanPid), "the orphaned postmaster " + orphanPid + " should be gone");
            assertNotEquals(orphanPid, PostmasterPidFile.read(dataDir).orElseThrow().pid());
            try (Connection connection = postgres.connect("postgres");
                 Statement statement = connection.createStatement();
                 ResultSet rows = statement.executeQuery("SELECT note FROM written_before_kill WHERE id = 1")) {
                assertTrue(rows.next(), "the row the child committed before it was killed is missing");
                assertEquals("survives kill -9", rows.getString(1));
            }
            assertTrue(Files.readString(postgres.logFile()).contains("received fast shutdown request"),
                    "the orphan should have been stopped with a fast shutdown, see " + postgres.logFile());
            log.info("child used port {}, restarted server uses {}", childPort, postgres.port());
        }
    }

    /** Reads the child's output until it reports its port, forwarding every line to this test's log. */
    private static int awaitReady(Process process, Duration timeout) throws Exception {
        CompletableFuture<Integer> ready = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader lines = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = lines.readLine()) != null) {
                    log.info("child: {}", line);
                    if (line.startsWith(StalePostgresChild.READY)) {
                        ready.complete(Integer.parseInt(line.substring(StalePostgresChild.READY.length()).trim()));
                    }
                }
                ready.completeExceptionally(new IllegalStateException("child JVM exited with "
                        + process.waitFor() + " before reporting ready"));
            } catch (IOException e) {
                ready.completeExceptionally(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                ready.completeExceptionally(e);
            }
        }, "stale-postgres-child-output");
        reader.setDaemon(true);
        reader.start();
        return ready.get(timeout.toSeconds(), TimeUnit.SECONDS);
    }
}
