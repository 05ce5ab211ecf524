"""Scrubber speed: texts per second over the test corpus (ombud/insight/tests/corpus.py).

    .venv/bin/python bench/scrubber.py [--seconds 3]

Pure Python, no database. Prints texts/s and characters/s for the corpus as it is (about 46
texts of 40–200 characters, what a typical-case narrative looks like), then for one long text
(the whole corpus joined, ×20) to show that the cost grows linearly with the length, and the
share of time each detector takes.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ombud.insight import scrubber
from ombud.insight.tests.corpus import CORPUS


def run(seconds: float, work) -> tuple[int, float]:
    """Call `work` until `seconds` have passed; return the rounds and the time taken."""
    rounds, started = 0, time.perf_counter()
    while True:
        work()
        rounds += 1
        elapsed = time.perf_counter() - started
        if elapsed >= seconds:
            return rounds, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=3.0, help="time per measurement")
    args = parser.parse_args()

    samples = [(s.text, s.known) for s in CORPUS]
    chars = sum(len(t) for t, _k in samples)

    def corpus() -> None:
        for text, known in samples:
            scrubber.scrub(text, known=known)

    corpus()  # warm up (regex compilation)
    rounds, elapsed = run(args.seconds, corpus)
    texts_per_s = rounds * len(samples) / elapsed
    print(f"corpus: {len(samples)} texts, {chars / len(samples):.0f} characters on average")
    print(
        f"  {texts_per_s:,.0f} texts/s, {rounds * chars / elapsed / 1e6:.2f} M characters/s, "
        f"{1e3 / texts_per_s:.3f} ms per text"
    )

    long_text = "\n".join(t for t, _k in samples) * 20
    known = sorted({k for _t, ks in samples for k in ks if isinstance(k, str)})
    rounds, elapsed = run(args.seconds, lambda: scrubber.scrub(long_text, known=known))
    print(f"one long text: {len(long_text):,} characters, {len(known)} known names")
    print(f"  {rounds / elapsed:,.1f} texts/s, {rounds * len(long_text) / elapsed / 1e6:.2f} M characters/s")

    # Where the time goes: each detector alone over the corpus.
    norms = [t.translate(scrubber._FULLWIDTH) for t, _k in samples]
    print("per detector (corpus once):")
    total = 0.0
    rows = []
    for detector in scrubber._DETECTORS:
        started = time.perf_counter()
        for _ in range(50):
            for norm in norms:
                for _found in detector(norm):
                    pass
        took = (time.perf_counter() - started) / 50
        total += took
        rows.append((detector.__name__.lstrip("_"), took))
    for name, took in rows:
        print(f"  {name:<12} {took * 1e3:7.3f} ms  {took / total:6.1%}")


if __name__ == "__main__":
    main()
