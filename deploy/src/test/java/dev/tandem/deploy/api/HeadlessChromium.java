package dev.tandem.deploy.api;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Loads a page in Debian's headless Chromium and returns the DOM after its scripts ran, for the page tests. */
final class HeadlessChromium {

    static final Path BINARY = Path.of("/usr/bin/chromium");
    private static final long TIMEOUT_SECONDS = 120;

    private HeadlessChromium() {
    }

    /** Fails (never skips) when Chromium is missing: CI installs it in {@code .ci/run}. */
    static void requireInstalled() {
        if (!Files.isExecutable(BINARY)) {
            throw new AssertionError(BINARY + " is missing: the status page is tested in headless Chromium; install it "
                    + "with `apt-get install -y --no-install-recommends chromium` (.ci/run does this in CI)");
        }
    }

    /**
     * The serialized DOM of {@code url} once {@code virtualMillis} of page time passed (timers run, network is
     * waited for), as {@code chromium --dump-dom} prints it.
     */
    static String dumpDom(String url, int virtualMillis, Path workDir) throws IOException, InterruptedException {
        requireInstalled();
        Path profile = Files.createTempDirectory(workDir, "chromium-profile");
        Path out = workDir.resolve("dom-" + System.nanoTime() + ".html");
        Path err = workDir.resolve("chromium-" + System.nanoTime() + ".log");
        Process chromium = new ProcessBuilder(List.of(BINARY.toString(), "--headless=new", "--no-sandbox", "--disable-gpu",
                "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--disable-dev-shm-usage",
                "--user-data-dir=" + profile, "--virtual-time-budget=" + virtualMillis, "--dump-dom", url))
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!chromium.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            chromium.destroyForcibly().waitFor();
            throw new AssertionError("chromium did not finish loading " + url + " within " + TIMEOUT_SECONDS + " s; its log: "
                    + tail(err));
        }
        String dom = Files.readString(out, StandardCharsets.UTF_8);
        if (chromium.exitValue() != 0 || dom.isBlank()) {
            throw new AssertionError("chromium exited with " + chromium.exitValue() + " and " + dom.length()
                    + " characters of DOM for " + url + "; its log: " + tail(err));
        }
        return dom;
    }

    /** The opening tag of the element with this id, or an assertion error naming the id. */
    static String tag(String dom, String id) {
        Matcher m = Pattern.compile("<[a-zA-Z]+[^>]*\\sid=\"" + Pattern.quote(id) + "\"[^>]*>").matcher(dom);
        if (!m.find()) {
            throw new AssertionError("the page has no element id=\"" + id + "\"");
        }
        return m.group();
    }

    /** The text directly inside the element with this id (up to its first child tag). */
    static String text(String dom, String id) {
        Matcher m = Pattern.compile("<[a-zA-Z]+[^>]*\\sid=\"" + Pattern.quote(id) + "\"[^>]*>([^<]*)<").matcher(dom);
        if (!m.find()) {
            throw new AssertionError("the page has no element id=\"" + id + "\"");
        }
        return m.group(1).replace("&nbsp;", " ").replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">");
    }

    /** The element's {@code data-value} attribute (the raw number behind its text), "" when unknown. */
    static String value(String dom, String id) {
        Matcher m = Pattern.compile("\\sdata-value=\"([^\"]*)\"").matcher(tag(dom, id));
        if (!m.find()) {
            throw new AssertionError("element id=\"" + id + "\" has no data-value: " + tag(dom, id));
        }
        return m.group(1);
    }

    private static String tail(Path log) throws IOException {
        String text = Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "(none)";
        return text.length() > 4000 ? text.substring(text.length() - 4000) : text;
    }
}
