#!/usr/bin/env python3
"""Build corpora/pii/labelled.jsonl from the hand-written snippets in labelled.src.txt.

Markup in the source (one snippet a line; `#` lines are comments, `#holdout` starts the
held-out part):
  [[TYPE|VALUE]]        VALUE is PII of TYPE (phone, email, id, card, ip), labelled.
  {{cnid YYYYMMDD}}     a valid mainland resident ID (checksum) born that day, labelled id.
  {{cnid_bad YYYYMMDD}} the same with a wrong check character: NOT labelled.
  {{twid L G}}          a valid Taiwan ID (letter L, gender digit G), labelled id.
  {{twid_bad L G}}      the same with a wrong check digit: NOT labelled.
  {{card P N SEP}}      a Luhn-valid card of N digits starting P, grouped by 4 with SEP
                        (none, space, dash), labelled card.
  {{card_bad P N SEP}}  the same with a wrong check digit: NOT labelled.
  {{luhn P N}}          a Luhn-valid digit run (an order number, IMEI...): NOT labelled.
Offsets in the output are character (code point) offsets into `text`.
Run: python3 corpora/pii/build_labelled.py  (deterministic: seeded).
"""
import json
import random
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
rng = random.Random(20261124)


def luhn_check(body):
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def luhn_run(prefix, n):
    body = prefix + "".join(rng.choice("0123456789") for _ in range(n - len(prefix) - 1))
    return body + luhn_check(body)


def group(digits, sep):
    if sep == "none":
        return digits
    s = {"space": " ", "dash": "-"}[sep]
    return s.join(digits[i:i + 4] for i in range(0, len(digits), 4))


W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
CHECK = "10X98765432"
REGIONS = ["110101", "310104", "440305", "510107", "330106", "420102", "320102", "210102", "500103", "610113"]


def cnid(birth, bad=False):
    body = rng.choice(REGIONS) + birth + "".join(rng.choice("0123456789") for _ in range(3))
    c = CHECK[sum(int(a) * b for a, b in zip(body, W)) % 11]
    if bad:
        c = rng.choice([x for x in CHECK if x != c])
    return body + c


TW = dict(A=10, B=11, C=12, D=13, E=14, F=15, G=16, H=17, I=34, J=18, K=19, L=20, M=21,
          N=22, O=35, P=23, Q=24, R=25, S=26, T=27, U=28, V=29, W=32, X=30, Y=31, Z=33)


def twid(letter, gender, bad=False):
    digits = gender + "".join(rng.choice("0123456789") for _ in range(7))
    n = TW[letter]
    s = (n // 10) + (n % 10) * 9 + sum(int(d) * w for d, w in zip(digits, [8, 7, 6, 5, 4, 3, 2, 1]))
    c = (10 - s % 10) % 10
    if bad:
        c = (c + rng.randint(1, 9)) % 10
    return letter + digits + str(c)


def expand(gen):
    parts = gen.split()
    kind, args = parts[0], parts[1:]
    if kind == "cnid":
        return cnid(args[0]), "id"
    if kind == "cnid_bad":
        return cnid(args[0], bad=True), None
    if kind == "twid":
        return twid(args[0], args[1]), "id"
    if kind == "twid_bad":
        return twid(args[0], args[1], bad=True), None
    if kind in ("card", "card_bad"):
        digits = luhn_run(args[0], int(args[1]))
        if kind == "card_bad":
            last = (int(digits[-1]) + rng.randint(1, 9)) % 10
            digits = digits[:-1] + str(last)
        return group(digits, args[2]), ("card" if kind == "card" else None)
    if kind == "luhn":
        return luhn_run(args[0], int(args[1])), None
    raise SystemExit(f"unknown generator {gen!r}")


TOKEN = re.compile(r"\[\[(phone|email|id|card|ip)\|(.+?)\]\]|\{\{(.+?)\}\}")


def build(line):
    text, spans, pos = "", [], 0
    for m in TOKEN.finditer(line):
        text += line[pos:m.start()]
        if m.group(1):
            value, kind = m.group(2), m.group(1)
        else:
            value, kind = expand(m.group(3))
        start = len(text)
        text += value
        if kind:
            spans.append({"type": kind, "start": start, "end": len(text)})
        pos = m.end()
    text += line[pos:]
    return text, spans


def main():
    out, split = [], "dev"
    for raw in (HERE / "labelled.src.txt").read_text(encoding="utf-8").splitlines():
        if raw.strip() == "#holdout":
            split = "holdout"
            continue
        if not raw.strip() or raw.startswith("#"):
            continue
        text, spans = build(raw)
        out.append({"text": text, "spans": spans, "split": split})
    with open(HERE / "labelled.jsonl", "w", encoding="utf-8") as f:
        for row in out:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    n = {s: sum(r["split"] == s for r in out) for s in ("dev", "holdout")}
    print(f"{len(out)} snippets ({n['dev']} dev, {n['holdout']} holdout)", file=sys.stderr)


if __name__ == "__main__":
    main()
