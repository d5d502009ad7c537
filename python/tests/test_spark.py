"""The Spark job in local[2]: near copies equal to `copydesk cluster --no-stories` on
Reuters + BBC; stories equal to the single-machine detector on ecbplus-dev (one window); each
window's stories equal to a detector given the same articles; bad DataFrames refused."""

import datetime
import json
import os
import subprocess
import sys

import pytest

pyspark = pytest.importorskip("pyspark")
from pyspark.sql import SparkSession  # noqa: E402

import copydesk  # noqa: E402
from conftest import read_jsonl, shared  # noqa: E402


@pytest.fixture(scope="module")
def spark():
    # The workers run this interpreter (the one with copydesk installed), not `python3` on PATH.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    s = (
        SparkSession.builder.master("local[2]")
        .config("spark.sql.shuffle.partitions", "8")
        .config("spark.ui.enabled", "false")
        .getOrCreate()
    )
    s.sparkContext.setLogLevel("ERROR")
    yield s
    s.stop()


def reuters_time(date):
    try:
        t = datetime.datetime.strptime(date.strip().split(".")[0], "%d-%b-%Y %H:%M:%S")
    except ValueError:
        return None
    return int(t.replace(tzinfo=datetime.timezone.utc).timestamp())


@pytest.fixture(scope="module")
def reuters_bbc(tmp_path_factory):
    """Reuters + BBC as JSONL with a `t` column (Unix seconds; BBC has none)."""
    rows = []
    for name in ("data/reuters21578.jsonl", "data/bbc_news.jsonl"):
        for r in read_jsonl(shared(name)):
            t = reuters_time(r["date"]) if "date" in r else None
            rows.append({"id": r["id"], "text": r["text"], "t": t})
    path = tmp_path_factory.mktemp("rb") / "rb.jsonl"
    with open(path, "w") as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")
    return path, rows


def groups(verdicts):
    by_story = {}
    for v in verdicts:
        if v["story"] is not None:
            by_story.setdefault(v["story"], set()).add(v["id"])
    return {frozenset(g) for g in by_story.values()}


def test_near_copies_equal_the_command_line(spark, cli, reuters_bbc):
    path, rows = reuters_bbc
    out = subprocess.run(
        [cli, "cluster", "-q", "--no-stories", "--format", "jsonl", "--time-field", "t", str(path)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    expected = [json.loads(line) for line in out.splitlines()]
    from copydesk.spark import cluster

    df = spark.createDataFrame(rows, "id string, text string, t long")
    got = [r.asDict() for r in cluster(df, time="t", stories=False).collect()]
    assert len(got) == len(expected) == len(rows)
    assert groups(got) == groups(expected)
    by_id = {g["id"]: g for g in got}
    for e in expected:
        g = by_id[e["id"]]
        assert (g["kind"], g["of"]) == (e["kind"], e["of"]), (g, e)


def test_stories_of_one_window_equal_the_detector(spark, cli):
    path = shared("data/ecbplus-dev.jsonl")
    out = subprocess.run(
        [cli, "cluster", "-q", "--format", "jsonl", str(path)], check=True, capture_output=True, text=True
    ).stdout
    expected = [json.loads(line) for line in out.splitlines()]
    from copydesk.spark import cluster

    rows = [{"id": r["id"], "text": r["text"]} for r in read_jsonl(path)]
    got = [r.asDict() for r in cluster(spark.createDataFrame(rows, "id string, text string")).collect()]
    assert groups(got) == groups(expected)
    by_id = {g["id"]: g for g in got}
    for e in expected:
        assert (by_id[e["id"]]["kind"], by_id[e["id"]]["of"]) == (e["kind"], e["of"])


def test_each_window_equals_a_detector_of_its_articles(spark, reuters_bbc):
    from copydesk import spark as cs

    _, rows = reuters_bbc
    rows = [r for r in rows if r["t"] is not None][:3000]
    df = spark.createDataFrame(rows, "id string, text string, t long")
    articles = cs._articles(df, "id", "text", "t")
    stats = cs._term_statistics(articles, None)
    windows = [r.asDict() for r in cs.window_stories(articles, stats, None, 7.0).collect()]
    seq = {r["id"]: i for i, r in enumerate(rows)}
    by_window = {}
    for w in windows:
        by_window.setdefault(w["window"], []).append(w)
    assert len(by_window) > 1
    for members in by_window.values():
        ids = sorted((r["id"] for r in members), key=lambda i: (rows[seq[i]]["t"], seq[i]))
        texts = [rows[seq[i]]["text"] for i in ids]
        times = [rows[seq[i]]["t"] for i in ids]
        d = copydesk.Detector()
        d.set_term_statistics(stats, excluding=texts, times=times)
        d.insert_batch(ids, texts, published=times, on_error="skip")
        d.finish()
        for r in members:
            v = d.verdict(r["id"])
            assert (r["story"], r["kind"], r["of"]) == (
                (v.story, v.kind, v.of) if v else (None, "empty", None)
            )


def test_bad_dataframes_are_refused(spark):
    from copydesk.spark import cluster

    with pytest.raises(ValueError, match="no column 'text'"):
        cluster(spark.createDataFrame([("a", "x")], "id string, body string"))
    with pytest.raises(TypeError, match="must be strings, not bigint"):
        cluster(spark.createDataFrame([(1, "x")], "id long, text string"))
    with pytest.raises(TypeError, match="time"):
        cluster(spark.createDataFrame([("a", "x", "today")], "id string, text string, t string"), time="t")
    with pytest.raises(ValueError, match="unique"):
        cluster(spark.createDataFrame([("a", "x"), ("a", "y")], "id string, text string"))
    with pytest.raises(ValueError, match="null id"):
        cluster(spark.createDataFrame([(None, "x")], "id string, text string"))
    with pytest.raises(copydesk.ConfigError):
        cluster(spark.createDataFrame([("a", "x")], "id string, text string"), config={"nope": 1})
