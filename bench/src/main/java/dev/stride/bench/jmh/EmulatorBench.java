package dev.stride.bench.jmh;

import dev.stride.kernels.emu.Emulator;
import dev.stride.kernels.emu.PtxModule;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
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
 * PTX emulator speed, one core: thread-instructions per second ({@code instructions} counter) on the fixture
 * kernels. Run: {@code java -cp bench/target/stride.jar org.openjdk.jmh.Main EmulatorBench}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {Jvm.VECTOR, Jvm.NO_PROFILED_PREDICATES})
public class EmulatorBench {
    @Param({"sgemm_tiled", "dropout_fixture", "welford_stats"})
    public String kernel;

    private final Emulator emu = new Emulator();
    private PtxModule module;
    private long a;
    private long b;
    private long c;

    /** Thread-instructions executed, reported by JMH per second. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Work {
        public long instructions;

        @Setup(Level.Iteration)
        public void reset() {
            instructions = 0;
        }
    }

    @Setup
    public void setup() throws IOException {
        try (InputStream in = Emulator.class.getResourceAsStream("/dev/stride/kernels/fixtures/fixtures.ptx")) {
            module = PtxModule.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), "fixtures.ptx");
        }
        a = emu.malloc(4 * 64 * 64);
        b = emu.malloc(4 * 64 * 64);
        c = emu.malloc(4 * 64 * 64);
    }

    @Benchmark
    public void launch(Work w) {
        Emulator.Counters k = switch (kernel) {
            case "sgemm_tiled" -> emu.launch(module, kernel, new int[] {4, 4, 1}, new int[] {16, 16, 1}, 0, a, b, c, 64, 64, 64);
            case "dropout_fixture" -> emu.launch(module, kernel, new int[] {4, 1, 1}, new int[] {256, 1, 1}, 0, a, b, 4096, 7L, 0L, 1 << 30, 1.33f);
            default -> emu.launch(module, kernel, new int[] {16, 1, 1}, new int[] {256, 1, 1}, 0, a, b, c, 256, 16);
        };
        w.instructions += k.instructions();
    }
}
