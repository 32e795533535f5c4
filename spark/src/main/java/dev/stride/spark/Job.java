package dev.stride.spark;

import dev.stride.optim.OptimizerSpec;
import java.io.Serializable;

/**
 * What every task of one training needs besides its shard and the current snapshot: the model and optimizer to
 * build, the seed, the per-partition batch, and (tests only) a step and partition whose first attempt fails.
 */
record Job(String id, SparkTrainer.ModelFactory model, OptimizerSpec optimizer, long seed, int localBatch,
           long failStep, int failPartition) implements Serializable {}
