#!/usr/bin/env python3
"""Evaluate a user's own topic taxonomy the way a user runs it: the real `verbatim` binary,
`verbatim analyze --taxonomy TOML`, no retraining.

In: a taxonomy TOML and gold JSONL (docs/formats.md: {"id", "text", "lang", "sentiment",
"topics": [{"id", "sentiment"}] or ["id", ...], "split"}); defaults are the telecom set in
corpora/custom/telecom/. Out: per split (and all together) micro recall, micro precision,
F1, the no-topic share (comments with at least one gold topic that got no topic at all),
the false-topic share (comments labelled with no topic that got one), topic-polarity
accuracy on the correctly found topics where gold gives a polarity, and per-topic and
per-language recall; printed as a markdown table, written as JSON with --json.

    python3 scripts/eval_custom_topics.py                      # telecom set, both splits
    python3 scripts/eval_custom_topics.py --json out.json --md out.md
    python3 scripts/eval_custom_topics.py --analyses a.jsonl   # reuse (or save) the analyses
"""
import argparse
import json
import os
import pathlib
import subprocess
import sys
import tempfile
from collections import defaultdict

ROOT = pathlib.Path(__file__).resolve().parent.parent
DEFAULT_DIR = ROOT / "corpora" / "custom" / "telecom"


def find_binary(explicit):
    if explicit:
        return explicit
    for profile in ("release", "debug"):
        path = ROOT / "target" / profile / "verbatim"
        if path.exists():
            return str(path)
    sys.exit("no verbatim binary: run `cargo build` (or pass --binary)")


def read_gold(path):
    records = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            r = json.loads(line)
            if "\n" in r["text"] or "\r" in r["text"]:
                sys.exit(f"{path}:{n}: a text with a line break cannot go through --input")
            topics = {}
            for t in r.get("topics", []):
                if isinstance(t, str):
                    topics[t] = None
                else:
                    topics[t["id"]] = t.get("sentiment")
            r["gold"] = topics
            records.append(r)
    return records


def analyze(binary, taxonomy, records, extra):
    """One `verbatim analyze` process over every text (one per line), in order."""
    with tempfile.NamedTemporaryFile("w", suffix=".txt", encoding="utf-8", delete=False) as f:
        f.write("".join(r["text"] + "\n" for r in records))
        inputs = f.name
    try:
        cmd = [binary, "analyze", "--taxonomy", str(taxonomy), "--input", inputs,
               "--format", "json", "--keywords", "0", *extra]
        done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    finally:
        os.unlink(inputs)
    if done.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({done.returncode}): {done.stderr.strip()}")
    out = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    if len(out) != len(records):
        sys.exit(f"{len(out)} analyses for {len(records)} texts")
    return out


def ratio(a, b):
    return round(a / b, 4) if b else None


def score(pairs):
    """pairs: (gold record, analysis). Returns the figures of one split."""
    tp = fp = fn = 0
    pol_right = pol_n = 0
    no_topic = labelled = false_topic = unlabelled = 0
    per_topic = defaultdict(lambda: {"tp": 0, "fp": 0, "fn": 0})
    per_lang = defaultdict(lambda: {"tp": 0, "fn": 0})
    sent_right = 0
    for r, a in pairs:
        gold = r["gold"]
        pred = {t["id"]: t["sentiment"] for t in a.get("topics", [])}
        if a.get("sentiment") and a["sentiment"]["label"] == r.get("sentiment"):
            sent_right += 1
        for t in gold:
            if t in pred:
                tp += 1
                per_topic[t]["tp"] += 1
                per_lang[r.get("lang", "?")]["tp"] += 1
                if gold[t] is not None:
                    pol_n += 1
                    pol_right += pred[t] == gold[t]
            else:
                fn += 1
                per_topic[t]["fn"] += 1
                per_lang[r.get("lang", "?")]["fn"] += 1
        for t in pred:
            if t not in gold:
                fp += 1
                per_topic[t]["fp"] += 1
        if gold:
            labelled += 1
            no_topic += not pred
        else:
            unlabelled += 1
            false_topic += bool(pred)
    recall, precision = ratio(tp, tp + fn), ratio(tp, tp + fp)
    f1 = (round(2 * recall * precision / (recall + precision), 4)
          if recall and precision else 0.0)
    return {
        "n": len(pairs),
        "micro_recall": recall,
        "micro_precision": precision,
        "micro_f1": f1,
        "no_topic_share": ratio(no_topic, labelled),
        "false_topic_share": ratio(false_topic, unlabelled),
        "topic_polarity_accuracy": ratio(pol_right, pol_n),
        "topic_polarity_n": pol_n,
        "sentiment_accuracy": ratio(sent_right, len(pairs)),
        "per_topic": {
            t: {"recall": ratio(c["tp"], c["tp"] + c["fn"]),
                "precision": ratio(c["tp"], c["tp"] + c["fp"]), **c}
            for t, c in sorted(per_topic.items())
        },
        "per_lang_recall": {l: ratio(c["tp"], c["tp"] + c["fn"])
                            for l, c in sorted(per_lang.items())},
    }


