#!/usr/bin/env python3
"""Checks corpora/gold/feedback.jsonl against the rules in corpora/gold/README.md.

Prints counts per lang, sentiment, split, source and topic x split, then checks
format, balance and coverage. Exits with status 1 if a rule fails.

Usage: python3 corpora/gold/check_gold.py [path/to/feedback.jsonl]
Standard library only.
"""
import collections
import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
PATH = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "feedback.jsonl"
NEUTRAL_SET = HERE.parent / "neutral" / "neutral.jsonl"  # training data: must not leak in

LANGS = ["zh-Hans", "zh-Hant", "en", "mixed"]
SENTS = ["negative", "neutral", "positive"]
SPLITS = ["dev", "test"]
SOURCES = ["support_ticket", "nps_survey", "csat_survey", "app_review", "ecommerce_review"]
TOPICS = ["product_quality", "price_value", "delivery", "service_attitude", "response_time",
          "billing", "usability", "reliability", "after_sales", "packaging", "staff_expertise",
          "account_security", "features"]
KEYS = ["id", "text", "lang", "sentiment", "topics", "nps", "source", "split"]

# Targets from the brief: (low, high) bounds.
N_TOTAL = 560
LANG_RANGE = {"zh-Hans": (185, 215), "zh-Hant": (110, 130), "en": (165, 195), "mixed": (50, 70)}
SENT_SHARE = {"negative": (0.31, 0.39), "neutral": (0.26, 0.34), "positive": (0.31, 0.39)}
DEV_SHARE = (0.40, 0.50)
TOPIC_MIN_ALL, TOPIC_MIN_TEST = 35, 15
NO_TOPIC_SHARE = (0.03, 0.08)
NPS_SHARE = (0.65, 0.75)
NPS_CONSISTENT = {"negative": range(0, 7), "neutral": range(6, 10), "positive": range(9, 11)}
NPS_CONSISTENT_MIN = 0.85  # "mostly"

LATIN = re.compile(r"[A-Za-z]")
HAN = re.compile(r"[\u3400-\u9fff]")
# Characters that only occur in one script (simplified form / traditional form).
SIMP_ONLY = set("们说这还个请问发订单帐账号网软体处时会给应过无关实钱点务态专话员买卖机电货运经题谢对两东样气么门见让认边长开间动没为进习惯汇缴费")
TRAD_ONLY = set("們說這還個請問發訂單帳賬號網軟體處時會給應過無關實錢點務態專話員買賣機電貨運經題謝對兩東樣氣麼門見讓認邊長開間動沒為進習慣匯繳費")

errors, warnings = [], []


def fail(msg):
    errors.append(msg)


def norm(text):
    return re.sub(r"[\s\W_]+", "", text.lower())


def grams(text, n=2):
    t = norm(text)
    return {t[i:i + n] for i in range(max(1, len(t) - n + 1))}


def jaccard(a, b):
    return len(a & b) / len(a | b) if a and b else 0.0


def table(title, rows, cols, cell):
    width = max(len(str(r)) for r in rows + [title])
    head = f"| {title:<{width}} | " + " | ".join(f"{c:>8}" for c in cols) + " |"
    print(head)
    print("|" + "-" * (width + 2) + "|" + "|".join("-" * 9 + ":" for _ in cols) + "|")
    for r in rows:
        print(f"| {r:<{width}} | " + " | ".join(f"{cell(r, c):>8}" for c in cols) + " |")
    print()


items = []
with open(PATH, encoding="utf-8") as f:
    for ln, line in enumerate(f, 1):
        try:
            items.append(json.loads(line))
        except json.JSONDecodeError as e:
            fail(f"line {ln}: invalid JSON ({e})")

