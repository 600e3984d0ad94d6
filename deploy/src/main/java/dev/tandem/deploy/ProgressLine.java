package dev.tandem.deploy;

import dev.tandem.sync.pipeline.Pipeline;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Prints a long operation's progress at a fixed interval: on a terminal one line redrawn in place, led by a progress
 * bar while the fraction done is known; otherwise (a pipe, a log file) each report as a plain line of its own.
 */
public final class ProgressLine {

    /** One report: how far along the operation is (0..1; NaN when unknown, then no bar is drawn) and its text. */
    public record Frame(double fraction, String text) {

        public Frame {
            Objects.requireNonNull(text, "text");
        }

        /** A report without a bar. */
        public static Frame of(String text) {
            return new Frame(Double.NaN, text);
        }
    }

    /** How the reports are shown. */
    public enum Style {
        /** One line redrawn in place, led by a bar: for a terminal. */
        REDRAW,
        /** A plain line per report: for pipes and log files. */
        LINES,
        /** Nothing at all. */
        NONE;

        /** {@link #REDRAW} when {@code out} is the process's stdout or stderr and that is a terminal, else {@link #LINES}. */
        public static Style detect(PrintStream out) {
            int fd = out == System.out ? 1 : out == System.err ? 2 : -1;
            if (fd < 0) {
                return LINES;
            }
            String device;
            try {
                device = Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
            } catch (IOException | UnsupportedOperationException e) {
                device = null; // no /proc (not Linux): fall back to the JVM's console check below
            }
            return choose(device, System.console() != null, System.getenv("TERM"));
        }

        /**
         * The choice {@link #detect} makes: {@code device} is what the stream's file descriptor points to (null when
         * that cannot be read), {@code console} whether the JVM has a console, {@code term} the TERM variable.
         */
        static Style choose(String device, boolean console, String term) {
            if ("dumb".equals(term)) {
                return LINES;
            }
            if (device == null) {
                return console ? REDRAW : LINES;
            }
            return device.startsWith("/dev/pts/") || device.startsWith("/dev/tty") ? REDRAW : LINES;
        }
    }

    private static final int BAR_WIDTH = 24;

    private final PrintStream out;
    private final Style style;
    private final Supplier<Frame> frames;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "tandem-progress");
        t.setDaemon(true);
        return t;
    });
    private boolean stopped;

    /**
     * The status line of {@code tandem run} and {@code demo}: backfill, changes applied, lag, slot WAL.
     *
     * @param backfillTotal rows expected in the backfill, or 0 when unknown; {@code extra} is appended.
     */
    public ProgressLine(PrintStream out, Pipeline pipeline, long backfillTotal, Supplier<String> extra) {
        this(out, () -> pipeline, () -> "forward", backfillTotal, extra);
    }

    /** Follows whichever pipeline runs now ({@code active}), labelled with its {@code direction}. */
    public ProgressLine(PrintStream out, Supplier<Pipeline> active, Supplier<String> direction, long backfillTotal,
                        Supplier<String> extra) {
        this(out, Style.detect(out), new PipelineProgress(active, direction, backfillTotal, extra));
    }

    /** Prints the reports {@code frames} gives, in {@code style}. */
    public ProgressLine(PrintStream out, Style style, Supplier<Frame> frames) {
        this.out = Objects.requireNonNull(out, "out");
        this.style = Objects.requireNonNull(style, "style");
        this.frames = Objects.requireNonNull(frames, "frames");
    }

    public Style style() {
        return style;
    }

    /** {@code [######------]  50%}: {@code fraction} of the way, clamped to 0..1. */
    static String bar(double fraction, int width) {
        double clamped = Math.max(0, Math.min(1, fraction));
        int filled = (int) Math.round(clamped * width);
        return "[" + "#".repeat(filled) + "-".repeat(width - filled) + "] " + String.format("%3d%%", Math.round(clamped * 100));
    }

    /** What one report prints in {@code style}: a redraw clears what the previous, longer line left. */
    static String render(Frame frame, Style style) {
        return switch (style) {
            case REDRAW -> "\r" + (Double.isNaN(frame.fraction()) ? "" : bar(frame.fraction(), BAR_WIDTH) + " ") + frame.text() + "\u001b[K";
            case LINES -> frame.text() + System.lineSeparator();
            case NONE -> "";
        };
    }

    /** Approximate and short, for an ETA: {@code 42 s}, {@code 7 min 05 s}, {@code 2 h 10 min}. */
    public static String duration(double seconds) {
        long s = Math.round(Math.max(0, seconds));
        if (s < 90) {
            return s + " s";
        }
        if (s < 2 * 3600) {
            return String.format("%d min %02d s", s / 60, s % 60);
        }
        return String.format("%d h %02d min", s / 3600, s / 60 % 60);
    }

    public void startPrinting(Duration interval) {
        if (interval.isZero() || interval.isNegative()) {
            throw new IllegalArgumentException("the progress interval is " + interval + "; give a positive duration such as 10s");
        }
        if (style != Style.NONE) {
            // a fixed delay, not a fixed rate: after a stall (GC, a busy machine) no burst of stale reports catches up
            timer.scheduleWithFixedDelay(this::print, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** Stops printing; on a terminal, the last redrawn line stays in place. */
    public synchronized void stop() {
        timer.shutdownNow();
        if (!stopped && style == Style.REDRAW) {
            out.println();
        }
        stopped = true;
    }

    /** Stops printing, then prints {@code last} as the final report (on a terminal over the redrawn line, then ends it). */
    public synchronized void finish(Frame last) {
        timer.shutdownNow();
        if (!stopped) {
            out.print(render(last, style));
            if (style == Style.REDRAW) {
                out.println();
            }
            out.flush();
        }
        stopped = true;
    }

    private synchronized void print() {
        if (!stopped) {
            out.print(render(frames.get(), style));
            out.flush();
        }
    }
}
