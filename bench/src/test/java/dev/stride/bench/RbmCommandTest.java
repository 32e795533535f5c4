package dev.stride.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code stride rbm} and {@code stride train --model dbn} end to end on a slice of the shipped digits. */
class RbmCommandTest {
    private static final String DATA = Path.of("..", "data", "mnist").toString();

    @TempDir
    Path dir;

    static void isPng(Path p) throws Exception {
        byte[] b = Files.readAllBytes(p);
        assertTrue(b.length > 500, p + " has " + b.length + " bytes");
        assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, Arrays.copyOf(b, 4), p + " is not a PNG");
    }

    @Test
    void rbmTrainsReportsItsMonitorsAndDrawsWhatItLearned() throws Exception {
        Cli r = Cli.run("rbm", "--data", DATA, "--limit", "1000", "--epochs", "3", "--hidden", "64", "--gibbs-steps", "20",
                "--out", dir.toString());
        assertEquals(0, r.code(), r.err());
        String[] lines = r.out().strip().split("\n");
        assertEquals(3, lines.length, r.out());
        double first = Double.parseDouble(lines[0].replaceAll(".*reconstruction error ([0-9.]+).*", "$1"));
        double last = Double.parseDouble(lines[2].replaceAll(".*reconstruction error ([0-9.]+).*", "$1"));
        assertTrue(last < first, "reconstruction error went from " + first + " to " + last);
        assertTrue(lines[2].contains("PCD-1") && lines[2].contains("pseudo-likelihood -"), lines[2]);
        isPng(dir.resolve("filters.png"));
        isPng(dir.resolve("samples.png"));
        assertTrue(Files.size(dir.resolve("rbm.safetensors")) > 784 * 64 * 4);
    }

    @Test
    void aDbnPretrainsEachLayerThenFineTunes() throws Exception {
        Cli r = Cli.run("train", "--json", "--data", DATA, "--limit", "1000", "--model", "dbn", "--epochs", "1",
                "--pretrain-epochs", "1", "--curves", dir.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("pretrain rbm 1 (784-256) epoch 1/1") && r.err().contains("pretrain rbm 2 (256-256) epoch 1/1"), r.err());
        assertEquals("dbn sigmoid 784-256-256-10", r.json().get("model").getAsString());
        isPng(dir.resolve("filters.png"));
        Cli refused = Cli.run("train", "--data", DATA, "--model", "dbn", "--preprocess", "global", "--epochs", "1");
        assertEquals(1, refused.code());
        assertTrue(refused.err().contains("--model dbn takes pixel intensities as probabilities: use --preprocess none"), refused.err());
    }

    @Test
    void layerStatsGoToTheLogAndTheCurves() throws Exception {
        Cli r = Cli.run("train", "--json", "--data", DATA, "--limit", "600", "--model", "mlp-bn", "--hidden-layers", "3",
                "--epochs", "1", "--layer-stats", "--curves", dir.toString());
        assertEquals(0, r.code(), r.err());
        assertEquals("mlp-bn 784-256-256-256-10", r.json().get("model").getAsString());
        assertTrue(r.err().contains("layers (gradient norm, update/weight):  1 "), r.err());
        String header = Files.readAllLines(dir.resolve("curves.csv")).get(0);
        // Three Linear+BatchNorm pairs and the head: seven layers with parameters; three ReLUs counted for dead units.
        assertEquals(6 + 2 * 7 + 3, header.split(",").length, header);
        assertTrue(header.contains(",grad_norm.1,update_ratio.1,grad_norm.2,") && header.endsWith(",dead_relu.3,dead_relu.6,dead_relu.9"), header);
    }
}
