"""text-dedup's MinHash deduplication beside `copydesk cluster --no-stories`, on one JSONL file
with `id` and `text`, in the same run: wall time, peak memory, and which articles each calls
a duplicate.

Install text-dedup outside the repository and run this with that interpreter:

    python3 -m venv /tmp/textdedup-venv
    /tmp/textdedup-venv/bin/pip install text-dedup
    cargo build --release --features cli
    /tmp/textdedup-venv/bin/python benches/text_dedup.py /tmp/m1.jsonl --num-proc 2

text-dedup runs with the settings copydesk's peers are measured with (word 5-grams, 128
permutations, 32 bands of 4 rows, threshold 0.5, xxh3) on `--num-proc` processes; copydesk
on as many threads. text-dedup keeps one article of each cluster of its LSH candidates and
drops the others; copydesk labels each later copy (exact or near) of an earlier article, and
puts it in its original's group.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from spark_million import TreeMemory  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def timed(cmd, stdout=subprocess.DEVNULL, env=None):
    t0 = time.time()
    proc = subprocess.Popen(cmd, stdout=stdout, stderr=subprocess.DEVNULL, env=env)
    with TreeMemory(proc.pid) as mem:
        if proc.wait() != 0:
            sys.exit(f"failed: {' '.join(cmd)}")
    return time.time() - t0, mem.peak


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("path")
    ap.add_argument("--num-proc", type=int, default=2)
    ap.add_argument("--work", default="/tmp/copydesk-text-dedup")
    args = ap.parse_args()
    shutil.rmtree(args.work, ignore_errors=True)
    os.makedirs(args.work)
    out = os.path.join(args.work, "kept")
    env = dict(os.environ, HF_DATASETS_OFFLINE="1")
    td = [
        sys.executable, "-m", "text_dedup.minhash", "--path", "json", "--data_files", args.path,
        "--split", "train", "--cache_dir", os.path.join(args.work, "cache"), "--output", out,
        "--column", "text", "--num_proc", str(args.num_proc), "--ngram", "5", "--num_perm", "128",
        "--b", "32", "--r", "4", "--threshold", "0.5", "--hash_func", "xxh3",
    ]
    td_s, td_mem = timed(td, env=env)
    verdicts = os.path.join(args.work, "copydesk.jsonl")
    exe = os.path.join(ROOT, "target", "release", "copydesk")
    with open(verdicts, "w") as f:
        cd_s, cd_mem = timed(
            [exe, "cluster", "-q", "--no-stories", "--threads", str(args.num_proc), "--time-field",
             "none", args.path],
            stdout=f,
        )

    import datasets

    kept = set(datasets.load_from_disk(out)["id"])
    ids, copies, story = [], set(), {}
    with open(verdicts) as f:
        for line in f:
            v = json.loads(line)
            ids.append(v["id"])
            story[v["id"]] = v["story"]
            if v["kind"] in ("exact", "near_copy"):
                copies.add(v["id"])
    dropped = set(ids) - kept
    # Which member of a group each keeps differs (text-dedup may keep a later one), so a
    # dropped article is compared with copydesk's groups: is it in a group of two or more?
    sizes = {}
    for s in story.values():
        sizes[s] = sizes.get(s, 0) + 1
    grouped = {i for i, s in story.items() if s is not None and sizes[s] > 1}
    print(f"{len(ids)} articles, {args.num_proc} processes / threads")
    print(f"text-dedup: {td_s:.1f} s, peak {td_mem / 1e9:.2f} GB, {len(dropped)} dropped as duplicates")
    print(f"copydesk cluster --no-stories: {cd_s:.1f} s, peak {cd_mem / 1e9:.2f} GB, "
          f"{len(copies)} labelled copies")
    print(f"text-dedup / copydesk: {td_s / cd_s:.1f}x the time, {td_mem / cd_mem:.1f}x the memory")
    print(f"of text-dedup's dropped articles, in a group of copies by copydesk: "
          f"{len(dropped & grouped)} ({len(dropped & grouped) / max(1, len(dropped)):.3f}); "
          f"articles in copydesk's groups of copies: {len(grouped)}")


if __name__ == "__main__":
    main()
