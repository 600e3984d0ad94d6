package dev.tandem.deploy.run;

import static dev.tandem.deploy.TestSql.exec;
import static dev.tandem.deploy.TestSql.single;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tandem.deploy.TandemCli;
import dev.tandem.embedded.EmbeddedPostgres;
import dev.tandem.embedded.SharedTestStack;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tandem run --config}: backfills, streams while the legacy side is written, stops cleanly, resumes. */
class RunCommandIT {

    @Test
    void runsTheMigrationFromItsConfigAndResumesAfterAStop(@TempDir Path dir) throws Exception {
        EmbeddedPostgres postgres = SharedTestStack.get().postgres();
        postgres.createDatabase("run_legacy");
        postgres.createDatabase("run_new");
        exec(postgres, "run_legacy", "CREATE TABLE public.src (id int PRIMARY KEY, name text)",
                "INSERT INTO public.src SELECT g, 'n' || g FROM generate_series(1, 100) g");
        exec(postgres, "run_new", "CREATE TABLE public.dst (id int PRIMARY KEY, name text)");
        Files.writeString(dir.resolve("mapping.yaml"), """
                tables:
                  - target: public.dst
                    from: public.src s
                    copy_same_named: true
                """);
        Path config = dir.resolve("migration.yaml");
        Files.writeString(config, """
                migration: run_it
                source:
                  url: %s
                  password: ${TANDEM_RUN_IT_UNSET:-}
                target:
                  url: %s
                kafka:
                  bootstrap: %s
                mapping: mapping.yaml
                """.formatted(postgres.jdbcUrl("run_legacy"), postgres.jdbcUrl("run_new"),
                SharedTestStack.get().kafka().bootstrapServers()));

        CompletableFuture<Integer> first = CompletableFuture.supplyAsync(() -> TandemCli.commandLine()
                .execute("run", "--config", config.toString(), "--duration", "15s", "--progress-interval", "2s"));
        Thread.sleep(8_000);
        exec(postgres, "run_legacy", "INSERT INTO public.src VALUES (101, 'streamed')", "UPDATE public.src SET name = 'x' WHERE id = 1");
        assertEquals(0, first.get());
        assertEquals("101", single(postgres, "run_new", "SELECT count(*) FROM public.dst"));
        assertEquals("x", single(postgres, "run_new", "SELECT name FROM public.dst WHERE id = 1"));

        exec(postgres, "run_legacy", "DELETE FROM public.src WHERE id = 2"); // while stopped
        assertEquals(0, TandemCli.commandLine().execute("run", "--config", config.toString(), "--duration", "10s"));
        assertEquals("100", single(postgres, "run_new", "SELECT count(*) FROM public.dst"));
    }

    @Test
    void anInvalidConfigExitsTwo(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("bad.yaml");
        Files.writeString(config, "migration: x\nsource:\n  url: nonsense\n");
        assertEquals(2, TandemCli.commandLine().execute("run", "--config", config.toString()));
    }
}
