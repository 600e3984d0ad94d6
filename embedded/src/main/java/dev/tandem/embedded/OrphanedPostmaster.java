package dev.tandem.embedded;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stops a PostgreSQL that a killed JVM left running on a data directory, found only through that directory's
 * {@code postmaster.pid}, and clears a pid file whose process is gone or is no postmaster of the directory.
 */
final class OrphanedPostmaster {

    private static final Logger log = LoggerFactory.getLogger(OrphanedPostmaster.class);

    /** The file zonky's embedded PostgreSQL keeps locked while a live JVM owns the data directory. */
    static final String OWNER_LOCK_FILE = "epg-lock";

    private static final Duration FORCED_EXIT_WAIT = Duration.ofSeconds(10);
    private static final long POLL_MILLIS = 50;

    /** What {@link #stop} found and did. */
    enum Outcome {
        /** No pid file: nothing runs on the directory. */
        NOTHING_FOUND,
        /** A pid file naming a dead process or a process that is not this directory's postmaster; removed. */
        REMOVED_STALE_PID_FILE,
        /** A postmaster of the directory was running without an owner; it was stopped. */
        STOPPED_ORPHAN
    }

    private OrphanedPostmaster() {
    }

    /**
     * Stops the postmaster named by {@code dataDir/postmaster.pid} if it runs without an owning JVM: a fast shutdown
     * (SIGINT), then SIGKILL after {@code timeout}. Never signals a process that is not verified to be a PostgreSQL
     * running in {@code dataDir}.
     *
     * @throws IllegalStateException when a live JVM still owns the directory, or the process cannot be identified or
     *                               stopped
     */
    static Outcome stop(Path dataDir, Duration timeout) throws IOException {
        Optional<PostmasterPidFile> found;
        try {
            found = PostmasterPidFile.read(dataDir);
        } catch (IOException malformed) {
            requireNoLiveOwner(dataDir, "the PostgreSQL");
            log.warn("Removing unreadable {}: {}", dataDir.resolve(PostmasterPidFile.FILE_NAME), malformed.getMessage());
            Files.deleteIfExists(dataDir.resolve(PostmasterPidFile.FILE_NAME));
            return Outcome.REMOVED_STALE_PID_FILE;
        }
        if (found.isEmpty()) {
            return Outcome.NOTHING_FOUND;
        }
        PostmasterPidFile pidFile = found.get();
        return switch (pidFile.holder()) {
            case NO_PROCESS -> {
                log.info("Removing stale {}: process {} no longer exists", pidFile.file(), pidFile.pid());
                removePidFile(pidFile);
                yield Outcome.REMOVED_STALE_PID_FILE;
            }
            case OTHER_PROCESS -> {
                log.info("Removing stale {}: pid {} now belongs to another process ({}), which is left alone",
                        pidFile.file(), pidFile.pid(), describe(pidFile));
                removePidFile(pidFile);
                yield Outcome.REMOVED_STALE_PID_FILE;
            }
            case UNKNOWN -> throw new IllegalStateException(pidFile.file() + " names live process " + pidFile.pid()
                    + " whose command line and working directory cannot be read, so tandem cannot tell whether it"
                    + " is a PostgreSQL on " + dataDir + "; stop that process yourself if it is, or delete the file");
            case POSTMASTER -> {
                requireNoLiveOwner(dataDir, "PostgreSQL pid " + pidFile.pid());
                log.warn("Found PostgreSQL (pid {}) left running on {} by a JVM that is gone; stopping it",
                        pidFile.pid(), dataDir);
                terminate(pidFile, timeout);
                removePidFile(pidFile);
                yield Outcome.STOPPED_ORPHAN;
            }
        };
    }

    /** Refuses to touch a data directory that a live JVM holds through zonky's owner lock. */
    private static void requireNoLiveOwner(Path dataDir, String postgres) throws IOException {
        Path lockFile = dataDir.resolve(OWNER_LOCK_FILE);
        if (!Files.exists(lockFile)) {
            return;
        }
        try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.WRITE)) {
            FileLock lock = channel.tryLock();
            if (lock != null) {
                lock.release();
                return;
            }
        } catch (OverlappingFileLockException e) {
            throw ownedByLiveProcess(dataDir, postgres, "this JVM", e);
        } catch (NoSuchFileException e) {
            return;
        }
        throw ownedByLiveProcess(dataDir, postgres, "another live process", null);
    }

    private static IllegalStateException ownedByLiveProcess(Path dataDir, String postgres, String owner,
                                                            Exception cause) {
        return new IllegalStateException(postgres + " on " + dataDir + " is owned by " + owner + " (it holds "
                + OWNER_LOCK_FILE + "); close that owner first, or use another data directory", cause);
    }

    private static void terminate(PostmasterPidFile pidFile, Duration timeout) {
        long pid = pidFile.pid();
        long started = System.nanoTime();
        if (!sendFastShutdown(pid)) {
            log.info("Sending SIGTERM (smart shutdown) to PostgreSQL pid {} instead", pid);
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroy);
        }
        if (awaitExit(pid, timeout)) {
            log.info("PostgreSQL pid {} on {} stopped in {} ms", pid, pidFile.dataDir(), elapsedMillis(started));
            return;
        }
        log.warn("PostgreSQL pid {} on {} still runs {} ms after shutdown was requested; sending SIGKILL",
                pid, pidFile.dataDir(), elapsedMillis(started));
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        if (!awaitExit(pid, FORCED_EXIT_WAIT)) {
            throw new IllegalStateException("PostgreSQL pid " + pid + " on " + pidFile.dataDir() + " survived SIGINT"
                    + " and SIGKILL for " + elapsedMillis(started) + " ms; stop it by hand (kill -9 " + pid + ")");
        }
    }

    /** Sends SIGINT, PostgreSQL's fast shutdown; false when {@code kill} could not be run. */
    private static boolean sendFastShutdown(long pid) {
        ProcessBuilder kill = new ProcessBuilder("kill", "-INT", Long.toString(pid)).redirectErrorStream(true);
        try {
            Process process = kill.start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                log.warn("`kill -INT {}` did not return within 10 s", pid);
                return false;
            }
            if (process.exitValue() != 0) {
                log.warn("`kill -INT {}` exited with {}: {}", pid, process.exitValue(), output);
                return false;
            }
            log.info("Sent SIGINT (fast shutdown) to PostgreSQL pid {}", pid);
            return true;
        } catch (IOException e) {
            log.warn("Cannot run `kill -INT {}`: {}", pid, e.toString());
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while signalling PostgreSQL pid " + pid, e);
        }
    }

    /** Waits until {@code pid} is gone or a zombie; true when it is. */
    static boolean awaitExit(long pid, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (PostmasterPidFile.isRunning(pid)) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for process " + pid + " to exit", e);
            }
        }
        return true;
    }

    private static void removePidFile(PostmasterPidFile pidFile) throws IOException {
        if (Files.deleteIfExists(pidFile.file())) {
            log.info("Removed {}", pidFile.file());
        }
    }

    private static String describe(PostmasterPidFile pidFile) {
        return pidFile.commandLine().map(args -> String.join(" ", args)).orElse("command line unreadable");
    }

    private static long elapsedMillis(long startedNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos);
    }
}
