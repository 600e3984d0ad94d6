package dev.tandem.deploy;

import dev.tandem.deploy.check.CheckCommand;
import dev.tandem.deploy.control.PauseCommand;
import dev.tandem.deploy.control.ResumeCommand;
import dev.tandem.deploy.control.SkipCommand;
import dev.tandem.deploy.control.StatusCommand;
import dev.tandem.deploy.bench.BenchCommand;
import dev.tandem.deploy.control.EndCommand;
import dev.tandem.deploy.control.SwitchCommand;
import dev.tandem.deploy.demo.DemoCommand;
import dev.tandem.deploy.run.RunCommand;
import dev.tandem.deploy.verify.DiffCommand;
import dev.tandem.deploy.verify.RepairCommand;
import dev.tandem.deploy.verify.VerifyCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code tandem} command line: parses arguments and hands over to one subcommand. */
@Command(name = "tandem", mixinStandardHelpOptions = true, versionProvider = TandemVersion.class,
        description = "Zero-downtime PostgreSQL schema migrations with a way back.",
        subcommands = {RunCommand.class, DemoCommand.class, CheckCommand.class, StatusCommand.class, PauseCommand.class, ResumeCommand.class,
                SkipCommand.class, VerifyCommand.class, DiffCommand.class, RepairCommand.class, SwitchCommand.Cutover.class,
                SwitchCommand.Rollback.class, EndCommand.Complete.class, EndCommand.Cancel.class, BenchCommand.class,
                CommandLine.HelpCommand.class})
public final class TandemCli implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured command line; tests run it in-process. */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new TandemCli());
        cli.registerConverter(java.time.Duration.class, new DurationConverter());
        return cli;
    }
}
