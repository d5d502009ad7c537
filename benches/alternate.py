#!/usr/bin/env python3
"""Two builds of the `copydesk` binary, one command, run one after the other in alternating
order: the median wall time of each and the median ratio old / new over the rounds.

`ab_process.py` runs the two builds at the same moment, one pinned to each core, which
suits a one-thread command; a command that uses both cores (`--threads 2`, the service's
load) must have the machine to itself, so here each round runs both builds in turn, the
order swapped every round so that the host's drift falls on both.

    cp target/release/copydesk /tmp/copydesk-before      # the old build
    cargo build --release --features cli
    python3 benches/alternate.py /tmp/copydesk-before target/release/copydesk --rounds 16 \\
        -- cluster -q --threads 2 ../shared/data/reuters21578.jsonl ../shared/data/bbc_news.jsonl

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
    ap.add_argument("--rounds", type=int, default=16)
    argv = sys.argv[1:]
    cut = argv.index("--") if "--" in argv else len(argv)
    a = ap.parse_args(argv[:cut])
    args = argv[cut + 1:]
    times = {"old": [], "new": []}
    ratios = []
    for r in range(a.rounds):
        order = [("old", a.old), ("new", a.new)]
        if r % 2:
            order.reverse()
        took = {}
        for name, binary in order:
            started = time.perf_counter()
            subprocess.run([binary] + args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
            took[name] = time.perf_counter() - started
            times[name].append(took[name])
        ratios.append(took["old"] / took["new"])
    print(
        f"{a.rounds} rounds: old median {statistics.median(times['old']):.3f} s, "
        f"new median {statistics.median(times['new']):.3f} s; "
        f"old / new median {statistics.median(ratios):.3f} (range {min(ratios):.2f}-{max(ratios):.2f})"
    )


if __name__ == "__main__":
    main()
