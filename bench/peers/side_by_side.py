#!/usr/bin/python3
"""`./stride train` beside PyTorch's twin, alternating, for CPU speed figures that the next person can reproduce.

Usage: /usr/bin/python3 bench/peers/side_by_side.py [rounds=5] [models=mlp,cnn] [twin=../shared/peers/torch_twin.py]
Run from the repository root. Each round runs, per model, `./stride train --model M --json --curves none`, then the
twin on one thread and on two (PyTorch's best is the faster of the two, as the CPU speed issue compares). Prints
every run's JSON fields, then per model the range and median of each figure over the rounds and the per-round
ratio of Stride's samples/s to PyTorch's best. A process's wall time is measured here, around the whole command.
"""
import json, statistics, subprocess, sys, time

rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
models = (sys.argv[2] if len(sys.argv) > 2 else "mlp,cnn").split(",")
twin = sys.argv[3] if len(sys.argv) > 3 else "../shared/peers/torch_twin.py"


def run(cmd):
    t0 = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    lines = [l for l in p.stdout.splitlines() if l.startswith("{")]
    if p.returncode != 0 or not lines:
        sys.exit(f"{' '.join(cmd)} failed ({p.returncode}):\n{p.stderr[-2000:]}")
    d = json.loads(lines[-1])
    d["process_seconds"] = round(wall, 2)
    return d


results = {m: [] for m in models}
for r in range(rounds):
    for m in models:
        s = run(["./stride", "train", "--model", m, "--json", "--curves", "none"])
        t = [run(["/usr/bin/python3", twin, "data/mnist", m, "5", str(k), "0"]) for k in (1, 2)]
        best = max(t, key=lambda d: d["samples_per_second"])
        results[m].append((s, best))
        print(f"round {r + 1} {m}: stride {s['samples_per_second']} (steady {s['steady_samples_per_second']}, "
              f"process {s['process_seconds']} s, loss {s['train_loss']}); torch best {best['samples_per_second']} "
              f"at {best['threads']} thread(s) (steady {best['steady_samples_per_second']}, process "
              f"{best['process_seconds']} s); torch 1T {t[0]['samples_per_second']}, 2T {t[1]['samples_per_second']}",
              flush=True)


def span(xs, fmt="{:.0f}"):
    return f"{fmt.format(min(xs))}-{fmt.format(max(xs))} (median {fmt.format(statistics.median(xs))})"


for m, rs in results.items():
    print(f"\n{m}, {len(rs)} rounds")
    for name, key, fmt in (("samples/s", "samples_per_second", "{:.0f}"), ("steady samples/s", "steady_samples_per_second", "{:.0f}"),
                           ("process wall s", "process_seconds", "{:.2f}")):
        print(f"  {name:18s} stride {span([s[key] for s, _ in rs], fmt)}   torch best {span([t[key] for _, t in rs], fmt)}")
    ratios = [s["samples_per_second"] / t["samples_per_second"] for s, t in rs]
    print(f"  stride / torch best, per round: {' '.join(f'{x:.2f}' for x in ratios)}")
