"""copydesk on Apache Spark: near copies and stories for archives past one machine.

>>> from copydesk.spark import cluster
>>> verdicts = cluster(spark.read.json("archive/*.jsonl"), time="published_at")  # doctest: +SKIP

``cluster(df)`` returns one row per article, ``id, story, of, similarity, kind``, as
``copydesk cluster`` writes them. It runs in four stages, each in DataFrame operations (no
extra JARs) with copydesk's native code inside the executors:

1. **Signing.** Each executor signs its articles a batch at a time (Arrow batches, the GIL
   released): the exact-content hash, the MinHash signature and its LSH band keys. The term
   statistics of each partition are counted too, summed on the driver and broadcast.
2. **Near copies.** Articles sharing a band key are candidate pairs (a key shared by more than
   ``max_bucket`` articles, boilerplate, pairs its members with its first one only); each pair
   is verified on its signatures as the detector's near-copy tier verifies it. Equal content
   hashes are exact copies.
3. **Stories.** Stories are local in time, so articles are cut into windows of
   ``window_days``, and each window is clustered by a ``copydesk.Detector`` inside one task,
   weighing terms by the whole corpus's statistics; the articles of a window's last hours (the
   detector's story window, 72 hours by default) are inserted first into the next window's
   detector, as context its articles can match. Articles without a time form one window of
   their own: a corpus without times is clustered in one task, which bounds it by one
   executor's memory (about 2 KB an article).
4. **Reconciling.** A window's story continues the story of the window before with which it
   shares most context articles, when that is mutual; two near copies are in one story
   whatever their distance in time. The union is found with the large-star/small-star
   connected-components algorithm (Kiveris et al., "Connected Components in MapReduce and
   Beyond", SoCC 2014).

docs/spark.md gives the cost model and how to submit the job to a cluster.
"""

from __future__ import annotations

import json
from typing import Any, Iterator, Optional

import numpy as np

from . import _copydesk

__all__ = ["cluster", "connected_components", "sign", "near_copy_pairs", "window_stories"]

_SIGNED = (
    "seq long, id string, t long, content long, shingles int, signature binary, "
    "bands array<long>"
)


def _pyspark():
    try:
        import pyarrow  # noqa: F401
        from pyspark.sql import functions as F
        from pyspark.sql import types as T
    except ImportError as e:  # pragma: no cover - the message is the point
        raise ImportError(
            "copydesk.spark needs pyspark and pyarrow: pip install 'copydesk[spark]'"
        ) from e
    return F, T


def _articles(df, id: str, text: str, time: Optional[str]):
    """The input as ``seq, id, text, t`` (t in Unix seconds or null), checked."""
    F, T = _pyspark()
    fields = {f.name: f.dataType for f in df.schema.fields}
    for name, what in ((id, "id"), (text, "text")):
        if name not in fields:
            raise ValueError(
                f"the DataFrame has no column {name!r} for the {what} "
                f"(its columns: {', '.join(fields)})"
            )
        if not isinstance(fields[name], T.StringType):
            raise TypeError(
                f"column {name!r} ({what}) must be strings, not {fields[name].simpleString()}"
            )
    if time is None:
        t = F.lit(None).cast("long")
    elif time not in fields:
        raise ValueError(f"the DataFrame has no column {time!r} for the time")
    elif isinstance(fields[time], (T.TimestampType, T.DateType)):
        t = F.unix_timestamp(F.col(time).cast("timestamp"))
    elif isinstance(fields[time], (T.LongType, T.IntegerType, T.ShortType)):
        t = F.col(time).cast("long")
    elif isinstance(fields[time], (T.DoubleType, T.FloatType, T.DecimalType)):
        t = F.floor(F.col(time)).cast("long")
    else:
        raise TypeError(
            f"column {time!r} (time) must be a timestamp, a date or Unix seconds, "
            f"not {fields[time].simpleString()}"
        )
    out = df.select(
        F.col(id).alias("id"), F.coalesce(F.col(text), F.lit("")).alias("text"), t.alias("t")
    ).withColumn("seq", F.monotonically_increasing_id())
    check = out.agg(
        F.count(F.lit(1)).alias("rows"),
        F.countDistinct("id").alias("ids"),
        F.sum(F.col("id").isNull().cast("long")).alias("nulls"),
    ).first()
    if check["nulls"]:
        raise ValueError(f"{check['nulls']} articles have a null id")
    if check["ids"] != check["rows"]:
        raise ValueError(
            f"ids must be unique: {check['rows'] - check['ids']} rows repeat an id"
        )
    return out


