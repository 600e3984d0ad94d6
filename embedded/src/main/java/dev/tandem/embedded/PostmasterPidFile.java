package dev.tandem.embedded;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * A data directory's {@code postmaster.pid} and the answer to "is the process it names still this directory's
 * postmaster?", decided from the pid file and {@code /proc}, never from process names alone.
 *
 * @param dataDir         the data directory the file was read from
 * @param pid             line 1: the postmaster's process id
 * @param recordedDataDir line 2: the data directory the postmaster wrote into the file
 */
record PostmasterPidFile(Path dataDir, long pid, Path recordedDataDir) {

    static final String FILE_NAME = "postmaster.pid";

    /** Who holds the pid named in the file now. */
    enum Holder {
        /** No process has this pid: the file is stale. */
        NO_PROCESS,
        /** A process that is not a postmaster of this data directory (the pid was reused): the file is stale. */
        OTHER_PROCESS,
        /** A PostgreSQL process running in this data directory. */
        POSTMASTER,
        /** A live process whose command line or working directory cannot be read. */
        UNKNOWN
    }

    /** The pid file of {@code dataDir}, or empty when there is none. */
    static Optional<PostmasterPidFile> read(Path dataDir) throws IOException {
        Path file = dataDir.resolve(FILE_NAME);
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        return Optional.of(parse(dataDir, lines));
    }

    /** Parses the lines of a pid file found in {@code dataDir}. */
    static PostmasterPidFile parse(Path dataDir, List<String> lines) throws IOException {
        Path file = dataDir.resolve(FILE_NAME);
        if (lines.size() < 2) {
            throw new IOException(file + " has " + lines.size() + " lines, expected at least 2 (pid, data directory);"
                    + " if no PostgreSQL runs on " + dataDir + ", delete the file");
        }
        long pid;
        try {
            pid = Long.parseLong(lines.get(0).trim());
        } catch (NumberFormatException e) {
            throw new IOException(file + ": line 1 '" + lines.get(0) + "' is not a process id;"
                    + " if no PostgreSQL runs on " + dataDir + ", delete the file", e);
        }
        if (pid <= 0) {
            throw new IOException(file + ": line 1 holds pid " + pid + ", expected a positive process id;"
                    + " if no PostgreSQL runs on " + dataDir + ", delete the file");
        }
        return new PostmasterPidFile(dataDir, pid, Path.of(lines.get(1).trim()));
    }

    Path file() {
        return dataDir.resolve(FILE_NAME);
    }

    /**
     * Decides who holds {@link #pid()} now. It is this directory's postmaster only when all hold: the process is alive
     * and is not this JVM, line 2 of the file names this data directory, its command line contains "postgres", and
     * its working directory is this data directory or its command line names it.
     */
    Holder holder() {
        if (!isRunning(pid)) {
            return Holder.NO_PROCESS;
        }
        if (pid == ProcessHandle.current().pid() || !sameFile(recordedDataDir, dataDir)) {
            return Holder.OTHER_PROCESS;
        }
        Optional<List<String>> commandLine = commandLine();
        Optional<Path> workingDirectory = workingDirectory();
        if (commandLine.isEmpty() && workingDirectory.isEmpty()) {
            return isRunning(pid) ? Holder.UNKNOWN : Holder.NO_PROCESS;
        }
        List<String> args = commandLine.orElse(List.of());
        boolean isPostgres = String.join(" ", args).contains("postgres");
        boolean inDataDir = workingDirectory.map(cwd -> sameFile(cwd, dataDir)).orElse(false)
                || args.stream().anyMatch(arg -> sameFile(Path.of(arg), dataDir));
        return isPostgres && inDataDir ? Holder.POSTMASTER : Holder.OTHER_PROCESS;
    }

    /** True while {@code pid} is alive and not a zombie waiting for a parent that may never reap it. */
    static boolean isRunning(long pid) {
        if (!ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
            return false;
        }
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.UTF_8);
            int endOfName = stat.lastIndexOf(')');
            return endOfName < 0 || endOfName + 2 >= stat.length() || stat.charAt(endOfName + 2) != 'Z';
        } catch (NoSuchFileException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    /** The process's arguments from {@code /proc/<pid>/cmdline}, empty when unreadable. */
    Optional<List<String>> commandLine() {
        try {
            byte[] raw = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"));
            String text = new String(raw, StandardCharsets.UTF_8);
            return Optional.of(Arrays.stream(text.split("\0")).filter(arg -> !arg.isEmpty()).toList());
        } catch (IOException | SecurityException e) {
            return Optional.empty();
        }
    }

    /** The process's working directory from {@code /proc/<pid>/cwd}, empty when unreadable. */
    Optional<Path> workingDirectory() {
        try {
            return Optional.of(Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "cwd")));
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return Optional.empty();
        }
    }

    private static boolean sameFile(Path a, Path b) {
        try {
            return a.isAbsolute() && Files.exists(a) && Files.isSameFile(a, b);
        } catch (IOException | SecurityException e) {
            return false;
        }
    }
}