# --- per-item format ---------------------------------------------------------
seen_text = {}
for n, it in enumerate(items, 1):
    iid = it.get("id")
    where = f"{iid or 'line ' + str(n)}"
    if iid != f"g-{n:04d}":
        fail(f"{where}: id should be g-{n:04d}")
    extra = set(it) - set(KEYS)
    missing = {"id", "text", "lang", "sentiment", "topics", "source", "split"} - set(it)
    if extra or missing:
        fail(f"{where}: extra keys {sorted(extra)} / missing keys {sorted(missing)}")
        continue
    text = it["text"]
    if not isinstance(text, str) or not text.strip() or text != text.strip():
        fail(f"{where}: empty text or surrounding whitespace")
    if it["lang"] not in LANGS:
        fail(f"{where}: bad lang {it['lang']!r}")
    if it["sentiment"] not in SENTS:
        fail(f"{where}: bad sentiment {it['sentiment']!r}")
    if it["source"] not in SOURCES:
        fail(f"{where}: bad source {it['source']!r}")
    if it["split"] not in SPLITS:
        fail(f"{where}: bad split {it['split']!r}")
    tops = it["topics"]
    if not isinstance(tops, list) or len(tops) > 3:
        fail(f"{where}: topics must be a list of 0-3 entries")
    else:
        ids = [t.get("id") for t in tops]
        if len(set(ids)) != len(ids):
            fail(f"{where}: duplicate topic")
        for t in tops:
            if set(t) != {"id", "sentiment"} or t["id"] not in TOPICS or t["sentiment"] not in SENTS:
                fail(f"{where}: bad topic entry {t}")
    if "nps" in it and (type(it["nps"]) is not int or not 0 <= it["nps"] <= 10):
        fail(f"{where}: nps must be an integer 0-10")
    # script and language consistency
    lang, has_latin, has_han = it["lang"], bool(LATIN.search(text)), bool(HAN.search(text))
    if lang in ("zh-Hans", "zh-Hant") and (has_latin or not has_han):
        fail(f"{where}: {lang} text should be Chinese without Latin words (else it is 'mixed')")
    if lang == "en" and (has_han or not has_latin):
        fail(f"{where}: en text should have no Chinese characters")
    if lang == "mixed" and not (has_latin and has_han):
        fail(f"{where}: mixed text needs both Chinese and Latin words")
    if lang == "zh-Hans" and set(text) & TRAD_ONLY:
        fail(f"{where}: traditional characters {sorted(set(text) & TRAD_ONLY)} in zh-Hans")
    if lang == "zh-Hant" and set(text) & SIMP_ONLY:
        fail(f"{where}: simplified characters {sorted(set(text) & SIMP_ONLY)} in zh-Hant")
    key = norm(text)
    if key in seen_text:
        fail(f"{where}: duplicate text of {seen_text[key]}")
    seen_text[key] = iid

# --- near duplicates inside the set and against the neutral training set ----
gram_sets = [(it["id"], grams(it["text"])) for it in items]
for i in range(len(gram_sets)):
    for j in range(i + 1, len(gram_sets)):
        s = jaccard(gram_sets[i][1], gram_sets[j][1])
        if s >= 0.6:
            fail(f"{gram_sets[i][0]} and {gram_sets[j][0]} are near-duplicates ({s:.2f})")
        elif s >= 0.45:
            warnings.append(f"{gram_sets[i][0]} ~ {gram_sets[j][0]} ({s:.2f})")
if NEUTRAL_SET.exists():
    train = [json.loads(l)["text"] for l in open(NEUTRAL_SET, encoding="utf-8") if l.strip()]
    train_keys = {norm(t): t for t in train}
    train_grams = [(t, grams(t)) for t in train]
    for iid, g in gram_sets:
        it = items[int(iid[2:]) - 1]
        if norm(it["text"]) in train_keys:
            fail(f"{iid}: text also in {NEUTRAL_SET.name} (training data)")
            continue
        for t, tg in train_grams:
            s = jaccard(g, tg)
            if s >= 0.6:
                fail(f"{iid}: near-duplicate of training line {t!r} ({s:.2f})")
            elif s >= 0.4:
                warnings.append(f"{iid} ~ training {t!r} ({s:.2f})")

# --- counts -------------------------------------------------------------------
C = collections.Counter
n = len(items)
by_lang_split = C((it["lang"], it["split"]) for it in items)
by_sent_split = C((it["sentiment"], it["split"]) for it in items)
by_src_split = C((it["source"], it["split"]) for it in items)
by_topic_split = C((t["id"], it["split"]) for it in items for t in it["topics"])
by_topic_sent = C((t["id"], t["sentiment"]) for it in items for t in it["topics"])
by_split = C(it["split"] for it in items)
no_topic = [it for it in items if not it["topics"]]
with_nps = [it for it in items if "nps" in it]


def tot(counter, r):
    return sum(counter[(r, s)] for s in SPLITS)


print(f"{PATH.name}: {n} items\n")
cols = SPLITS + ["total"]
table("lang", LANGS, cols, lambda r, c: tot(by_lang_split, r) if c == "total" else by_lang_split[(r, c)])
table("sentiment", SENTS, cols + ["share"], lambda r, c: tot(by_sent_split, r) if c == "total" else
      f"{tot(by_sent_split, r) / n:.0%}" if c == "share" else by_sent_split[(r, c)])
