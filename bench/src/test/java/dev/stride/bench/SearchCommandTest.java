package dev.stride.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code stride search} with 8 random trials over learning rate and weight decay prints and saves the table. */
class SearchCommandTest {
    @TempDir
    Path dir;

    @Test
    void eightRandomTrialsPrintAndSaveTheTable() throws Exception {
        Path csv = dir.resolve("search.csv");
        Cli r = Cli.run("search", "--trials", "8", "--data", Path.of("..", "data", "mnist").toString(), "--csv", csv.toString());
        assertEquals(0, r.code(), r.err());
        List<String> table = r.out().lines().filter(l -> l.matches("\\s*\\d+\\s+\\d+\\s+coarse.*")).toList();
        assertEquals(8, table.size(), r.out());
        assertTrue(table.get(0).trim().startsWith("1 "), r.out());
        List<String> lines = Files.readAllLines(csv);
        assertEquals(9, lines.size());
        assertEquals("rank,trial,stage,lr,weight_decay,val_loss,val_accuracy,status", lines.get(0));
        double best = Double.parseDouble(lines.get(1).split(",")[6]);
        double second = Double.parseDouble(lines.get(2).split(",")[6]);
        assertTrue(best >= second || Double.isNaN(second), lines.toString());
    }

    @Test
    void badOptionsAreNamedBeforeAnyTrial() {
        String data = Path.of("..", "data", "mnist").toString();
        Cli range = Cli.run("search", "--data", data, "--lr-range", "abc:1");
        assertEquals(1, range.code());
        assertTrue(range.err().contains("--lr-range: expected LO:HI with two numbers, got abc:1"), range.err());
        Cli epochs = Cli.run("search", "--data", data, "--epochs", "0");
        assertEquals(1, epochs.code());
        assertTrue(epochs.err().contains("--epochs must be positive, got 0") && !epochs.err().contains("Exception"), epochs.err());
    }
}
