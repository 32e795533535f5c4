package dev.stride.bench.jmh;

import dev.stride.backend.Backend;
import dev.stride.backend.Backends;
import dev.stride.nn.Conv2d;
import dev.stride.nn.Init;
import dev.stride.random.Generator;
import dev.stride.tensor.Tensor;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Forward and backward of the CNN's two 3x3 convolutions at batch 128 ({@code conv1}: 1→16 on 28x28,
 * {@code conv2}: 16→32 on 14x14). The {@code images} counter is images per second; {@code flop} counts
 * 3 × the forward multiply-adds × 2 (forward, data gradient, weight gradient).
 * Run: {@code java -cp bench/target/stride.jar org.openjdk.jmh.Main ConvBench}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {Jvm.VECTOR, Jvm.NO_PROFILED_PREDICATES})
public class ConvBench {
    @Param({"conv1", "conv2"})
    public String layer;

    @Param({"cpu"})
    public String backend;

    private Conv2d conv;
    private Tensor input;
    private Tensor gradOut;
    private long flopsPerStep;

    /** Work done, reported by JMH per second. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Work {
        public long images;
        public long flop;

        @Setup(Level.Iteration)
        public void reset() {
            images = 0;
            flop = 0;
        }
    }

    @Setup
    public void setup() {
        Backend be = Backends.get(backend);
        Generator g = new Generator(1);
        boolean first = layer.equals("conv1");
        int cin = first ? 1 : 16;
        int cout = first ? 16 : 32;
        int side = first ? 28 : 14;
        conv = new Conv2d(cin, cout, 3, 1, 1, 1, 1, false, Init.Scheme.PYTORCH_DEFAULT, be, g);
        input = Tensor.rand(be, g, -1, 1, 128, cin, side, side).requiresGrad(true);
        gradOut = Tensor.rand(be, g, -1, 1, 128, cout, side, side);
        flopsPerStep = 3L * 2 * 128 * cout * side * side * cin * 9;
    }

    @Benchmark
    public void forwardBackward(Work w) {
        conv.zeroGrad();
        input.setGrad(null);
        conv.forward(input).backward(gradOut);
        w.images += 128;
        w.flop += flopsPerStep;
    }
}
