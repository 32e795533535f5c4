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
    private static final String CALLBACKS = "callback.";
    private static final Type SCALARS = new TypeToken<Map<String, Double>>() {}.getType();
    private static final Type RECIPE = new TypeToken<Map<String, String>>() {}.getType();

    private Checkpoint() {}

    public static void save(Path file, Module model, Optimizer optimizer, Trainer trainer) throws IOException {
        save(file, model, optimizer, trainer, Map.of());
    }

    /**
     * Saves, recording {@code recipe} (what the run was made of: model, batch size, optimizer and schedule settings, as
     * the caller names them) and the optimizer's kind, so that {@link #load} can refuse to resume under other ones.
     */
    public static void save(Path file, Module model, Optimizer optimizer, Trainer trainer, Map<String, String> recipe)
            throws IOException {
        Map<String, Tensor> tensors = new LinkedHashMap<>(model.stateDict());
        optimizer.stateTensors().forEach((k, v) -> tensors.put(PREFIX + k, v));
        JsonObject meta = new JsonObject();
        Gson gson = new com.google.gson.GsonBuilder().serializeSpecialFloatingPointValues().create();
        if (trainer != null) {
            JsonObject states = new JsonObject();
            for (Callback cb : trainer.callbackList()) {
                String n = cb.stateName();
                if (n == null) continue;
                cb.stateTensors().forEach((k, v) -> tensors.put(CALLBACKS + n + "." + k, v));
                states.add(n, gson.toJsonTree(cb.stateScalars()));
            }
            meta.add("callbacks", states);
        }
        meta.add("optimizer", gson.toJsonTree(optimizer.scalars()));
        Map<String, Double> t = trainer == null ? new LinkedHashMap<>() : trainer.scalars();
        t.put("generator_offset", (double) Generator.global().offset());
        meta.add("trainer", gson.toJsonTree(t));
        Map<String, String> r = new java.util.TreeMap<>(recipe);
        r.put("optimizer kind", optimizer.name());
        meta.add("recipe", gson.toJsonTree(r));
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
            if (!k.startsWith(PREFIX) && !k.startsWith(CALLBACKS)) weights.put(k, v);
        });
        try {
            model.loadStateDict(weights);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /** Restores model, optimizer and trainer (either of the last two may be null). */
    public static void load(Path file, Module model, Optimizer optimizer, Trainer trainer) throws IOException {
        load(file, model, optimizer, trainer, null);
    }

    /**
     * Restores model, optimizer and trainer after checking that the checkpoint was written by the same kind of
     * optimizer and, when {@code recipe} is given, under the same recipe: a difference is an error naming every
     * setting that differs, and nothing is changed. (Resuming Adam's moments as another optimizer's state would train
     * on, silently wrong.)
     */
    public static void load(Path file, Module model, Optimizer optimizer, Trainer trainer, Map<String, String> recipe)
            throws IOException {
        SafeTensors.Contents c = SafeTensors.load(file, model.parameters().get(0).backend());
        Map<String, Tensor> modelPart = new LinkedHashMap<>();
        Map<String, Tensor> optimPart = new LinkedHashMap<>();
        Map<String, Tensor> callbackPart = new LinkedHashMap<>();
        c.tensors().forEach((k, v) -> {
            if (k.startsWith(PREFIX)) optimPart.put(k.substring(PREFIX.length()), v);
            else if (k.startsWith(CALLBACKS)) callbackPart.put(k.substring(CALLBACKS.length()), v);
            else modelPart.put(k, v);
        });
        JsonObject callbackScalars = new JsonObject();
        Map<String, Double> optimScalars = new LinkedHashMap<>();
        Map<String, Double> trainerScalars = new LinkedHashMap<>();
        Map<String, String> saved = null;
        String json = c.metadata().get("stride");
        if (json != null) {
            try {
                JsonObject meta = new Gson().fromJson(json, JsonObject.class);
                optimScalars = new Gson().fromJson(meta.get("optimizer"), SCALARS);
                trainerScalars = new Gson().fromJson(meta.get("trainer"), SCALARS);
                if (meta.has("recipe")) saved = new Gson().fromJson(meta.get("recipe"), RECIPE);
                if (meta.has("callbacks")) callbackScalars = meta.getAsJsonObject("callbacks");
            } catch (RuntimeException e) {
                throw new IOException(file + ": corrupt checkpoint metadata: " + e.getMessage(), e);
            }
        }
        if (saved != null && optimizer != null) checkRecipe(file, saved, recipe, optimizer);
        try {
            Trainer.checkScalars(trainerScalars);
            model.checkStateDict(modelPart);
            if (optimizer != null) optimizer.checkState(optimPart);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
        // Callbacks first: each checks its state before taking it, and what follows cannot fail, so a bad file changes nothing.
        if (trainer != null) loadCallbacks(file, trainer, callbackPart, callbackScalars);
        model.loadStateDict(modelPart);
        if (optimizer != null) optimizer.loadState(optimPart, optimScalars);
        if (trainer != null) trainer.loadScalars(trainerScalars);
        Double offset = trainerScalars.get("generator_offset");
        if (offset != null) Generator.global().setOffset(offset.longValue());
    }

    /** Throws naming every setting in which this run differs from the one that wrote the checkpoint. */
    private static void checkRecipe(Path file, Map<String, String> saved, Map<String, String> recipe, Optimizer optimizer) {
        Map<String, String> now = new java.util.TreeMap<>(recipe == null ? Map.of() : recipe);
        now.put("optimizer kind", optimizer.name());
        java.util.List<String> differences = new java.util.ArrayList<>();
        for (Map.Entry<String, String> e : now.entrySet()) {
            String was = saved.get(e.getKey());
            if (!java.util.Objects.equals(was, e.getValue())) {
                differences.add(e.getKey() + " " + (was == null ? "(not recorded)" : was) + " -> " + e.getValue());
            }
        }
        if (!differences.isEmpty()) {
            throw new IllegalArgumentException(file + ": the checkpoint was written under other settings, so its optimizer "
                    + "state does not belong to this run: " + String.join("; ", differences)
                    + ". Resume with the same settings, or start from its weights only");
        }
    }

    /** Gives each callback with a state name its tensors ({@code callback.<name>.<key>}) and scalars, when saved. */
    private static void loadCallbacks(Path file, Trainer trainer, Map<String, Tensor> tensors, JsonObject scalars) throws IOException {
        for (Callback cb : trainer.callbackList()) {
            String n = cb.stateName();
            if (n == null || !scalars.has(n)) continue;
            Map<String, Tensor> own = new LinkedHashMap<>();
            tensors.forEach((k, v) -> {
                if (k.startsWith(n + ".")) own.put(k.substring(n.length() + 1), v);
            });
            try {
                cb.loadState(own, new Gson().fromJson(scalars.get(n), SCALARS));
            } catch (RuntimeException e) {
                throw new IOException(file + ": state of " + n + ": " + e.getMessage(), e);
            }
        }
    }
}
