package dev.tandem.deploy.control;

import dev.tandem.deploy.lifecycle.Lifecycle;
import dev.tandem.deploy.run.LoadedMigration;
import dev.tandem.deploy.verify.ReconcileConfig;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tandem complete} and {@code tandem cancel}: end a migration and drop what tandem created for it. */
public abstract class EndCommand implements Callable<Integer> {

    @Option(names = "--config", required = true, description = "The migration config (YAML, as for `tandem run`).")
    Path config;

    @Option(names = "--actor", description = "Who ends the migration, for the audit log (default: $USER).")
    String actor;

    abstract String end(Lifecycle lifecycle, String actor) throws Exception;

    @Override
    public Integer call() throws Exception {
        Optional<LoadedMigration> loaded = LoadedMigration.load(config, System.err);
        if (loaded.isEmpty()) {
            return LoadedMigration.INVALID;
        }
        try {
            Lifecycle lifecycle = new Lifecycle(loaded.get().config(), loaded.get().mapping(), ReconcileConfig.load(config));
            System.out.println(end(lifecycle, actor != null ? actor : System.getProperty("user.name", "unknown")));
            return 0;
        } catch (IllegalStateException e) {
            System.err.println(e.getMessage());
            return 1;
        }
    }

    /** {@code tandem complete}. */
    @Command(name = "complete", mixinStandardHelpOptions = true,
            description = {"Ends a migration after its cutover: stops reverse sync and drops the slots and publications",
                    "tandem created on both databases. The new schema stays live."},
            exitCodeListHeading = "%nExit codes:%n",
            exitCodeList = {"0:completed", "1:not cut over, or another operation is in progress", "2:invalid config"})
    public static final class Complete extends EndCommand {
        @Override
        String end(Lifecycle lifecycle, String actor) throws Exception {
            return lifecycle.complete(actor);
        }
    }

    /** {@code tandem cancel}. */
    @Command(name = "cancel", mixinStandardHelpOptions = true,
            description = {"Abandons a migration before its cutover: stops the sync, drops the slots and publications",
                    "and removes the write fences. The legacy schema stays live; the new schema keeps what was copied."},
            exitCodeListHeading = "%nExit codes:%n",
            exitCodeList = {"0:cancelled", "1:already cut over (roll back first), or another operation is in progress",
                    "2:invalid config"})
    public static final class Cancel extends EndCommand {
        @Override
        String end(Lifecycle lifecycle, String actor) throws Exception {
            return lifecycle.cancel(actor);
        }
    }
}
