"""copydesk.spark against the single-machine command line on one large corpus, in local[2]:
wall time, peak memory of each whole process tree (Spark's JVM and Python workers summed),
Spark's shuffle bytes, and how far the two agree.

    cargo build --release
    cargo run --release --example mutate -- 1000000 ../shared/data/reuters21578.jsonl \\
        ../shared/data/bbc_news.jsonl > /tmp/m1.jsonl
    python benches/spark_million.py /tmp/m1.jsonl --spread-days 365            # stories
    python benches/spark_million.py /tmp/m1.jsonl --spread-days 365 --no-stories

`mutate`'s articles have no times, so the script gives line i the time `i * spread / n`
(seconds after 2020-01-01), writes that copy once (`--work`), and runs both sides on it:
`copydesk cluster --time-field t` (two threads) and `copydesk.spark.cluster(time="t")` in
local[2] with 30-day windows. Memory is the peak of the process tree's proportional set size
(Spark's JVM and Python workers, summed). Run it with the Python that has copydesk and pyspark installed
(`maturin develop --release` in python/); `--driver-memory` is the JVM's heap.
"""

import argparse
import json
import os
import subprocess
import sys
import threading
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
START = 1_577_836_800  # 2020-01-01T00:00:00Z


class TreeMemory:
    """Samples the memory of a process and all its descendants, summed, every `every` seconds,
    from /proc; `peak` is the largest sum seen. Each process counts its proportional set size
    (PSS: a page shared by n processes counts 1/n in each), so that pages shared between
    forked workers, or files mapped by several, are counted once, as resident sizes summed
    would not."""

    def __init__(self, pid, every=0.25):
        self.pid, self.every, self.peak = pid, every, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def _tree_rss(self):
        children = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as f:
                    stat = f.read()
                ppid = int(stat.rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(entry))
            except (OSError, IndexError, ValueError):
                continue
        total, todo = 0, [self.pid]
        while todo:
            pid = todo.pop()
            try:
                with open(f"/proc/{pid}/smaps_rollup") as f:
                    for line in f:
                        if line.startswith("Pss:"):
                            total += int(line.split()[1]) * 1024
                            break
            except (OSError, ValueError):
                pass
            todo.extend(children.get(pid, []))
        return total

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, self._tree_rss())
            self._stop.wait(self.every)


def timed_copy(src, work, spread_days):
    """`src` with `t` set on every line (line i at i * spread / n), written once."""
    dst = os.path.join(work, f"{os.path.basename(src)}.t{spread_days:g}d.jsonl")
    if os.path.exists(dst):
        return dst
    with open(src, encoding="utf-8") as f:
        n = sum(1 for _ in f)
    spread = spread_days * 86400
    tmp = dst + ".part"
    with open(src, encoding="utf-8") as f, open(tmp, "w", encoding="utf-8") as out:
        for i, line in enumerate(f):
            r = json.loads(line)
            out.write(json.dumps({"id": r["id"], "text": r["text"], "t": START + int(i * spread / n)}))
            out.write("\n")
    os.replace(tmp, dst)
    return dst


def run_cli(path, stories, work):
    exe = os.path.join(ROOT, "target", "release", "copydesk")
    out = os.path.join(work, "cli.jsonl")
    cmd = [exe, "cluster", "-q", "--time-field", "t", path] + ([] if stories else ["--no-stories"])
    print("$", " ".join(cmd), f"> {out}", flush=True)
    t0 = time.time()
    with open(out, "w") as f:
        proc = subprocess.Popen(cmd, stdout=f)
        with TreeMemory(proc.pid) as mem:
            if proc.wait() != 0:
                sys.exit(f"copydesk cluster failed: {proc.returncode}")
    seconds = time.time() - t0
    verdicts = {}
    with open(out) as f:
        for line in f:
            r = json.loads(line)
            verdicts[r["id"]] = r
    return seconds, mem.peak, verdicts


