package dev.stride.bench;

import dev.stride.train.Models;
import dev.stride.backend.Backend;
import dev.stride.data.DataLoader;
import dev.stride.data.Dataset;
import dev.stride.loss.Loss;
import dev.stride.nn.Module;
import dev.stride.optim.ParamGroup;
import dev.stride.train.LrFinder;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code stride lr-find}: the learning-rate range test, with a plot and a suggested rate. */
@Command(name = "lr-find", mixinStandardHelpOptions = true, description = "Sweep the learning rate exponentially and suggest one.")
final class LrFindCommand implements Callable<Integer> {
    @Mixin
    RunOptions run;

    @Mixin
    OptimizerOptions optimizer;

    @Option(names = "--start", defaultValue = "1e-7", description = "First rate (default ${DEFAULT-VALUE}).")
    double start;

    @Option(names = "--end", defaultValue = "10", description = "Last rate (default ${DEFAULT-VALUE}).")
    double end;

    @Option(names = "--steps", defaultValue = "100", description = "Mini-batches in the sweep (default ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--out", defaultValue = "runs/lr-find", description = "Folder for lr-find.png and lr-find.csv (default ${DEFAULT-VALUE}).")
    Path outDir;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Backend be = run.start();
        Dataset train = run.normalizedTrain();
        Module net = Models.create(run.model, train.sampleSize(), train.classes());
        LrFinder.Result r = LrFinder.run(net, optimizer.create(List.of(ParamGroup.of(net.parameters()))),
                new DataLoader(train, 128, true, run.seed, false, be), Loss::crossEntropy, start, end, steps);
        r.write(outDir.resolve("lr-find.png"), outDir.resolve("lr-find.csv"));
        out.printf("swept %d rates from %.1e to %.1e; suggested learning rate %.3g (steepest descent of the smoothed loss)%n",
                r.rates().length, r.rates()[0], r.rates()[r.rates().length - 1], r.suggested());
        out.println("wrote " + outDir.resolve("lr-find.png"));
        out.flush();
        return 0;
    }
}
