"""Verbatim: customer-feedback analytics for Chinese and English, from Python.

In: texts (a list of str, a pyarrow array, a pandas column). Out: one analysis per text in
the JSON Analysis shape of the CLI and the HTTP API (docs/analysis.md): ``lang``,
``sentiment`` (``label``, ``score``, ``probs``), ``topics``, ``keywords``.

    >>> import verbatim
    >>> a = verbatim.Analyzer()               # models: VERBATIM_MODELS, ./models, the repo's
    >>> a.analyze(["物流太慢了"])[0]["sentiment"]["label"]
    'negative'

The analysis runs in Rust with the GIL released, in batches of ``BATCH`` texts (as
``verbatim score``); one ``Analyzer`` may be shared by threads. Bad input raises
``TypeError``/``ValueError`` naming ``texts[i]``; failures of the model files raise
``VerbatimError``.
"""

from . import _ort

_ort.configure()

from . import _tables  # noqa: E402
from ._tables import analyze_frame, arrow_schema, flat_rows  # noqa: E402
from ._verbatim import BATCH, VerbatimError, __version__  # noqa: E402
from ._verbatim import Analyzer as _NativeAnalyzer  # noqa: E402


class Analyzer(_NativeAnalyzer):
    """The analysis engine, loaded once: ``Analyzer(models=None, taxonomy=None,
    threads=None, topics=True, keywords=5)``.

    ``models``: the models/ directory (default: ``VERBATIM_MODELS``, then ./models, then
    the repository the wheel was built from); ``taxonomy``: a TOML taxonomy replacing
    models/taxonomy.toml; ``threads``: encoder threads (default: one per core);
    ``topics=False``: sentiment only, faster; ``keywords``: kept per text.
    """

    __slots__ = ()

    def analyze_arrow(self, texts):
        """``texts`` (pyarrow array or list of str) as a ``pyarrow.Table``: lang, label,
        score, negative, neutral, positive, topics (list of structs), keywords."""
        return _tables.analyze_arrow(self, texts)

    def analyze_frame(self, df, text_col="text", prefix=""):
        """``analyze_frame(df, text_col, analyzer=self, prefix=prefix)``."""
        return _tables.analyze_frame(df, text_col, analyzer=self, prefix=prefix)


__all__ = [
    "Analyzer",
    "VerbatimError",
    "BATCH",
    "arrow_schema",
    "analyze_frame",
    "flat_rows",
    "__version__",
]
