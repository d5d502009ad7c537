#!/usr/bin/env python3
"""Splits a labelled JSONL file (ecbplus-dev) into its odd and even topics, for scoring
settings chosen on one half against the other.

    python3 benches/halves.py ../shared/data/ecbplus-dev.jsonl /tmp/halves
    target/release/copydesk eval /tmp/halves/odd.jsonl
    target/release/copydesk eval /tmp/halves/even.jsonl

The topic is the `topic` field (a number, or text whose digits are the number).
"""

import json
import os
import sys


def topic_number(topic):
    digits = "".join(c for c in str(topic).split("_")[0] if c.isdigit())
    return int(digits)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    source, folder = sys.argv[1:]
    os.makedirs(folder, exist_ok=True)
    counts = {"odd": 0, "even": 0}
    with open(os.path.join(folder, "odd.jsonl"), "w") as odd, \
            open(os.path.join(folder, "even.jsonl"), "w") as even:
        for line in open(source):
            half = "odd" if topic_number(json.loads(line)["topic"]) % 2 else "even"
            (odd if half == "odd" else even).write(line)
            counts[half] += 1
    print(f"{counts['odd']} articles in odd topics, {counts['even']} in even topics, in {folder}")


if __name__ == "__main__":
    main()
