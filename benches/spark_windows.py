"""copydesk.spark's stories against one Detector over the whole corpus, on JSONL files with an
`id`, a `text` and optionally a time (`t` in Unix seconds, or Reuters' `date`), in local[2]:

    python benches/spark_windows.py ../shared/data/reuters21578.jsonl \
        ../shared/data/bbc_news.jsonl --window-days 30

The single detector is given the corpus's term statistics and every article in order of time
(as each window's detector is), so what differs is the windows. Prints the same-story pairs
of each, how many they share, and the verdicts (kind, original) that differ.
"""

import argparse
import datetime
import itertools
import json
import os
import sys
import time

import copydesk


def pairs(verdicts):
    by_story = {}
    for i, s in verdicts.items():
        if s is not None:
            by_story.setdefault(s, []).append(i)
    return {p for m in by_story.values() for p in itertools.combinations(sorted(m), 2)}


def time_of(r):
    """`t`, or Reuters' `date` (`26-FEB-1987 15:01:01.79`) as Unix seconds, or None."""
    if r.get("t") is not None:
        return r["t"]
    try:
        t = datetime.datetime.strptime(r["date"].strip().split(".")[0], "%d-%b-%Y %H:%M:%S")
    except (KeyError, ValueError):
        return None
    return int(t.replace(tzinfo=datetime.timezone.utc).timestamp())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("paths", nargs="+")
    ap.add_argument("--window-days", type=float, default=30.0)
    args = ap.parse_args()
    rows = []
    for path in args.paths:
        for line in open(path, encoding="utf-8"):
            r = json.loads(line)
            rows.append({"id": r["id"], "text": r["text"], "t": time_of(r)})
    seq = {r["id"]: i for i, r in enumerate(rows)}
    ordered = sorted(rows, key=lambda r: (r.get("t") is None, r.get("t") or 0, seq[r["id"]]))
    texts = [r["text"] for r in ordered]
    times = [r.get("t") for r in ordered]
    stats = copydesk.term_statistics(texts, times)
    d = copydesk.Detector()
    d.set_term_statistics(stats, excluding=texts, times=times)
    d.insert_batch([r["id"] for r in ordered], texts, published=times, on_error="skip")
    d.finish()
    single = {v.id: v for v in d.verdicts()}

    from pyspark.sql import SparkSession

    from copydesk.spark import cluster

    # Spark's Python workers run this interpreter, which has copydesk, not python3 on PATH.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    spark = (
        SparkSession.builder.master("local[2]")
        .config("spark.sql.shuffle.partitions", "8")
        .config("spark.ui.enabled", "false")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    df = spark.createDataFrame(
        [{"id": r["id"], "text": r["text"], "t": r.get("t")} for r in rows],
        "id string, text string, t long",
    )
    t0 = time.time()
    got = {r["id"]: r for r in cluster(df, time="t", window_days=args.window_days).collect()}
    seconds = time.time() - t0
    a = pairs({i: v.story for i, v in single.items()})
    b = pairs({i: r["story"] for i, r in got.items()})
    differ = sum(
        1
        for i, v in single.items()
        if (v.kind, v.of) != (got[i]["kind"], got[i]["of"])
    )
    print(f"{len(rows)} articles, windows of {args.window_days} days, Spark {seconds:.1f} s")
    print(f"same-story pairs: single detector {len(a)}, Spark {len(b)}, both {len(a & b)}")
    print(f"Spark's pairs the single detector has: {len(a & b) / max(1, len(b)):.3f}")
    print(f"single detector's pairs Spark finds: {len(a & b) / max(1, len(a)):.3f}")
    print(f"verdicts that differ: {differ} of {len(single)}")


if __name__ == "__main__":
    main()
