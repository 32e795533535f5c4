package dev.stride.train;

import com.google.gson.Gson;
import com.google.gson.JsonObject;
import com.google.gson.reflect.TypeToken;
import dev.stride.io.SafeTensors;
import dev.stride.nn.Module;
import dev.stride.optim.Optimizer;
import dev.stride.random.Generator;
import dev.stride.tensor.Tensor;
import java.io.IOException;
import java.lang.reflect.Type;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A training checkpoint in one safetensors file: the model's tensors under their own names (so PyTorch loads
 * them directly), the optimizer's under {@code optimizer.}, and the scalars (optimizer step and rates, trainer
 * counters, schedule state, the global generator's offset) as JSON in the metadata key {@code stride}.
 * Written atomically; loading checks everything before it changes the model or the optimizer.
 */
public final class Checkpoint {
    private static final String PREFIX = "optimizer.";
    private static final Type SCALARS = new TypeToken<Map<String, Double>>() {}.getType();

    private Checkpoint() {}

    public static void save(Path file, Module model, Optimizer optimizer, Trainer trainer) throws IOException {
        Map<String, Tensor> tensors = new LinkedHashMap<>(model.stateDict());
        optimizer.stateTensors().forEach((k, v) -> tensors.put(PREFIX + k, v));
        JsonObject meta = new JsonObject();
        Gson gson = new com.google.gson.GsonBuilder().serializeSpecialFloatingPointValues().create();
        meta.add("optimizer", gson.toJsonTree(optimizer.scalars()));
        Map<String, Double> t = trainer == null ? new LinkedHashMap<>() : trainer.scalars();
        t.put("generator_offset", (double) Generator.global().offset());
        meta.add("trainer", gson.toJsonTree(t));
        SafeTensors.save(file, tensors, Map.of("stride", gson.toJson(meta), "format", "pt"));
    }

    /**
     * Loads only the model's tensors from a checkpoint or a plain safetensors state dict (optimizer state, if present,
     * is ignored): the starting point for transfer learning.
     */
    public static void loadWeights(Path file, Module model) throws IOException {
        SafeTensors.Contents c = SafeTensors.load(file, model.parameters().get(0).backend());
        Map<String, Tensor> weights = new LinkedHashMap<>();
        c.tensors().forEach((k, v) -> {
            if (!k.startsWith(PREFIX)) weights.put(k, v);
        });
        try {
            model.loadStateDict(weights);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /** Restores model, optimizer and trainer (either of the last two may be null). */
    public static void load(Path file, Module model, Optimizer optimizer, Trainer trainer) throws IOException {
        SafeTensors.Contents c = SafeTensors.load(file, model.parameters().get(0).backend());
        Map<String, Tensor> modelPart = new LinkedHashMap<>();
        Map<String, Tensor> optimPart = new LinkedHashMap<>();
        c.tensors().forEach((k, v) -> (k.startsWith(PREFIX) ? optimPart : modelPart).put(k.startsWith(PREFIX) ? k.substring(PREFIX.length()) : k, v));
        Map<String, Double> optimScalars = new LinkedHashMap<>();
        Map<String, Double> trainerScalars = new LinkedHashMap<>();
        String json = c.metadata().get("stride");
        if (json != null) {
            try {
                JsonObject meta = new Gson().fromJson(json, JsonObject.class);
                optimScalars = new Gson().fromJson(meta.get("optimizer"), SCALARS);
                trainerScalars = new Gson().fromJson(meta.get("trainer"), SCALARS);
            } catch (RuntimeException e) {
                throw new IOException(file + ": corrupt checkpoint metadata: " + e.getMessage(), e);
            }
        }
        try {
            model.checkStateDict(modelPart);
            if (optimizer != null) optimizer.checkState(optimPart);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
        model.loadStateDict(modelPart);
        if (optimizer != null) optimizer.loadState(optimPart, optimScalars);
        if (trainer != null) trainer.loadScalars(trainerScalars);
        Double offset = trainerScalars.get("generator_offset");
        if (offset != null) Generator.global().setOffset(offset.longValue());
    }
}
