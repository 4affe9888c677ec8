"""The installed `verbatim` wheel against the real model: sentiment of clear Chinese and
English comments, errors as Python exceptions naming the text, the GIL released during
analysis, Arrow and pandas columns (when pyarrow / pandas are installed)."""

import json
import os
import subprocess
import threading
import time

import pytest

import verbatim

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CLEAR = [
    ("物流太慢了，等了一个星期还没到", "negative"),
    ("质量很好，非常满意，还会再买", "positive"),
    ("The app crashes every time I try to pay", "negative"),
    ("Great product, fast delivery, very happy", "positive"),
    ("客服態度很差，再也不買了", "negative"),
]


@pytest.fixture(scope="module")
def analyzer():
    return verbatim.Analyzer()


def test_clear_sentiment_in_both_languages(analyzer):
    out = analyzer.analyze([text for text, _ in CLEAR])
    assert [a["sentiment"]["label"] for a in out] == [label for _, label in CLEAR]
    assert [a["lang"] for a in out] == ["zh-Hans", "zh-Hans", "en", "en", "zh-Hant"]
    probs = out[0]["sentiment"]["probs"]
    assert abs(probs["negative"] + probs["neutral"] + probs["positive"] - 1) < 1e-4
    assert any(t["id"] == "delivery" for t in out[0]["topics"]), out[0]["topics"]
    assert all(isinstance(k["term"], str) for k in out[0]["keywords"])


def test_same_shape_as_the_cli(analyzer):
    (a,) = analyzer.analyze(["物流太慢了"])
    assert set(a) >= {"lang", "sentiment", "topics", "keywords"}
    assert set(a["sentiment"]) == {"label", "score", "probs"}
    assert -1 <= a["sentiment"]["score"] <= 1


def test_bad_input_raises_naming_the_text(analyzer):
    with pytest.raises(TypeError, match="one str"):
        analyzer.analyze("物流太慢了")
    with pytest.raises(TypeError, match=r"texts\[1\]: expected str, got int"):
        analyzer.analyze(["ok", 3])
    with pytest.raises(ValueError, match=r"texts\[2\]: empty text"):
        analyzer.analyze(["ok", "fine", "   "])
    with pytest.raises(TypeError, match="texts: expected a list of str"):
        analyzer.analyze(42)
    assert analyzer.analyze([]) == []
    # Still answers after the errors.
    assert analyzer.analyze(["质量不错"])[0]["lang"] == "zh-Hans"


def test_missing_models_raise_verbatim_error(tmp_path):
    with pytest.raises(verbatim.VerbatimError, match="models"):
        verbatim.Analyzer(models=str(tmp_path))
    assert issubclass(verbatim.VerbatimError, Exception)


def test_bad_taxonomy_raises_with_the_library_message(tmp_path):
    bad = tmp_path / "taxonomy.toml"
    bad.write_text("[[topic]]\nid = 3\n")
    with pytest.raises((ValueError, verbatim.VerbatimError), match="taxonomy"):
        verbatim.Analyzer(taxonomy=str(bad))


def test_the_gil_is_released_during_analysis(analyzer):
    texts = [f"第{i}次下单，物流太慢了，客服也不回复，但是包装还可以" for i in range(300)]
    done = threading.Event()
    result = {}

    def work():
        result["out"] = analyzer.analyze(texts)
        done.set()

    worker = threading.Thread(target=work)
    ticks = []
    start = time.monotonic()
    worker.start()
    while not done.is_set():
        ticks.append(time.monotonic())
        time.sleep(0.002)
    worker.join()
    elapsed = time.monotonic() - start
    gaps = [b - a for a, b in zip([start] + ticks, ticks + [time.monotonic()])]
    assert len(result["out"]) == len(texts)
    assert elapsed > 0.2, f"analysis too short to tell ({elapsed:.3f} s)"
    # Held GIL: the main thread would stall for the whole call.
    assert max(gaps) < elapsed / 2, f"main thread stalled {max(gaps):.3f} s of {elapsed:.3f} s"


def test_two_threads_share_one_analyzer(analyzer):
    texts = [t for t, _ in CLEAR] * 20
    expected = [a["sentiment"]["label"] for a in analyzer.analyze(texts)]
    results = [None, None]

    def work(slot):
        results[slot] = [a["sentiment"]["label"] for a in analyzer.analyze(texts)]

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "deadlock: a thread never finished"
    assert results == [expected, expected]


def test_arrow_table_has_flat_columns(analyzer):
    pa = pytest.importorskip("pyarrow")
    table = analyzer.analyze_arrow(pa.array([t for t, _ in CLEAR]))
    assert table.schema == verbatim.arrow_schema()
    assert table.column("label").to_pylist() == [label for _, label in CLEAR]
    assert table.column("topics").type.value_type.field("id").type == pa.string()
    with pytest.raises(TypeError, match=r"texts\[1\]"):
        analyzer.analyze_arrow(pa.array(["ok", None]))


def test_pandas_frame_gets_analysis_columns(analyzer):
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame({"id": [1, 2], "body": ["物流太慢了", "Great product, very happy"]})
    out = verbatim.analyze_frame(df, "body", analyzer=analyzer)
    assert list(out["label"]) == ["negative", "positive"]
    assert list(out["id"]) == [1, 2] and "label" not in df.columns
    with pytest.raises(ValueError, match="no column 'text'"):
        verbatim.analyze_frame(df, analyzer=analyzer)
    with pytest.raises(ValueError, match="prefix"):
        verbatim.analyze_frame(out, "body", analyzer=analyzer)


def test_equals_the_cli_json(analyzer):
    binary = os.environ.get("VERBATIM_BIN", os.path.join(ROOT, "target", "debug", "verbatim"))
    if not os.path.exists(binary):
        pytest.fail(f"{binary} missing: run `cargo build` first (make test-python does)")
    texts = [t for t, _ in CLEAR]
    cli = subprocess.run([binary, "analyze", *texts], capture_output=True, text=True, check=True)
    expected = [json.loads(line) for line in cli.stdout.splitlines()]
    got = analyzer.analyze(texts)
    assert got == expected
    assert [list(a) for a in got] == [list(a) for a in expected], "same field order"
