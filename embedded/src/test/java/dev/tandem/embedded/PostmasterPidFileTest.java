package dev.tandem.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Only a verified postmaster of the data directory is ever signalled; stale pid files are cleared. */
class PostmasterPidFileTest {

    @TempDir
    Path dataDir;

    private Process child;

    @AfterEach
    void killChild() throws InterruptedException {
        if (child != null) {
            child.destroyForcibly();
            child.waitFor();
        }
    }

    @Test
    void missingFileMeansNothingRuns() throws IOException {
        assertTrue(PostmasterPidFile.read(dataDir).isEmpty());
        assertEquals(OrphanedPostmaster.Outcome.NOTHING_FOUND, OrphanedPostmaster.stop(dataDir, Duration.ofSeconds(1)));
    }

    @Test
    void parsesPidAndDataDirectory() throws IOException {
        writePidFile(4242, dataDir);

        PostmasterPidFile pidFile = PostmasterPidFile.read(dataDir).orElseThrow();

        assertEquals(4242, pidFile.pid());
        assertEquals(dataDir, pidFile.recordedDataDir());
        assertEquals(dataDir.resolve("postmaster.pid"), pidFile.file());
    }

    @Test
    void malformedFileIsRejectedWithTheFileNamed() {
        IOException notANumber = assertThrows(IOException.class,
                () -> PostmasterPidFile.parse(dataDir, List.of("abc", dataDir.toString())));
        assertTrue(notANumber.getMessage().contains("postmaster.pid"), notANumber.getMessage());
        assertThrows(IOException.class, () -> PostmasterPidFile.parse(dataDir, List.of("12")));
        assertThrows(IOException.class, () -> PostmasterPidFile.parse(dataDir, List.of("-3", dataDir.toString())));
    }

    @Test
    void malformedFileIsRemoved() throws IOException {
        Files.writeString(dataDir.resolve("postmaster.pid"), "");

        assertEquals(OrphanedPostmaster.Outcome.REMOVED_STALE_PID_FILE,
                OrphanedPostmaster.stop(dataDir, Duration.ofSeconds(1)));
        assertFalse(Files.exists(dataDir.resolve("postmaster.pid")));
    }

    @Test
    void deadPidIsStaleAndItsFileRemoved() throws Exception {
        Process exited = new ProcessBuilder("true").start();
        exited.waitFor();
        writePidFile(exited.pid(), dataDir);

        assertEquals(PostmasterPidFile.Holder.NO_PROCESS, PostmasterPidFile.read(dataDir).orElseThrow().holder());
        assertEquals(OrphanedPostmaster.Outcome.REMOVED_STALE_PID_FILE,
                OrphanedPostmaster.stop(dataDir, Duration.ofSeconds(1)));
        assertFalse(Files.exists(dataDir.resolve("postmaster.pid")));
    }

    @Test
    void thisJvmIsNeverSignalled() throws IOException {
        writePidFile(ProcessHandle.current().pid(), dataDir);

        assertEquals(PostmasterPidFile.Holder.OTHER_PROCESS, PostmasterPidFile.read(dataDir).orElseThrow().holder());
        assertEquals(OrphanedPostmaster.Outcome.REMOVED_STALE_PID_FILE,
                OrphanedPostmaster.stop(dataDir, Duration.ofSeconds(1)));
        assertFalse(Files.exists(dataDir.resolve("postmaster.pid")));
    }

    @Test
    void reusedPidOfANonPostgresProcessIsNotSignalled() throws IOException {
        child = new ProcessBuilder("sleep", "60").directory(dataDir.toFile()).start();
        writePidFile(child.pid(), dataDir);

        assertEquals(OrphanedPostmaster.Outcome.REMOVED_STALE_PID_FILE,
                OrphanedPostmaster.stop(dataDir, Duration.ofSeconds(1)));
        assertTrue(child.isAlive(), "a process that is not postgres must not be signalled");
    }

    @Test
    void postgresRunningInAnotherDirectoryIsNotSignalled(@TempDir Path elsewhere) throws IOException {
        child = fakePostgres(elsewhere);
        writePidFile(child.pid(), dataDir);

        assertEquals(PostmasterPidFile.Holder.OTHER_PROCESS, PostmasterPidFile.read(dataDir).orElseThrow().holder());
        OrphanedPostmaster.stop(dataDir, Duration.ofSeconds(1));
        assertTrue(child.isAlive(), "a postgres of another data directory must not be signalled");
    }

    @Test
    void pidFileNamingAnotherDataDirectoryIsNotTrusted(@TempDir Path elsewhere) throws IOException {
        child = fakePostgres(dataDir);
        writePidFile(child.pid(), elsewhere);

        assertEquals(PostmasterPidFile.Holder.OTHER_PROCESS, PostmasterPidFile.read(dataDir).orElseThrow().holder());
        OrphanedPostmaster.stop(dataDir, Duration.ofSeconds(1));
        assertTrue(child.isAlive(), "a pid file copied from another directory must not lead to a signal");
    }

    @Test
    void postgresRunningInTheDataDirectoryIsStoppedWithSigint() throws Exception {
        child = fakePostgres(dataDir);
        writePidFile(child.pid(), dataDir);

        assertEquals(PostmasterPidFile.Holder.POSTMASTER, PostmasterPidFile.read(dataDir).orElseThrow().holder());
        assertEquals(OrphanedPostmaster.Outcome.STOPPED_ORPHAN, OrphanedPostmaster.stop(dataDir, Duration.ofSeconds(10)));
        assertEquals(128 + 2, child.waitFor(), "exit status of a process killed by SIGINT");
        assertFalse(Files.exists(dataDir.resolve("postmaster.pid")));
    }

    @Test
    void postgresWhoseOwnerLockIsHeldIsNotSignalled() throws Exception {
        child = fakePostgres(dataDir);
        writePidFile(child.pid(), dataDir);
        Path lockFile = dataDir.resolve(OrphanedPostmaster.OWNER_LOCK_FILE);
        try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock lock = channel.lock()) {
            assertTrue(lock.isValid());
            IllegalStateException refused = assertThrows(IllegalStateException.class,
                    () -> OrphanedPostmaster.stop(dataDir, Duration.ofSeconds(1)));
            assertTrue(refused.getMessage().contains("epg-lock"), refused.getMessage());
        }
        assertTrue(child.isAlive(), "a postgres whose JVM is alive must not be signalled");
        assertTrue(Files.exists(dataDir.resolve("postmaster.pid")));
    }

    /**
     * A process whose command line says "postgres" and whose working directory is {@code dir}, as a postmaster's;
     * returned once bash has exec'd into it (until then its command line is bash's, or briefly unreadable).
     */
    private static Process fakePostgres(Path dir) throws IOException {
        Process process = new ProcessBuilder("bash", "-c", "exec -a postgres sleep 60").directory(dir.toFile()).start();
        Path cmdline = Path.of("/proc", Long.toString(process.pid()), "cmdline");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!new String(Files.readAllBytes(cmdline), StandardCharsets.UTF_8).startsWith("postgres\0")) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the fake postgres (pid " + process.pid() + ") did not exec within 10 s");
            }
            Thread.onSpinWait();
        }
        return process;
    }

    private void writePidFile(long pid, Path recordedDataDir) throws IOException {
        Files.write(dataDir.resolve("postmaster.pid"), List.of(Long.toString(pid), recordedDataDir.toString(),
                "1700000000", "5432", "/tmp", "127.0.0.1", "  1234567     12345", "ready   "));
    }
}
