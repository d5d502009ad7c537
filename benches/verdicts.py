#!/usr/bin/env python3
"""Whether every line of `copydesk cluster`'s JSON-lines output agrees with its story.

A story is named by its first article, which matched none (`"of": null`, kind `new`); every
other article of the story names an earlier article of the same story in `of`. This reads
the output (in input order, as `cluster` writes it), counts the lines by kind and by whether
they agree, and exits 1 if any does not.

    cargo build --release --features cli
    target/release/copydesk cluster ARTICLES.jsonl > out.jsonl
    python3 benches/verdicts.py out.jsonl
"""

import collections
import json
import sys


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    rows = [json.loads(line) for line in open(sys.argv[1], encoding="utf-8")]
    position = {r["id"]: i for i, r in enumerate(rows)}
    story = {r["id"]: r["story"] for r in rows}
    first = {}
    for r in rows:
        first.setdefault(r["story"], r["id"])
    counts = collections.Counter()
    for r in rows:
        heads = first[r["story"]] == r["id"]
        of = r["of"]
        if of is None:
            ok, what = heads, "first of its story" if heads else "NOT the first of its story"
        elif heads:
            ok, what = False, "FIRST of its story, yet matches another"
        elif of not in story:
            ok, what = True, "matches an article not in the output"
        elif story[of] != r["story"]:
            ok, what = False, "matches an article of ANOTHER story"
        elif position[of] > position[r["id"]]:
            ok, what = False, "matches a LATER article"
        else:
            ok, what = True, "matches an earlier article of its story"
        counts[(r["kind"], what, ok)] += 1
    bad = 0
    for (kind, what, ok), n in sorted(counts.items()):
        print(f"{n:>9}  {kind:<10} {what}")
        bad += 0 if ok else n
    print(f"{len(rows)} lines, {len(first)} stories, {bad} that disagree with their story")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
