package dev.stride.bench;

import dev.stride.train.Models;
import dev.stride.autograd.NoGrad;
import dev.stride.backend.Backend;
import dev.stride.data.DataLoader;
import dev.stride.data.Dataset;
import dev.stride.loss.Loss;
import dev.stride.nn.Module;
import dev.stride.optim.Adam;
import dev.stride.tensor.Tensor;
import dev.stride.train.Trainer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code stride sanity}: the checks to run before a long training job. With small weights and no
 * regularization the initial loss is close to ln(C); adding regularization raises it; and the model can overfit
 * 20 samples to 100% training accuracy. Prints each check with its numbers; exits 1 if any fails.
 */
@Command(name = "sanity", mixinStandardHelpOptions = true, description = "Check initial loss, regularization and overfitting on 20 samples.")
final class SanityCommand implements Callable<Integer> {
    @Mixin
    RunOptions run;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Backend be = run.start();
        Dataset train = run.normalizedTrain();
        int classes = train.classes();
        DataLoader.Batch batch = new DataLoader(train, 128, false, 0, false, be).epoch(0).iterator().next();
        boolean ok = true;

        Module net = Models.create(run.model, train.sampleSize(), classes);
        try (NoGrad ignored = NoGrad.enter()) {
            for (Tensor p : net.parameters()) p.mul(p.rank() >= 2 ? 1e-3f : 0f).copyTo(p.storage());
        }
        net.eval();
        double expected = Math.log(classes);
        double initial;
        double regularized;
        try (NoGrad ignored = NoGrad.enter()) {
            initial = Loss.crossEntropy(net.forward(batch.inputs()), batch.labels()).item();
        }
        boolean pass = Math.abs(initial - expected) < 0.05 * expected;
        ok &= pass;
        out.printf("%s initial loss %.4f vs ln(%d) = %.4f with weights scaled to 1e-3, no regularization%n",
                verdict(pass), initial, classes, expected);

        Module fresh = Models.create(run.model, train.sampleSize(), classes);
        fresh.eval();
        try (NoGrad ignored = NoGrad.enter()) {
            double plain = Loss.crossEntropy(fresh.forward(batch.inputs()), batch.labels()).item();
            regularized = plain + Loss.l2(fresh.parameters(), 1e-2f).item();
            pass = regularized > plain;
            ok &= pass;
            out.printf("%s regularization raises the loss: %.4f without, %.4f with L2 1e-2%n", verdict(pass), plain, regularized);
        }

        Dataset tiny = train.range(0, 20);
        Module small = Models.create(run.model, train.sampleSize(), classes);
        Adam opt = new Adam(small.parameters(), 1e-3f);
        Trainer trainer = new Trainer(small, opt, Loss::crossEntropy).monitor(0);
        DataLoader loader = new DataLoader(tiny, 20, true, run.seed, false, be);
        double acc = 0;
        int epochs = 0;
        while (epochs < 300 && acc < 1.0) {
            trainer.trainEpoch(loader, Trainer.Listener.NONE);
            epochs++;
            if (epochs % 10 == 0) acc = Trainer.accuracy(small, tiny, 20, be);
        }
        double finalLoss = Trainer.evaluate(small, tiny, 20, be, Loss::crossEntropy).loss();
        pass = acc == 1.0;
        ok &= pass;
        out.printf("%s overfits 20 samples: training accuracy %.2f, loss %.4f after %d steps (Adam 1e-3)%n",
                verdict(pass), acc, finalLoss, epochs);
        out.println(ok ? "all checks passed" : "some checks failed");
        out.flush();
        return ok ? 0 : 1;
    }

    private static String verdict(boolean pass) {
        return pass ? "PASS" : "FAIL";
    }
}
