"""The Python detector: the seeds, the command line's verdicts on ecbplus-dev, saving and
loading in the command line's index format, and every verb."""

import datetime
import json
import subprocess

import pytest

import copydesk
from conftest import read_jsonl, shared

WIRE = (
    "Gales closed the Kessington harbour bridge on Monday, the council said, after crews "
    "found cracks in two of its steel cables. Drivers were sent on a forty-minute detour "
    "through Dunmore while engineers inspected the span."
)
OTHER = (
    "Orchard growers in the Dunmore valley expect a record apple harvest this autumn after "
    "a warm spring, the growers' association said on Tuesday, and are hiring pickers early."
)


def test_a_copy_joins_its_story_and_another_event_stays_apart():
    d = copydesk.Detector()
    first = d.insert("wire", WIRE, published=datetime.datetime(2026, 1, 6, 9, 0))
    assert first.kind == "new" and first.of is None and first.similarity is None
    copy = d.insert("copy", WIRE + " Updates to follow.", source="outlet")
    assert (copy.kind, copy.of, copy.story) == ("near_copy", "wire", first.story)
    other = d.insert("other", OTHER, published=1767700000)
    assert other.kind == "new" and other.story != first.story
    assert d.story_of("copy") == first.story
    assert d.members(first.story) == ["wire", "copy"]
    assert len(d) == 3 and "wire" in d and "nope" not in d
    assert d.verdict("copy") == copy
    assert copy.to_dict()["of"] == "wire"
    assert d.compare("wire", "copy")["jaccard"] > 0.8
    assert d.stats()["articles"] == 3
    # Inserting the same id and text again is a repeat, not an error.
    assert d.insert("wire", WIRE) == first


def test_query_does_not_insert():
    d = copydesk.Detector()
    d.insert("wire", WIRE)
    v = d.query("q", WIRE)
    assert v.kind == "exact" and v.of == "wire"
    assert d.query("q2", OTHER) is None
    assert len(d) == 1


def test_remove_recluster_finish():
    d = copydesk.Detector()
    d.insert_batch(["wire", "copy", "other"], [WIRE, WIRE + " More.", OTHER])
    assert d.remove("copy") is True and d.remove("copy") is False
    assert d.recluster() == 0
    assert d.finish() == 0
    assert d.story_of("wire") is not None
    with pytest.raises(RuntimeError, match="finished"):
        d.insert("late", WIRE)


def test_batch_equals_the_sequential_batch_and_takes_columns(tmp_path):
    pd = pytest.importorskip("pandas")
    pa = pytest.importorskip("pyarrow")
    ids = [f"a{i}" for i in range(6)]
    texts = [WIRE, OTHER, WIRE + " Updates.", OTHER + " More.", WIRE[:120], OTHER[40:]]
    from_list = copydesk.Detector().insert_batch(ids, texts)
    from_pandas = copydesk.Detector().insert_batch(pd.Series(ids), pd.Series(texts))
    from_arrow = copydesk.Detector().insert_batch(pa.array(ids), pa.chunked_array([texts]))
    assert from_list == from_pandas == from_arrow
    assert [v.id for v in from_list] == ids
    times = [datetime.datetime(2026, 1, 6, h, tzinfo=datetime.timezone.utc) for h in range(6)]
    timed = copydesk.Detector().insert_batch(ids, texts, published=times, sources=["x"] * 6)
    assert [v.story for v in timed] == [v.story for v in from_list]


def test_save_and_load_round_trip(tmp_path):
    d = copydesk.Detector()
    d.insert_batch(["wire", "copy", "other"], [WIRE, WIRE + " More.", OTHER])
    path = tmp_path / "index.cdx"
    d.save(str(path))
    loaded = copydesk.Detector.load(path)
    assert loaded.verdicts() == d.verdicts()
    with pytest.raises(copydesk.CorruptIndexError):
        (tmp_path / "bad").write_bytes(b"not an index at all")
        copydesk.Detector.load(tmp_path / "bad")
    with pytest.raises(OSError):
        copydesk.Detector.load(tmp_path / "missing")


def test_config():
    config = copydesk.Detector.default_config()
    config["story"]["window_hours"] = 48
    copydesk.Detector(config)
    with pytest.raises(copydesk.ConfigError):
        copydesk.Detector({"no_such_setting": 1})
    with pytest.raises(copydesk.ConfigError):
        copydesk.Detector({"minhash": {"slots": 2}})
    with pytest.raises(TypeError):
        copydesk.Detector("story.threshold = 0.4")


def test_the_seeds_are_one_story():
    folder = shared("seeds")
    files = sorted(folder.glob("*.txt"))
    assert len(files) == 5
    d = copydesk.Detector()
    verdicts = d.insert_batch([f.stem for f in files], [f.read_text() for f in files])
    d.finish()
    stories = {d.story_of(f.stem) for f in files}
    assert len(stories) == 1, [v for v in d.verdicts()]


def test_ecbplus_verdicts_equal_the_command_line(cli, tmp_path):
    path = shared("data/ecbplus-dev.jsonl")
    out = subprocess.run(
        [cli, "cluster", "-q", "--format", "jsonl", str(path)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    expected = {r["id"]: r for r in map(json.loads, out.splitlines())}
    records = read_jsonl(path)
    d = copydesk.Detector()
    d.insert_batch([r["id"] for r in records], [r["text"] for r in records])
    d.finish()
    got = {v.id: v for v in d.verdicts()}
    assert got.keys() == expected.keys()
    for i, e in expected.items():
        v = got[i]
        assert (v.story, v.kind, v.of) == (e["story"], e["kind"], e["of"]), (v, e)
    # And the command line's index loads in Python with the same stories.
    index = tmp_path / "ecb.cdx"
    subprocess.run([cli, "index", "build", "-q", "-o", str(index), str(path)], check=True)
    loaded = copydesk.Detector.load(index)
    assert len(loaded) == len(records)
