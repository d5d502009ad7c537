#!/usr/bin/env python3
"""Recall against exact Jaccard >= 0.5, averaged over seeds, for the peers whose MinHash takes
a seed (rensa R-MinHash and C-MinHash, datasketch). One seed's recall is one draw: on
Reuters+BBC about 120 of the ~980 reference pairs sit within 0.1 of the threshold, where an
estimate from 128 slots falls either side of 0.5 by chance. The mean over seeds is what a
method delivers; compare it with `peer_bench --seeds N` (copydesk, same settings).

    /tmp/peers-venv/bin/python benches/recall_seeds.py --seeds 10 \\
        --corpus ../shared/data/reuters21578.jsonl --corpus ../shared/data/bbc_news.jsonl \\
        --truth /tmp/copydesk-peers/truth.json

Settings as ../shared/peers/peers_bench.py: 128 permutations, `text.lower().split()` word
5-shingles, LSH 32 bands x 4 rows, candidates verified at the signature's estimate >= 0.5.
`--perms 256 --lsh 64x4` measures longer signatures, banded alike (`peer_bench --seeds N
--slots 256 --lsh 64x4` is copydesk's side). `--truth` is the reference pair list that
`benches/peers.py` writes.
"""

import argparse
import json
import statistics


def shingles(text, k=5):
    w = text.lower().split()
    if len(w) < k:
        return [" ".join(w)] if w else []
    return [" ".join(w[i : i + k]) for i in range(len(w) - k + 1)]


def recall(pairs, truth):
    return sum(1 for p in pairs if p in truth) / len(truth)


def pairs_from(cands, sigs, jaccard):
    out = set()
    for i, c in enumerate(cands):
        for j in c:
            if j != i:
                a, b = min(i, j), max(i, j)
                if (a, b) not in out and jaccard(sigs[a], sigs[b]) >= 0.5:
                    out.add((a, b))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", action="append", required=True)
    ap.add_argument("--truth", required=True)
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--first-seed", type=int, default=0)
    ap.add_argument("--peers", default="rensa,rensa_c,datasketch")
    ap.add_argument("--perms", type=int, default=128)
    ap.add_argument("--lsh", default="32x4", help="BANDSxROWS, at most --perms slots")
    args = ap.parse_args()
    bands, rows = (int(x) for x in args.lsh.split("x"))
    perms = args.perms
    if bands * rows > perms:
        raise SystemExit(f"--lsh {args.lsh} needs more than {perms} permutations")
    texts = []
    for p in args.corpus:
        with open(p, encoding="utf-8") as fh:
            for line in fh:
                t = json.loads(line).get("text") or ""
                if t.strip():
                    texts.append(t)
    sh = [shingles(t) for t in texts]
    truth = {(min(a, b), max(a, b)) for a, b in json.load(open(args.truth))}
    for peer in args.peers.split(","):
        recalls = []
        for seed in range(args.first_seed, args.first_seed + args.seeds):
            if peer in ("rensa", "rensa_c"):
                from rensa import CMinHash, RMinHash, RMinHashLSH

                if peer == "rensa":
                    sigs = RMinHash.from_token_sets(sh, num_perm=perms, seed=seed)
                else:
                    sigs = []
                    for d in sh:
                        m = CMinHash(num_perm=perms, seed=seed)
                        m.update(d)
                        sigs.append(m)
                keys = list(range(len(sigs)))
                digests = [s.digest() for s in sigs]
                # Band the digests directly (32 x 4 by default), as RMinHashLSH does, so both
                # variants share one LSH.
                buckets = {}
                for i, d in enumerate(digests):
                    for b in range(bands):
                        band = tuple(d[b * rows : (b + 1) * rows])
                        buckets.setdefault((b, band), []).append(i)
                cands = [set() for _ in keys]
                for members in buckets.values():
                    if len(members) > 1:
                        for i in members:
                            cands[i].update(members)
                jac = lambda x, y: sum(1 for u, v in zip(x, y) if u == v) / perms
                found = pairs_from(cands, digests, jac)
            elif peer == "datasketch":
                from datasketch import MinHash, MinHashLSH

                enc = [[s.encode("utf-8") for s in d] for d in sh]
                mhs = MinHash.bulk(enc, num_perm=perms, seed=seed)
                lsh = MinHashLSH(num_perm=perms, params=(bands, rows))
                for i, m in enumerate(mhs):
                    lsh.insert(i, m)
                cands = [lsh.query(m) for m in mhs]
                found = pairs_from(cands, mhs, lambda x, y: x.jaccard(y))
            else:
                raise SystemExit(f"unknown peer {peer}")
            recalls.append(recall(found, truth))
        print(json.dumps({
            "peer": peer,
            "seeds": args.seeds,
            "perms": perms,
            "bands_rows": [bands, rows],
            "recall_mean": statistics.mean(recalls),
            "recall_sd": statistics.stdev(recalls) if len(recalls) > 1 else 0.0,
            "recall_min": min(recalls),
            "recall_max": max(recalls),
        }), flush=True)


if __name__ == "__main__":
    main()
