package dev.tandem.deploy.verify;

import dev.tandem.deploy.run.ConfigLoader;
import dev.tandem.deploy.run.MigrationConfig;
import dev.tandem.reconcile.Reconciler;
import dev.tandem.reconcile.ReconcileSettings;
import dev.tandem.sync.fence.SourceFence;
import dev.tandem.sync.fence.SyncFence;
import dev.tandem.sync.mapping.MappingParser;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The options {@code tandem verify}, {@code diff} and {@code repair} share, and the reconciler they build. */
public final class ReconcileOptions {

    @Option(names = "--config", required = true, description = "The migration config (YAML, as for `tandem run`).")
    Path config;

    @Option(names = "--json", description = "Print the result as one JSON object on stdout.")
    boolean json;

    @Option(names = "--no-fence", description = {"Compare as is, without awaiting the sync before rechecks: only when the sync "
            + "is stopped and drained.", "Default: each recheck awaits a fence through the running sync."})
    boolean noFence;

    @Option(names = "--parallelism", description = "Chunks compared at once (default: reconcile.parallelism of the config, else 2).")
    Integer parallelism;

    /** The migration's config and a reconciler over its mapping. */
    record Opened(MigrationConfig migration, ReconcileSettings settings, SyncFence fence, Reconciler reconciler) {
    }

    /** Loads the config and mapping and compiles them against both databases. */
    Opened open() throws java.sql.SQLException {
        MigrationConfig migration = ConfigLoader.load(config);
        ReconcileSettings settings = ReconcileConfig.load(config).settings();
        if (parallelism != null) {
            settings = settings.withParallelism(parallelism);
        }
        SyncFence fence = noFence ? SyncFence.NONE : new SourceFence(migration.migration(), migration.source(), migration.target());
        Reconciler reconciler = Reconciler.forMapping(migration.migration(), migration.source(), migration.target(),
                MappingParser.parse(migration.mapping()), settings, fence);
        return new Opened(migration, settings, fence, reconciler);
    }
}
