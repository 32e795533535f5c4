package dev.stride.bench;

import dev.stride.train.Models;
import dev.stride.backend.Backend;
import dev.stride.data.DataLoader;
import dev.stride.data.Dataset;
import dev.stride.loss.Loss;
import dev.stride.nn.Module;
import dev.stride.optim.ParamGroup;
import dev.stride.random.Generator;
import dev.stride.train.Search;
import dev.stride.train.Trainer;
import dev.stride.train.TrainingDivergedException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code stride search}: random (or grid) search over learning rate and weight decay with short trials on the
 * training split, scored on a validation split held out from it (the last 20%; the test split is never used),
 * optionally refined coarse-to-fine. Diverging trials stop early. Prints the sorted table and saves it as CSV.
 */
@Command(name = "search", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Search learning rate and weight decay with short trials; print and save a sorted table.")
final class SearchCommand implements Callable<Integer> {
    @Mixin
    RunOptions run;

    @Option(names = "--trials", defaultValue = "8", description = "Random (coarse) trials (default ${DEFAULT-VALUE}).")
    int trials;

    @Option(names = "--fine-trials", defaultValue = "0", description = "Second-stage trials around the best (default ${DEFAULT-VALUE}).")
    int fineTrials;

    @Option(names = "--grid", defaultValue = "0", description = "Grid search with this many values per parameter instead of random.")
    int grid;

    @Option(names = "--epochs", defaultValue = "1", description = "Epochs per trial (default ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--lr-range", defaultValue = "1e-5:1e-1", description = "Log-uniform learning-rate range (default ${DEFAULT-VALUE}).")
    String lrRange;

    @Option(names = "--wd-range", defaultValue = "1e-6:1e-2", description = "Log-uniform weight-decay range (default ${DEFAULT-VALUE}).")
    String wdRange;

    @Mixin
    OptimizerOptions optimizer;

    @Option(names = "--batch-size", defaultValue = "128", description = "Batch size (default ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--csv", defaultValue = "runs/search.csv", description = "Where to save the table (default ${DEFAULT-VALUE}).")
    Path csv;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private static Search.LogUniform range(String option, String text) {
        String[] p = text.split(":");
        try {
            if (p.length == 2) return new Search.LogUniform(Double.parseDouble(p[0]), Double.parseDouble(p[1]));
        } catch (NumberFormatException e) {
            // Falls through to the message that names the option.
        }
        throw new IllegalArgumentException(option + ": expected LO:HI with two numbers, got " + text);
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (epochs <= 0) throw new IllegalArgumentException("--epochs must be positive, got " + epochs);
        if (batchSize <= 0) throw new IllegalArgumentException("--batch-size must be positive, got " + batchSize);
        range("--lr-range", lrRange);
        range("--wd-range", wdRange);
        Backend be = run.start();
        Dataset all = run.normalizedTrain();
        int cut = all.size() * 4 / 5;
        Dataset train = all.range(0, cut);
        Dataset validation = all.range(cut, all.size());
        Map<String, Search.Space> spaces = new LinkedHashMap<>();
        spaces.put("lr", range("--lr-range", lrRange));
        spaces.put("weight_decay", range("--wd-range", wdRange));
        Search.Objective objective = values -> {
            Generator.manualSeed(run.seed);
            Module net = Models.create(run.model, train.sampleSize(), train.classes());
            optimizer.lr = values.get("lr").floatValue();
            optimizer.weightDecay = values.get("weight_decay").floatValue();
            Trainer t = new Trainer(net, optimizer.create(List.of(ParamGroup.of(net.parameters()))), Loss::crossEntropy).monitor(0);
            DataLoader loader = new DataLoader(train, batchSize, true, run.seed, false, be);
            Search.Score score;
            try {
                Trainer.Evaluation e = t.fit(loader, validation, epochs, Trainer.Listener.NONE, null);
                score = new Search.Score(e.loss(), e.accuracy(), false);
            } catch (TrainingDivergedException ex) {
                score = new Search.Score(Double.NaN, Double.NaN, true);
            }
            err.printf("trial lr %.3g wd %.3g: %s%n", values.get("lr"), values.get("weight_decay"),
                    score.diverged() ? "diverged" : String.format("val acc %.4f", score.validationAccuracy()));
            return score;
        };
        List<Search.Trial> results = grid > 0 ? Search.grid(spaces, grid, objective)
                : Search.coarseToFine(spaces, trials, fineTrials, run.seed, objective);
        List<Search.Trial> sorted = Search.sorted(results);
        out.printf("%4s %5s %6s %10s %12s %9s %8s  %s%n", "rank", "trial", "stage", "lr", "weight_decay", "val_loss", "val_acc", "status");
        for (int i = 0; i < sorted.size(); i++) {
            Search.Trial t = sorted.get(i);
            out.printf("%4d %5d %6s %10.3e %12.3e %9.4f %8.4f  %s%n", i + 1, t.id(), t.stage(), t.values().get("lr"),
                    t.values().get("weight_decay"), t.score().validationLoss(), t.score().validationAccuracy(),
                    t.score().diverged() ? "diverged" : "ok");
        }
        Search.writeCsv(csv, results);
        out.println("saved " + csv);
        out.flush();
        return 0;
    }
}
