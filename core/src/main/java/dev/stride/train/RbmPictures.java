package dev.stride.train;

import dev.stride.nn.Rbm;
import dev.stride.random.Generator;
import dev.stride.tensor.Tensor;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/** What an RBM learned, as pictures: its first filters and digits it dreams up by Gibbs sampling from noise. */
public final class RbmPictures {
    private RbmPictures() {}

    /**
     * A grid of the first {@code count} hidden units' weights, each as a {@code side × side} image scaled to its own
     * range (white = most positive), one pixel of gap between tiles.
     */
    public static void filters(Rbm rbm, int side, int count, Path png) throws IOException {
        int v = rbm.visible();
        if (side * side != v) throw new IllegalArgumentException("filters: " + v + " visible units are not a " + side + "x" + side + " image");
        int n = Math.min(count, rbm.hidden());
        float[] w = rbm.weight().toFloatArray();
        float[][] tiles = new float[n][v];
        for (int j = 0; j < n; j++) {
            float lo = Float.POSITIVE_INFINITY;
            float hi = Float.NEGATIVE_INFINITY;
            for (int i = 0; i < v; i++) {
                lo = Math.min(lo, w[i * rbm.hidden() + j]);
                hi = Math.max(hi, w[i * rbm.hidden() + j]);
            }
            for (int i = 0; i < v; i++) tiles[j][i] = hi > lo ? (w[i * rbm.hidden() + j] - lo) / (hi - lo) : 0.5f;
        }
        write(tiles, side, png);
    }

    /**
     * {@code count} samples: chains started from uniform noise, run {@code steps} Gibbs steps, shown as the mean-field
     * visible probabilities of the last step.
     */
    public static void samples(Rbm rbm, int side, int count, int steps, Generator gen, Path png) throws IOException {
        Tensor noise = Rbm.bernoulli(Tensor.full(rbm.weight().backend(), 0.5f, count, rbm.visible()), gen);
        Tensor v = rbm.gibbs(noise, steps, gen);
        float[] p = rbm.visibleProbs(rbm.sampleHidden(v, gen)).toFloatArray();
        float[][] tiles = new float[count][rbm.visible()];
        for (int s = 0; s < count; s++) System.arraycopy(p, s * rbm.visible(), tiles[s], 0, rbm.visible());
        write(tiles, side, png);
    }

    private static void write(float[][] tiles, int side, Path png) throws IOException {
        int cols = (int) Math.ceil(Math.sqrt(tiles.length));
        int rows = (tiles.length + cols - 1) / cols;
        int scale = 2;
        BufferedImage img = new BufferedImage(cols * (side + 1) * scale, rows * (side + 1) * scale, BufferedImage.TYPE_BYTE_GRAY);
        for (int t = 0; t < tiles.length; t++) {
            int x0 = (t % cols) * (side + 1) * scale;
            int y0 = (t / cols) * (side + 1) * scale;
            for (int i = 0; i < side * side; i++) {
                int grey = Math.round(Math.max(0, Math.min(1, tiles[t][i])) * 255);
                for (int dy = 0; dy < scale; dy++) {
                    for (int dx = 0; dx < scale; dx++) {
                        img.getRaster().setSample(x0 + (i % side) * scale + dx, y0 + (i / side) * scale + dy, 0, grey);
                    }
                }
            }
        }
        dev.stride.io.AtomicFile.write(png, out -> {
            if (!ImageIO.write(img, "png", out)) throw new IOException(png + ": no PNG writer in this JDK");
        });
    }
}
