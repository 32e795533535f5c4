package dev.stride.backend;

/**
 * The geometry of a sliding 2-D window over {@code [N, C, H, W]}: kernel, stride, zero padding and dilation,
 * as in {@code torch.nn.Conv2d}/{@code MaxPool2d}. Output size per axis: {@code (in + 2·pad - dil·(k-1) - 1)/stride + 1}.
 */
public record Window(int n, int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw) {
    public int outH() {
        return (h + 2 * ph - dh * (kh - 1) - 1) / sh + 1;
    }

    public int outW() {
        return (w + 2 * pw - dw * (kw - 1) - 1) / sw + 1;
    }

    /** Elements of one unfolded column block: {@code C·kh·kw}. */
    public int patch() {
        return c * kh * kw;
    }

    /** Output positions per image: {@code outH·outW}. */
    public int positions() {
        return outH() * outW();
    }

    public int paddedH() {
        return h + 2 * ph;
    }

    public int paddedW() {
        return w + 2 * pw;
    }

    /** The same window over {@code images} images. */
    public Window withBatch(int images) {
        return new Window(images, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw);
    }

    /** The same window over {@code c} channels. */
    public Window withChannels(int channels) {
        return new Window(n, channels, h, w, kh, kw, sh, sw, ph, pw, dh, dw);
    }
}
