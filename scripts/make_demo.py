#!/usr/bin/env python3
"""Generate the Verbatim demo feedback corpus with planted effects.

    python3 scripts/make_demo.py            # writes corpora/demo/comments.jsonl and truth.json

Standard library only; everything is drawn from one random.Random(SEED), so the output is
identical byte for byte on every run.  Each record mentions 0-3 topics; each mention is one
clause from the pre-filtered phrase banks in scripts/demo_phrases.py.  NPS is planted as

    nps = round(clip(BASE + sum(EFFECTS[t] for t in topics) + N(0, NOISE_SD), 0, 10))

with topic inclusion drawn independently per record, so the effects do not confound each
other.  product_quality is the most frequent topic but has no effect.  account_security is an
emerging topic: ~1% of records before EMERGING_SINCE, ~12% from then on.
"""

import datetime as dt
import json
import math
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from demo_phrases import BANK  # noqa: E402

SEED = 20260501
N = 4000
START = dt.date(2026, 5, 1)
END = dt.date(2026, 10, 31)
BASE = 8.0
NOISE_SD = 1.3

# Planted NPS effects (points). Every topic not listed here has effect 0.0.
EFFECTS = {"delivery": -3.0, "response_time": -2.0, "billing": -1.0, "product_quality": 0.0}
NO_EFFECT = "product_quality"
# Independent per-record inclusion probabilities of the measured topics.
PREVALENCE = {"delivery": 0.18, "response_time": 0.15, "billing": 0.12, "product_quality": 0.30}
EMERGING = "account_security"
EMERGING_SINCE = dt.date(2026, 9, 21)  # a Monday
EMERGING_BEFORE = 0.01
EMERGING_AFTER = 0.12
MEASURED = ["delivery", "response_time", "billing", "product_quality", "account_security"]
# Filler topics (no effect) and their relative weights.
OTHER = {
    "price_value": 1.4, "service_attitude": 1.3, "usability": 1.0, "reliability": 1.0,
    "after_sales": 1.0, "packaging": 0.7, "staff_expertise": 0.7, "features": 0.8,
}
# Inclusion probability of a filler topic = OTHER_SCALE × its weight.
OTHER_SCALE = 0.08
# Probability that a mention of the topic is a negative clause (else positive).
NEG_SHARE = {"delivery": 0.85, "response_time": 0.9, "billing": 0.85,
             "account_security": 0.85, "product_quality": 0.5}
NEG_SHARE_OTHER = 0.55
CONTEXT_P = 0.2

# The planted October change (issue 18, "Why did NPS drop in October?"), see october():
# OCT_VOLUME_TOPIC's volume rises (OCT_N more October comments mention it: its October
# mentions double) and OCT_SCORE_TOPIC's score falls at equal volume (its October mentions
# cost OCT_SCORE_EFFECT more points). The added October comments mention NO_EFFECT less
# often (OCT_NO_EFFECT_RATE, not 30%): the compare report splits a comment's weight over its
# topics, so delivery comments that also mention product_quality charge part of delivery's
# rise to product_quality's score (at 30% it ties with delivery); left out entirely, the
# October drivers would find product_quality positive. To keep NO_EFFECT independent of
# OCT_VOLUME_TOPIC over the corpus (the drivers' no-effect check), OCT_BALANCE_N comments
# mentioning both are dated START..OCT_BALANCE_END, so that 30% of all the added comments
# mention it. All from their own stream, OCT_SEED.
OCT_SEED = SEED + 1010
OCT_START = dt.date(2026, 10, 1)
OCT_END = dt.date(2026, 10, 31)
OCT_VOLUME_TOPIC = "delivery"
OCT_N = 116  # as many as the base records of October that mention it: ×2
OCT_NO_EFFECT_RATE = 0.1
OCT_BALANCE_N = 33  # (0.1 × 116 + 33) / (116 + 33) = 0.30
OCT_BALANCE_END = dt.date(2026, 8, 31)
OCT_SCORE_TOPIC = "service_attitude"
OCT_SCORE_EFFECT = -4.0

LANGS = [("hans", 0.5), ("hant", 0.2), ("en", 0.3)]
REGIONS = {
    "hans": [("华东", 0.35), ("华北", 0.25), ("华南", 0.25), ("西部", 0.15)],
    "hant": [("台北", 0.5), ("高雄", 0.2), ("香港", 0.3)],
    "en": [("US", 0.5), ("UK", 0.3), ("SG", 0.2)],
}
CHANNELS = [("app", 0.35), ("web", 0.2), ("phone", 0.15), ("email", 0.1), ("store", 0.2)]

