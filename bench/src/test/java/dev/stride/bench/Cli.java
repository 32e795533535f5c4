package dev.stride.bench;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/** Runs the {@code stride} command line in-process and captures what it printed. */
record Cli(int code, String out, String err) {
    static Cli run(String... args) {
        CommandLine cl = StrideCommand.commandLine(args);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return new Cli(cl.execute(args), out.toString(), err.toString());
    }

    /** The JSON summary on the last line of standard output. */
    JsonObject json() {
        List<String> lines = out.lines().toList();
        return JsonParser.parseString(lines.get(lines.size() - 1)).getAsJsonObject();
    }

    /** The value after {@code name} on each per-epoch line of standard error. */
    double[] column(String name) {
        Matcher m = Pattern.compile("epoch \\d+/\\d+ .*?" + name + " (\\S+)").matcher(err);
        return m.results().mapToDouble(r -> Double.parseDouble(r.group(1))).toArray();
    }
}
