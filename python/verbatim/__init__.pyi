"""Type stubs of the ``verbatim`` package (the native module and its Python helpers)."""

from os import PathLike
from typing import Any, Iterable, Literal, Optional, Sequence, TypedDict, Union

__version__: str
BATCH: int

Label = Literal["negative", "neutral", "positive"]
Lang = Literal["zh-Hans", "zh-Hant", "en", "mixed", "other"]

class Probs(TypedDict):
    negative: float
    neutral: float
    positive: float

class Sentiment(TypedDict):
    label: Label
    score: float
    probs: Probs

class Span(TypedDict):
    start: int
    end: int

class TopicHit(TypedDict):
    id: str
    name: str
    confidence: float
    sentiment: Label
    evidence: list[Span]

class Keyword(TypedDict):
    term: str
    weight: float

class Analysis(TypedDict, total=False):
    """One text's analysis, the JSON Analysis of docs/analysis.md."""

    lang: Lang
    sentiment: Sentiment
    topics: list[TopicHit]
    keywords: list[Keyword]
    truncated: bool

class VerbatimError(Exception):
    """A failure inside Verbatim (missing or broken model files, an internal error)."""

class Analyzer:
    """The analysis engine, loaded once; share it across threads."""

    def __init__(
        self,
        models: Optional[Union[str, PathLike[str]]] = None,
        taxonomy: Optional[Union[str, PathLike[str]]] = None,
        threads: Optional[int] = None,
        topics: bool = True,
        keywords: int = 5,
    ) -> None: ...
    def analyze(self, texts: Iterable[str]) -> list[Analysis]:
        """One analysis per text, in order; the GIL is released while it runs.

        Raises TypeError/ValueError naming ``texts[i]`` for a non-str or empty text."""
    def analyze_arrow(self, texts: Any) -> Any:
        """A ``pyarrow.Table`` (columns of ``arrow_schema()``), one row per text."""
    def analyze_frame(self, df: Any, text_col: str = "text", prefix: str = "") -> Any:
        """A copy of the pandas frame with the analysis columns added."""

def flat_rows(analyses: Sequence[Analysis]) -> dict[str, list[Any]]: ...
def arrow_schema() -> Any: ...
def analyze_frame(
    df: Any, text_col: str = "text", analyzer: Optional[Analyzer] = None, prefix: str = ""
) -> Any: ...
