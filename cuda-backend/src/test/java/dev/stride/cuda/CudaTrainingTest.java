package dev.stride.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stride.cpu.CpuBackend;
import dev.stride.data.DataLoader;
import dev.stride.data.Dataset;
import dev.stride.loss.Loss;
import dev.stride.nn.Activation;
import dev.stride.nn.BatchNorm;
import dev.stride.nn.Conv2d;
import dev.stride.nn.Dropout;
import dev.stride.nn.Flatten;
import dev.stride.nn.Init;
import dev.stride.nn.Linear;
import dev.stride.nn.MaxPool2d;
import dev.stride.nn.Module;
import dev.stride.nn.Sequential;
import dev.stride.optim.Adam;
import dev.stride.random.Generator;
import dev.stride.testing.SyntheticData;
import dev.stride.tensor.DType;
import dev.stride.train.Trainer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Training on the CUDA backend (emulated) computes what the CPU computes, step by step, and its device memory is
 * flat from step to step.
 */
class CudaTrainingTest {
    static final CpuBackend CPU = new CpuBackend();

    static Dataset images(int n, int side, int classes) {
        return SyntheticData.images(n, side, classes, 3);
    }


    static Module mlp(Generator gen) {
        return new Sequential(new Flatten(),
                new Linear(64, 24, true, Init.Scheme.PYTORCH_DEFAULT, CPU, gen), Activation.relu(),
                new Linear(24, 4, true, Init.Scheme.PYTORCH_DEFAULT, CPU, gen));
    }

    static Module cnn(Generator gen) {
        return new Sequential(
                new Conv2d(1, 4, 3, 1, 1, 1, 1, false, Init.Scheme.PYTORCH_DEFAULT, CPU, gen),
                BatchNorm.batchNorm2d(4, 0.1f, 1e-5f, CPU), Activation.relu(), new MaxPool2d(2),
                new Dropout(0.25f, gen), new Flatten(), new Linear(4 * 4 * 4, 4, true, Init.Scheme.PYTORCH_DEFAULT, CPU, gen));
    }

    /** The loss of every step, on {@code backend}, from the same initial weights and data order. */
    static List<Float> losses(Module net, dev.stride.backend.Backend backend, Dataset data, int epochs) {
        net.to(backend);
        Trainer t = new Trainer(net, new Adam(net.parameters(), 1e-2f), Loss::crossEntropy);
        List<Float> out = new ArrayList<>();
        DataLoader loader = new DataLoader(data, 8, true, 4, false, backend);
        for (int e = 0; e < epochs; e++) t.trainEpoch(loader, (epoch, b, n, loss) -> out.add(loss));
        return out;
    }

    static void sameSteps(List<Float> cpu, List<Float> cuda, float rtol) {
        assertEquals(cpu.size(), cuda.size());
        for (int i = 0; i < cpu.size(); i++) {
            float a = cpu.get(i);
            float b = cuda.get(i);
            assertTrue(Math.abs(a - b) <= rtol * Math.abs(a), "step " + (i + 1) + ": cpu loss " + a + ", cuda loss " + b);
        }
    }

    @Test
    void anMlpTrainsStepForStepAsOnTheCpu() {
        CudaBackend cuda = new CudaBackend(new EmulatedGpu(64L << 20));
        Dataset data = images(32, 8, 4);
        // Sums and GEMMs round differently (float trees, another summation order); after 8 Adam steps the
        // losses agree to 1e-4 relative.
        sameSteps(losses(mlp(new Generator(1)), CPU, data, 2), losses(mlp(new Generator(1)), cuda, data, 2), 1e-4f);
    }

    @Test
    void aCnnWithBatchNormAndDropoutTrainsStepForStepAsOnTheCpu() {
        CudaBackend cuda = new CudaBackend(new EmulatedGpu(64L << 20));
        Dataset data = images(16, 8, 4);
        sameSteps(losses(cnn(new Generator(2)), CPU, data, 2), losses(cnn(new Generator(2)), cuda, data, 2), 1e-4f);
    }

    @Test
    void deviceMemoryIsFlatFromStepToStep() {
        EmulatedGpu gpu = new EmulatedGpu(64L << 20);
        CudaBackend cuda = new CudaBackend(gpu);
        Module net = mlp(new Generator(3));
        net.to(cuda);
        Trainer t = new Trainer(net, new Adam(net.parameters(), 1e-3f), Loss::crossEntropy).monitor(0);
        DataLoader loader = new DataLoader(images(8, 8, 4), 4, true, 1, false, cuda);
        List<Long> inUse = new ArrayList<>();
        while (inUse.size() < 200) {
            t.trainEpoch(loader, (epoch, b, n, loss) -> inUse.add(cuda.memoryStats().inUse()));
        }
        for (int i = 2; i < inUse.size(); i++) assertEquals(inUse.get(1), inUse.get(i), "bytes in use after step " + (i + 1));
        Allocator.Stats s = cuda.memoryStats();
        assertTrue(s.cacheHits() > 0.95 * s.requests(), "the cache serves the repeated sizes: " + s);
        assertTrue(s.peak() >= inUse.get(1), s.toString());
    }

    @Test
    void anAllocationLargerThanTheDeviceNamesTheRequestAndTheAllocatorsNumbers() {
        CudaBackend cuda = new CudaBackend(new EmulatedGpu(8L << 20));
        var kept = cuda.allocate(DType.F32, 1000);
        GpuException.OutOfMemory e = assertThrows(GpuException.OutOfMemory.class, () -> cuda.allocate(DType.F32, 4L << 20));
        assertTrue(e.getMessage().contains("allocating 16777216 bytes") && e.getMessage().contains("in use")
                && e.getMessage().contains("PTX emulator"), e.getMessage());
        kept.close();
    }

    @Test
    void aKernelThatRunsOffItsBufferNamesKernelThreadAndAddress() {
        EmulatedGpu gpu = new EmulatedGpu(8L << 20);
        CudaBackend cuda = new CudaBackend(gpu);
        CudaStorage small = (CudaStorage) cuda.allocate(DType.F32, 4);
        CudaStorage out = (CudaStorage) cuda.allocate(DType.F32, 1024);
        // A walk that claims 1024 elements over a 4-element buffer (its 512-byte block included).
        byte[] walk = Walk.of(new int[] {1024}, new long[] {1}, 0, null, 0);
        Object module = gpu.load("elementwise", dev.stride.kernels.Kernels.ptx("elementwise"));
        GpuException e = assertThrows(GpuException.class,
                () -> gpu.launch(module, "unary", new int[] {4, 1, 1}, new int[] {256, 1, 1}, 0, walk, 0, small.address, out.address));
        assertTrue(e.getMessage().contains("kernel unary") && e.getMessage().contains("thread (")
                && e.getMessage().contains("0x"), e.getMessage());
    }
}
