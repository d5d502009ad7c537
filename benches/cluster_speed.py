#!/usr/bin/env python3
"""`copydesk cluster` end to end beside gaoya's pipeline, in paired rounds, as ratios.

What a user runs, timed as a whole process (JSONL in, one line per article out):

- reference: gaoya (Python, Rust core) on one thread: read the JSONL, build its MinHash LSH
  index (`MinHashStringIndex`, 32 bands of 4 rows, word 5-shingles, lowercased) and query
  every article against it, writing the pairs. Its query re-hashes each text (its Python API
  takes no signatures), so the time of hashing every text once more, measured in the same
  process, is taken off its wall time. A stricter reference, its index build and query alone
  (no interpreter start, no JSON), is printed beside it;
- `copydesk cluster --threads 1 --no-stories` (exact and near copies);
- `copydesk cluster --threads 1`, the default (stories, re-formed once all are in);
- `copydesk cluster --threads 2`.

Each round runs every command once, in an order that alternates from round to round, so
that the host's drift falls on all of them; each ratio is taken within a round, and the
median and range over the rounds are printed. gaoya comes from the peers' virtual
environment (docs/performance.md says how to make it):

    cargo build --release --features cli
    python3 benches/cluster_speed.py --rounds 10 --python /tmp/peers-venv/bin/python \\
        ../shared/data/reuters21578.jsonl ../shared/data/bbc_news.jsonl

`--baseline PATH` adds another copydesk binary's two one-thread runs (an older build, say).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def gaoya_child(paths):
    """The reference pipeline; prints its re-hashing time as JSON."""
    import gaoya

    ids, texts = [], []
    for p in paths:
        with open(p, encoding="utf-8") as fh:
            for line in fh:
                d = json.loads(line)
                t = d.get("text") or ""
                if t.strip():
                    ids.append(len(ids))
                    texts.append(t)
    index = gaoya.minhash.MinHashStringIndex(
        hash_size=32, jaccard_threshold=0.5, num_bands=32, band_size=4,
        analyzer="word", lowercase=True, ngram_range=(5, 5),
    )
    t0 = time.perf_counter()
    index.par_bulk_insert_docs(ids, texts)
    found = index.par_bulk_query(texts)
    core = time.perf_counter() - t0
    with open(os.devnull, "w") as out:
        for i, matches in zip(ids, found):
            out.write(json.dumps({"id": i, "matches": sorted(matches)}) + "\n")
    # What its query spent hashing the texts again, measured alike, to take off.
    inner = index.minhash_index
    t0 = time.perf_counter()
    for t in texts:
        inner.tokenize_and_minhash(t.lower())
    rehash = time.perf_counter() - t0
    print(json.dumps({"rehash_s": rehash, "core_s": core - rehash}))


def timed(cmd, env=None):
    t0 = time.perf_counter()
    done = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, check=True)
    return time.perf_counter() - t0, done.stdout


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("paths", nargs="+")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--python", default=sys.executable, help="a Python with gaoya installed")
    ap.add_argument("--binary", default=os.path.join(ROOT, "target", "release", "copydesk"))
    ap.add_argument("--baseline", help="another copydesk binary to time beside it")
    ap.add_argument("--gaoya-child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.gaoya_child:
        return gaoya_child(args.paths)

    one = dict(os.environ, RAYON_NUM_THREADS="1")
    gaoya_cmd = [args.python, os.path.abspath(__file__), "--gaoya-child", *args.paths]

    core = []

    def gaoya():
        wall, out = timed(gaoya_cmd, env=one)
        report = json.loads(out.decode().strip().splitlines()[-1])
        core.append(report["core_s"])
        return wall - report["rehash_s"]

    def cluster(binary, *flags):
        return lambda: timed([binary, "cluster", "-q", *flags, *args.paths])[0]

    runs = {
        "gaoya: read, index, query all (one thread)": gaoya,
        "copydesk cluster --threads 1 --no-stories": cluster(args.binary, "--threads", "1", "--no-stories"),
        "copydesk cluster --threads 1": cluster(args.binary, "--threads", "1"),
        "copydesk cluster --threads 2": cluster(args.binary, "--threads", "2"),
    }
    if args.baseline:
        runs["baseline --threads 1 --no-stories"] = cluster(args.baseline, "--threads", "1", "--no-stories")
        runs["baseline --threads 1"] = cluster(args.baseline, "--threads", "1")
    names = list(runs)
    for f in runs.values():  # warm the page cache and the binaries
        f()
    seconds = {n: [] for n in names}
    for r in range(args.rounds):
        order = names if r % 2 == 0 else names[::-1]
        for n in order:
            seconds[n].append(runs[n]())
        print(f"round {r + 1}: " + ", ".join(f"{seconds[n][-1]:.3f}" for n in names), flush=True)

    ref = seconds[names[0]]
    # gaoya's index build and query alone (no interpreter, no JSON), re-hashing taken off:
    # the stricter reference, measured inside the rounds' gaoya processes.
    core = core[-args.rounds:]
    print(f"\n{len(args.paths)} file(s), {args.rounds} paired rounds; times in seconds (median), "
          "ratios within each round (median, range); 'core' is gaoya's build and query alone, "
          f"{statistics.median(core):.3f} s\n")
    print("| run | time | × gaoya | range | × gaoya core | range |")
    print("|---|---|---|---|---|---|")
    for n in names:
        ratios = [g / s for g, s in zip(ref, seconds[n])]
        strict = [g / s for g, s in zip(core, seconds[n])]
        print(f"| {n} | {statistics.median(seconds[n]):.3f} | {statistics.median(ratios):.2f} "
              f"| {min(ratios):.2f}–{max(ratios):.2f} | {statistics.median(strict):.2f} "
              f"| {min(strict):.2f}–{max(strict):.2f} |")
    t1 = seconds["copydesk cluster --threads 1"]
    t2 = seconds["copydesk cluster --threads 2"]
    two = [a / b for a, b in zip(t1, t2)]
    print(f"\ntwo threads against one (default mode): {statistics.median(two):.2f}× "
          f"({min(two):.2f}–{max(two):.2f})")


if __name__ == "__main__":
    sys.exit(main())
