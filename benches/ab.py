#!/usr/bin/env python3
"""Two builds of `peer_bench` side by side: which is faster at signing, as a median ratio.

A change to the hot path moves signing time by a few percent; the host moves it by more than
that from one minute to the next. So the two builds run at the same moment, each pinned to
one of the two cores (`taskset -c`), the cores swapped every round, and the script prints
each round's `sign_s` (best of three inside peer_bench) and the median of new / old.

    git worktree add /tmp/old HEAD~1
    (cd /tmp/old && cargo build --release --example peer_bench)
    cargo build --release --example peer_bench
    python3 benches/ab.py /tmp/old/target/release/examples/peer_bench \\
        target/release/examples/peer_bench --rounds 20 \\
        -- --corpus ../shared/data/reuters21578.jsonl --corpus ../shared/data/bbc_news.jsonl

Arguments after `--` go to both builds (`--variant copydesk` is added unless one is given).
"""

import argparse
import json
import statistics
import subprocess
import sys


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("old")
    ap.add_argument("new")
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--field", default="sign_s")
    argv = sys.argv[1:]
    passed = argv[argv.index("--") + 1:] if "--" in argv else []
    args = ap.parse_args(argv[:argv.index("--")] if "--" in argv else argv)
    extra = passed if "--variant" in passed else [*passed, "--variant", "copydesk"]
    ratios = []
    print("| round | old s | new s | new / old |")
    print("|---|---|---|---|")
    for r in range(args.rounds):
        cores = ("0", "1") if r % 2 else ("1", "0")
        procs = [subprocess.Popen(["taskset", "-c", core, exe, *extra], stdout=subprocess.PIPE, text=True)
                 for exe, core in zip((args.old, args.new), cores)]
        old, new = (json.loads(p.communicate()[0].splitlines()[0])[args.field] for p in procs)
        if any(p.returncode for p in procs):
            raise SystemExit("a build failed")
        ratios.append(new / old)
        print(f"| {r + 1} | {old:.4f} | {new:.4f} | {new / old:.3f} |", flush=True)
    print(f"median new / old: {statistics.median(ratios):.3f} "
          f"(range {min(ratios):.3f}-{max(ratios):.3f}, {args.rounds} rounds)")


if __name__ == "__main__":
    main()
