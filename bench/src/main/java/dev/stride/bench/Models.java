package dev.stride.bench;

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

/** The models the command line can train, by name. */
public final class Models {
    private Models() {}

    static final String NAMES = "mlp, cnn, dbn";
    static final java.util.List<String> NAMES_LIST = java.util.List.of("mlp", "cnn", "dbn");

    /** The deep belief net's layers below its softmax head. */
    static final int[] DBN_SIZES = {784, 256, 256};

    public static Module create(String name, int inputs, int classes) {
        return switch (name) {
            case "mlp" -> new Sequential(new Flatten(),
                    new Linear(inputs, 256), Activation.relu(),
                    new Linear(256, 256), Activation.relu(),
                    new Linear(256, classes));
            case "cnn" -> cnn(classes);
            case "dbn" -> dev.stride.train.DeepBeliefNet.network(dbnSizes(inputs), classes, Backends.defaultBackend(), Generator.global());
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

    static int[] dbnSizes(int inputs) {
        int[] s = DBN_SIZES.clone();
        s[0] = inputs;
        return s;
    }

    static String describe(String name, int inputs, int classes) {
        return switch (name) {
            case "dbn" -> "dbn sigmoid " + inputs + "-256-256-" + classes;
            case "mlp" -> "mlp " + inputs + "-256-256-" + classes;
            case "cnn" -> "cnn conv16-bn-relu-pool-conv32-bn-relu-pool-dropout-dense" + classes;
            default -> name;
        };
    }
}
