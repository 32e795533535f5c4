package dev.stride.train;

import dev.stride.backend.Backend;
import dev.stride.backend.Backends;
import dev.stride.nn.Activation;
import dev.stride.nn.BatchNorm;
import dev.stride.nn.Conv2d;
import dev.stride.nn.Dropout;
import dev.stride.nn.Init;
import dev.stride.nn.MaxPool2d;
import dev.stride.random.Generator;
import dev.stride.nn.Flatten;
import dev.stride.nn.Linear;
import dev.stride.nn.Module;
import dev.stride.nn.Sequential;

/** The models the command line and the Spark job can train, by name. */
public final class Models {
    private Models() {}

    public static final String NAMES = "mlp, mlp-bn, cnn, dbn, rnn, lstm, gru";
    public static final java.util.List<String> NAMES_LIST = java.util.List.of("mlp", "mlp-bn", "cnn", "dbn", "rnn", "lstm", "gru");

    /** The recurrent models' hidden size: sequential MNIST reads 28 rows of 28 pixels into it. */
    public static final int RECURRENT_HIDDEN = 128;

    public static Module create(String name, int inputs, int classes) {
        return create(name, inputs, classes, 2);
    }

    /**
     * {@code hiddenLayers} layers of 256 units for the fully connected models: mlp (ReLU), mlp-bn (Linear-BN-ReLU)
     * and dbn (sigmoid, the network a deep belief net unrolls into).
     */
    public static Module create(String name, int inputs, int classes, int hiddenLayers) {
        if (hiddenLayers < 1) throw new IllegalArgumentException("--hidden-layers must be >= 1, got " + hiddenLayers);
        return switch (name) {
            case "mlp", "mlp-bn" -> {
                Sequential net = new Sequential(new Flatten());
                for (int i = 0; i < hiddenLayers; i++) {
                    net.add(new Linear(i == 0 ? inputs : 256, 256));
                    if (name.equals("mlp-bn")) net.add(BatchNorm.batchNorm1d(256));
                    net.add(Activation.relu());
                }
                yield net.add(new Linear(256, classes));
            }
            case "cnn" -> cnn(classes);
            case "rnn", "lstm", "gru" -> sequence(name, inputs, classes);
            case "dbn" -> DeepBeliefNet.network(dbnSizes(inputs, hiddenLayers), classes, Backends.defaultBackend(),
                    Generator.global());
            default -> throw new IllegalArgumentException("unknown model '" + name + "' (choose from " + NAMES + ")");
        };
    }

    /** conv3x3(16)-BN-ReLU-pool, conv3x3(32)-BN-ReLU-pool, dropout 0.25, dense; convolutions feeding BN have no bias. */
    private static Module cnn(int classes) {
        Backend be = Backends.defaultBackend();
        Generator gen = Generator.global();
        return new Sequential(
                new Conv2d(1, 16, 3, 1, 1, 1, 1, false, Init.Scheme.PYTORCH_DEFAULT, be, gen), BatchNorm.batchNorm2d(16),
                Activation.relu(), new MaxPool2d(2),
                new Conv2d(16, 32, 3, 1, 1, 1, 1, false, Init.Scheme.PYTORCH_DEFAULT, be, gen), BatchNorm.batchNorm2d(32),
                Activation.relu(), new MaxPool2d(2),
                new Dropout(0.25f), new Flatten(), new Linear(32 * 7 * 7, classes));
    }

    /**
     * Sequential MNIST: each digit read row by row, 28 steps of 28 pixels, into a recurrent layer whose last output
     * feeds a linear head. The Elman RNN is the tanh one.
     */
    private static Module sequence(String name, int inputs, int classes) {
        if (inputs != 784) throw new IllegalArgumentException("--model " + name + " reads 28x28 digits row by row; got " + inputs + " inputs");
        Backend be = Backends.defaultBackend();
        Generator gen = Generator.global();
        Module cell = switch (name) {
            case "rnn" -> new dev.stride.nn.Rnn(28, RECURRENT_HIDDEN, 1, false, true, be, gen);
            case "lstm" -> new dev.stride.nn.Lstm(28, RECURRENT_HIDDEN, 1, true, be, gen);
            default -> new dev.stride.nn.Gru(28, RECURRENT_HIDDEN, 1, true, be, gen);
        };
        return new Sequential(new dev.stride.nn.Reshape(28, 28)).add("rnn", cell).add(new dev.stride.nn.LastStep())
                .add(new Linear(RECURRENT_HIDDEN, classes));
    }

    /**
     * Whether {@code model} holds a convolution, pooling, batch-norm or dropout layer: what {@link
     * dev.stride.backend.Backend#expect} is told. Functional calls of those ops inside a custom module are not seen.
     */
    public static boolean usesSpatialOps(Module model) {
        if (model instanceof Conv2d || model instanceof BatchNorm || model instanceof MaxPool2d
                || model instanceof dev.stride.nn.AvgPool2d || model instanceof Dropout) {
            return true;
        }
        for (Module child : model.children().values()) {
            if (usesSpatialOps(child)) return true;
        }
        return false;
    }

    /** {@link #usesSpatialOps} of the model named {@code name}, known before the data that sizes it is loaded. */
    public static boolean usesSpatialOps(String name) {
        return name.equals("cnn") || name.equals("mlp-bn");
    }

    /** The deep belief net's layer sizes below its softmax head. */
    public static int[] dbnSizes(int inputs, int hiddenLayers) {
        int[] s = new int[hiddenLayers + 1];
        java.util.Arrays.fill(s, 256);
        s[0] = inputs;
        return s;
    }

    public static String describe(String name, int inputs, int classes) {
        return describe(name, inputs, classes, 2);
    }

    public static String describe(String name, int inputs, int classes, int hiddenLayers) {
        String hidden = "-256".repeat(hiddenLayers);
        return switch (name) {
            case "dbn" -> "dbn sigmoid " + inputs + hidden + "-" + classes;
            case "mlp-bn" -> "mlp-bn " + inputs + hidden + "-" + classes;
            case "rnn", "lstm", "gru" -> name + " 28x28 rows, hidden " + RECURRENT_HIDDEN + ", last step -> " + classes;
            case "mlp" -> "mlp " + inputs + hidden + "-" + classes;
            case "cnn" -> "cnn conv16-bn-relu-pool-conv32-bn-relu-pool-dropout-dense" + classes;
            default -> name;
        };
    }
}
