package dev.stride.bench.jmh;

import dev.stride.backend.Backend;
import dev.stride.backend.Backends;
import dev.stride.loss.Loss;
import dev.stride.nn.Functional;
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
 * Forward+backward of batch norm ({@code [128, 32, 14, 14]}), dropout (10M elements, p 0.25) and softmax
 * cross-entropy ({@code [1024, 1000]}). Run: {@code java -cp bench/target/stride.jar org.openjdk.jmh.Main LayerOpsBench}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {Jvm.VECTOR, Jvm.NO_PROFILED_PREDICATES})
public class LayerOpsBench {
    @Param({"cpu"})
    public String backend;

    private Tensor bnX;
    private Tensor bnDy;
    private Tensor gamma;
    private Tensor beta;
    private Tensor runningMean;
    private Tensor runningVar;
    private Tensor dropX;
    private Tensor dropDy;
    private Tensor logits;
    private Tensor labels;
    private final Generator gen = new Generator(1);

    @Setup
    public void setup() {
        Backend be = Backends.get(backend);
        bnX = Tensor.rand(be, gen, -1, 1, 128, 32, 14, 14).requiresGrad(true);
        bnDy = Tensor.rand(be, gen, -1, 1, 128, 32, 14, 14);
        gamma = Tensor.full(be, 1f, 32).requiresGrad(true);
        beta = Tensor.zeros(be, 32).requiresGrad(true);
        runningMean = Tensor.zeros(be, 32);
        runningVar = Tensor.full(be, 1f, 32);
        dropX = Tensor.rand(be, gen, -1, 1, 10_000_000).requiresGrad(true);
        dropDy = Tensor.rand(be, gen, -1, 1, 10_000_000);
        logits = Tensor.rand(be, gen, -4, 4, 1024, 1000).requiresGrad(true);
        int[] y = new int[1024];
        for (int i = 0; i < y.length; i++) y[i] = (i * 37) % 1000;
        labels = Tensor.ofInts(be, y, 1024);
    }

    @Benchmark
    public void batchNorm() {
        Functional.batchNorm(bnX, gamma, beta, runningMean, runningVar, true, 0.1f, 1e-5f).backward(bnDy);
    }

    @Benchmark
    public void dropout() {
        Functional.dropout(dropX, 0.25f, true, gen).backward(dropDy);
    }

    @Benchmark
    public void softmaxCrossEntropy() {
        Loss.crossEntropy(logits, labels).backward();
    }
}
