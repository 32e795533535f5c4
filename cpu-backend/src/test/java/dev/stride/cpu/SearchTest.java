package dev.stride.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stride.train.Search;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Search spaces, stages, ordering and the saved table, on a known objective. */
class SearchTest {
    @TempDir
    Path dir;

    /** Best at lr = 1e-2, momentum = 0.9; "diverges" above lr 0.5. */
    private static Search.Score objective(Map<String, Double> v) {
        double lr = v.get("lr");
        if (lr > 0.5) return new Search.Score(Double.NaN, Double.NaN, true);
        double d = Math.abs(Math.log10(lr) + 2) + Math.abs(v.get("momentum") - 0.9);
        return new Search.Score(d, 1 / (1 + d), false);
    }

    private static Map<String, Search.Space> spaces() {
        Map<String, Search.Space> s = new LinkedHashMap<>();
        s.put("lr", new Search.LogUniform(1e-5, 1));
        s.put("momentum", new Search.Choice(0, 0.5, 0.9));
        return s;
    }

    @Test
    void randomStaysInRangeAndIsReproducible() throws Exception {
        List<Search.Trial> a = Search.random(spaces(), 50, 3, SearchTest::objective);
        List<Search.Trial> b = Search.random(spaces(), 50, 3, SearchTest::objective);
        assertEquals(a, b);
        for (Search.Trial t : a) {
            double lr = t.values().get("lr");
            assertTrue(lr >= 1e-5 && lr <= 1, "lr " + lr);
            assertTrue(List.of(0.0, 0.5, 0.9).contains(t.values().get("momentum")));
        }
        long small = a.stream().filter(t -> t.values().get("lr") < 1e-3).count();
        assertTrue(small > 15 && small < 45, "log-uniform puts about 60% below 1e-3, got " + small + " of 50");
    }

    @Test
    void coarseToFineNarrowsAroundTheBestAndDivergedGoLast() throws Exception {
        List<Search.Trial> all = Search.coarseToFine(spaces(), 12, 6, 1, SearchTest::objective);
        assertEquals(18, all.size());
        Search.Trial bestCoarse = Search.sorted(all.subList(0, 12)).get(0);
        for (Search.Trial t : all.subList(12, 18)) {
            assertEquals("fine", t.stage());
            assertEquals(bestCoarse.values().get("momentum"), t.values().get("momentum"));
            double ratio = t.values().get("lr") / bestCoarse.values().get("lr");
            assertTrue(ratio > Math.exp(-Math.log(1e5) / 8) - 1e-9 && ratio < Math.exp(Math.log(1e5) / 8) + 1e-9, "ratio " + ratio);
        }
        List<Search.Trial> sorted = Search.sorted(all);
        boolean seenDiverged = false;
        for (Search.Trial t : sorted) {
            if (t.score().diverged()) seenDiverged = true;
            else assertTrue(!seenDiverged, "a finished trial after a diverged one");
        }
        Search.writeCsv(dir.resolve("s.csv"), all);
        List<String> lines = Files.readAllLines(dir.resolve("s.csv"));
        assertEquals(19, lines.size());
        assertEquals("rank,trial,stage,lr,momentum,val_loss,val_accuracy,status", lines.get(0));
        assertTrue(lines.get(1).startsWith("1,"));
    }

    @Test
    void gridCoversEveryCombination() throws Exception {
        List<Search.Trial> g = Search.grid(spaces(), 4, SearchTest::objective);
        assertEquals(12, g.size());
        assertEquals(1e-5, g.get(0).values().get("lr"), 1e-12);
        assertEquals(1.0, g.get(11).values().get("lr"), 1e-12);
    }
}
