package dev.stride.cuda;

import dev.stride.backend.Storage;
import dev.stride.backend.Update;
import dev.stride.backend.View;
import dev.stride.kernels.emu.Emulator;
import dev.stride.tensor.DType;
import java.util.ArrayList;
import java.util.List;

/**
 * The memory traffic of the custom kernels (batch norm, dropout, fused optimizer steps) at the sizes of real layers,
 * counted by the PTX emulator: bytes read and written against the least the algorithm must move, and the share of
 * each fetched 32-byte sector that the kernel used. What a GPU's bandwidth will make of them, measured without one.
 */
public final class KernelReport {
    /** One kernel run: its traffic, the algorithm's minimum (and which passes it counts), and the sector use. */
    public record Row(String kernel, String size, long bytesRead, long bytesWritten, long minimumBytes, String passes,
                      long sectors) {
        /** Bytes moved over the algorithm's minimum: 1 when nothing is wasted. */
        public double ratio() {
            return (double) (bytesRead + bytesWritten) / minimumBytes;
        }

        /** Bytes used over bytes of the sectors fetched. */
        public double sectorEfficiency() {
            return sectors == 0 ? 1 : (double) (bytesRead + bytesWritten) / (32.0 * sectors);
        }
    }

    private KernelReport() {}

    /**
     * Runs every kernel once at the sizes of real layers: BN on [128, 16, 28, 28] and [128, 256], dropout on
     * 128×256 and 10M elements, Adam and SGD with momentum over the MLP's and the CNN's parameter lists. With
     * {@code scale} below 1 the batch dimensions shrink (for a quick run).
     */
    public static List<Row> run(double scale) {
        EmulatedGpu gpu = new EmulatedGpu(2048L << 20, true);
        CudaBackend be = new CudaBackend(gpu);
        int batch = Math.max(2, (int) Math.round(128 * scale));
        List<Row> rows = new ArrayList<>();
        batchNorm(be, gpu, rows, batch, 16, 28 * 28);
        batchNorm(be, gpu, rows, batch, 256, 1);
        dropout(be, gpu, rows, batch * 256);
        dropout(be, gpu, rows, (int) Math.round(10_000_000 * scale));
        long[] mlp = {256 * 784, 256, 256 * 256, 256, 10 * 256, 10};
        long[] cnn = {16 * 9, 16, 16, 32 * 16 * 9, 32, 32, 10 * 32 * 49, 10};
        Update adam = new Update.Adam(1e-3f, 0.9f, 0.999f, 1e-8f, 0f, false, false, 0.1, 0.001);
        Update momentum = new Update.Sgd(0.1f, 0.9f, 0f, false, 0f, false);
        optimizer(be, gpu, rows, "Adam", adam, "mlp", mlp, 7);
        optimizer(be, gpu, rows, "Adam", adam, "cnn", cnn, 7);
        optimizer(be, gpu, rows, "SGD momentum", momentum, "mlp", mlp, 5);
        return rows;
    }

    private static Storage random(CudaBackend be, long n) {
        Storage s = be.allocate(DType.F32, n);
        be.random(dev.stride.backend.Distribution.UNIFORM, 1, n, -1, 1, s, n);
        return s;
    }

    private static void batchNorm(CudaBackend be, EmulatedGpu gpu, List<Row> rows, int n, int c, int s) {
        long m = (long) n * c * s;
        Storage x = random(be, m);
        Storage dy = random(be, m);
        Storage[] perChannel = new Storage[8];
        for (int i = 0; i < perChannel.length; i++) perChannel[i] = be.allocate(DType.F32, c);
        be.fill(perChannel[0], 0, c, 1f);
        be.fill(perChannel[3], 0, c, 1f);
        Storage out = be.allocate(DType.F32, m);
        Storage dx = be.allocate(DType.F32, m);
        String size = "[" + n + ", " + c + (s > 1 ? ", " + (int) Math.sqrt(s) + ", " + (int) Math.sqrt(s) : "") + "]";
        View xv = View.contiguous(x, n, c, s);
        Emulator.Counters before = gpu.launched();
        be.batchNorm(xv, perChannel[0], perChannel[1], perChannel[2], perChannel[3], true, 0.1f, 1e-5f, out, perChannel[4], perChannel[5]);
        rows.add(row(gpu, before, "batchnorm_forward", size, 12 * m + 32L * c,
                "x twice (statistics, normalize), out once; per channel 4 floats in, 4 out"));
        before = gpu.launched();
        be.batchNormBackward(xv, dy, perChannel[0], perChannel[4], perChannel[5], true, dx, perChannel[6], perChannel[7]);
        rows.add(row(gpu, before, "batchnorm_backward", size, 20 * m + 20L * c,
                "x and dy twice (sums, dx), dx once; per channel 3 floats in, 2 out"));
        for (Storage t : List.of(x, dy, out, dx)) t.release();
        for (Storage t : perChannel) t.release();
    }

    private static void dropout(CudaBackend be, EmulatedGpu gpu, List<Row> rows, int n) {
        Storage x = random(be, n);
        Storage out = be.allocate(DType.F32, n);
        Emulator.Counters before = gpu.launched();
        be.dropout(View.contiguous(x, n), 0.25f, 7, 0, out);
        rows.add(row(gpu, before, "dropout", String.valueOf(n), 8L * n, "x once, out once (mask regenerated)"));
        x.release();
        out.release();
    }

    private static void optimizer(CudaBackend be, EmulatedGpu gpu, List<Row> rows, String name, Update rule, String model,
                                  long[] sizes, int words) {
        List<Storage> params = new ArrayList<>();
        List<Storage> grads = new ArrayList<>();
        List<Storage[]> state = new ArrayList<>();
        long total = 0;
        for (long n : sizes) {
            params.add(random(be, n));
            grads.add(random(be, n));
            Storage[] s = new Storage[rule.slots()];
            for (int k = 0; k < s.length; k++) s[k] = be.allocate(DType.F32, n);
            state.add(s);
            total += n;
        }
        Emulator.Counters before = gpu.launched();
        be.optimizerStep(rule, params, grads, state);
        rows.add(row(gpu, before, "optim_step " + name, model + " (" + sizes.length + " tensors, " + total + ")", 4L * words * total,
                words + " words an element (parameter, gradient, state in; parameter, state out)"));
    }

    /** What the launches since {@code before} moved. */
    private static Row row(EmulatedGpu gpu, Emulator.Counters before, String kernel, String size, long minimum, String passes) {
        Emulator.Counters c = gpu.launched().minus(before);
        return new Row(kernel, size, c.bytesRead(), c.bytesWritten(), minimum, passes, c.sectors());
    }
}
