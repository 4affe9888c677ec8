#!/usr/bin/env python3
"""Speed of `verbatim analyze` against two baselines on the same comments, in one run.

1. Verbatim: the release binary, end to end (normalize, segment, keywords, encoder, sentiment);
   start-up and model load are subtracted by timing a 1-comment run too.
2. SnowNLP 0.12.3 (the incumbent Chinese tool): `SnowNLP(text).sentiments`, one core.
3. The same int8 model driven the usual Python way: onnxruntime + tokenizers, batches of 32
   padded (and cut) to 128 tokens, then the sentiment head in numpy.
It also reports the peak RSS of the verbatim process (from /usr/bin/time when present).

The default encoder (the distilled student) runs against the two others setup installs, in the
same run: `--encoder frozen` (the old model: the registry encoder, 12 layers) and `--encoder
teacher` (the fine-tuned 12 layers the student learnt from).

Run: make bench-speed   (uses the setup venv; installs snownlp==0.12.3 into it once)
     make bench-speed COMPARE="x=/tmp/m-x": also the same run on another models folder, written
     by `python3 scripts/setup.py --variant NAME DIR`.
     make bench-speed COMPARE="old=/tmp/old": also another engine: a checkout with its own
     release binary and models, e.g. the engine as it was before issue 17, built by
     `scripts/build_old_engine.sh bb8009e /tmp/old`. Each models folder is also set against
     SnowNLP and against each engine (e.g. the fast encoder against the old engine).

Every line gives comments/s after start-up (a 1-comment run's wall time subtracted) and the
wall time of the whole run, start-up included. BENCH_ROUNDS (3) rounds each time every
pipeline back to back; ratios are taken within a round and shown as median (min-max); rates,
start-up and peak RSS are the first round's.
"""
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
THREADS = int(os.environ.get("VERBATIM_THREADS", "2"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))


def comments():
    out = []
    for f in ("corpora/gold/feedback.jsonl", "corpora/neutral/neutral.jsonl"):
        out += [json.loads(l)["text"] for l in (ROOT / f).read_text(encoding="utf-8").splitlines() if l.strip()]
    neg = (ROOT / "corpora/snownlp/neg.txt").read_text(encoding="utf-8").splitlines()
    out += [l for l in neg if l.strip() and len(l) <= 120][:720]
    out = [" ".join(t.split()) for t in out if t.strip()]
    return out[:2000]


