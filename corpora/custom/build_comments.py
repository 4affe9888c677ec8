#!/usr/bin/env python3
"""Build a user taxonomy's comments.jsonl from its hand-written sources (one file per language).

    python3 corpora/custom/build_comments.py corpora/custom/telecom
    python3 corpora/custom/build_comments.py corpora/custom/bank

In DIR: taxonomy.toml; src/aliases.txt (`prefix ID_PREFIX`, `split dev-every-3|test`, then
`ALIAS TOPIC_ID` lines); src/zh_hans.txt, src/zh_hant.txt, src/en.txt with lines
`sentiment|topics|text` where sentiment is neg/neu/pos/mix (mix: praise and complaint in one
comment, labelled negative overall) and topics are `alias+`, `alias-` or `alias~` (the topic's
own polarity), comma separated, empty for a comment no topic of the taxonomy covers.
Out: DIR/comments.jsonl in the gold format of docs/formats.md (`topics` as {"id",
"sentiment"}), ids PREFIX-0001... in file order; split `dev-every-3`: every third id
(n % 3 == 1) is dev, the rest test; `test`: all test (a taxonomy nothing was chosen on).
Checks: every alias known, no duplicate text, no comment a near-copy of a taxonomy example
(character-bigram Jaccard < 0.45).
"""
import json
import pathlib
import sys
import tomllib

POLARITY = {"-": "negative", "~": "neutral", "+": "positive"}
SENTIMENT = {"neg": "negative", "neu": "neutral", "pos": "positive", "mix": "negative"}
SOURCES = [("zh_hans.txt", "zh-Hans"), ("zh_hant.txt", "zh-Hant"), ("en.txt", "en")]


def bigrams(text):
    chars = [c.lower() for c in text if c.isalnum()]
    return {(a, b) for a, b in zip(chars, chars[1:])}


def settings(here):
    conf, aliases = {}, {}
    lines = (here / "src" / "aliases.txt").read_text(encoding="utf-8").splitlines()
    for n, line in enumerate(lines, 1):
        if line.strip() and not line.startswith("#"):
            words = line.split()
            if len(words) != 2:
                sys.exit(f"src/aliases.txt:{n}: expected `KEY VALUE`, got {line!r}")
            key, value = words
            (conf if key in ("prefix", "split") else aliases)[key] = value
    missing = [k for k in ("prefix", "split") if k not in conf]
    if missing:
        sys.exit(f"src/aliases.txt: no {' or '.join(missing)} line")
    return conf["prefix"], conf["split"], aliases


def read(here, aliases, examples):
    records, seen = [], set()
    for name, lang in SOURCES:
        for n, line in enumerate((here / "src" / name).read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip() or line.startswith("#"):
                continue
            sentiment, topics, text = line.split("|", 2)
            text = text.strip()
            where = f"src/{name}:{n}"
            if sentiment not in SENTIMENT or not text or text in seen:
                sys.exit(f"{where}: bad sentiment, empty or duplicate text")
            seen.add(text)
            gold = []
            for t in filter(None, topics.split(",")):
                alias, sign = t[:-1], t[-1]
                if alias not in aliases or sign not in POLARITY:
                    sys.exit(f"{where}: bad topic {t!r}")
                gold.append({"id": aliases[alias], "sentiment": POLARITY[sign]})
            mine = bigrams(text)
            for ex in examples:
                if len(mine & ex) / max(1, len(mine | ex)) >= 0.45:
                    sys.exit(f"{where}: near-copy of a taxonomy example")
            records.append({"text": text, "lang": lang, "topics": gold,
                            "sentiment": SENTIMENT[sentiment]})
    return records


def main():
    here = pathlib.Path(sys.argv[1]).resolve()
    prefix, split, aliases = settings(here)
    taxonomy = tomllib.loads((here / "taxonomy.toml").read_text(encoding="utf-8"))
    ids = {t["id"] for t in taxonomy["topic"]}
    assert set(aliases.values()) == ids, "aliases and taxonomy ids differ"
    assert split in ("dev-every-3", "test"), f"split {split!r}"
    examples = [bigrams(e) for t in taxonomy["topic"] for e in t["examples"]]
    records = read(here, aliases, examples)
    with open(here / "comments.jsonl", "w", encoding="utf-8") as out:
        for i, r in enumerate(records, 1):
            part = "dev" if split == "dev-every-3" and i % 3 == 1 else "test"
            r = {"id": f"{prefix}-{i:04d}", **r, "split": part}
            out.write(json.dumps(r, ensure_ascii=False) + "\n")
    langs = {lang: sum(r["lang"] == lang for r in records) for _, lang in SOURCES}
    multi = sum(len(r["topics"]) > 1 for r in records)
    none = sum(not r["topics"] for r in records)
    print(f"{len(records)} comments {langs}; two topics {multi}, none {none}")


if __name__ == "__main__":
    main()
