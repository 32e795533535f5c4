package dev.stride.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The command line builds only the subcommand a run names, and still lists them all in help. */
class StrideCommandTest {
    private static final List<String> ALL = List.of("train", "rbm", "diagnose", "sanity", "search", "lr-find", "bench",
            "kernels", "parity", "help");

    @Test
    void aRunBuildsOnlyTheCommandItNames() {
        assertEquals(List.of("train"), List.copyOf(StrideCommand.commandLine("train", "--epochs", "1").getSubcommands().keySet()));
        assertEquals(ALL, List.copyOf(StrideCommand.commandLine("--help").getSubcommands().keySet()));
        assertEquals(ALL, List.copyOf(StrideCommand.commandLine().getSubcommands().keySet()));
        // help names another command, so it needs them all.
        assertEquals(ALL, List.copyOf(StrideCommand.commandLine("help", "train").getSubcommands().keySet()));
    }

    @Test
    void helpListsEveryCommandAndHelpForOneWorks() {
        Cli top = Cli.run("--help");
        assertEquals(0, top.code(), top.err());
        for (String name : ALL) assertTrue(top.out().contains("  " + name + " "), name + " missing from:\n" + top.out());
        Cli one = Cli.run("help", "lr-find");
        assertEquals(0, one.code(), one.err());
        assertTrue(one.out().startsWith("Usage: stride lr-find"), one.out());
        Cli none = Cli.run();
        assertEquals(2, none.code());
        assertTrue(none.err().contains("missing command: choose one of [train, rbm,"), none.err());
    }
}