def shuffle_bytes(spark):
    """Bytes written and read by every stage's shuffle, from Spark's status API."""
    sc = spark.sparkContext
    url = f"{sc.uiWebUrl}/api/v1/applications/{sc.applicationId}/stages?status=complete"
    stages = json.load(urllib.request.urlopen(url))
    return (
        sum(s.get("shuffleWriteBytes", 0) for s in stages),
        sum(s.get("shuffleReadBytes", 0) for s in stages),
        len(stages),
    )


def run_spark(path, stories, window_days, memory, partitions):
    from pyspark.sql import SparkSession

    from copydesk.spark import cluster

    # Spark's Python workers run this interpreter, which has copydesk, not python3 on PATH.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    with TreeMemory(os.getpid()) as mem:
        t0 = time.time()
        spark = (
            SparkSession.builder.master("local[2]")
            .config("spark.driver.memory", memory)
            .config("spark.sql.shuffle.partitions", str(partitions))
            .config("spark.ui.retainedStages", "10000")
            .config("spark.ui.showConsoleProgress", "false")
            .getOrCreate()
        )
        spark.sparkContext.setLogLevel("ERROR")
        df = spark.read.schema("id string, text string, t long").json(path)
        rows = cluster(df, time="t", window_days=window_days, stories=stories).collect()
        seconds = time.time() - t0
    written, read, stages = shuffle_bytes(spark)
    verdicts = {r["id"]: r.asDict() for r in rows}
    spark.stop()
    return seconds, mem.peak, (written, read, stages), verdicts


def pair_counts(a, b):
    """Same-story pairs of two labellings of the same articles: of `a`, of `b`, and of both,
    counted from the sizes of the stories and of their intersections (a million articles'
    pairs would not fit in memory as a set)."""
    from collections import Counter

    def pairs(sizes):
        return sum(n * (n - 1) // 2 for n in sizes.values())

    sa = Counter(v["story"] for v in a.values() if v.get("story") is not None)
    sb = Counter(v["story"] for v in b.values() if v.get("story") is not None)
    both = Counter(
        (v["story"], b[i]["story"])
        for i, v in a.items()
        if v.get("story") is not None and b[i].get("story") is not None
    )
    return pairs(sa), pairs(sb), pairs(both)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("path")
    ap.add_argument("--spread-days", type=float, default=365.0)
    ap.add_argument("--window-days", type=float, default=30.0)
    ap.add_argument("--no-stories", action="store_true")
    ap.add_argument("--driver-memory", default="8g")
    ap.add_argument("--partitions", type=int, default=64)
    ap.add_argument("--work", default="/tmp/copydesk-spark-million")
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    stories = not args.no_stories
    path = timed_copy(args.path, args.work, args.spread_days)

    cli_s, cli_mem, cli = run_cli(path, stories, args.work)
    print(f"copydesk cluster: {cli_s:.1f} s, peak {cli_mem / 1e9:.2f} GB, {len(cli)} articles", flush=True)
    spark_s, spark_mem, (written, read, stages), got = run_spark(
        path, stories, args.window_days, args.driver_memory, args.partitions
    )
    print(
        f"copydesk.spark.cluster, local[2]: {spark_s:.1f} s, peak {spark_mem / 1e9:.2f} GB "
        f"(driver JVM and Python workers), shuffle written {written / 1e9:.2f} GB, "
        f"read {read / 1e9:.2f} GB over {stages} stages ({written / max(1, len(got)):.0f} bytes "
        f"written an article)"
    )
    print(f"Spark / command line: {spark_s / cli_s:.1f}x the time, {spark_mem / cli_mem:.1f}x the memory")
    differ = [i for i, v in cli.items() if (v["kind"], v["of"]) != (got[i]["kind"], got[i]["of"])]
    print(f"verdicts (kind, original) that differ: {len(differ)} of {len(cli)}")
    with open(os.path.join(args.work, "differ.jsonl"), "w") as f:
        for i in differ:
            f.write(json.dumps({"id": i, "cli": cli[i], "spark": got[i]}) + "\n")
    a, b, both = pair_counts(cli, got)
    print(f"same-story pairs: command line {a}, Spark {b}, both {both}")
    print(f"Spark's pairs the command line has: {both / max(1, b):.3f}")
    print(f"command line's pairs Spark finds: {both / max(1, a):.3f}")


if __name__ == "__main__":
    main()
