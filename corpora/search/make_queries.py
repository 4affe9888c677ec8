#!/usr/bin/env python3
"""Write corpora/search/queries.jsonl: the labelled query set of the search evaluation.

    python3 corpora/search/make_queries.py

Relevance is judged from what scripts/make_demo.py planted, never by the system under test:
each query is written for one topic of the demo generator and, when it names a tone, one
sentiment of that topic's mention ("neg" / "pos"; "any" otherwise). A demo comment is
relevant to a query when the generator put a clause of that topic (with that sentiment) in
it, in any language: the search is cross-lingual, so 发票 is answered by "invoice"
comments too. make_demo.generate() is deterministic (seeded), so the ids match
corpora/demo/comments.jsonl; the script checks that the texts agree.

Queries alternate dev / test by their order within a language group: the semantic floor
(src/index/fusion.rs FLOOR) is chosen on dev, the figures in the README are on test.
"""

import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
from make_demo import generate  # noqa: E402

# (group, query, topic, sentiment)
QUERIES = [
    ("zh-Hans", "配送慢", "delivery", "neg"),
    ("zh-Hans", "快递太慢", "delivery", "neg"),
    ("zh-Hans", "发票", "billing", "any"),
    ("zh-Hans", "重复扣款", "billing", "neg"),
    ("zh-Hans", "退款没到账", "billing", "neg"),
    ("zh-Hans", "客服没人回复", "response_time", "neg"),
    ("zh-Hans", "电话排队太久", "response_time", "neg"),
    ("zh-Hans", "账号被盗", "account_security", "neg"),
    ("zh-Hans", "登录不上", "account_security", "neg"),
    ("zh-Hans", "质量太差", "product_quality", "neg"),
    ("zh-Hans", "太贵了不值", "price_value", "neg"),
    ("zh-Hans", "包装破了", "packaging", "neg"),
    ("zh-Hans", "态度很差", "service_attitude", "neg"),
    ("zh-Hans", "操作太复杂", "usability", "neg"),
    ("zh-Hans", "物流很快", "delivery", "pos"),
    ("zh-Hans", "保修不给修", "after_sales", "neg"),
    ("zh-Hans", "闪退", "reliability", "neg"),
    ("zh-Hant", "配送太慢", "delivery", "neg"),
    ("zh-Hant", "發票", "billing", "any"),
    ("zh-Hant", "重複扣款", "billing", "neg"),
    ("zh-Hant", "退費很慢", "billing", "neg"),
    ("zh-Hant", "客服不回覆", "response_time", "neg"),
    ("zh-Hant", "等很久才接通", "response_time", "neg"),
    ("zh-Hant", "帳號被盜", "account_security", "neg"),
    ("zh-Hant", "收不到驗證碼", "account_security", "neg"),
    ("zh-Hant", "品質很差", "product_quality", "neg"),
    ("zh-Hant", "價格太貴", "price_value", "neg"),
    ("zh-Hant", "包裝壓壞了", "packaging", "neg"),
    ("zh-Hant", "服務態度不好", "service_attitude", "neg"),
    ("zh-Hant", "介面很難用", "usability", "neg"),
    ("zh-Hant", "出貨很快", "delivery", "pos"),
    ("zh-Hant", "送修很久", "after_sales", "neg"),
    ("zh-Hant", "一直當機", "reliability", "neg"),
    ("en", "late delivery", "delivery", "neg"),
    ("en", "package never arrived", "delivery", "neg"),
    ("en", "invoice", "billing", "any"),
    ("en", "charged twice", "billing", "neg"),
    ("en", "refund not received", "billing", "neg"),
    ("en", "slow customer support", "response_time", "neg"),
    ("en", "on hold for an hour", "response_time", "neg"),
    ("en", "account hacked", "account_security", "neg"),
    ("en", "cannot log in", "account_security", "neg"),
    ("en", "poor quality", "product_quality", "neg"),
    ("en", "too expensive", "price_value", "neg"),
    ("en", "damaged box", "packaging", "neg"),
    ("en", "rude staff", "service_attitude", "neg"),
    ("en", "hard to use", "usability", "neg"),
    ("en", "fast shipping", "delivery", "pos"),
    ("en", "warranty repair refused", "after_sales", "neg"),
    ("en", "app crashes", "reliability", "neg"),
    ("mixed", "delivery 太慢", "delivery", "neg"),
    ("mixed", "发票 wrong amount", "billing", "neg"),
    ("mixed", "refund 退款", "billing", "any"),
    ("mixed", "app 闪退", "reliability", "neg"),
    ("mixed", "客服 no reply", "response_time", "neg"),
    ("mixed", "account 被盗", "account_security", "neg"),
    ("mixed", "packaging 破损", "packaging", "neg"),
    ("mixed", "price 太贵", "price_value", "neg"),
    ("mixed", "login 验证码", "account_security", "neg"),
    ("mixed", "staff 态度差", "service_attitude", "neg"),
    ("mixed", "shipping 很快", "delivery", "pos"),
    ("mixed", "support 排队", "response_time", "neg"),
    ("mixed", "quality 很差", "product_quality", "neg"),
    ("mixed", "發票 invoice", "billing", "any"),
    ("mixed", "UI 太乱", "usability", "neg"),
]


def main():
    rows = generate()
    with open(os.path.join(ROOT, "corpora", "demo", "comments.jsonl"), encoding="utf-8") as f:
        demo = {r["id"]: r["text"] for r in map(json.loads, f)}
    assert all(demo.get(r["id"]) == r["text"] for r in rows), "demo corpus and generator differ"
    seen = {}
    out = []
    for i, (group, q, topic, sent) in enumerate(QUERIES, 1):
        k = seen[group] = seen.get(group, -1) + 1
        relevant = [r["id"] for r in rows
                    if any(t == topic and (sent == "any" or s == sent) for t, s in r["_mentions"])]
        out.append({"id": f"q{i:02d}", "group": group, "split": "dev" if k % 2 == 0 else "test",
                    "q": q, "topic": topic, "sentiment": sent, "relevant": relevant})
    with open(os.path.join(HERE, "queries.jsonl"), "w", encoding="utf-8") as f:
        for o in out:
            f.write(json.dumps(o, ensure_ascii=False) + "\n")
    print(f"{len(out)} queries", {g: sum(o["group"] == g for o in out) for g in seen})


if __name__ == "__main__":
    main()
