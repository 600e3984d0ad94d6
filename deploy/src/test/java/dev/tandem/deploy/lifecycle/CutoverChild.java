package dev.tandem.deploy.lifecycle;

import dev.tandem.deploy.lifecycle.switchover.Gates;
import dev.tandem.deploy.lifecycle.switchover.SwitchReport;
import dev.tandem.deploy.lifecycle.switchover.SwitchSettings;
import dev.tandem.deploy.lifecycle.switchover.Switchover;
import dev.tandem.capture.PgDatabase;
import dev.tandem.sync.mapping.CompiledTable;
import dev.tandem.sync.mapping.MappingCompiler;
import dev.tandem.sync.mapping.MappingParser;
import dev.tandem.sync.mapping.MappingSpec;
import dev.tandem.sync.mapping.ReverseMapping;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A separate process that runs one switch of a {@link CutoverFixture} migration, so a fault test can kill
 * it mid-way. Arguments: migration, PostgreSQL port, Kafka bootstrap, mapping file, write-block budget in ms
 * (generous: this process tests recovery, not speed; nor the verifier, so rows are not re-verified here), and
 * optionally the operation, {@code cutover} (the default) or {@code rollback}.
 */
public final class CutoverChild {

    public static void main(String[] args) throws Exception {
        String migration = args[0];
        int port = Integer.parseInt(args[1]);
        PgDatabase legacy = new PgDatabase("127.0.0.1", port, migration + "_legacy", "postgres", "");
        PgDatabase newDb = new PgDatabase("127.0.0.1", port, migration + "_new", "postgres", "");
        MappingSpec mapping = MappingParser.parse(Path.of(args[3]));
        List<CompiledTable> forward;
        List<CompiledTable> reverse;
        try (Connection l = legacy.connect("child"); Connection n = newDb.connect("child")) {
            forward = MappingCompiler.compile(mapping, l, n);
            reverse = MappingCompiler.compile(ReverseMapping.of(mapping), n, l);
        }
        Sides sides = new Sides(migration, legacy, newDb, args[2], forward, reverse);
        SwitchSettings settings = SwitchSettings.DEFAULTS.withBudget(Duration.ofMillis(Long.parseLong(args[4])));
        String operation = args.length > 5 ? args[5] : "cutover";
        Switchover switchover = new Switchover(sides, settings, (table, keys) -> List.of(),
                new Gates(sides, settings, () -> Optional.of(Instant.now())), "child");
        SwitchReport report = switch (operation) {
            case "cutover" -> switchover.cutover(false);
            case "rollback" -> switchover.rollback(false);
            default -> throw new IllegalArgumentException("unknown operation '" + operation
                    + "': pass cutover or rollback as the sixth argument");
        };
        System.out.println(report.message());
        System.exit(report.switched() ? 0 : 1);
    }
}
