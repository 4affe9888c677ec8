#!/usr/bin/env python3
"""Write the encoding fixtures of tests/encodings.rs into tests/data/encodings/.

Files as Chinese and Taiwanese Excel and systems save them: GBK "CSV" (mainland Windows
Excel), Big5 (Taiwan), "Unicode Text" (UTF-16 LE with a byte-order mark, tab-separated),
UTF-8 with a byte-order mark and semicolons (European Excel settings), and a gzip-compressed
GB18030 file holding a character GBK cannot (four bytes in GB18030). Every file has quoted
fields with delimiters, doubled quotes and line breaks inside, and CRLF line ends as Excel
writes. Also two broken files: Big5 with an invalid byte on a known line, and a gzip stream
cut short. expected.json holds, per file, the rows' ids and texts as UTF-8, which the tests
compare against what `verbatim score` and `verbatim ingest` read.

Python's own codecs (gbk, big5, gb18030, utf-16-le) and csv module do the encoding and the
quoting, so the fixtures do not depend on the code under test. Reproducible: run
`python3 scripts/make_encoding_fixtures.py` and the files come out byte for byte the same.
"""

import csv
import gzip
import io
import json
import pathlib

OUT = pathlib.Path(__file__).resolve().parent.parent / "tests" / "data" / "encodings"

SIMPLIFIED = [
    ("g1", "物流很快，包装完好，客服态度也不错", "华东"),
    ("g2", "退款一直没有到账,打了三次电话都说\"正在处理\"", "华北"),
    ("g3", "发票开错了抬头。\n重新申请以后又等了一周，太失望了", "华南"),
    ("g4", "质量一般,价格还行", "西南"),
]

TRADITIONAL = [
    ("b1", "客服回覆很快，問題當天就解決了", "台北"),
    ("b2", "發票一直沒開,打電話也沒人接", "台中"),
    ("b3", "包裝破損，\"全新\"商品有刮痕。\n申請退貨後三天才收到回覆", "高雄"),
    ("b4", "價格實惠,會再回購", "新竹"),
]

MIXED = [
    ("u1", "The app crashes on login\tevery time", "US"),
    ("u2", "配送太慢了;等了五天", "华东"),
    ("u3", "客服說\"馬上處理\"，\n結果一週都沒人回覆", "台北"),
]

# 𠀾 (U+2003E) is outside GBK: GB18030 writes it in four bytes.
GB18030_ONLY = [
    ("x1", "店名叫𠀾记，菜的口味很好，服务也周到", "广州"),
    ("x2", "外卖送到时已经凉了\t汤也洒了", "深圳"),
    ("x3", "价格\"偏贵\",但是分量足\n下次还会点", "上海"),
]


def table(rows, delimiter):
    """The rows as CSV text with a header, quoted where needed, CRLF line ends (as Excel)."""
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(["id", "text", "region"])
    writer.writerows(rows)
    return buf.getvalue()


def write(name, data):
    (OUT / name).write_bytes(data)


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    expected = {}

    def fixture(name, rows, data, encoding, delimiter):
        write(name, data)
        expected[name] = {
            "encoding": encoding,
            "delimiter": delimiter,
            "rows": [{"id": i, "text": t, "region": r} for i, t, r in rows],
        }

    fixture("gbk.csv", SIMPLIFIED, table(SIMPLIFIED, ",").encode("gbk"), "gb18030", ",")
    fixture("big5.csv", TRADITIONAL, table(TRADITIONAL, ",").encode("big5"), "big5", ",")
    # Excel's "Unicode Text": UTF-16 LE, byte-order mark, tab-separated, saved as .txt.
    utf16 = b"\xff\xfe" + table(MIXED, "\t").encode("utf-16-le")
    fixture("unicode_text.txt", MIXED, utf16, "utf-16le", "tab")
    utf8 = b"\xef\xbb\xbf" + table(MIXED, ";").encode("utf-8")
    fixture("utf8_bom_semicolon.csv", MIXED, utf8, "utf-8", ";")
    packed = gzip.compress(table(GB18030_ONLY, "\t").encode("gb18030"), mtime=0)
    fixture("gb18030_tab.csv.gz", GB18030_ONLY, packed, "gb18030", "tab")

    # Big5 with a byte that is not Big5 (0x80) inside the text of the row on line 4.
    lines = table(TRADITIONAL, ",").encode("big5").split(b"\r\n")
    assert lines[3].startswith(b"b3,")
    lines[3] = lines[3].replace(b"b3,\"", b"b3,\"\x80", 1)
    write("big5_bad_line4.csv", b"\r\n".join(lines))
    # A gzip stream cut in the middle.
    write("truncated.csv.gz", packed[: len(packed) // 2])

    text = json.dumps(expected, ensure_ascii=False, indent=2) + "\n"
    (OUT / "expected.json").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
