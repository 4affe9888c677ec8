#!/usr/bin/env python3
"""Contrast augmentation (issue 16): mixed sentiment across clauses, written from our own labelled
training comments, so the model learns that the clause after 但是 / 不过 / but carries the verdict.

In:  $VERBATIM_CACHE/train/data/{train,dev,test}.jsonl (data.py).
Out: --out DIR (default $VERBATIM_CACHE/train/data-v3/) with dev/test copied and train.jsonl = the
     original rows + source `contrast` rows, appended (so the row indices of the originals, and the
     teacher-embedding cache keyed by them, stay valid):
       - "A，但是B" / "A, but b": two training comments of opposite sentiment (corpora/labelled's
         train rows only), label = B's, topics = both comments' with their own aspect sentiment;
       - "但是B" / "But b": the second clause alone keeps its label.
Deterministic for a seed.
"""
import argparse
import json
import os
import random
import shutil
from pathlib import Path

CACHE = Path(os.environ.get("VERBATIM_CACHE", Path.home() / ".cache" / "verbatim")) / "train"
CONJ = {"zh-Hans": ["但是", "不过", "可是", "只是"], "zh-Hant": ["但是", "不過", "可是", "只是"],
        "en": ["but", "however,", "though", "but honestly"]}


def join(a, b, lang, conj):
    a = a.rstrip("。.!！?？ ，,")
    if lang == "en":
        b = b[:1].lower() + b[1:]
        return f"{a}, {conj} {b}" if not conj.endswith(",") else f"{a}; {conj} {b}"
    return f"{a}，{conj}{b}"


def lead(b, lang, conj):
    if lang == "en":
        return f"{conj.rstrip(',').capitalize()} {b[:1].lower() + b[1:]}"
    return f"{conj}{b}"


def topics_of(a, b):
    out = {t["id"]: t for t in a["topics"] or []}
    out.update({t["id"]: t for t in b["topics"] or []})
    return list(out.values())


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=CACHE / "data")
    ap.add_argument("--out", type=Path, default=CACHE / "data-v3")
    ap.add_argument("--pairs", type=int, default=2400)
    ap.add_argument("--leads", type=int, default=600)
    ap.add_argument("--seed", type=int, default=20261205)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    rows = [json.loads(l) for l in (args.data / "train.jsonl").read_text(encoding="utf-8").splitlines()]
    pool = {}
    for r in rows:
        if r["src"] == "labelled" and r["lang"] in CONJ and r["label"] != 1 and len(r["text"]) <= 80:
            pool.setdefault((r["lang"], r["label"]), []).append(r)
    extra = []
    for n in range(args.pairs + args.leads):
        lang = rng.choice(sorted(CONJ))
        lb = rng.choice([0, 2])
        b = rng.choice(pool[(lang, lb)])
        conj = rng.choice(CONJ[lang])
        if n < args.pairs:
            a = rng.choice(pool[(lang, 2 - lb)])
            text, topics = join(a["text"], b["text"], lang, conj), topics_of(a, b)
        else:
            text, topics = lead(b["text"], lang, conj), b["topics"]
        extra.append({"text": text, "label": lb, "src": "contrast", "lang": lang, "binary": False,
                      "topics": topics, "id": None})
    args.out.mkdir(parents=True, exist_ok=True)
    for name in ("dev", "test"):
        shutil.copyfile(args.data / f"{name}.jsonl", args.out / f"{name}.jsonl")
    with open(args.out / "train.jsonl", "w", encoding="utf-8") as fh:
        for r in rows + extra:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"{len(rows)} rows + {len(extra)} contrast rows -> {args.out}; e.g. {extra[0]['text']} / {extra[-1]['text']}")


if __name__ == "__main__":
    main()