def time_verbatim(texts, extra=(), binary=None, measure_rss=True):
    binary = binary or os.environ.get("VERBATIM_BIN", ROOT / "target" / "release" / "verbatim")
    env = dict(os.environ, VERBATIM_THREADS=str(THREADS))
    with tempfile.TemporaryDirectory() as tmp:
        many, one = Path(tmp) / "many.txt", Path(tmp) / "one.txt"
        many.write_text("\n".join(texts) + "\n", encoding="utf-8")
        one.write_text(texts[0] + "\n", encoding="utf-8")
        timings = {}
        for name, path in (("one", one), ("many", many)):
            best = None
            for _ in range(2):
                start = time.perf_counter()
                subprocess.run([str(binary), "analyze", "--input", str(path), *extra], check=True,
                               stdout=subprocess.DEVNULL, env=env)
                took = time.perf_counter() - start
                best = took if best is None else min(best, took)
            timings[name] = best
        rss = None
        if measure_rss and Path("/usr/bin/time").exists():
            proc = subprocess.run(["/usr/bin/time", "-v", str(binary), "analyze", "--input", str(many),
                                   *extra],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
            for line in proc.stderr.splitlines():
                if "Maximum resident set size" in line:
                    rss = int(line.split(":")[1]) / 1024
    rate = (len(texts) - 1) / (timings["many"] - timings["one"])
    return rate, timings["one"], rss, timings["many"]


def engine(spec):
    """`NAME=DIR`: a models folder for this binary, or a checkout with its own binary."""
    name, path = spec.split("=", 1)
    checkout = Path(path)
    binary = checkout / "target" / "release" / "verbatim"
    if binary.exists():
        return name, ["--models", str(checkout / "models")], binary
    return name, ["--models", path], None


def time_snownlp(texts):
    from snownlp import SnowNLP
    SnowNLP("预热").sentiments
    start = time.perf_counter()
    for t in texts:
        SnowNLP(t).sentiments
    return len(texts) / (time.perf_counter() - start)


def time_python_onnx(texts):
    import numpy as np
    import onnxruntime as ort
    from tokenizers import Tokenizer
    tok = Tokenizer.from_file(str(ROOT / "models/e5-small/tokenizer.json"))
    tok.enable_truncation(128)
    tok.enable_padding(length=128, pad_id=1)
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = THREADS
    sess = ort.InferenceSession(str(ROOT / "models/e5-small/model.int8.onnx"), opts)
    paired = ROOT / "models/e5-small/sentiment-head.json"  # a fine-tuned encoder's own head
    head = json.loads((paired if paired.exists() else ROOT / "models/sentiment/head.json").read_text())
    layers = [(np.array(l["weight"], dtype=np.float32), np.array(l["bias"], dtype=np.float32),
               l["activation"]) for l in head["layers"]]
    start = time.perf_counter()
    for i in range(0, len(texts), 32):
        enc = tok.encode_batch(["query: " + t for t in texts[i:i + 32]])
        ids = np.array([e.ids for e in enc], dtype=np.int64)
        mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
        x = sess.run(["sentence_embedding"], {"input_ids": ids, "attention_mask": mask})[0]
        for w, b, act in layers:
            x = x @ w.T + b
            if act == "relu":
                x = np.maximum(x, 0)
    return len(texts) / (time.perf_counter() - start)


def spread(values):
    """`median (min-max)` of a list of ratios."""
    v = sorted(values)
    return f"{statistics.median(v):.2f}x ({v[0]:.2f}-{v[-1]:.2f})"


def against_engines(others, rounds):
    """Each models folder of COMPARE (run by this binary with `--models`) against each engine of
    COMPARE (a checkout with its own binary) and against SnowNLP, within each round."""
    folders = [i for i, (_, extra, binary) in enumerate(others) if binary is None and extra[:1] == ["--models"]]
    engines = [i for i, (_, _, binary) in enumerate(others) if binary is not None]
    for i in folders:
        name = others[i][0]
        for j in engines:
            print(f"verbatim [{name}] vs [{others[j][0]}]: {spread([th[i][0] / th[j][0] for _, th, _, _ in rounds])} "
                  f"after start-up, {spread([th[j][3] / th[i][3] for _, th, _, _ in rounds])} whole run")
        print(f"verbatim [{name}] vs SnowNLP: {spread([th[i][0] / snow for _, th, snow, _ in rounds])}")


def main():
    texts = comments()
    chars = sum(len(t) for t in texts) / len(texts)
    print(f"{len(texts)} comments, mean {chars:.0f} characters, {THREADS} threads, {ROUNDS} rounds")
    others = [(f"--encoder {e}", ["--encoder", e], None) for e in ("frozen", "teacher")]
    others += [engine(a) for a in sys.argv[1:] if "=" in a]
    # Every round times every pipeline back to back, and each ratio is taken within its round:
    # a shared machine's speed drifts more between minutes than within one.
    rounds = []
    for r in range(ROUNDS):
        ours = time_verbatim(texts, measure_rss=r == 0)
        theirs = [time_verbatim(texts, extra, binary, measure_rss=r == 0) for _, extra, binary in others]
        rounds.append((ours, theirs, time_snownlp(texts), time_python_onnx(texts)))
        print(f"round {r + 1}: default {ours[0]:.1f}/s, " + ", ".join(
            f"{name} {t[0]:.1f}/s" for (name, _, _), t in zip(others, theirs))
            + f", SnowNLP {rounds[-1][2]:.1f}/s, Python ORT {rounds[-1][3]:.1f}/s")
    first = rounds[0]
    for i, (name, _, _) in enumerate(others):
        t = first[1][i]
        rate = spread([o[0] / th[i][0] for o, th, _, _ in rounds])
        whole = spread([th[i][3] / o[3] for o, th, _, _ in rounds])
        print(f"verbatim [{name}]{'':<{max(0, 18 - len(name))}}{t[0]:8.1f} comments/s  -> the default is "
              f"{rate} (start-up {t[1]:.2f} s, peak RSS {t[2] or 0:.0f} MB; whole run {t[3]:.2f} s "
              f"-> {whole})")
    against_engines(others, rounds)
    ours = first[0]
    print(f"verbatim analyze        {ours[0]:8.1f} comments/s  (start-up incl. model load {ours[1]:.2f} s; "
          f"whole run {ours[3]:.2f} s)")
    print(f"SnowNLP sentiments      {first[2]:8.1f} comments/s  -> verbatim is "
          f"{spread([o[0] / snow for o, _, snow, _ in rounds])}")
    print(f"Python ORT, pad 128     {first[3]:8.1f} comments/s  -> verbatim is "
          f"{spread([o[0] / py for o, _, _, py in rounds])}")
    if ours[2]:
        print(f"peak RSS of verbatim analyze: {ours[2]:.0f} MB")


if __name__ == "__main__":
    sys.exit(main())
