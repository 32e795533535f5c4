package dev.stride.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.stride.data.Augmentation;
import dev.stride.data.DataLoader;
import dev.stride.data.Dataset;
import dev.stride.data.Preprocessing;
import dev.stride.random.Philox;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Preprocessing fitted on training data, augmentation and prefetching. */
class PreprocessingTest {
    static final CpuBackend CPU = new CpuBackend();

    /** Correlated 5-D Gaussian data with very different scales per direction. */
    private static Dataset correlated(int n, long seed) {
        float[] x = new float[n * 5];
        int[] w = new int[4];
        for (int i = 0; i < n; i++) {
            float[] z = new float[6];
            for (int k = 0; k < 3; k++) {
                Philox.words(seed, 0, (long) i * 3 + k, w);
                z[2 * k] = Philox.normal(w[0], w[1]);
                z[2 * k + 1] = Philox.normal(w[2], w[3]);
            }
            x[i * 5] = 3 + 10 * z[0];
            x[i * 5 + 1] = 5 * z[0] + 0.5f * z[1];
            x[i * 5 + 2] = -2 + z[2] + z[3];
            x[i * 5 + 3] = 0.1f * z[4];
            x[i * 5 + 4] = z[1] - z[5];
        }
        return new Dataset(x, new int[n], new int[] {5}, 1);
    }

    private static double[][] covariance(Dataset d) {
        int k = d.sampleSize();
        double[] mean = new double[k];
        for (int i = 0; i < d.size(); i++) for (int j = 0; j < k; j++) mean[j] += d.features()[i * k + j] / (double) d.size();
        double[][] c = new double[k][k];
        for (int i = 0; i < d.size(); i++) {
            for (int a = 0; a < k; a++) {
                for (int b = 0; b < k; b++) {
                    c[a][b] += (d.features()[i * k + a] - mean[a]) * (d.features()[i * k + b] - mean[b]) / d.size();
                }
            }
        }
        return c;
    }

    @Test
    void pcaWhiteningGivesIdentityCovarianceAndAppliesUnchangedToTest() {
        Dataset train = correlated(4000, 1);
        Dataset test = correlated(500, 2);
        Preprocessing.Transform whiten = Preprocessing.pca(train, 5, true, 1e-8, CPU);
        double[][] c = covariance(whiten.apply(train));
        for (int a = 0; a < 5; a++) {
            for (int b = 0; b < 5; b++) assertEquals(a == b ? 1 : 0, c[a][b], 2e-3, "cov[" + a + "][" + b + "]");
        }
        Dataset t1 = whiten.apply(test);
        Dataset t2 = whiten.apply(test);
        assertArrayEquals(t1.features(), t2.features());
        // The same transform on the first 500 training samples equals the first 500 rows of the whitened training set.
        assertArrayEquals(Arrays.copyOf(whiten.apply(train).features(), 2500), whiten.apply(train.range(0, 500)).features());
        // The test set is not white under the training transform's statistics alone: its mean is not exactly zero.
        double mean0 = 0;
        for (int i = 0; i < t1.size(); i++) mean0 += t1.features()[i * 5];
        assertFalse(Math.abs(mean0 / t1.size()) < 1e-9);
    }

    @Test
    void pcaKeepsTheLargestVarianceDirections() {
        Dataset train = correlated(4000, 3);
        Dataset two = Preprocessing.pca(train, 2, false, 0, CPU).apply(train);
        assertArrayEquals(new int[] {2}, two.sampleShape());
        double[][] c = covariance(two);
        // Total variance is 100 + 25.25 + 2 + 0.01 + 2; the first component carries about 125.
        assertEquals(125.2, c[0][0], 5);
        assertEquals(0, c[0][1], 0.1);
        assertThrows(IllegalArgumentException.class, () -> Preprocessing.pca(train, 6, true, 0, CPU));
    }

