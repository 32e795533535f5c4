package dev.stride.bench;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.stride.cuda.KernelReport;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code stride kernels}: the custom kernels' memory traffic at real layer sizes, counted on the PTX emulator: bytes
 * against the algorithm's minimum and the share of each fetched sector used. A GPU's bandwidth can only be spent
 * on these bytes, so the table says how close to the copy limit a kernel can run before any GPU is at hand.
 */
@Command(name = "kernels", mixinStandardHelpOptions = true,
        description = "Count the custom kernels' memory traffic on the PTX emulator, at real layer sizes.")
final class KernelsCommand implements Callable<Integer> {
    @Option(names = "--scale", defaultValue = "1", description = "Shrink the batch dimensions by this factor (default ${DEFAULT-VALUE}: the real sizes, a few minutes).")
    double scale;

    @Option(names = "--json", description = "Print the rows as one JSON object on the last line.")
    boolean json;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        if (!(scale > 0 && scale <= 1)) throw new IllegalArgumentException("--scale must be in (0, 1], got " + scale);
        PrintWriter out = spec.commandLine().getOut();
        List<KernelReport.Row> rows = KernelReport.run(scale);
        out.printf("%-22s %-28s %14s %14s %14s %7s %8s  %s%n", "kernel", "size", "bytes read", "bytes written", "minimum",
                "ratio", "sectors", "minimum counts");
        JsonArray arr = new JsonArray();
        for (KernelReport.Row r : rows) {
            out.printf("%-22s %-28s %14d %14d %14d %7.3f %7.1f%%  %s%n", r.kernel(), r.size(), r.bytesRead(), r.bytesWritten(),
                    r.minimumBytes(), r.ratio(), 100 * r.sectorEfficiency(), r.passes());
            JsonObject o = new JsonObject();
            o.addProperty("kernel", r.kernel());
            o.addProperty("size", r.size());
            o.addProperty("bytes_read", r.bytesRead());
            o.addProperty("bytes_written", r.bytesWritten());
            o.addProperty("minimum_bytes", r.minimumBytes());
            o.addProperty("ratio", r.ratio());
            o.addProperty("sector_efficiency", r.sectorEfficiency());
            arr.add(o);
        }
        if (json) {
            JsonObject top = new JsonObject();
            top.add("kernels", arr);
            out.println(new GsonBuilder().create().toJson(top));
        }
        out.flush();
        return 0;
    }
}
