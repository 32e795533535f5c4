package dev.stride.bench;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code stride} command line. */
@Command(name = "stride", mixinStandardHelpOptions = true, version = "stride 0.1.0",
        description = "Stride: deep-learning training on the JVM.",
        subcommands = {TrainCommand.class, CommandLine.HelpCommand.class})
public final class StrideCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command: choose one of " + spec.subcommands().keySet());
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new StrideCommand()).execute(args));
    }
}
