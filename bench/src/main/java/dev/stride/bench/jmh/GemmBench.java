package dev.stride.bench.jmh;

import dev.stride.backend.Backend;
import dev.stride.backend.Backends;
import dev.stride.backend.Gemm;
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
 * SGEMM on a backend: square {@code n} (n×n·n×n), or {@code MxNxK:ab} (a, b each {@code n} or {@code t} for transposed) for the MLP's layers at batch 128
 * (forward {@code x·Wᵀ}, then the data and weight gradients). The {@code flop} counter is a rate: divide by 1e9
 * for GFLOP/s. Run: {@code java -cp bench/target/stride.jar org.openjdk.jmh.Main GemmBench}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {Jvm.VECTOR, Jvm.NO_PROFILED_PREDICATES})
public class GemmBench {
    @Param({"64", "128", "256", "512", "1024", "2048",
            "128x256x784:nt", "128x784x256:nn", "256x784x128:tn", "128x256x256:nt", "128x10x256:nt"})
    public String shape;

    @Param({"cpu"})
    public String backend;

    private Backend be;
    private Gemm gemm;

    /** Floating-point operations done, reported by JMH per second. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Flops {
        public long flop;

        @Setup(Level.Iteration)
        public void reset() {
            flop = 0;
        }
    }

    @Setup
    public void setup() {
        be = Backends.get(backend);
        gemm = GemmShape.random(be, shape);
    }

    @Benchmark
    public void sgemm(Flops counter) {
        be.gemm(gemm);
        be.synchronize();
        counter.flop += gemm.flops();
    }
}