ZH_SAME = ["，", "，", "。", "；"]
ZH_TURN = {"hans": ["，但是", "，不过", "。不过", "，可是"], "hant": ["，但是", "，不過", "。不過", "，可是"]}
EN_SAME = [", ", ", ", ". ", "; ", ", and "]
EN_TURN = [", but ", ", but ", ". But ", ", although "]


def pick(rng, weighted):
    items = [x for x, _ in weighted]
    return rng.choices(items, weights=[w for _, w in weighted])[0]


def choose_topics(rng, day, prevalence=None):
    """Every topic drawn independently (so no topic's effect leaks into another's); draws
    with more than 3 topics are redrawn (about 1%). A record may have no topic: its text is
    then a context clause alone. `prevalence` overrides inclusion probabilities."""
    prev = dict(PREVALENCE)
    prev[EMERGING] = EMERGING_AFTER if day >= EMERGING_SINCE else EMERGING_BEFORE
    prev.update({t: OTHER_SCALE * w for t, w in OTHER.items()})
    prev.update(prevalence or {})
    while True:
        topics = [t for t in MEASURED + sorted(OTHER) if rng.random() < prev[t]]
        if len(topics) <= 3:
            break
    rng.shuffle(topics)
    return topics


def capitalize(s):
    return s[:1].upper() + s[1:]


def compose(rng, lang, mentions):
    """mentions: list of (topic, sentiment). Returns the comment text and where each phrase
    lies in it: (start, end, topic or None for a context phrase), in characters."""
    clauses = [(rng.choice(BANK[(t, s, lang)]), s, t) for t, s in mentions]
    if not clauses or rng.random() < CONTEXT_P:
        clauses.insert(0, (rng.choice(BANK[("context", None, lang)]), None, None))
    last_sent = mentions[-1][1] if mentions else None
    if lang == "en":
        text = capitalize(clauses[0][0])
        parts = [(0, len(text), clauses[0][2])]
        prev = clauses[0][1]
        for clause, sent, topic in clauses[1:]:
            turn = prev is not None and sent != prev
            sep = rng.choice(EN_TURN if turn else EN_SAME)
            text += sep
            phrase = capitalize(clause) if sep.startswith(".") else clause
            parts.append((len(text), len(text) + len(phrase), topic))
            text += phrase
            prev = sent
        return text + ("!" if last_sent == "neg" and rng.random() < 0.15 else "."), parts
    text = clauses[0][0]
    parts = [(0, len(text), clauses[0][2])]
    prev = clauses[0][1]
    for clause, sent, topic in clauses[1:]:
        turn = prev is not None and sent != prev
        text += rng.choice(ZH_TURN[lang] if turn else ZH_SAME)
        parts.append((len(text), len(text) + len(clause), topic))
        text += clause
        prev = sent
    return text + ("！" if last_sent == "neg" and rng.random() < 0.2 else "。"), parts


def clip(x, lo, hi):
    return max(lo, min(hi, x))


def half_up(x):
    return int(math.floor(x + 0.5))


def generate():
    """Return the records in output order; each has a private '_topics' list (labels)."""
    rng = random.Random(SEED)
    ndays = (END - START).days + 1
    rows = []
    for _ in range(N):
        day = START + dt.timedelta(days=rng.randrange(ndays))
        rows.append(draw(rng, day, EFFECTS, NEG_SHARE))
    rows.sort(key=lambda r: r["created_at"])  # stable: ties keep generation order
    for i, r in enumerate(rows, 1):
        r["id"] = f"d-{i:05d}"
    return rows + october(rows)


def draw(rng, day, effects, neg_share, prevalence=None):
    """One record dated `day`: language, topics (`prevalence` overrides the inclusion
    probabilities), each mention's sentiment, text, NPS, CSAT, channel and region."""
    lang = pick(rng, LANGS)
    topics = choose_topics(rng, day, prevalence)
    mentions = []
    for t in topics:
        neg = neg_share.get(t, NEG_SHARE_OTHER)
        mentions.append((t, "neg" if rng.random() < neg else "pos"))
    text, parts = compose(rng, lang, mentions)
    r = {"text": text, "created_at": day.isoformat(), "_topics": topics, "_effects": effects,
         "_noise": (rng.gauss(0.0, NOISE_SD), rng.gauss(0.0, 0.5))}
    score(r)
    r.update({"channel": pick(rng, CHANNELS), "region": pick(rng, REGIONS[lang]),
              "_mentions": mentions, "_parts": parts, "_lang": lang, "_october": False,
              "_added": False, "_rescored": False})
    return r


