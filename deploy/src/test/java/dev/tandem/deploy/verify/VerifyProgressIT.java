package dev.tandem.deploy.verify;

import static dev.tandem.deploy.TestSql.exec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tandem.embedded.EmbeddedPostgres;
import dev.tandem.embedded.SharedTestStack;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tandem verify} and {@code tandem repair} report their progress as plain lines on stderr when it is no
 * terminal, with counts that add up, while stdout keeps only the result (with {@code --json}, one JSON object).
 */
class VerifyProgressIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int ROWS = 50_000;
    private static final Pattern REPORT = Pattern.compile(
            "verify: (\\d+)/(\\d+) rows \\((\\d+)%\\), (\\d+) chunks, tables (\\d+)/(\\d+)(?: \\(now public\\.dst\\))?, (\\d+) rows/s, ETA (.+)");
    private static final Pattern DONE = Pattern.compile("verify: done, (\\d+) rows in (\\d+) chunks of (\\d+) tables in [0-9.]+ s "
            + "\\((\\d+) rows/s\\), (\\d+) drifted");

    @Test
    void verifyAndRepairPrintPlainProgressLinesOnStderr(@TempDir Path dir) throws Exception {
        EmbeddedPostgres postgres = SharedTestStack.get().postgres();
        exec(postgres, "postgres", "DROP DATABASE IF EXISTS vprog_legacy WITH (FORCE)", "DROP DATABASE IF EXISTS vprog_new WITH (FORCE)",
                "CREATE DATABASE vprog_legacy", "CREATE DATABASE vprog_new");
        exec(postgres, "vprog_legacy", "CREATE TABLE public.src (id int PRIMARY KEY, name text)",
                "INSERT INTO public.src SELECT g, 'n' || g FROM generate_series(1, " + ROWS + ") g", "ANALYZE public.src");
        exec(postgres, "vprog_new", "CREATE TABLE public.dst (id int PRIMARY KEY, name text)",
                "INSERT INTO public.dst SELECT g, 'n' || g FROM generate_series(1, " + ROWS + ") g");
        Files.writeString(dir.resolve("mapping.yaml"), """
                tables:
                  - target: public.dst
                    from: public.src s
                    copy_same_named: true
                """);
        Path config = dir.resolve("migration.yaml");
        Files.writeString(config, """
                migration: vprog
                source:
                  url: %s
                target:
                  url: %s
                kafka:
                  bootstrap: "127.0.0.1:1"
                mapping: mapping.yaml
                reconcile:
                  parallelism: 1
                  chunk_time: 50ms
                """.formatted(postgres.jdbcUrl("vprog_legacy"), postgres.jdbcUrl("vprog_new")));

        CliRun verify = run("verify", "--config", config.toString(), "--no-fence", "--json", "--progress", "lines", "--progress-interval", "10ms");
        assertEquals(0, verify.code(), verify::toString);
        List<String> stdout = verify.out().lines().toList();
        assertEquals(1, stdout.size(), "--json prints one JSON object and nothing else on stdout: " + verify.out());
        JsonNode result = JSON.readTree(stdout.get(0));
        assertEquals(ROWS, result.get("rows_compared").asLong());

        List<String> reports = verify.err().lines().filter(l -> l.startsWith("verify: ") && !l.startsWith("verify: starting")).toList();
        assertTrue(reports.size() >= 2, "a periodic line and the final one: " + verify.err());
        long previous = 0;
        for (String line : reports.subList(0, reports.size() - 1)) {
            Matcher m = REPORT.matcher(line);
            assertTrue(m.matches(), "a progress line in the documented form: " + line);
            long done = Long.parseLong(m.group(1));
            long total = Long.parseLong(m.group(2));
            assertTrue(done >= previous, "rows done never go back: " + reports);
            assertTrue(done <= total && total >= ROWS * 9 / 10 && total <= ROWS * 11 / 10,
                    "the total is the analyzed source's estimate (" + ROWS + " rows): " + line);
            assertEquals(Math.round(100.0 * done / total), Long.parseLong(m.group(3)), line);
            assertEquals("1", m.group(6), "one mapped table: " + line);
            assertTrue(Long.parseLong(m.group(5)) <= 1, line);
            previous = done;
        }
        Matcher last = DONE.matcher(reports.get(reports.size() - 1));
        assertTrue(last.matches(), "the final line sums the pass up: " + reports);
        assertEquals(ROWS, Long.parseLong(last.group(1)));
        assertEquals(result.get("tables").get(0).get("chunks").asLong(), Long.parseLong(last.group(2)));
        assertTrue(Long.parseLong(last.group(2)) > 1, "small chunks (chunk_time 50ms) over " + ROWS + " rows");
        assertEquals("1", last.group(3));
        assertEquals("0", last.group(5));
        assertFalse(verify.err().contains("\r") || verify.err().contains("\u001b["), "plain lines carry no terminal control characters");

        exec(postgres, "vprog_new", "UPDATE public.dst SET name = 'changed' WHERE id = 7", "DELETE FROM public.dst WHERE id = 40000");
        CliRun drift = run("verify", "--config", config.toString(), "--no-fence", "--progress", "none");
        assertEquals(1, drift.code(), drift::toString);
        assertTrue(drift.out().startsWith("DRIFT FOUND"), "the human report stays on stdout: " + drift.out());
        assertFalse(drift.out().contains("verify: ") || drift.err().contains("verify: "), "--progress none prints no progress: " + drift);

        CliRun repair = run("repair", "--config", config.toString(), "--no-fence", "--json", "--progress", "lines");
        assertEquals(0, repair.code(), repair::toString);
        assertEquals(2, JSON.readTree(repair.out()).get("tables").get(0).get("actions").size());
        assertTrue(repair.err().lines().anyMatch(l -> l.matches("repair: done, 2 rows in 1 tables in [0-9.]+ s \\(\\d+ rows/s\\)")),
                repair.err());

        CliRun wrong = run("verify", "--config", config.toString(), "--progress", "sometimes");
        assertEquals(2, wrong.code(), wrong::toString);
        assertTrue(wrong.err().contains("--progress sometimes is not a progress mode: use one of [auto, bar, lines, none]"), wrong.err());
    }

    private static CliRun run(String... args) {
        return CliRun.of(args);
    }
}
