#!/usr/bin/env python3
"""Two builds of the `copydesk` binary, one command, side by side: the median ratio of their
wall times.

A change to the hot path moves a run by a few percent; this host moves it by more than that
from one minute to the next. So the two builds run at the same moment, each pinned to one of
the two cores (`taskset -c`), the cores swapped every round, and each round's ratio new / old
is taken; the median and range over the rounds are printed.

    cp target/release/copydesk /tmp/copydesk-before      # the old build
    cargo build --release --features cli
    python3 benches/ab_process.py /tmp/copydesk-before target/release/copydesk --rounds 12 \\
        -- cluster -q --threads 1 ../shared/data/reuters21578.jsonl ../shared/data/bbc_news.jsonl

Arguments after `--` go to both builds. Their output is discarded: check that it is the same
with `benches/same_output.sh`.
"""

import argparse
import statistics
import subprocess
import sys
import time


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("old")
    ap.add_argument("new")
    ap.add_argument("--rounds", type=int, default=12)
    argv = sys.argv[1:]
    cut = argv.index("--") if "--" in argv else len(argv)
    a = ap.parse_args(argv[:cut])
    args = argv[cut + 1:]
    ratios = []
    for r in range(a.rounds):
        cores = {"old": r % 2, "new": 1 - r % 2}
        started, procs, took = {}, {}, {}
        for name, binary in (("old", a.old), ("new", a.new)):
            started[name] = time.perf_counter()
            procs[name] = subprocess.Popen(
                ["taskset", "-c", str(cores[name]), binary] + args,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )
        while len(took) < 2:
            for name, p in procs.items():
                if name not in took and p.poll() is not None:
                    if p.returncode != 0:
                        raise SystemExit(f"{name} exited with {p.returncode}")
                    took[name] = time.perf_counter() - started[name]
            time.sleep(0.001)
        ratios.append(took["new"] / took["old"])
        print(f"round {r + 1}: old {took['old']:.3f} s, new {took['new']:.3f} s", flush=True)
    print(f"new / old: median {statistics.median(ratios):.3f} "
          f"({min(ratios):.3f}-{max(ratios):.3f}) over {a.rounds} rounds")


if __name__ == "__main__":
    main()