def score(r, extra=None):
    """NPS and CSAT from the record's topics and its two noise draws; `extra` replaces the
    effect of OCT_SCORE_TOPIC (the October rescoring)."""
    effects = dict(r["_effects"])
    if extra is not None:
        effects[OCT_SCORE_TOPIC] = extra
    raw = BASE + sum(effects.get(t, 0.0) for t in r["_topics"]) + r["_noise"][0]
    r["nps"] = half_up(clip(raw, 0.0, 10.0))
    r["csat"] = half_up(clip(1 + r["nps"] * 0.4 + r["_noise"][1], 1.0, 5.0))
    r["_clipped"] = not 0 <= raw <= 10


def october(base):
    """The planted October change, applied after the base records are drawn and numbered.
    Score: the base records dated in October that mention OCT_SCORE_TOPIC are rescored with
    its October effect (same text, same noise draws: a score change at equal volume).
    Volume: OCT_N comments dated in October that mention OCT_VOLUME_TOPIC (a topic that
    scores as badly as ever), drawn with the usual topic mix but NO_EFFECT at
    OCT_NO_EFFECT_RATE; and OCT_BALANCE_N comments that mention both, dated May-August, so
    that NO_EFFECT stays independent of OCT_VOLUME_TOPIC over the whole corpus. Both come from
    their own seeded stream, in date order, with ids after the base ones; every base record
    outside October stays byte for byte as it was. Returns the appended records."""
    since = OCT_START.isoformat()
    october_effects = dict(EFFECTS)
    october_effects[OCT_SCORE_TOPIC] = EFFECTS.get(OCT_SCORE_TOPIC, 0.0) + OCT_SCORE_EFFECT
    for r in base:
        if r["created_at"] >= since and OCT_SCORE_TOPIC in r["_topics"]:
            score(r, october_effects[OCT_SCORE_TOPIC])
            r["_rescored"] = True
    rng = random.Random(OCT_SEED)

    def days(first, last, n):
        span = (last - first).days + 1
        return sorted(first + dt.timedelta(days=rng.randrange(span)) for _ in range(n))

    plan = [(d, EFFECTS, {NO_EFFECT: 1.0}) for d in days(START, OCT_BALANCE_END, OCT_BALANCE_N)]
    plan += [(d, october_effects, {NO_EFFECT: OCT_NO_EFFECT_RATE})
             for d in days(OCT_START, OCT_END, OCT_N)]
    added = []
    for k, (day, effects, prevalence) in enumerate(plan):
        r = draw(rng, day, effects, NEG_SHARE, {OCT_VOLUME_TOPIC: 1.0, **prevalence})
        r["id"], r["_october"] = f"d-{len(base) + 1 + k:05d}", day >= OCT_START
        r["_added"] = True
        added.append(r)
    return added


def public(r):
    return {k: r[k] for k in ("id", "text", "created_at", "nps", "csat", "channel", "region")}


def mean(xs):
    return sum(xs) / len(xs) if xs else float("nan")


def ols(rows, topics):
    """Least-squares NPS ~ 1 + topic indicators (normal equations, Gauss-Jordan)."""
    X = [[1.0] + [1.0 if t in r["_topics"] else 0.0 for t in topics] for r in rows]
    y = [float(r["nps"]) for r in rows]
    p = len(topics) + 1
    A = [[sum(x[i] * x[j] for x in X) for j in range(p)] + [sum(x[i] * v for x, v in zip(X, y))]
         for i in range(p)]
    for c in range(p):
        piv = max(range(c, p), key=lambda i: abs(A[i][c]))
        A[c], A[piv] = A[piv], A[c]
        for i in range(p):
            if i != c:
                f = A[i][c] / A[c][c]
                A[i] = [a - f * b for a, b in zip(A[i], A[c])]
    coef = [A[i][p] / A[i][i] for i in range(p)]
    return {"intercept": round(coef[0], 3), **{t: round(c, 3) for t, c in zip(topics, coef[1:])}}


def nps_points(rows):
    """NPS in points: % promoters (9-10) − % detractors (0-6)."""
    return 100.0 * mean([(r["nps"] >= 9) - (r["nps"] <= 6) for r in rows])


