"""MinHash and MinHashLSH against exact Jaccard similarity, and the signatures function."""

import random

import numpy as np
import pytest

import copydesk


def sets(n, size, overlap, seed):
    rng = random.Random(seed)
    base = [f"w{rng.randrange(10**9)}" for _ in range(size)]
    out = []
    for _ in range(n):
        keep = [w for w in base if rng.random() < overlap]
        out.append(set(keep + [f"x{rng.randrange(10**9)}" for _ in range(size - len(keep))]))
    return out


def minhash(s, num_perm=128):
    m = copydesk.MinHash(num_perm=num_perm)
    m.update_batch(sorted(s))
    return m


def test_jaccard_estimates_are_close_to_exact():
    errors = []
    for seed in range(40):
        a, b = sets(2, 200, 0.3 + seed / 80, seed)
        exact = len(a & b) / len(a | b)
        errors.append(abs(minhash(a, 256).jaccard(minhash(b, 256)) - exact))
    # The standard error at 256 slots is at most 0.031.
    assert np.mean(errors) < 0.035 and max(errors) < 0.12


def test_update_forms_agree():
    a = copydesk.MinHash()
    for w in ["a", "b", "c", b"d"]:
        a.update(w)
    b = copydesk.MinHash()
    b.update_batch(["c", "b", "a", b"d", "a"])
    assert a.jaccard(b) == 1.0 and a.jaccard(a) == 1.0
    assert np.array_equal(a.digest(), b.hashvalues)
    assert a.digest().dtype == np.uint32 and a.digest().shape == (128,)
    c = copydesk.MinHash()
    c.merge(a)
    c.merge(c)
    assert c.jaccard(a) == 1.0
    with pytest.raises(TypeError):
        a.update(3)
    with pytest.raises(ValueError):
        a.jaccard(copydesk.MinHash(num_perm=64))
    with pytest.raises(copydesk.ConfigError):
        copydesk.MinHash(num_perm=2)


def test_lsh_finds_pairs_over_the_threshold():
    lsh = copydesk.MinHashLSH(threshold=0.5, num_perm=128)
    groups = [sets(3, 150, 0.9, s) for s in range(30)]
    hashes = {}
    for g, members in enumerate(groups):
        for i, s in enumerate(members):
            key = f"{g}-{i}"
            hashes[key] = minhash(s)
            lsh.insert(key, hashes[key])
    assert len(lsh) == 90 and "0-0" in lsh
    # Each pair of one group is found with the probability its exact Jaccard similarity gives
    # under the index's bands and rows; the count found is within a few deviations of that.
    b, r = lsh.params
    assert b * r <= 128
    expected = variance = 0.0
    for members in groups:
        for i in range(3):
            for j in range(3):
                if i != j:
                    jac = len(members[i] & members[j]) / len(members[i] | members[j])
                    p = 1 - (1 - jac**r) ** b
                    expected += p
                    variance += p * (1 - p)
    found = 0
    for key, m in hashes.items():
        got = lsh.query(m)
        assert key in got
        g = key.split("-")[0]
        found += sum(1 for k in got if k.split("-")[0] == g) - 1
        # Unrelated sets (Jaccard ~0) are rarely candidates.
        assert sum(1 for k in got if k.split("-")[0] != g) <= 2
    assert found >= expected - 4 * variance**0.5 - 2, (found, expected)
    with pytest.raises(ValueError):
        lsh.insert("0-0", hashes["0-0"])
    lsh.remove("0-0")
    assert "0-0" not in lsh and "0-0" not in lsh.query(hashes["0-0"])
    with pytest.raises(KeyError):
        lsh.remove("0-0")
    with pytest.raises(TypeError):
        lsh.insert(5, hashes["0-1"])

def test_signatures_of_a_column():
    texts = [
        "Gales closed the Kessington harbour bridge on Monday, the council said.",
        "Gales closed the Kessington harbour bridge on Monday, the council said.",
        "...",
    ]
    sigs, shingles = copydesk.signatures(texts)
    assert sigs.shape == (3, 256) and sigs.dtype == np.uint32
    assert np.array_equal(sigs[0], sigs[1])
    assert shingles[2] == 0 and not sigs[2].any()
    with pytest.raises(TypeError, match=r"texts\[1\] must be a str, not None"):
        copydesk.signatures(["a", None])
