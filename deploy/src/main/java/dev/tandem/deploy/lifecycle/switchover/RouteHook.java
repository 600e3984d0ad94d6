package dev.tandem.deploy.lifecycle.switchover;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * An operator's command run after every route flip, e.g. to reload a proxy or notify a channel. It runs after
 * the write block, so it cannot lengthen it; it learns the flip from {@code TANDEM_MIGRATION}, {@code TANDEM_ROUTE}
 * ({@code legacy} or {@code new}) and {@code TANDEM_OPERATION}. A failing hook is reported, not undone: the route
 * has already flipped.
 */
public record RouteHook(List<String> command, long timeoutSeconds) {

    public static final long DEFAULT_TIMEOUT_SECONDS = 30;

    public RouteHook {
        command = List.copyOf(command);
        if (command.isEmpty()) {
            throw new IllegalArgumentException("a route hook needs a command, e.g. --hook '/usr/local/bin/reload-proxy'");
        }
    }

    /** Runs the command through {@code sh -c}, so operators can write it as they would in a shell. */
    public static RouteHook shell(String commandLine) {
        return new RouteHook(List.of("sh", "-c", commandLine), DEFAULT_TIMEOUT_SECONDS);
    }

    /** Runs the hook; returns one line for the audit log (exit code or why it failed, with its output's tail). */
    String run(String migration, String operation, String route) throws InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("TANDEM_MIGRATION", migration);
        builder.environment().put("TANDEM_OPERATION", operation);
        builder.environment().put("TANDEM_ROUTE", route);
        try {
            Process process = builder.start();
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return "hook " + command + " did not finish within " + timeoutSeconds + " s and was killed";
            }
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            String tail = output.length() > 300 ? "…" + output.substring(output.length() - 300) : output;
            return "hook " + command + " exited " + process.exitValue() + (tail.isEmpty() ? "" : ": " + tail);
        } catch (IOException e) {
            return "hook " + command + " could not start: " + e.getMessage();
        }
    }
}