def october_truth(rows):
    """What the October change planted, and what this draw realized (October against
    September, by the generator's labels)."""
    r2 = lambda x: round(x, 2)  # noqa: E731
    months = {"october": "2026-10", "september": "2026-09"}
    side = {k: [r for r in rows if r["created_at"].startswith(m)] for k, m in months.items()}
    realized = {}
    for k, rs in side.items():
        realized[k] = {"n": len(rs), "nps": r2(nps_points(rs))}
        for t in (OCT_VOLUME_TOPIC, OCT_SCORE_TOPIC):
            with_t = [r for r in rs if t in r["_topics"]]
            realized[k][t] = {"n": len(with_t), "share": round(len(with_t) / len(rs), 4),
                              "nps": r2(nps_points(with_t))}
    added = [r["id"] for r in rows if r["_october"]]
    balance = [r["id"] for r in rows if r["_added"] and not r["_october"]]
    return {
        "from": OCT_START.isoformat(), "to": OCT_END.isoformat(),
        "baseline": ["2026-09-01", "2026-09-30"],
        "volume_topic": OCT_VOLUME_TOPIC,
        "volume_note": f"{len(added)} October comments that mention {OCT_VOLUME_TOPIC} added "
                       f"(ids {added[0]}…{added[-1]}; usual topic mix, {NO_EFFECT} in "
                       f"{OCT_NO_EFFECT_RATE:.0%} of them): "
                       f"its October mentions double",
        "balance_note": f"{len(balance)} comments that mention {OCT_VOLUME_TOPIC} and {NO_EFFECT} "
                        f"added before September (ids {balance[0]}…{balance[-1]}), so that "
                        f"{NO_EFFECT} stays independent of {OCT_VOLUME_TOPIC}",
        "score_topic": OCT_SCORE_TOPIC,
        "score_effect": OCT_SCORE_EFFECT,
        "score_note": f"base comments dated in October that mention {OCT_SCORE_TOPIC} get "
                      f"{OCT_SCORE_EFFECT} NPS points more (same text, same noise draws)",
        "rescored_ids": [r["id"] for r in rows if r["_rescored"]],
        "realized": realized,
        "realized_nps_change": r2(realized["october"]["nps"] - realized["september"]["nps"]),
    }


def truth(rows):
    r4 = lambda x: round(x, 4)  # noqa: E731
    realized = {}
    for t in list(EFFECTS) + [EMERGING]:
        w = [r["nps"] for r in rows if t in r["_topics"]]
        wo = [r["nps"] for r in rows if t not in r["_topics"]]
        realized[t] = {"n": len(w), "share": r4(len(w) / len(rows)), "mean_nps_with": r4(mean(w)),
                       "mean_nps_without": r4(mean(wo)), "difference": r4(mean(w) - mean(wo))}
    since = EMERGING_SINCE.isoformat()
    before = [r for r in rows if r["created_at"] < since]
    after = [r for r in rows if r["created_at"] >= since]
    all_topics = sorted({t for r in rows for t in r["_topics"]})
    counts = {t: sum(t in r["_topics"] for r in rows) for t in all_topics}
    lang_names = {"hans": "zh-Hans", "hant": "zh-Hant", "en": "en"}
    return {
        "seed": SEED,
        "n": len(rows),
        "date_range": [START.isoformat(), END.isoformat()],
        "nps_model": f"round(clip({BASE} + sum(effects of mentioned topics) + N(0, {NOISE_SD}), 0, 10))",
        "csat_model": "round(clip(1 + 0.4*nps + N(0, 0.5), 1, 5))",
        "base": BASE,
        "noise_sd": NOISE_SD,
        "effects": dict(EFFECTS),
        "effects_note": "every topic not listed in effects has a planted effect of 0.0, but "
                        f"{OCT_SCORE_TOPIC} costs {OCT_SCORE_EFFECT} in October (see october)",
        "no_effect": NO_EFFECT,
        "emerging": {
            "topic": EMERGING, "since": since, "share_before": EMERGING_BEFORE,
            "share_after": EMERGING_AFTER,
            "realized_share_before": r4(mean([EMERGING in r["_topics"] for r in before])),
            "realized_share_after": r4(mean([EMERGING in r["_topics"] for r in after])),
            "n_before": len(before), "n_after": len(after),
        },
        "october": october_truth(rows),
        "realized": realized,
        "realized_ols": ols(rows, all_topics),
        "clipped_share": r4(mean([r["_clipped"] for r in rows])),
        "topic_counts": counts,
        "lang_counts": {lang_names[k]: sum(r["_lang"] == k for r in rows) for k, _ in LANGS},
    }


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = os.path.join(root, "corpora", "demo")
    os.makedirs(out, exist_ok=True)
    rows = generate()
    with open(os.path.join(out, "comments.jsonl"), "w", encoding="utf-8", newline="\n") as f:
        for r in rows:
            f.write(json.dumps(public(r), ensure_ascii=False) + "\n")
    with open(os.path.join(out, "truth.json"), "w", encoding="utf-8", newline="\n") as f:
        f.write(json.dumps(truth(rows), ensure_ascii=False, indent=2) + "\n")
    print(f"wrote {len(rows)} records to {out}")


if __name__ == "__main__":
    main()
