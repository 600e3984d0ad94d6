package dev.tandem.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.deploy.ProgressLine.Frame;
import dev.tandem.deploy.ProgressLine.Style;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The progress line: the bar, the choice between a redrawn bar and plain lines, and what each prints. */
class ProgressLineTest {

    @Test
    void theBarFillsInProportionAndStaysWithinItsWidth() {
        assertEquals("[----------]   0%", ProgressLine.bar(0, 10));
        assertEquals("[#####-----]  50%", ProgressLine.bar(0.5, 10));
        assertEquals("[##########] 100%", ProgressLine.bar(1, 10));
        assertEquals("[##########] 100%", ProgressLine.bar(1.7, 10), "an estimate below the rows copied");
        assertEquals("[----------]   0%", ProgressLine.bar(-0.2, 10));
        assertEquals("[###-------]  33%", ProgressLine.bar(1.0 / 3, 10));
    }

    @Test
    void aTerminalGetsTheRedrawnBarAndEverythingElsePlainLines() {
        assertEquals(Style.REDRAW, Style.choose("/dev/pts/3", false, "xterm-256color"), "stderr on a pseudo-terminal");
        assertEquals(Style.REDRAW, Style.choose("/dev/tty1", false, null), "a virtual console");
        assertEquals(Style.LINES, Style.choose("pipe:[81234]", true, "xterm"), "piped, even when stdin and stdout are a terminal");
        assertEquals(Style.LINES, Style.choose("/var/log/tandem/verify.log", true, "xterm"), "redirected to a file");
        assertEquals(Style.LINES, Style.choose("/dev/pts/3", true, "dumb"), "a terminal that cannot move the cursor");
        assertEquals(Style.REDRAW, Style.choose(null, true, "xterm"), "no /proc: the JVM's console decides");
        assertEquals(Style.LINES, Style.choose(null, false, "xterm"));
        assertEquals(Style.LINES, Style.detect(new PrintStream(new ByteArrayOutputStream())), "a stream that is no file descriptor");
    }

    @Test
    void eachStylePrintsWhatItsOutputCanShow() {
        Frame half = new Frame(0.5, "verify: 50/100 rows");
        String redraw = ProgressLine.render(half, Style.REDRAW);
        assertTrue(redraw.startsWith("\r[############------------]  50% verify: 50/100 rows"), redraw);
        assertTrue(redraw.endsWith("\u001b[K"), "clears what a longer previous line left");
        assertFalse(redraw.contains("\n"), "redrawn in place");
        assertEquals("\rno bar when the fraction is unknown\u001b[K",
                ProgressLine.render(Frame.of("no bar when the fraction is unknown"), Style.REDRAW));
        assertEquals("verify: 50/100 rows" + System.lineSeparator(), ProgressLine.render(half, Style.LINES),
                "a plain line: no bar, no control characters");
        assertEquals("", ProgressLine.render(half, Style.NONE));
    }

    @Test
    void finishingPrintsTheLastReportOnceAndNothingAfter() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        int[] reports = {0};
        ProgressLine line = new ProgressLine(out, Style.LINES, () -> Frame.of("report " + ++reports[0]));
        line.startPrinting(Duration.ofMillis(5));
        while (reports[0] < 2) {
            Thread.sleep(5);
        }
        line.finish(Frame.of("done"));
        line.stop();
        String printed = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(printed.startsWith("report 1" + System.lineSeparator() + "report 2" + System.lineSeparator()), printed);
        assertTrue(printed.endsWith("done" + System.lineSeparator()), printed);
        assertEquals(1, printed.split("done", -1).length - 1, printed);
        assertThrows(IllegalArgumentException.class, () -> new ProgressLine(out, Style.LINES, () -> Frame.of("")).startPrinting(Duration.ZERO));
    }

    @Test
    void etasReadAsPeopleSayThem() {
        assertEquals("0 s", ProgressLine.duration(0.2));
        assertEquals("42 s", ProgressLine.duration(42));
        assertEquals("7 min 05 s", ProgressLine.duration(425));
        assertEquals("2 h 10 min", ProgressLine.duration(7800));
    }
}
