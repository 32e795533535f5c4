package dev.stride.bench;

import dev.stride.nn.Activation;
import dev.stride.nn.Flatten;
import dev.stride.nn.Linear;
import dev.stride.nn.Module;
import dev.stride.nn.Sequential;

/** The models the command line can train, by name. */
final class Models {
    private Models() {}

    static final String NAMES = "mlp";

    static Module create(String name, int inputs, int classes) {
        return switch (name) {
            case "mlp" -> new Sequential(new Flatten(),
                    new Linear(inputs, 256), Activation.relu(),
                    new Linear(256, 256), Activation.relu(),
                    new Linear(256, classes));
            default -> throw new IllegalArgumentException("unknown model '" + name + "' (choose from " + NAMES + ")");
        };
    }

    static String describe(String name, int inputs, int classes) {
        return name.equals("mlp") ? "mlp " + inputs + "-256-256-" + classes : name;
    }
}
