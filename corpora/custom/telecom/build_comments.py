#!/usr/bin/env python3
"""Build comments.jsonl from the hand-written sources in src/ (one file per language).

In: src/zh_hans.txt, src/zh_hant.txt, src/en.txt, lines `sentiment|topics|text` where
sentiment is neg/neu/pos/mix (mix: praise and complaint in one comment, labelled negative
overall) and topics are `alias+`, `alias-` or `alias~` (the topic's own polarity), comma
separated, empty for a comment no topic of the taxonomy covers.
Out: comments.jsonl in the gold format of docs/formats.md (`topics` as {"id", "sentiment"}), ids
tc-0001... in file order, split by id: every third id (n % 3 == 1) is dev, the rest test.
Checks: every alias known, no duplicate text, no comment a near-copy of a taxonomy example.
"""
import json
import pathlib
import sys
import tomllib

HERE = pathlib.Path(__file__).resolve().parent
ALIASES = {
    "nc": "network_coverage", "md": "mobile_data", "hb": "home_broadband",
    "bc": "billing_charges", "pc": "plan_contract", "ro": "roaming",
    "sp": "sim_porting", "cs": "customer_service", "st": "store_technician",
    "as": "app_selfservice",
}
POLARITY = {"-": "negative", "~": "neutral", "+": "positive"}
SENTIMENT = {"neg": "negative", "neu": "neutral", "pos": "positive", "mix": "negative"}
SOURCES = [("zh_hans.txt", "zh-Hans"), ("zh_hant.txt", "zh-Hant"), ("en.txt", "en")]


def bigrams(text):
    chars = [c.lower() for c in text if c.isalnum()]
    return {(a, b) for a, b in zip(chars, chars[1:])}


def main():
    taxonomy = tomllib.loads((HERE / "taxonomy.toml").read_text(encoding="utf-8"))
    ids = {t["id"] for t in taxonomy["topic"]}
    assert set(ALIASES.values()) == ids, "aliases and taxonomy ids differ"
    examples = [bigrams(e) for t in taxonomy["topic"] for e in t["examples"]]
    records, seen = [], set()
    for name, lang in SOURCES:
        for n, line in enumerate((HERE / "src" / name).read_text(encoding="utf-8").splitlines(), 1):
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
                if alias not in ALIASES or sign not in POLARITY:
                    sys.exit(f"{where}: bad topic {t!r}")
                gold.append({"id": ALIASES[alias], "sentiment": POLARITY[sign]})
            mine = bigrams(text)
            for ex in examples:
                if len(mine & ex) / max(1, len(mine | ex)) >= 0.45:
                    sys.exit(f"{where}: near-copy of a taxonomy example")
            records.append({"text": text, "lang": lang, "topics": gold,
                            "sentiment": SENTIMENT[sentiment]})
    with open(HERE / "comments.jsonl", "w", encoding="utf-8") as out:
        for i, r in enumerate(records, 1):
            r = {"id": f"tc-{i:04d}", **r, "split": "dev" if i % 3 == 1 else "test"}
            out.write(json.dumps(r, ensure_ascii=False) + "\n")
    langs = {lang: sum(r["lang"] == lang for r in records) for _, lang in SOURCES}
    multi = sum(len(r["topics"]) > 1 for r in records)
    none = sum(not r["topics"] for r in records)
    print(f"{len(records)} comments {langs}; two topics {multi}, none {none}")


if __name__ == "__main__":
    main()