    @Test
    void meansAndStandardization() {
        Dataset img = new Dataset(new float[] {1, 2, 3, 4, 5, 6, 7, 8, 3, 4, 5, 6, 7, 8, 9, 10}, new int[2], new int[] {2, 2, 2}, 1);
        Dataset centred = Preprocessing.meanImage(img).apply(img);
        assertArrayEquals(new float[] {-1, -1, -1, -1, -1, -1, -1, -1, 1, 1, 1, 1, 1, 1, 1, 1}, centred.features());
        Dataset perChannel = Preprocessing.perChannelMean(img).apply(img);
        // Channel 0 mean is (1+2+3+4+3+4+5+6)/8 = 3.5; channel 1 mean is 7.5.
        assertEquals(1 - 3.5f, perChannel.features()[0]);
        assertEquals(5 - 7.5f, perChannel.features()[4]);
        Dataset std = Preprocessing.standardize(img).apply(img);
        assertEquals(-1f, std.features()[0], 1e-6);
        assertEquals(1f, std.features()[8], 1e-6);
    }

    private static Dataset images(int n) {
        float[] x = new float[n * 2 * 4 * 5];
        for (int i = 0; i < x.length; i++) x[i] = i % 17;
        return new Dataset(x, new int[n], new int[] {2, 4, 5}, 1);
    }

    private static List<float[]> epoch(DataLoader l, int e) {
        List<float[]> out = new ArrayList<>();
        l.epoch(e).forEach(b -> out.add(b.inputs().toFloatArray()));
        return out;
    }

    @Test
    void augmentationIsSeededAndPrefetchChangesNothing() {
        Augmentation aug = new Augmentation(5, 1, true, 0.2f, 0.3f, 0.05f);
        DataLoader a = new DataLoader(images(10), 4, true, 7, false, CPU).augment(aug);
        DataLoader b = new DataLoader(images(10), 4, true, 7, false, CPU).augment(aug).prefetch(true);
        List<float[]> ea = epoch(a, 0);
        List<float[]> eb = epoch(b, 0);
        for (int i = 0; i < ea.size(); i++) assertArrayEquals(ea.get(i), eb.get(i));
        assertFalse(Arrays.equals(ea.get(0), epoch(new DataLoader(images(10), 4, true, 7, false, CPU), 0).get(0)));
        assertFalse(Arrays.equals(ea.get(0), epoch(a, 1).get(0)), "each epoch draws new augmentations");
    }

    @Test
    void flipAndCropMoveContent() {
        Dataset one = new Dataset(new float[] {1, 2, 3, 4, 5, 6}, new int[1], new int[] {1, 2, 3}, 1);
        // A seed whose draw for sample 0 sets the flip bit and shifts the crop, so both code paths change the image.
        int[] w = new int[4];
        long seed = 0;
        do {
            Philox.words(++seed, 0, 0, w);
        } while (w[2] >= 0 || Long.remainderUnsigned(w[0] & 0xFFFFFFFFL, 3) == 1 || Long.remainderUnsigned(w[1] & 0xFFFFFFFFL, 3) == 1);
        Augmentation flipOnly = new Augmentation(seed, 0, true, 0, 0, 0);
        float[] out = epoch(new DataLoader(one, 1, false, 0, false, CPU).augment(flipOnly), 0).get(0);
        assertArrayEquals(new float[] {3, 2, 1, 6, 5, 4}, out);
        Augmentation cropOnly = new Augmentation(seed, 1, false, 0, 0, 0);
        float[] shifted = epoch(new DataLoader(one, 1, false, 0, false, CPU).augment(cropOnly), 0).get(0);
        int dy = (int) Long.remainderUnsigned(w[0] & 0xFFFFFFFFL, 3) - 1;
        int dx = (int) Long.remainderUnsigned(w[1] & 0xFFFFFFFFL, 3) - 1;
        for (int y = 0; y < 2; y++) {
            for (int x = 0; x < 3; x++) {
                int sy = y + dy;
                int sx = x + dx;
                float e = sy >= 0 && sy < 2 && sx >= 0 && sx < 3 ? sy * 3 + sx + 1 : 0;
                assertEquals(e, shifted[y * 3 + x], "pixel " + y + "," + x);
            }
        }
        assertThrows(IllegalArgumentException.class, () -> new Augmentation(1, -1, false, 0, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new DataLoader(new Dataset(new float[4], new int[2], new int[] {2}, 1), 1, false, 0, false, CPU).augment(flipOnly));
    }
}