def sign(articles, config: Optional[dict] = None):
    """Stage 1: ``seq, id, t, content, shingles, signature, bands`` for every article, signed
    in the executors (``articles`` as ``_articles`` returns it). ``shingles`` is 0 for an
    article with no words."""
    import pyarrow as pa

    def batches(it: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for b in it:
            texts = b.column("text").to_pylist()
            times = b.column("t").to_pylist()
            r = _copydesk.sign_batch(texts, times, config)
            n = len(texts)
            sig = np.ascontiguousarray(r["signature"])
            width = sig.shape[1] * 2
            offsets = pa.py_buffer((np.arange(n + 1, dtype=np.int32) * width).tobytes())
            signature = pa.BinaryArray.from_buffers(
                pa.binary(), n, [None, offsets, pa.py_buffer(sig.tobytes())]
            )
            nb = r["bands"].shape[1]
            bands = pa.ListArray.from_arrays(
                pa.array(np.arange(n + 1, dtype=np.int32) * nb),
                pa.array(r["bands"].reshape(-1).view(np.int64)),
            )
            yield pa.RecordBatch.from_arrays(
                [
                    b.column("seq"),
                    b.column("id"),
                    b.column("t"),
                    pa.array(r["content"].view(np.int64)),
                    pa.array(r["shingles"].astype(np.int32)),
                    signature,
                    bands,
                ],
                names=["seq", "id", "t", "content", "shingles", "signature", "bands"],
            )

    return articles.select("seq", "id", "text", "t").mapInArrow(batches, _SIGNED)


def _term_statistics(articles, config: Optional[dict]) -> bytes:
    """The corpus's term statistics: counted per partition, summed on the driver."""
    import pyarrow as pa

    def count(it: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        parts = [
            _copydesk.term_statistics(
                b.column("text").to_pylist(), b.column("t").to_pylist(), config
            )
            for b in it
        ]
        merged = _copydesk.merge_term_statistics(parts)
        yield pa.RecordBatch.from_arrays([pa.array([merged], pa.binary())], names=["stats"])

    parts = articles.select("text", "t").mapInArrow(count, "stats binary").collect()
    return _copydesk.merge_term_statistics([bytes(r["stats"]) for r in parts])


def near_copy_pairs(
    articles, signed, stats: bytes, config: Optional[dict] = None, max_bucket: int = 1000
):
    """Stage 2: ``a, b, score, exact`` for every pair of near or exact copies found (``a``
    published before ``b``), from the articles, their signatures and the corpus's term
    statistics (which the pairs just under the threshold, and short pairs, are checked on)."""
    F, _ = _pyspark()
    import pyarrow as pa

    order = F.struct(F.coalesce("t", F.lit(2**62)), "seq")
    live = signed.where("shingles > 0")
    # Exact copies: every member of a content group against its first.
    firsts = live.groupBy("content").agg(F.min(F.struct(order.alias("o"), "id")).alias("first"))
    exact = (
        live.join(firsts, "content")
        .where(F.col("id") != F.col("first.id"))
        .select(F.col("first.id").alias("a"), F.col("id").alias("b"))
        .withColumn("score", F.lit(1.0))
        .withColumn("exact", F.lit(True))
    )
    # Near copies: pairs sharing a band key, each band key's bucket capped.
    keys = live.select("id", order.alias("o"), F.posexplode("bands").alias("band", "key"))
    bucket = keys.groupBy("band", "key").agg(
        F.count(F.lit(1)).alias("size"), F.min(F.struct("o", "id")).alias("first")
    ).where("size > 1")
    members = keys.join(bucket, ["band", "key"])
    small = members.where(F.col("size") <= max_bucket)
    pairs_small = (
        small.alias("x")
        .join(small.alias("y"), ["band", "key"])
        .where(F.col("x.o") < F.col("y.o"))
        .select(F.col("x.id").alias("a"), F.col("y.id").alias("b"))
    )
    pairs_large = (
        members.where(F.col("size") > max_bucket)
        .where(F.col("id") != F.col("first.id"))
        .select(F.col("first.id").alias("a"), F.col("id").alias("b"))
    )
    candidates = pairs_small.union(pairs_large).distinct()
    sides = signed.select("id", "signature", "shingles")
    joined = (
        candidates.join(sides.toDF("a", "sa", "na"), "a")
        .join(sides.toDF("b", "sb", "nb"), "b")
        .select("a", "b", "sa", "na", "sb", "nb")
    )

    def verify(it):
        for batch in it:
            n = batch.num_rows
            if n == 0:
                continue
            sa = np.frombuffer(b"".join(batch.column("sa").to_pylist()), np.uint16).reshape(n, -1)
            sb = np.frombuffer(b"".join(batch.column("sb").to_pylist()), np.uint16).reshape(n, -1)
            na = np.asarray(batch.column("na").to_numpy(), np.uint32)
            nb = np.asarray(batch.column("nb").to_numpy(), np.uint32)
            score, check = _copydesk.near_copy_scores(sa, na, sb, nb, config)
            yield pa.RecordBatch.from_arrays(
                [batch.column("a"), batch.column("b"), pa.array(score), pa.array(check.astype(np.int8))],
                names=["a", "b", "score", "check"],
            )

    scored = joined.mapInArrow(verify, "a string, b string, score double, check byte").where(
        ~F.isnan("score")
    )
    decided = scored.where("check = 0").select("a", "b", "score")
    # What is left turns on the pair's term vectors: their texts are fetched for it only.
    texts = articles.select("id", "text", "t")
    open_pairs = (
        scored.where("check > 0")
        .join(texts.toDF("a", "ta", "wa"), "a")
        .join(texts.toDF("b", "tb", "wb"), "b")
    )
    cosine_floor = (config or {}).get("near_copy_cosine", _copydesk.Detector.default_config()["near_copy_cosine"])

    def vectors(it):
        for batch in it:
            if batch.num_rows == 0:
                continue
            cos = _copydesk.cosines(
                batch.column("ta").to_pylist(),
                batch.column("wa").to_pylist(),
                batch.column("tb").to_pylist(),
                batch.column("wb").to_pylist(),
                stats,
                config,
            )
            check = batch.column("check").to_numpy()
            keep = np.where(check == 1, cos > 0, cos >= cosine_floor)
            yield pa.RecordBatch.from_arrays(
                [batch.column("a"), batch.column("b"), batch.column("score"), pa.array(keep)],
                names=["a", "b", "score", "keep"],
            )

    checked = (
        open_pairs.select("a", "b", "score", "check", "ta", "wa", "tb", "wb")
        .mapInArrow(vectors, "a string, b string, score double, keep boolean")
        .where("keep")
        .select("a", "b", "score")
    )
    near = decided.unionByName(checked).withColumn("exact", F.lit(False))
    return exact.unionByName(near)


def connected_components(edges, src: str = "a", dst: str = "b", max_rounds: int = 64):
    """``node, root`` for every node of an edge list: ``root`` is the least node of its
    component. Large-star and small-star rounds (Kiveris et al. 2014) until the edges stop
    changing, in DataFrame operations; the lineage is cut each round."""
    F, _ = _pyspark()
    e = (
        edges.select(F.least(src, dst).alias("u"), F.greatest(src, dst).alias("v"))
        .where("u != v")
        .distinct()
        .localCheckpoint()
    )
    for _ in range(max_rounds):
        both = e.unionByName(e.select(F.col("v").alias("u"), F.col("u").alias("v")))
        # Large star: every larger neighbour of u to the least of u's neighbourhood and u.
        m = both.groupBy("u").agg(F.least(F.min("v"), F.col("u")).alias("m"))
        large = (
            both.join(m, "u")
            .where(F.col("v") > F.col("u"))
            .select(F.col("v").alias("x"), F.col("m").alias("y"))
        )
        e2 = large.select(F.least("x", "y").alias("u"), F.greatest("x", "y").alias("v")).where(
            "u != v"
        ).distinct()
        # Small star: u and its smaller neighbours to the least of them.
        smaller = e2.select(F.col("v").alias("u"), F.col("u").alias("v"))
        m2 = smaller.groupBy("u").agg(F.least(F.min("v"), F.col("u")).alias("m"))
        star = smaller.join(m2, "u").select(F.col("v").alias("x"), F.col("m").alias("y")).unionByName(
            m2.select(F.col("u").alias("x"), F.col("m").alias("y"))
        )
        e3 = (
            star.select(F.least("x", "y").alias("u"), F.greatest("x", "y").alias("v"))
            .where("u != v")
            .distinct()
            .localCheckpoint()
        )
        changed = e3.exceptAll(e).limit(1).count() + e.exceptAll(e3).limit(1).count()
        e = e3
        if not changed:
            break
    else:
        raise RuntimeError(f"connected components did not converge in {max_rounds} rounds")
    roots = e.groupBy("v").agg(F.min("u").alias("root")).withColumnRenamed("v", "node")
    tops = e.select(F.col("u").alias("node")).distinct().join(roots, "node", "left_anti")
    return roots.unionByName(tops.withColumn("root", F.col("node")))


_WINDOWED = (
    "window long, id string, story long, of string, similarity double, kind string, home boolean"
)


def window_stories(articles, stats: Optional[bytes], config: Optional[dict], window_days: float):
    """Stage 3: each window's stories, by a detector inside one task: ``window, id, story (of
    the window), of, similarity, kind, home``. ``home`` is the window an article's time falls
    in; the articles of a window's last hours (the detector's story window) are inserted into
    the next window's detector too, before its own, as context its articles can match."""
    F, _ = _pyspark()
    import pandas as pd

    width = int(window_days * 86400)
    hours = (config or {}).get("story", {}).get("window_hours") or _copydesk.Detector.default_config()[
        "story"
    ]["window_hours"]
    overlap = int(hours) * 3600
    w = F.when(F.col("t").isNull(), F.lit(-1)).otherwise(F.floor(F.col("t") / width)).cast("long")
    home = articles.withColumn("window", w).withColumn("home", F.lit(True))
    # The last hours of a window are the next window's context: its articles can match them.
    context = (
        home.where(F.col("t").isNotNull() & ((F.col("window") + 1) * width - F.col("t") <= overlap))
        .withColumn("window", F.col("window") + 1)
        .withColumn("home", F.lit(False))
    )
    placed = home.unionByName(context).select("window", "seq", "id", "text", "t", "home")

    def run(pdf: "pd.DataFrame") -> "pd.DataFrame":
        pdf = pdf.sort_values(["t", "seq"], na_position="last", kind="stable")
        d = _copydesk.Detector(config)
        times = [None if pd.isna(t) else int(t) for t in pdf["t"]]
        if stats is not None:
            d.set_term_statistics(stats, excluding=list(pdf["text"]), times=times)
        d.insert_batch(list(pdf["id"]), list(pdf["text"]), published=times, on_error="skip")
        d.finish()
        rows = []
        for i, h in zip(pdf["id"], pdf["home"]):
            v = d.verdict(i)
            if v is None:
                rows.append((None, None, None, "empty", h))
            else:
                rows.append((v.story, v.of, v.similarity, v.kind, h))
        out = pd.DataFrame(rows, columns=["story", "of", "similarity", "kind", "home"])
        out.insert(0, "id", list(pdf["id"]))
        out.insert(0, "window", int(pdf["window"].iloc[0]))
        out["story"] = out["story"].astype("Int64")
        return out

    return placed.groupBy("window").applyInPandas(run, _WINDOWED)


def cluster(
    df,
    *,
    id: str = "id",
    text: str = "text",
    time: Optional[str] = None,
    config: Optional[dict[str, Any]] = None,
    window_days: float = 30.0,
    stories: bool = True,
    max_bucket: int = 1000,
):
    """One row per article of ``df``: ``id, story, of, similarity, kind``.

    ``df`` has a string ``id`` column (unique, not null) and a string ``text`` column; ``time``
    names an optional column of timestamps, dates or Unix seconds. ``stories=False`` finds near
    and exact copies only (as ``copydesk cluster --no-stories``): no text is shuffled then.
    Stories are numbered by a 64-bit hash of their first article's id. An article with no words
    has ``kind = "empty"`` and no story.
    """
    F, _ = _pyspark()
    from pyspark.sql import Window

    if not window_days > 0:
        raise ValueError(f"window_days must be over 0, got {window_days}")
    _copydesk.Detector(config)  # checks the configuration before any job runs
    if not stories:
        # As `copydesk cluster --no-stories`: the detector's story tier off, which also drops
        # the term-vector check of pairs just under the near-copy threshold.
        config = dict(config or {})
        config["story"] = {**config.get("story", {}), "enabled": False}
    articles = _articles(df, id, text, time).localCheckpoint()
    signed = sign(articles, config).localCheckpoint()
    # Without stories, terms only tell whether a short pair shares one (every weight is
    # positive), so no statistics are counted: a pass over every text saved.
    stats = _term_statistics(articles, config) if stories else _copydesk.merge_term_statistics([])
    pairs = near_copy_pairs(articles, signed, stats, config, max_bucket).localCheckpoint()
    order = signed.select("id", F.struct(F.coalesce("t", F.lit(2**62)), "seq").alias("o"))
    # Each article's best earlier copy: exact before near, then the highest score, then the
    # earliest article.
    best = (
        pairs.join(order.toDF("a", "oa"), "a")
        .withColumn(
            "rank",
            F.row_number().over(
                Window.partitionBy("b").orderBy(F.desc("exact"), F.desc("score"), "oa")
            ),
        )
        .where("rank = 1")
        .select(
            F.col("b").alias("id"),
            F.col("a").alias("copy_of"),
            F.col("score").alias("copy_score"),
            F.when(F.col("exact"), "exact").otherwise("near_copy").alias("copy_kind"),
        )
    )
    empty = signed.where("shingles = 0").select("id")
    # An article joins the story of the copy it matched best, as in the detector: the
    # components of these links are the near-copy groups.
    links = best.select(F.col("copy_of").alias("a"), F.col("id").alias("b"))
    if not stories:
        cc = connected_components(links)
        labelled = (
            signed.select("id")
            .join(cc.toDF("id", "root"), "id", "left")
            .withColumn("root", F.coalesce("root", "id"))
            .join(best, "id", "left")
            .join(empty.withColumn("empty", F.lit(True)), "id", "left")
        )
        return labelled.select(
            "id",
            F.when(F.col("empty").isNull(), F.xxhash64("root")).alias("story"),
            F.col("copy_of").alias("of"),
            F.col("copy_score").alias("similarity"),
            F.when(F.col("empty"), "empty").otherwise(F.coalesce("copy_kind", F.lit("new"))).alias(
                "kind"
            ),
        )
    windows = window_stories(articles, stats, config, window_days).localCheckpoint()
    label = F.concat_ws(":", F.col("window").cast("string"), F.col("story").cast("string"))
    labels = windows.where(F.col("story").isNotNull()).withColumn("label", label)
    home = labels.where("home").select("id", "label")
    # A window's story that holds context articles continues a story of the window before:
    # the one it shares most of them with, if it is also the story of this window that holds
    # most of that story's context articles. One link at most a story, each way, so that a
    # story bridging two earlier ones, or split in two later, does not merge them.
    shared = (
        labels.where(~F.col("home"))
        .join(order, "id")
        .join(home.withColumnRenamed("label", "earlier"), "id")
        .groupBy("label", "earlier")
        .agg(F.count(F.lit(1)).alias("n"), F.min("o").alias("o"))
    )
    later = Window.partitionBy("label").orderBy(F.desc("n"), "o", "earlier")
    earlier = Window.partitionBy("earlier").orderBy(F.desc("n"), "o", "label")
    continued = (
        shared.withColumn("r1", F.row_number().over(later))
        .withColumn("r2", F.row_number().over(earlier))
        .where("r1 = 1 and r2 = 1")
    )
    cc = connected_components(
        continued.select(F.col("label").alias("a"), F.col("earlier").alias("b"))
    )
    own = (
        home.join(cc.toDF("label", "root"), "label", "left")
        .select("id", F.coalesce("root", "label").alias("root"))
    )
    # A copy joins its original's story however far apart they are, as in the detector: each
    # group of copies (the components of the copy links) goes to the story of its earliest
    # article. Only the copies move: the articles a copy's window put beside it stay in their
    # own story, as the detector, re-forming its stories by average link, keeps a story that
    # one copy touches apart from the original's when the rest of it is far from that.
    groups = connected_components(links).join(order.toDF("node", "o"), "node")
    first = groups.select(
        F.col("node").alias("id"),
        F.min(F.struct("o", "node")).over(Window.partitionBy("root")).getField("node").alias("first"),
    )
    rooted = (
        own.join(first, "id", "left")
        .join(own.toDF("first", "first_root"), "first", "left")
        .select("id", F.coalesce("first_root", "root").alias("root"))
        .join(order, "id")
    )
    # A story is named after its first article.
    w = Window.partitionBy("root")
    named = rooted.select(
        "id", F.xxhash64(F.min(F.struct("o", "id")).over(w).getField("id")).alias("story")
    )
    verdicts = windows.where("home").select("id", "of", "similarity", "kind")
    out = (
        signed.select("id")
        .join(verdicts, "id", "left")
        .join(named, "id", "left")
        .join(best, "id", "left")
    )
    # A copy's original is its best earlier copy over the whole corpus (exact before near,
    # then the highest score, then the earliest), as the detector finds it: its window saw
    # only the articles of the window and the context before it.
    beyond = F.col("copy_of").isNotNull()
    return out.select(
        "id",
        "story",
        F.when(beyond, F.col("copy_of")).otherwise(F.col("of")).alias("of"),
        F.when(beyond, F.col("copy_score")).otherwise(F.col("similarity")).alias("similarity"),
        F.when(beyond, F.col("copy_kind")).otherwise(F.col("kind")).alias("kind"),
    )
