#!/usr/bin/env python3
"""`copydesk eval` over shuffled arrival orders of a labelled JSONL file: mean and spread.

One arrival order is one draw: a streaming detector decides each article once, so which
article arrives first changes which stories form. On ecbplus-dev the pair F1 of one order
moves by about 0.03 from the next. This script shuffles the file with seeds 1..N into a
temporary folder, runs `copydesk eval --json` on each, and prints the mean and standard
deviation of the scores, for each mode asked.

    cargo build --release --features cli
    python3 benches/orders.py ../shared/data/ecbplus-dev.jsonl --orders 8 \\
        --modes stream,batch,merge,recluster [--topics odd|even] [--bin target/release/copydesk] \\
        [-- EXTRA EVAL ARGS]
"""

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def write_orders(lines, orders, folder):
    """`lines` shuffled with seeds 1..`orders`, each written to a file in `folder`; the paths."""
    paths = []
    for seed in range(1, orders + 1):
        shuffled = lines[:]
        random.Random(seed).shuffle(shuffled)
        path = os.path.join(folder, f"order-{seed}.jsonl")
        with open(path, "w", encoding="utf-8") as fh:
            fh.writelines(shuffled)
        paths.append(path)
    return paths


def main():
    argv = sys.argv[1:]
    extra = []
    if "--" in argv:
        extra = argv[argv.index("--") + 1 :]
        argv = argv[: argv.index("--")]
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("labelled")
    ap.add_argument("--orders", type=int, default=8)
    ap.add_argument("--modes", default="stream,batch,merge,recluster")
    ap.add_argument("--bin", default=os.path.join(ROOT, "target", "release", "copydesk"))
    ap.add_argument("--topics", choices=["all", "odd", "even"], default="all",
                    help="score the articles of odd- or even-numbered topics only (for "
                         "cross-validation: choose settings on one half, report the other)")
    args = ap.parse_args(argv)
    lines = open(args.labelled, encoding="utf-8").readlines()
    if args.topics != "all":
        parity = 1 if args.topics == "odd" else 0
        lines = [l for l in lines if int(json.loads(l)["topic"]) % 2 == parity]
    # "batch" keeps each batch's one-at-a-time decisions; the default batch run reclusters.
    flags = {"stream": ["--stream"], "batch": ["--no-revise"], "merge": ["--merge"],
             "recluster": ["--recluster"], "stream-recluster": ["--stream", "--recluster"]}
    with tempfile.TemporaryDirectory() as tmp:
        paths = write_orders(lines, args.orders, tmp)
        for mode in args.modes.split(","):
            runs = []
            for path in paths:
                out = subprocess.run(
                    [args.bin, "eval", "--json", "-q", *flags[mode], *extra, path],
                    capture_output=True, text=True, check=True,
                ).stdout
                runs.append(json.loads(out)["scores"])
            summary = {"mode": mode, "orders": args.orders}
            for key in ("pair_precision", "pair_recall", "pair_f1", "bcubed_f1", "ari",
                        "same_topic_false_merge_rate"):
                values = [r[key] for r in runs if r.get(key) is not None]
                if values:
                    summary[key] = [round(statistics.mean(values), 4),
                                    round(statistics.stdev(values) if len(values) > 1 else 0.0, 4)]
            summary["cross_topic_merges"] = [r.get("cross_topic_merges") for r in runs]
            print(json.dumps(summary))


if __name__ == "__main__":
    main()
