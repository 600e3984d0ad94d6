package dev.tandem.deploy.verify;

import dev.tandem.deploy.ProgressLine;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import picocli.CommandLine.Option;

/**
 * The progress options of {@code tandem verify} and {@code tandem repair}, and the progress line they start: reports
 * go to stderr, so stdout carries only the result (with {@code --json}, only the JSON).
 */
public final class ProgressOptions {

    /** A redrawn bar is updated at least this often, whatever --progress-interval says. */
    static final Duration BAR_INTERVAL = Duration.ofMillis(500);
    private static final List<String> MODES = List.of("auto", "bar", "lines", "none");

    @Option(names = "--progress", defaultValue = "auto", description = {"How progress is shown on stderr: auto (a redrawn bar when "
            + "stderr is a terminal, else plain lines), bar, lines or none (default: ${DEFAULT-VALUE})."})
    String mode;

    @Option(names = "--progress-interval", defaultValue = "10s", description = {"How often a plain progress line is printed "
            + "(default: ${DEFAULT-VALUE}); a bar is redrawn at least every 500 ms."})
    Duration interval;

    /** Fails on a mode or interval that cannot work, naming the fix. */
    void check() {
        if (!MODES.contains(mode)) {
            throw new IllegalArgumentException("--progress " + mode + " is not a progress mode: use one of " + MODES);
        }
        if (interval.isZero() || interval.isNegative()) {
            throw new IllegalArgumentException("--progress-interval " + interval.toMillis() + " ms: give a positive duration such as 10s");
        }
    }

    /** The style {@code mode} asks for; {@code auto} looks at stderr. */
    ProgressLine.Style style() {
        return switch (mode) {
            case "bar" -> ProgressLine.Style.REDRAW;
            case "lines" -> ProgressLine.Style.LINES;
            case "none" -> ProgressLine.Style.NONE;
            default -> ProgressLine.Style.detect(System.err);
        };
    }

    /** Starts printing {@code frames} on stderr. */
    ProgressLine start(Supplier<ProgressLine.Frame> frames) {
        ProgressLine line = new ProgressLine(System.err, style(), frames);
        line.startPrinting(line.style() == ProgressLine.Style.REDRAW && interval.compareTo(BAR_INTERVAL) > 0 ? BAR_INTERVAL : interval);
        return line;
    }
}
