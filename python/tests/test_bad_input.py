"""Bad input from Python: clear exceptions, and nothing half-written."""

import pytest

import copydesk

WIRE = "Gales closed the Kessington harbour bridge on Monday, the council said."


@pytest.mark.parametrize(
    "id,text,message",
    [
        (None, WIRE, "id must be a str, not None"),
        (3, WIRE, "id must be a str, not int"),
        ("a", None, "text must be a str, not None"),
        ("a", WIRE.encode(), "text must be a str, not bytes"),
    ],
)
def test_wrong_types_are_type_errors(id, text, message):
    d = copydesk.Detector()
    with pytest.raises(TypeError, match=message):
        d.insert(id, text)
    assert len(d) == 0


def test_refusals_are_typed():
    d = copydesk.Detector()
    with pytest.raises(copydesk.EmptyTextError):
        d.insert("a", "  ... ")
    config = copydesk.Detector.default_config()
    config["max_article_bytes"] = 1000
    small = copydesk.Detector(config)
    with pytest.raises(copydesk.TooLargeError):
        small.insert("huge", "word " * 100_000)
    d.insert("a", WIRE)
    with pytest.raises(copydesk.IdConflictError):
        d.insert("a", "Another text entirely, about apples in Dunmore.")
    assert issubclass(copydesk.EmptyTextError, copydesk.CopydeskError)
    assert issubclass(copydesk.CopydeskError, ValueError)
    with pytest.raises(TypeError, match="published"):
        d.insert("b", WIRE, published="yesterday")
    with pytest.raises(TypeError, match="published"):
        d.insert("b", WIRE, published=True)
    assert len(d) == 1


def test_a_bad_batch_inserts_nothing():
    d = copydesk.Detector()
    d.insert("kept", WIRE)
    bad = [
        (["a", None], [WIRE, WIRE], TypeError, r"ids\[1\]"),
        (["a", "b"], [WIRE, b"bytes"], TypeError, r"texts\[1\]"),
        (["a", "b"], [WIRE], ValueError, "2 ids for 1 texts"),
        ("ab", [WIRE, WIRE], TypeError, "single string"),
        (["a", "b"], [WIRE, "..."], copydesk.EmptyTextError, "article 1"),
        (["a", "a"], [WIRE, "Apples in Dunmore, a record harvest."], copydesk.IdConflictError, "article 1"),
        (["kept", "b"], ["Apples in Dunmore, a record harvest.", WIRE], copydesk.IdConflictError, "article 0"),
    ]
    for ids, texts, error, message in bad:
        with pytest.raises(error, match=message):
            d.insert_batch(ids, texts)
        assert len(d) == 1, (ids, texts)
    with pytest.raises(ValueError, match="published has 1 values for 2"):
        d.insert_batch(["a", "b"], [WIRE, WIRE], published=[0])
    with pytest.raises(ValueError, match="on_error"):
        d.insert_batch(["a"], [WIRE], on_error="ignore")
    assert len(d) == 1


def test_skipping_refusals_keeps_the_rest():
    d = copydesk.Detector()
    out = d.insert_batch(["a", "b", "c"], [WIRE, "...", WIRE], on_error="skip")
    assert out[1] is None and out[0].kind == "new" and out[2].kind == "exact"
    assert len(d) == 2


def test_a_wrong_dataframe_column_is_a_clear_error():
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame({"id": [1, 2], "text": [WIRE, WIRE]})
    d = copydesk.Detector()
    with pytest.raises(TypeError, match=r"ids\[0\] must be a str, not int"):
        d.insert_batch(df["id"], df["text"])
    assert len(d) == 0
