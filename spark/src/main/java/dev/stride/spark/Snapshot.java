package dev.stride.spark;

import java.io.Serializable;
import java.util.Map;

/**
 * The driver's state that the executors start a step (or a round) from, broadcast once per step: the model's state
 * dict under {@code model.}, the optimizer's tensors under {@code optim.} (parameter averaging only) and its scalars.
 * {@code version} counts the broadcasts of one training; a task checks it against the one it was launched for.
 */
record Snapshot(long version, HostTensors state, Map<String, Double> optimizerScalars) implements Serializable {}
