"""copydesk from Python against the MinHash libraries Python users pick, in one run, on one
corpus, end to end from Python strings (one thread where a library lets one choose).

    python benches/python_speed.py ../shared/data/reuters21578.jsonl ../shared/data/bbc_news.jsonl

Each library: word 5-shingles (its own tokeniser where it has one), 128 permutations, an LSH
index at Jaccard 0.5, every article inserted and queried. copydesk: `Detector.insert_batch`
(near copies and stories, the whole detector) and `copydesk.signatures` (signing alone).
Peers that are not installed are skipped; figures are seconds, best of `--rounds`, and the
ratio to copydesk's `insert_batch` of the same run.
"""

import argparse
import json
import re
import time


def load(paths):
    texts = []
    for p in paths:
        with open(p, encoding="utf-8") as f:
            texts += [json.loads(line)["text"] for line in f if line.strip()]
    return texts


def shingles(text, k=5):
    words = re.findall(r"\w+", text.lower())
    return {" ".join(words[i : i + k]) for i in range(max(1, len(words) - k + 1))}


def best(fn, rounds):
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times), max(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("paths", nargs="+")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    texts = load(args.paths)
    ids = [str(i) for i in range(len(texts))]
    results = {}

    import copydesk

    def cd_detector():
        copydesk.Detector().insert_batch(ids, texts, on_error="skip")

    results["copydesk Detector.insert_batch (all tiers)"] = best(cd_detector, args.rounds)
    results["copydesk signatures (signing only)"] = best(lambda: copydesk.signatures(texts), args.rounds)

    def cd_blocks():
        lsh = copydesk.MinHashLSH(threshold=0.5, num_perm=128)
        ms = []
        for i, t in zip(ids, texts):
            m = copydesk.MinHash(num_perm=128)
            m.update_batch(shingles(t))
            lsh.insert(i, m)
            ms.append(m)
        for m in ms:
            lsh.query(m)

    results["copydesk MinHash + MinHashLSH (datasketch API)"] = best(cd_blocks, args.rounds)

    try:
        from datasketch import MinHash, MinHashLSH

        def ds():
            lsh = MinHashLSH(threshold=0.5, num_perm=128)
            ms = []
            for i, t in zip(ids, texts):
                m = MinHash(num_perm=128)
                m.update_batch([s.encode() for s in shingles(t)])
                lsh.insert(i, m)
                ms.append(m)
            for m in ms:
                lsh.query(m)

        results["datasketch MinHash + MinHashLSH"] = best(ds, 1)
    except ImportError:
        pass
    try:
        from rensa import RMinHash, RMinHashLSH

        def rs():
            mhs = RMinHash.from_token_sets([list(shingles(t)) for t in texts], num_perm=128, seed=42)
            lsh = RMinHashLSH(threshold=0.5, num_perm=128, num_bands=16)
            lsh.insert_many(mhs)
            lsh.query_all(mhs)

        results["rensa RMinHash + RMinHashLSH"] = best(rs, args.rounds)
    except ImportError:
        pass
    try:
        import gaoya

        def ga():
            idx = gaoya.minhash.MinHashStringIndex(
                hash_size=32, jaccard_threshold=0.5, num_bands=16, band_size=8,
                analyzer="word", lowercase=True, ngram_range=(5, 5),
            )
            idx.par_bulk_insert_docs(list(range(len(texts))), texts)
            idx.par_bulk_query(texts)

        results["gaoya MinHashStringIndex (bulk insert + query)"] = best(ga, args.rounds)
    except ImportError:
        pass

    ref = results["copydesk Detector.insert_batch (all tiers)"][0]
    print(f"{len(texts)} articles")
    print("| what | best s | worst s | ÷ copydesk insert_batch |")
    print("|---|---|---|---|")
    for k, (lo, hi) in results.items():
        print(f"| {k} | {lo:.2f} | {hi:.2f} | {lo / ref:.1f} |")


if __name__ == "__main__":
    main()