def markdown(results):
    cols = ["n", "micro_recall", "micro_precision", "micro_f1", "no_topic_share",
            "false_topic_share", "topic_polarity_accuracy"]
    heads = ["split", "n", "recall", "precision", "F1", "no-topic share",
             "false-topic share", "topic polarity"]
    lines = ["| " + " | ".join(heads) + " |", "|" + " --- |" * len(heads)]
    for split, r in results.items():
        cells = ["-" if r[c] is None else (f"{r[c]:.3f}" if isinstance(r[c], float) else str(r[c]))
                 for c in cols]
        lines.append(f"| {split} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--taxonomy", default=DEFAULT_DIR / "taxonomy.toml", type=pathlib.Path)
    p.add_argument("--data", default=DEFAULT_DIR / "comments.jsonl", type=pathlib.Path)
    p.add_argument("--binary", help="the verbatim binary (default: target/release, then debug)")
    p.add_argument("--analyses", type=pathlib.Path,
                   help="analyses JSONL: read if it exists, else written after analysing")
    p.add_argument("--json", type=pathlib.Path, help="write the figures as JSON here")
    p.add_argument("--md", type=pathlib.Path, help="write the markdown table here")
    p.add_argument("extra", nargs="*", help="more arguments for `verbatim analyze` (after --)")
    args = p.parse_args()
    records = read_gold(args.data)
    if args.analyses and args.analyses.exists():
        analyses = [json.loads(l) for l in args.analyses.read_text(encoding="utf-8").splitlines()]
        if len(analyses) != len(records):
            sys.exit(f"{args.analyses}: {len(analyses)} analyses for {len(records)} records")
    else:
        # One process per split: int8 dynamic quantization makes a vector depend a little on
        # its batch mates, so a split analysed alone reads as `verbatim eval --split` and
        # tests/custom_taxonomy.rs read it.
        binary, analyses = find_binary(args.binary), [None] * len(records)
        for split in sorted({r.get("split") for r in records}, key=str):
            at = [i for i, r in enumerate(records) if r.get("split") == split]
            for i, a in zip(at, analyze(binary, args.taxonomy, [records[i] for i in at],
                                        args.extra)):
                analyses[i] = a
        if args.analyses:
            args.analyses.write_text("".join(json.dumps(a, ensure_ascii=False) + "\n"
                                             for a in analyses), encoding="utf-8")
    splits = sorted({r.get("split") or "all" for r in records})
    results = {}
    for split in splits:
        results[split] = score([(r, a) for r, a in zip(records, analyses)
                                if (r.get("split") or "all") == split])
    if len(splits) > 1:
        results["all"] = score(list(zip(records, analyses)))
    table = markdown(results)
    print(table, end="")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    if args.md:
        args.md.write_text(table, encoding="utf-8")


if __name__ == "__main__":
    main()
