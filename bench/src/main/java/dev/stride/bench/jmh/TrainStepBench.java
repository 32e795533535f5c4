package dev.stride.bench.jmh;

import dev.stride.train.Models;
import dev.stride.backend.Backend;
import dev.stride.backend.Backends;
import dev.stride.loss.Loss;
import dev.stride.nn.Module;
import dev.stride.optim.Adam;
import dev.stride.random.Generator;
import dev.stride.tensor.Tensor;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One training step (forward, cross-entropy, backward, Adam) of the command line's MLP and CNN at batch 128;
 * multiply the score by 128 for samples per second. Run: {@code java -cp bench/target/stride.jar org.openjdk.jmh.Main TrainStepBench}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {Jvm.VECTOR, Jvm.NO_PROFILED_PREDICATES})
public class TrainStepBench {
    @Param({"mlp", "cnn"})
    public String model;

    @Param({"cpu"})
    public String backend;

    private Module net;
    private Adam opt;
    private Tensor x;
    private Tensor labels;

    @Setup
    public void setup() {
        Backend be = Backends.get(backend);
        Backends.setDefault(be);
        Generator g = new Generator(1);
        net = Models.create(model, 784, 10);
        opt = new Adam(net.parameters(), 1e-3f);
        x = Tensor.rand(be, g, 0, 1, 128, 1, 28, 28);
        int[] y = new int[128];
        for (int i = 0; i < y.length; i++) y[i] = i % 10;
        labels = Tensor.ofInts(be, y, 128);
    }

    @Benchmark
    public void step() {
        opt.zeroGrad();
        Loss.crossEntropy(net.forward(x), labels).backward();
        opt.step();
    }
}