table("source", SOURCES, cols, lambda r, c: tot(by_src_split, r) if c == "total" else by_src_split[(r, c)])
table("topic", TOPICS, cols + SENTS, lambda r, c: tot(by_topic_split, r) if c == "total" else
      by_topic_sent[(r, c)] if c in SENTS else by_topic_split[(r, c)])
table("split", SPLITS, ["items", "share"], lambda r, c: by_split[r] if c == "items" else f"{by_split[r] / n:.0%}")
nps_ok = {s: [it for it in with_nps if it["sentiment"] == s] for s in SENTS}
print(f"no topic: {len(no_topic)} ({len(no_topic) / n:.1%});  with nps: {len(with_nps)} ({len(with_nps) / n:.1%})")
for s in SENTS:
    vals = C(it["nps"] for it in nps_ok[s])
    print(f"  nps | {s:<8}: " + ", ".join(f"{k}:{vals[k]}" for k in sorted(vals)))
print()

# --- rules --------------------------------------------------------------------
if n != N_TOTAL:
    fail(f"{n} items, expected {N_TOTAL}")
for lang, (lo, hi) in LANG_RANGE.items():
    c = tot(by_lang_split, lang)
    if not lo <= c <= hi:
        fail(f"lang {lang}: {c} items, expected {lo}-{hi}")
    for s in SPLITS:
        if by_lang_split[(lang, s)] == 0:
            fail(f"lang {lang} missing from split {s}")
for sent, (lo, hi) in SENT_SHARE.items():
    share = tot(by_sent_split, sent) / n
    if not lo <= share <= hi:
        fail(f"sentiment {sent}: {share:.1%} of items, expected {lo:.0%}-{hi:.0%}")
dev_share = by_split["dev"] / n
if not DEV_SHARE[0] <= dev_share <= DEV_SHARE[1]:
    fail(f"dev split {dev_share:.1%}, expected {DEV_SHARE[0]:.0%}-{DEV_SHARE[1]:.0%}")
for topic in TOPICS:
    if tot(by_topic_split, topic) < TOPIC_MIN_ALL:
        fail(f"topic {topic}: {tot(by_topic_split, topic)} items, need >= {TOPIC_MIN_ALL}")
    if by_topic_split[(topic, "test")] < TOPIC_MIN_TEST:
        fail(f"topic {topic}: {by_topic_split[(topic, 'test')]} test items, need >= {TOPIC_MIN_TEST}")
    if by_topic_split[(topic, "dev")] == 0:
        fail(f"topic {topic} missing from dev")
for src in SOURCES:
    if tot(by_src_split, src) == 0:
        fail(f"source {src} unused")
if not NO_TOPIC_SHARE[0] <= len(no_topic) / n <= NO_TOPIC_SHARE[1]:
    fail(f"{len(no_topic)} items without topic, expected {NO_TOPIC_SHARE[0]:.0%}-{NO_TOPIC_SHARE[1]:.0%}")
if not NPS_SHARE[0] <= len(with_nps) / n <= NPS_SHARE[1]:
    fail(f"nps on {len(with_nps) / n:.1%} of items, expected {NPS_SHARE[0]:.0%}-{NPS_SHARE[1]:.0%}")
for s, rng in NPS_CONSISTENT.items():
    group = nps_ok[s]
    good = sum(it["nps"] in rng for it in group)
    if group and good / len(group) < NPS_CONSISTENT_MIN:
        fail(f"nps for {s} items: only {good}/{len(group)} in {rng.start}-{rng.stop - 1}")
# a whole-comment label should not contradict every aspect label
for it in items:
    ts = {t["sentiment"] for t in it["topics"]}
    if ts and it["sentiment"] in ("negative", "positive"):
        opposite = "positive" if it["sentiment"] == "negative" else "negative"
        if ts == {opposite}:
            fail(f"{it['id']}: overall {it['sentiment']} but every topic {opposite}")
    if it["sentiment"] == "neutral" and "negative" in ts and "positive" in ts:
        warnings.append(f"{it['id']}: neutral overall with both positive and negative topics")

for w in warnings:
    print("note:", w)
if errors:
    for e in errors:
        print("FAIL:", e)
    sys.exit(1)
print("OK: all checks passed")
