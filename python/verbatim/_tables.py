"""Analyses as columns: Arrow tables and pandas frames.

In: texts from a pyarrow array (or any sequence of str) or a pandas column, and an
``Analyzer``. Out: flat columns (``flat_rows``), a ``pyarrow.Table`` (``analyze_arrow``) or
the frame with the analysis columns added (``analyze_frame``). pyarrow and pandas are
imported only when these are called (``pip install verbatim[arrow]`` / ``[pandas]``).
"""

COLUMNS = ("lang", "label", "score", "negative", "neutral", "positive", "topics", "keywords")


def flat_rows(analyses):
    """Analyses (dicts in the JSON shape) as a dict of equal-length column lists.

    ``label``/``score``/probabilities are None where no sentiment model ran; ``topics`` is
    a list of ``{id, name, confidence, sentiment}``, ``keywords`` of ``{term, weight}``.
    """
    cols = {name: [] for name in COLUMNS}
    for a in analyses:
        s = a.get("sentiment")
        probs = s["probs"] if s else {}
        cols["lang"].append(a["lang"])
        cols["label"].append(s["label"] if s else None)
        cols["score"].append(s["score"] if s else None)
        for p in ("negative", "neutral", "positive"):
            cols[p].append(probs.get(p))
        cols["topics"].append(
            [
                {k: t[k] for k in ("id", "name", "confidence", "sentiment")}
                for t in a.get("topics", [])
            ]
        )
        cols["keywords"].append([{"term": k["term"], "weight": k["weight"]} for k in a["keywords"]])
    return cols


def _texts(texts):
    """A pyarrow Array/ChunkedArray, a pandas Series or a sequence, as a list."""
    if hasattr(texts, "to_pylist"):
        return texts.to_pylist()
    if hasattr(texts, "tolist"):
        return texts.tolist()
    return texts


def arrow_schema():
    """The schema of ``analyze_arrow``'s table."""
    import pyarrow as pa

    topic = pa.struct(
        [
            ("id", pa.string()),
            ("name", pa.string()),
            ("confidence", pa.float32()),
            ("sentiment", pa.string()),
        ]
    )
    keyword = pa.struct([("term", pa.string()), ("weight", pa.float32())])
    return pa.schema(
        [
            ("lang", pa.string()),
            ("label", pa.string()),
            ("score", pa.float32()),
            ("negative", pa.float32()),
            ("neutral", pa.float32()),
            ("positive", pa.float32()),
            ("topics", pa.list_(topic)),
            ("keywords", pa.list_(keyword)),
        ]
    )


def analyze_arrow(analyzer, texts):
    """Analyse ``texts`` (pyarrow array, list of str) into a ``pyarrow.Table``, one row per
    text in order, with the columns of ``arrow_schema()``."""
    import pyarrow as pa

    cols = flat_rows(analyzer.analyze(_texts(texts)))
    return pa.Table.from_pydict(cols, schema=arrow_schema())


def analyze_frame(df, text_col="text", analyzer=None, prefix=""):
    """A copy of the pandas frame ``df`` with the analysis of ``df[text_col]`` added as
    columns ``lang, label, score, negative, neutral, positive, topics`` (topic ids) and
    ``keywords`` (terms), each under ``prefix``. ``analyzer`` defaults to a new
    ``Analyzer()`` (loading the model; pass one to reuse it)."""
    if text_col not in df.columns:
        raise ValueError(f"text_col: no column {text_col!r} in the frame")
    taken = [prefix + c for c in COLUMNS if prefix + c in df.columns]
    if taken:
        raise ValueError(f"prefix: the frame already has column(s) {taken}; pass prefix=")
    if analyzer is None:
        from . import Analyzer

        analyzer = Analyzer()
    cols = flat_rows(analyzer.analyze(_texts(df[text_col])))
    cols["topics"] = [[t["id"] for t in ts] for ts in cols["topics"]]
    cols["keywords"] = [[k["term"] for k in ks] for ks in cols["keywords"]]
    out = df.copy()
    for name in COLUMNS:
        out[prefix + name] = cols[name]
    return out
