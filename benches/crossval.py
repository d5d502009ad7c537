#!/usr/bin/env python3
"""Held-out story-tier scores: settings chosen on one half of the topics, scored on the other.

A labelled set of events in topics (ecbplus-dev: two events of one kind per topic) is run
whole, in shuffled arrival orders, once per setting of a grid; every run is scored twice, on
the pairs of odd-numbered topics and on those of even-numbered ones. For each half the setting
with the highest pair recall whose precision and same-topic false merges meet the targets
(mean over the orders) is chosen, and reported on the *other* half. The two held-out figures
are what to quote: the in-sample best of a grid is optimistic by construction.

Every article is in every run (the other half's labels are not read, but its articles are
there, as a newsroom's unlabelled stream would be): the term statistics are the whole set's.

    cargo build --release --features cli
    python3 benches/crossval.py ../shared/data/ecbplus-dev.jsonl --orders 4 \\
        --grid story.min_relative_average=0.64,0.68,0.72,0.76 \\
        --grid story.linkage.min_average=0.22,0.25,0.28 \\
        [--mode recluster|stream|stream-recluster] \\
        [--min-precision 0.96] [--max-false-merges 2.0] [--bin target/release/copydesk]

A grid key is `section.name` of `copydesk config` (`terms.name_boost`,
`story.linkage.min_average`); without `--grid` the defaults alone are scored.
"""

import argparse
import itertools
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile

from orders import write_orders  # benches/orders.py, beside this script

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def topic_number(topic):
    return int("".join(c for c in str(topic).split("_")[0] if c.isdigit()))


def score(rows, story, half):
    """Pair precision, recall and same-topic false merges (%) over the articles of `half`."""
    idx = [i for i, r in enumerate(rows) if topic_number(r["topic"]) % 2 == half]
    tp = fp = fn = hard = merged = 0
    for x, a in enumerate(idx):
        for b in idx[x + 1:]:
            gold = rows[a]["cluster"] == rows[b]["cluster"]
            pred = story[a] == story[b]
            tp += gold and pred
            fp += pred and not gold
            fn += gold and not pred
            if not gold and rows[a]["topic"] == rows[b]["topic"]:
                hard += 1
                merged += pred
    return {
        "P": tp / (tp + fp) if tp + fp else 1.0,
        "R": tp / (tp + fn) if tp + fn else 1.0,
        "FM": 100.0 * merged / hard if hard else 0.0,
    }


def with_settings(config, settings):
    """`copydesk config` output with `section.name = value` lines replaced."""
    lines = config.split("\n")
    for key, value in settings.items():
        section, name = key.rsplit(".", 1)
        current, found = "", False
        for i, line in enumerate(lines):
            header = re.match(r"\[(.*)\]$", line.strip())
            if header:
                current = header.group(1)
            elif current == section and line.split("=")[0].strip() == name:
                lines[i] = f"{name} = {value}"
                found = True
        if not found:
            sys.exit(f"error: no setting {key} in `copydesk config`")
    return "\n".join(lines)


def main():
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # quietly, into `head`
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("labelled")
    ap.add_argument("--orders", type=int, default=4, help="shuffled arrival orders per setting")
    ap.add_argument("--grid", action="append", default=[], metavar="KEY=V1,V2,...")
    ap.add_argument("--mode", choices=["recluster", "stream", "stream-recluster"],
                    default="recluster",
                    help="batch then re-clustered (the default of `copydesk cluster`), streamed "
                         "(the service), or streamed then re-clustered (the service's "
                         "POST /stories/recluster)")
    ap.add_argument("--min-precision", type=float, default=0.96)
    ap.add_argument("--max-false-merges", type=float, default=2.0, help="percent")
    ap.add_argument("--bin", default=os.path.join(ROOT, "target", "release", "copydesk"))
    args = ap.parse_args()

    grid = {}
    for g in args.grid:
        key, _, values = g.partition("=")
        grid[key] = values.split(",")
    lines = open(args.labelled, encoding="utf-8").readlines()
    rows = [json.loads(l) for l in lines]
    position = {r["id"]: i for i, r in enumerate(rows)}
    base = subprocess.run([args.bin, "config"], check=True, capture_output=True,
                          text=True).stdout
    mode = {"recluster": ["--recluster"], "stream": ["--stream"],
            "stream-recluster": ["--stream", "--recluster"]}[args.mode]

    results = []  # (settings, {half: mean scores})
    with tempfile.TemporaryDirectory() as tmp:
        orders = write_orders(lines, args.orders, tmp)
        for values in itertools.product(*grid.values()):
            settings = dict(zip(grid, values))
            config = os.path.join(tmp, "config.toml")
            with open(config, "w") as fh:
                fh.write(with_settings(base, settings))
            per_half = {0: [], 1: []}
            for path in orders:
                out = subprocess.run([args.bin, "cluster", "-q", "-c", config, *mode,
                                      "--format", "jsonl", path],
                                     check=True, capture_output=True, text=True).stdout
                story = [None] * len(rows)
                for line in out.splitlines():
                    v = json.loads(line)
                    story[position[v["id"]]] = v["story"]
                for half in (0, 1):
                    per_half[half].append(score(rows, story, half))
            means = {h: {k: statistics.mean(s[k] for s in runs) for k in ("P", "R", "FM")}
                     for h, runs in per_half.items()}
            spread = {h: statistics.pstdev(s["R"] for s in runs) for h, runs in per_half.items()}
            results.append((settings, means, spread))
            shown = " ".join(f"{k}={v}" for k, v in settings.items()) or "defaults"
            print(f"{shown:<60} odd P {means[1]['P']:.3f} R {means[1]['R']:.3f} "
                  f"FM {means[1]['FM']:4.2f}% | even P {means[0]['P']:.3f} "
                  f"R {means[0]['R']:.3f} FM {means[0]['FM']:4.2f}%", flush=True)

    def meets(m):
        return m["P"] >= args.min_precision and m["FM"] <= args.max_false_merges

    print()
    held = []
    for chosen_on, scored_on, name in ((1, 0, "odd"), (0, 1, "even")):
        eligible = [r for r in results if meets(r[1][chosen_on])] or results
        settings, means, spread = max(eligible, key=lambda r: (r[1][chosen_on]["R"],
                                                                r[1][chosen_on]["P"]))
        m = means[scored_on]
        held.append(m)
        shown = " ".join(f"{k}={v}" for k, v in settings.items()) or "defaults"
        other = "even" if name == "odd" else "odd"
        print(f"chosen on {name} topics: {shown}")
        print(f"  held out, {other} topics ({args.orders} orders, {args.mode}): "
              f"P {m['P']:.3f}  R {m['R']:.3f} ± {spread[scored_on]:.3f}  "
              f"same-topic false merges {m['FM']:.2f}%")
    print(f"held-out mean: P {statistics.mean(m['P'] for m in held):.3f}  "
          f"R {statistics.mean(m['R'] for m in held):.3f}  "
          f"FM {statistics.mean(m['FM'] for m in held):.2f}%")


if __name__ == "__main__":
    main()
