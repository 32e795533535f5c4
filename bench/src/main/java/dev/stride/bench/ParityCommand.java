package dev.stride.bench;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.stride.backend.Backend;
import dev.stride.backend.Backends;
import dev.stride.testing.Parity;
import dev.stride.testing.ParityCatalog;
import dev.stride.testing.PrimitivesOnly;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code stride parity}: runs the parity catalog between two backends (the CPU and any other found by ServiceLoader,
 * a conformance kit for a new backend) and, with {@code --fused}, each backend's fused ops against their composite
 * definitions. Prints one row per case and a summary; exits 1 when any case fails.
 */
@Command(name = "parity", mixinStandardHelpOptions = true,
        description = "Compare every op, layer, loss and optimizer between two backends.")
final class ParityCommand implements Callable<Integer> {
    @Option(names = "--backends", split = ",", defaultValue = "cpu,cuda",
            description = "The two backends to compare (default ${DEFAULT-VALUE}; STRIDE_CUDA_DEVICE=emulated runs cuda on the emulator).")
    List<String> backends;

    @Option(names = "--filter", description = "Only the cases whose name contains this text.")
    String filter;

    @Option(names = "--fused", description = "Also compare each backend's fused ops with their composite definitions.")
    boolean fused;

    @Option(names = "--json", description = "Print every case with its errors as one JSON object on the last line.")
    boolean json;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        if (backends.size() != 2) throw new IllegalArgumentException("--backends takes two names, got " + backends);
        Backend a = Backends.get(backends.get(0));
        Backend b = Backends.get(backends.get(1));
        PrintWriter out = spec.commandLine().getOut();
        List<Parity.Result> results = new ArrayList<>(Parity.run(ParityCatalog.all(), a, b, filter));
        if (fused) {
            for (Backend be : List.of(a, b)) results.addAll(Parity.run(ParityCatalog.fused(), be, new PrimitivesOnly(be), filter));
        }
        out.printf("%-64s %-24s %10s %10s %-20s %s%n", "case", "backends", "max abs", "max rel", "tolerance (rtol, atol)", "result");
        int failed = 0;
        JsonArray rows = new JsonArray();
        for (Parity.Result r : results) {
            if (!r.pass()) failed++;
            String name = r.name().length() > 64 ? r.name().substring(0, 61) + "..." : r.name();
            out.printf("%-64s %-24s %10.2e %10.2e %-20s %s%n", name, r.a() + " / " + r.b(), r.maxAbs(), r.maxRel(),
                    String.format("%.1e, %.1e", r.tolerance().rtol(), r.tolerance().atol()), r.pass() ? "pass" : "FAIL " + r.worst());
            JsonObject o = new JsonObject();
            o.addProperty("case", r.name());
            o.addProperty("group", r.group());
            o.addProperty("a", r.a());
            o.addProperty("b", r.b());
            o.addProperty("max_abs", r.maxAbs());
            o.addProperty("max_rel", r.maxRel());
            o.addProperty("rtol", r.tolerance().rtol());
            o.addProperty("atol", r.tolerance().atol());
            o.addProperty("pass", r.pass());
            o.addProperty("worst", r.worst());
            rows.add(o);
        }
        out.printf("%d cases: %d passed, %d failed%n", results.size(), results.size() - failed, failed);
        if (json) {
            JsonObject top = new JsonObject();
            top.add("cases", rows);
            top.addProperty("passed", results.size() - failed);
            top.addProperty("failed", failed);
            out.println(new GsonBuilder().serializeSpecialFloatingPointValues().create().toJson(top));
        }
        out.flush();
        return failed == 0 ? 0 : 1;
    }
}
