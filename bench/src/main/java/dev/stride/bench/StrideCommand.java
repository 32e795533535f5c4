package dev.stride.bench;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code stride} command line. */
@Command(name = "stride", mixinStandardHelpOptions = true, version = "stride 0.1.0",
        description = "Stride: deep-learning training on the JVM.",
        subcommands = {TrainCommand.class, RbmCommand.class, DiagnoseCommand.class, SanityCommand.class, SearchCommand.class, LrFindCommand.class, BenchCommand.class,
            KernelsCommand.class, ParityCommand.class, CommandLine.HelpCommand.class})
public final class StrideCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command: choose one of " + spec.subcommands().keySet());
    }

    /** The command line with Stride's error handling: bad input prints one line naming the problem, exit 1. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new StrideCommand());
        cl.setParameterExceptionHandler((ex, args) -> {
            CommandLine cmd = ex.getCommandLine();
            cmd.getErr().println(ex.getMessage());
            CommandLine.UnmatchedArgumentException.printSuggestions(ex, cmd.getErr());
            cmd.usage(cmd.getErr());
            return 2;
        });
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            boolean expected = ex instanceof java.io.IOException || ex instanceof IllegalArgumentException
                    || ex instanceof IllegalStateException;
            if (!expected) throw ex;
            cmd.getErr().println("stride " + cmd.getCommandName() + ": " + ex.getMessage());
            return 1;
        });
        return cl;
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }
}
