#!/usr/bin/env python3
"""Checks corpora/labelled/: feedback.jsonl, the in-domain labelled training set, and
holdout.jsonl, team-written comments no model learns from (for choosing between designs).

Format and values as the gold set (docs/formats.md plus `source`, `split` = "train" / "holdout"), ids
l-0001… / h-0001… in file order, lang/script rules of the gold README, and no exact or
near-duplicate (character bigram Jaccard >= 0.45) of any gold comment (dev or test) or of an
earlier line of either file: the gold set must stay a fair benchmark and the holdout unseen. Prints counts per lang, sentiment and topic. Exits 1 on a failure.

Usage: python3 corpora/labelled/check_labelled.py   (standard library only)
"""
import collections
import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
PATH = HERE / "feedback.jsonl"
HOLDOUT = HERE / "holdout.jsonl"
GOLD = HERE.parent / "gold" / "feedback.jsonl"
LANGS = {"zh-Hans", "zh-Hant", "en", "mixed"}
SENTS = {"negative", "neutral", "positive"}
SOURCES = {"support_ticket", "nps_survey", "csat_survey", "app_review", "ecommerce_review"}
TOPICS = {"product_quality", "price_value", "delivery", "service_attitude", "response_time",
          "billing", "usability", "reliability", "after_sales", "packaging", "staff_expertise",
          "account_security", "features"}
KEYS = {"id", "text", "lang", "sentiment", "topics", "nps", "source", "split"}
LATIN, HAN = re.compile(r"[A-Za-z]"), re.compile(r"[\u3400-\u9fff]")
NEAR = 0.45


def grams(text):
    t = re.sub(r"[\s\W_]+", "", text.lower())
    return {t[i:i + 2] for i in range(max(1, len(t) - 1))}


def jaccard(a, b):
    return len(a & b) / len(a | b) if a and b else 0.0


def problems(i, it, prefix, split):
    if set(it) - KEYS or not {"id", "text", "lang", "sentiment", "topics", "source", "split"} <= set(it):
        yield f"keys {sorted(it)}"
    if it.get("id") != f"{prefix}-{i + 1:04d}":
        yield f"id {it.get('id')!r}, expected {prefix}-{i + 1:04d}"
    if it.get("split") != split:
        yield f"split must be {split}"
    if it.get("lang") not in LANGS or it.get("sentiment") not in SENTS or it.get("source") not in SOURCES:
        yield "lang, sentiment or source value"
    topics = it.get("topics", [])
    if len(topics) > 3 or len({t["id"] for t in topics}) != len(topics):
        yield "0-3 distinct topics"
    for t in topics:
        if t.get("id") not in TOPICS or t.get("sentiment") not in SENTS:
            yield f"topic {t}"
    text, lang = it.get("text", ""), it.get("lang")
    if lang in ("zh-Hans", "zh-Hant") and (LATIN.search(text) or not HAN.search(text)):
        yield "Chinese lang: no Latin letters, some Han"
    if lang == "en" and HAN.search(text):
        yield "en: no Chinese"
    if lang == "mixed" and not (LATIN.search(text) and HAN.search(text)):
        yield "mixed: Chinese and Latin"
    if "nps" in it and not (isinstance(it["nps"], int) and 0 <= it["nps"] <= 10):
        yield "nps 0-10"


def check(path, prefix, split, seen, gold):
    """Check one file; `seen` holds (id, bigrams) of every line checked before it."""
    items = [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()]
    errors = [f"{it.get('id', i)}: {p}" for i, it in enumerate(items) for p in problems(i, it, prefix, split)]
    for it in items:
        g = grams(it["text"])
        for other, o in gold + seen:
            if (s := jaccard(g, o)) >= NEAR:
                errors.append(f"{it['id']}: near-duplicate of {other} ({s:.2f})")
        seen.append((it["id"], g))
    print(f"{path.name}: {len(items)} items")
    for key in ("lang", "sentiment", "source"):
        print(key, dict(collections.Counter(it[key] for it in items)))
    counts = collections.Counter((t["id"], t["sentiment"]) for it in items for t in it["topics"])
    for topic in sorted(TOPICS):
        print(f"  {topic:17} " + " ".join(f"{s[:3]} {counts[(topic, s)]:3}" for s in sorted(SENTS)))
    return errors


def main():
    gold = [(g["id"], grams(g["text"])) for g in map(json.loads, GOLD.open(encoding="utf-8"))]
    seen = []
    errors = check(PATH, "l", "train", seen, gold) + check(HOLDOUT, "h", "holdout", seen, gold)
    for e in errors:
        print("FAIL", e)
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
