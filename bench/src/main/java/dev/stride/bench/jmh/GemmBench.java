package dev.stride.bench.jmh;

import dev.stride.backend.Backend;
import dev.stride.backend.Backends;
import dev.stride.backend.Distribution;
import dev.stride.backend.Gemm;
import dev.stride.backend.Storage;
import dev.stride.tensor.DType;
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
 * Square SGEMM C = A·B on a backend. The {@code flop} counter is reported as a rate: divide by 1e9 for GFLOP/s.
 * Run: {@code java -cp bench/target/stride.jar org.openjdk.jmh.Main GemmBench}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class GemmBench {
    @Param({"256", "512", "1024"})
    public int n;

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
        Storage a = be.allocate(DType.F32, (long) n * n);
        Storage b = be.allocate(DType.F32, (long) n * n);
        Storage c = be.allocate(DType.F32, (long) n * n);
        be.random(Distribution.UNIFORM, 1, 0, -1, 1, a, (long) n * n);
        be.random(Distribution.UNIFORM, 2, 0, -1, 1, b, (long) n * n);
        gemm = new Gemm(1, n, n, n, 1f, a, 0, n, 0, false, b, 0, n, 0, false, 0f, c, 0, n, 0);
    }

    @Benchmark
    public void sgemm(Flops counter) {
        be.gemm(gemm);
        be.synchronize();
        counter.flop += gemm.flops();
    }
}
