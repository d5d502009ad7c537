#!/usr/bin/env python3
"""copydesk beside the peer libraries, in one run, on one corpus, with ratios.

Runs ../shared/peers/peers_bench.py (datasketch, rensa, gaoya, ...: each in its own process,
128 permutations, lowercased word 5-shingles, LSH 32 x 4 verified at Jaccard >= 0.5, recall
against exact Jaccard), then copydesk's matching measurement (examples/peer_bench.rs) on the
same corpus with the same reference pairs, and prints one table. Its last copydesk rows sign
256 slots and band them 64 x 4: a longer signature's recall and cost
(`benches/recall_seeds.py --perms 256 --lsh 64x4` measures the peers so, over seeds).

Set up the peers once, outside the repository (see ../shared/peers/README.md):

    python3 -m venv /tmp/peers-venv
    /tmp/peers-venv/bin/pip install datasketch rensa gaoya FastSketchLSH simhash xxhash numpy scipy psutil

Then, from the repository root:

    /tmp/peers-venv/bin/python benches/peers.py \\
        --corpus ../shared/data/reuters21578.jsonl --corpus ../shared/data/bbc_news.jsonl

Machines here are shared and noisy: read the ratios, which were measured in the same run.
The host's speed drifts within a run too, so `--rounds N` then measures the two ratios that
bars are set on in N paired rounds, each a few seconds long: gaoya's signatures (best of
`--repeat`) beside copydesk's, and copydesk on two threads beside one, in alternating order,
and prints each round's ratios and their median.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", action="append", required=True)
    ap.add_argument("--peers", default="truth,datasketch,rensa,gaoya")
    ap.add_argument("--peers-script", default=os.path.join(ROOT, "..", "shared", "peers", "peers_bench.py"))
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--work", default="/tmp/copydesk-peers")
    ap.add_argument("--rounds", type=int, default=0)
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    truth = os.path.join(args.work, "truth.json")
    out = os.path.join(args.work, "peers.json")
    corpus = sum((["--corpus", c] for c in args.corpus), [])

    peers_cmd = [sys.executable, args.peers_script, *corpus, "--peers", args.peers,
                 "--truth-out", truth, "--out", out, "--repeat", str(args.repeat)]
    print("$", " ".join(peers_cmd), flush=True)
    subprocess.run(peers_cmd, check=True, stdout=subprocess.DEVNULL)
    results = [r for r in json.load(open(out)) if "error" not in r]

    subprocess.run(["cargo", "build", "--release", "--quiet", "--example", "peer_bench"], cwd=ROOT, check=True)
    exe = os.path.join(ROOT, "target", "release", "examples", "peer_bench")
    # The peers' settings on one thread and on two, then a 256-slot signature banded 64 x 4
    # (the same 4-row bands over all its slots): what a longer signature buys in recall, and
    # what it costs.
    for threads, extra in ((1, []), (2, []), (1, ["--slots", "256", "--lsh", "64x4"])):
        cmd = [exe, *corpus, "--truth", truth, "--threads", str(threads), *extra]
        print("$", " ".join(cmd), flush=True)
        p = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=ROOT)
        for line in p.stdout.splitlines():
            r = json.loads(line)
            if threads == 2 and r["peer"] != "copydesk":
                continue
            if extra:
                r["peer"] += " (256 slots, 64 x 4)"
            results.append(r)

    gaoya = next((r for r in results if r["peer"] == "gaoya"), None)
    base_mb_s = gaoya["corpus_mb"] / gaoya["sign_s"] if gaoya else None
    hdr = ["peer", "threads", "docs/s", "MB/s", "x gaoya", "LSH build s", "query-all s",
           "build+query s", "query each s", "recall", "peak MB"]
    print("| " + " | ".join(hdr) + " |")
    print("|" + "---|" * len(hdr))
    for r in results:
        if r["peer"] == "truth":
            continue
        s = r.get("sign_s")
        mb_s = r["corpus_mb"] / s if s else None
        build = r.get("build_s", r.get("build_incl_hash_s"))
        query = r.get("query_s", r.get("query_incl_hash_and_verify_s"))
        recall = r.get("vs_truth", {}).get("recall")
        each = r.get("query_each_s")
        cells = [
            r["peer"], r["threads"],
            f"{r['n_docs'] / s:,.0f}" if s else "-",
            f"{mb_s:.1f}" if mb_s else "-",
            f"{mb_s / base_mb_s:.1f}" if mb_s and base_mb_s else "-",
            f"{build:.3f}" if build is not None else "-",
            f"{query:.3f}" if query is not None else "-",
            f"{build + query:.3f}" if build is not None and query is not None else "-",
            f"{each:.3f}" if each is not None else "-",
            f"{recall:.3f}" if recall is not None else "-",
            f"{r['peak_rss_mb']:.0f}",
        ]
        print("| " + " | ".join(str(c) for c in cells) + " |")
    print("\ngaoya's build and query re-hash the text (its Python API takes no signatures).")
    print("copydesk's query-all is the self-join `LshIndex::candidate_pairs` (band by band); "
          "'query each' queries every document, as the peers do: the same pairs.")
    if args.rounds:
        paired_rounds(args, corpus, exe)


def paired_rounds(args, corpus, exe):
    """Signature time of gaoya, copydesk on one thread and on two, measured close together."""
    out = os.path.join(args.work, "round.json")

    def gaoya():
        cmd = [sys.executable, args.peers_script, *corpus, "--peers", "gaoya",
               "--out", out, "--repeat", str(args.repeat)]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return next(r for r in json.load(open(out)) if r["peer"] == "gaoya")["sign_s"]

    def copydesk(threads):
        cmd = [exe, *corpus, "--variant", "copydesk", "--threads", str(threads)]
        p = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=ROOT)
        return json.loads(p.stdout.splitlines()[0])["sign_s"]

    print(f"\n{args.rounds} paired rounds (signature seconds; order alternates):")
    print("| round | gaoya s | copydesk 1 thread s | copydesk 2 threads s | x gaoya | 2 threads / 1 |")
    print("|---|---|---|---|---|---|")
    vs_gaoya, scaling = [], []
    for i in range(args.rounds):
        steps = [("g", gaoya), ("1", lambda: copydesk(1)), ("2", lambda: copydesk(2))]
        if i % 2:
            steps.reverse()
        t = {name: f() for name, f in steps}
        vs_gaoya.append(t["g"] / t["1"])
        scaling.append(t["1"] / t["2"])
        print(f"| {i + 1} | {t['g']:.3f} | {t['1']:.4f} | {t['2']:.4f} | "
              f"{vs_gaoya[-1]:.2f} | {scaling[-1]:.2f} |", flush=True)
    print(f"median: {statistics.median(vs_gaoya):.2f}x gaoya "
          f"(range {min(vs_gaoya):.2f}-{max(vs_gaoya):.2f}); two threads "
          f"{statistics.median(scaling):.2f}x one (range {min(scaling):.2f}-{max(scaling):.2f})")


if __name__ == "__main__":
    main()
