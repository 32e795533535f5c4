package dev.stride.bench.jmh;

import dev.stride.backend.Backend;
import dev.stride.backend.Backends;
import dev.stride.backend.Distribution;
import dev.stride.backend.Storage;
import dev.stride.backend.Update;
import dev.stride.backend.View;
import dev.stride.tensor.DType;
import java.util.List;
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
 * The fused Adam step over one parameter of {@code n} elements, beside the copy baselines measured in the same
 * run: the backend's parallel copy and a single-threaded {@code System.arraycopy}. The {@code bytes} counter is
 * memory traffic per second: Adam moves 28 bytes per element (reads p, g, m, v; writes p, m, v), a copy 8.
 * Run: {@code java -cp bench/target/stride.jar org.openjdk.jmh.Main OptimizerStepBench}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {Jvm.VECTOR, Jvm.NO_PROFILED_PREDICATES})
public class OptimizerStepBench {
    @Param({"1000000", "10000000"})
    public int n;

    @Param({"cpu"})
    public String backend;

    private Backend be;
    private List<Storage> params;
    private List<Storage> grads;
    private List<Storage[]> state;
    private Storage src;
    private Storage dst;
    private float[] a;
    private float[] b;
    private Update.Adam rule;

    /** Bytes moved, reported by JMH per second. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Traffic {
        public long bytes;

        @Setup(Level.Iteration)
        public void reset() {
            bytes = 0;
        }
    }

    private Storage random(long seed) {
        Storage s = be.allocate(DType.F32, n);
        be.random(Distribution.UNIFORM, seed, 0, 0, 1, s, n);
        return s;
    }

    @Setup
    public void setup() {
        be = Backends.get(backend);
        params = List.of(random(1));
        grads = List.of(random(2));
        state = List.<Storage[]>of(new Storage[] {random(3), random(4)});
        src = random(5);
        dst = be.allocate(DType.F32, n);
        a = new float[n];
        b = new float[n];
        rule = new Update.Adam(1e-3f, 0.9f, 0.999f, 1e-8f, 0, false, false, 0.1, 0.001);
    }

    @Benchmark
    public void adam(Traffic t) {
        be.optimizerStep(rule, params, grads, state);
        be.synchronize();
        t.bytes += 28L * n;
    }

    @Benchmark
    public void backendCopy(Traffic t) {
        be.copy(View.contiguous(src, n), View.contiguous(dst, n));
        be.synchronize();
        t.bytes += 8L * n;
    }

    @Benchmark
    public void arraycopy(Traffic t) {
        System.arraycopy(a, 0, b, 0, n);
        t.bytes += 8L * n;
    }
}
