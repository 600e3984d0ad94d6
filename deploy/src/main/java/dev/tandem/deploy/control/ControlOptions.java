package dev.tandem.deploy.control;

import dev.tandem.capture.PgDatabase;
import picocli.CommandLine.Option;

/** Options shared by commands that act on a migration's control schema in the new database. */
public final class ControlOptions {

    @Option(names = "--migration", required = true, description = "The migration's name.")
    String migration;

    @Option(names = "--target", required = true,
            description = "New database: jdbc:postgresql://HOST:PORT/DB?user=NAME (password in TANDEM_TARGET_PASSWORD).")
    String targetUrl;

    PgDatabase target() {
        return PgDatabase.fromUrl(targetUrl, System.getenv("TANDEM_TARGET_PASSWORD"));
    }
}
