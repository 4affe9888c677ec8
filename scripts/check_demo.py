#!/usr/bin/env python3
"""Check the demo corpus against the Verbatim analyzer (documentation / regeneration aid).

    python3 scripts/check_demo.py clauses   # every phrase-bank clause on its own
    python3 scripts/check_demo.py corpus    # precision/recall on corpora/demo/comments.jsonl
    python3 scripts/check_demo.py evidence  # do topics' evidence spans point at their phrases?

The analyzer binary is taken from $VERBATIM_BIN (default /tmp/verbatim-demo-bin) and the models
from $VERBATIM_MODELS (default <repo>/models).  `clauses` lists every clause the model reads
wrongly (a clause for topic T must get T and no measured topic other than T; a context clause
must get no measured topic), both bare and as a stand-alone sentence, and exits 1 if there is any.  `corpus` regenerates the labels with
make_demo.generate(), checks that comments.jsonl matches them, and prints per-topic precision and
recall of the model's topics against the generator's labels.
"""

import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import make_demo  # noqa: E402
from demo_phrases import BANK  # noqa: E402

BIN = os.environ.get("VERBATIM_BIN", "/tmp/verbatim-demo-bin")
MODELS = os.environ.get("VERBATIM_MODELS", os.path.join(ROOT, "models"))
MEASURED = make_demo.MEASURED


def analyze(texts):
    return [{t["id"] for t in r["topics"]} for r in analyze_full(texts)]


def analyze_full(texts):
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".txt", delete=False) as f:
        f.write("".join(t + "\n" for t in texts))
        path = f.name
    try:
        out = subprocess.run([BIN, "analyze", "--models", MODELS, "--input", path],
                             capture_output=True, text=True, check=True).stdout
    finally:
        os.unlink(path)
    res = [json.loads(line) for line in out.splitlines() if line.strip()]
    if len(res) != len(texts):
        sys.exit(f"analyzer returned {len(res)} results for {len(texts)} texts")
    return res


def rendered(key, clause):
    """The clause as it can appear standing alone in a comment."""
    if key[2] == "en":
        return make_demo.capitalize(clause) + "."
    return clause + "。"


def check_clauses():
    """Each clause is checked bare and as a stand-alone sentence (capitalised, full stop)."""
    items = [(k, c) for k, v in BANK.items() for c in v]
    items += [(k, rendered(k, c)) for k, c in items]
    got = analyze([c for _, c in items])
    bad = 0
    for (key, clause), topics in zip(items, got):
        topic = key[0]
        wrong = set(topics) & set(MEASURED)
        if topic == "context":
            ok = not wrong
        else:
            ok = topic in topics and not (wrong - {topic})
        if not ok:
            bad += 1
            print(f"BAD {key}: {clause} -> {sorted(topics)}")
    print(f"{len(items)} clauses, {bad} read wrongly")
    return 1 if bad else 0


def check_corpus():
    rows = make_demo.generate()
    path = os.path.join(ROOT, "corpora", "demo", "comments.jsonl")
    with open(path, encoding="utf-8") as f:
        stored = [json.loads(line) for line in f]
    if stored != [make_demo.public(r) for r in rows]:
        sys.exit("comments.jsonl does not match make_demo.generate(); regenerate it first")
    got = analyze([r["text"] for r in rows])
    topics = MEASURED + sorted({t for r in rows for t in r["_topics"]} - set(MEASURED))
    print(f"{len(rows)} comments; model topics vs generator labels")
    print("| topic | labelled | predicted | TP | precision | recall |")
    print("|---|---:|---:|---:|---:|---:|")
    worst = 1.0
    for t in topics:
        lab = [t in r["_topics"] for r in rows]
        pred = [t in g for g in got]
        tp = sum(a and b for a, b in zip(lab, pred))
        p = tp / sum(pred) if sum(pred) else float("nan")
        rc = tp / sum(lab) if sum(lab) else float("nan")
        if t in MEASURED:
            worst = min(worst, p, rc)
        print(f"| {t} | {sum(lab)} | {sum(pred)} | {tp} | {p:.3f} | {rc:.3f} |")
    exact = sum(set(r["_topics"]) & set(MEASURED) == g & set(MEASURED) for r, g in zip(rows, got))
    print(f"\nmeasured-topic sets exactly right: {exact}/{len(rows)}; "
          f"lowest precision/recall over {', '.join(MEASURED)}: {worst:.3f}")
    return 0 if worst >= 0.95 else 1


def check_evidence():
    """Comments with two or more topic phrases: is each evidence span of a topic the
    generator planted mostly on that topic's phrase (precision), and is every planted phrase
    of a found topic covered by its evidence (recall)?"""
    rows = [r for r in make_demo.generate() if sum(t is not None for *_, t in r["_parts"]) >= 2]
    got = analyze_full([r["text"] for r in rows])
    spans = right = phrases = covered = 0
    for r, a in zip(rows, got):
        def byte(i):
            return len(r["text"][:i].encode())
        parts = [(byte(s), byte(e), t) for s, e, t in r["_parts"]]
        for hit in a["topics"]:
            mine = [p for p in parts if p[2] == hit["id"]]
            if not mine:
                continue
            for e in hit["evidence"]:
                spans += 1
                overlap = lambda p: min(p[1], e["end"]) - max(p[0], e["start"])  # noqa: E731
                right += max(parts, key=overlap)[2] == hit["id"]
            for s, e, _ in mine:
                phrases += 1
                covered += any(x["start"] < e and x["end"] > s for x in hit["evidence"])
    print(f"{len(rows)} comments with several topic phrases: evidence precision "
          f"{right / spans:.3f} ({right}/{spans}), phrase recall {covered / phrases:.3f} "
          f"({covered}/{phrases})")
    return 0


if __name__ == "__main__":
    mode = sys.argv[1] if len(sys.argv) > 1 else "corpus"
    checks = {"clauses": check_clauses, "evidence": check_evidence, "corpus": check_corpus}
    sys.exit(checks.get(mode, check_corpus)())
