"""Distributed batch scoring on Ray: `verbatim score` across a cluster (docs/distributed.md).

In: an input URI (a local path here; s3://, gs://, hdfs:// where the cluster has them) of
JSONL, CSV or Parquet (by extension, or --format), the text and id columns. Out: an output
directory of files of the same format, one per block:
- JSONL: each input object unchanged (every field, as written) with `analysis` added,
  exactly as `verbatim score` writes it (the lines are carried as text, never re-typed);
- CSV and Parquet: the input columns as Arrow reads them (the id and text columns as
  strings; other columns are typed by Arrow's inference, so a CSV date becomes a
  timestamp) plus the columns of `verbatim score`'s CSV (lang, sentiment,
  sentiment_score, p_negative, p_neutral, p_positive, topics as `id:label;...`, keywords
  as `term;...`) and `analysis`, the whole Analysis as a JSON string (docs/analysis.md).

How: Ray Data reads the input in blocks, `map_batches` sends batches of --batch-size rows
to a pool of --workers actors, each holding one `verbatim.Analyzer` (the model loads once
per actor) with --threads encoder threads, and the writer streams the scored blocks out.
Actors are restarted and their batches retried when a worker process dies
(`max_restarts`/`max_task_retries` -1), so a lost worker costs time, not rows.

    python -m verbatim.jobs.score_ray --input comments.jsonl --output scored/ \\
        --text-col text --id-col id --workers 2 --address auto
"""

import argparse
import json
import os
import sys

FORMATS = ("jsonl", "csv", "parquet")


def detect_format(uri):
    """The format of `uri` by its extension (under a .gz); None when unknown."""
    name = uri.rstrip("/").lower()
    if name.endswith(".gz"):
        name = name[:-3]
    for ext, fmt in ((".jsonl", "jsonl"), (".json", "jsonl"), (".csv", "csv"), (".parquet", "parquet")):
        if name.endswith(ext):
            return fmt
    return None


def score_columns(analyses):
    """The columns added to a batch, from the analyses (dicts in the JSON shape)."""
    cols = {k: [] for k in ("lang", "sentiment", "sentiment_score", "p_negative", "p_neutral", "p_positive", "topics", "keywords", "analysis")}
    for a in analyses:
        s = a.get("sentiment")
        cols["lang"].append(a["lang"])
        cols["sentiment"].append(s["label"] if s else None)
        cols["sentiment_score"].append(s["score"] if s else None)
        for p in ("negative", "neutral", "positive"):
            cols["p_" + p].append(s["probs"][p] if s else None)
        cols["topics"].append(";".join(f"{t['id']}:{t['sentiment']}" for t in a.get("topics", [])))
        cols["keywords"].append(";".join(k["term"] for k in a["keywords"]))
        cols["analysis"].append(json.dumps(a, ensure_ascii=False))
    return cols


def json_objects(lines, text_col, id_col):
    """JSONL lines as objects; a line that is not an object with a text is refused by id."""
    objs = []
    for line in lines:
        obj = json.loads(line)
        if not isinstance(obj, dict):
            raise ValueError(f"a JSONL line is not an object: {line[:80]!r}")
        text = obj.get(text_col)
        if not isinstance(text, str) or not text.strip():
            raise ValueError(f"{id_col}={obj.get(id_col)!r}: field {text_col!r} missing or empty")
        objs.append(obj)
    return objs


class ScoreActor:
    """One Analyzer per actor; `__call__` scores one pandas batch (raw JSONL lines in the
    column `text` for JSONL input, else the table's own columns)."""

    def __init__(self, text_col, id_col, jsonl, models=None, threads=1, pid_dir=None):
        import verbatim

        self.text_col, self.id_col, self.jsonl = text_col, id_col, jsonl
        self.analyzer = verbatim.Analyzer(models=models, threads=threads)
        self.pid_dir = pid_dir
        self.mark("actor")

    def mark(self, what):
        """For the fault-injection test: which processes hold actors, which are busy."""
        if self.pid_dir:
            with open(os.path.join(self.pid_dir, f"{what}-{os.getpid()}"), "w") as f:
                f.write(str(os.getpid()))

    def __call__(self, batch):
        import pandas as pd

        self.mark("busy")
        if self.jsonl:
            objs = json_objects(batch["text"].tolist(), self.text_col, self.id_col)
            analyses = self.analyzer.analyze([o[self.text_col] for o in objs])
            for obj, analysis in zip(objs, analyses):
                obj["analysis"] = analysis
            return pd.DataFrame({"line": [json.dumps(o, ensure_ascii=False) for o in objs]})
        texts = batch[self.text_col].tolist()
        bad = [i for i, t in enumerate(texts) if not isinstance(t, str) or not t.strip()]
        if bad:
            ids = batch[self.id_col].iloc[bad[:3]].tolist()
            raise ValueError(f"column {self.text_col!r}: empty or missing text ({self.id_col} {ids})")
        out = batch.copy()
        for name, values in score_columns(self.analyzer.analyze(texts)).items():
            out[name] = values
        return out


def jsonl_datasink(uri):
    """A Ray datasink writing the column `line` of each block as one JSONL file."""
    from ray.data.datasource import BlockBasedFileDatasink

    class JsonlLines(BlockBasedFileDatasink):
        def write_block_to_file(self, block, file):
            lines = block.to_arrow().column("line").to_pylist()
            file.write("".join(line + "\n" for line in lines).encode("utf-8"))

    return JsonlLines(uri, file_format="jsonl")


def read(ray, args):
    """The input as a dataset: JSONL as raw lines, CSV with id and text as strings."""
    if args.format == "jsonl":
        return ray.data.read_text(args.input)
    if args.format == "csv":
        import pyarrow as pa
        from pyarrow import csv

        types = {args.id_col: pa.string(), args.text_col: pa.string()}
        return ray.data.read_csv(args.input, convert_options=csv.ConvertOptions(column_types=types))
    return ray.data.read_parquet(args.input)


def write(ds, uri, fmt):
    if fmt == "jsonl":
        ds.write_datasink(jsonl_datasink(uri))
    elif fmt == "csv":
        ds.write_csv(uri)
    else:
        ds.write_parquet(uri)


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--input", required=True, help="input file or directory URI")
    p.add_argument("--output", required=True, help="output directory URI")
    p.add_argument("--format", choices=FORMATS, help="input format (default: by extension)")
    p.add_argument("--text-col", default="text", help="the text column (default: text)")
    p.add_argument("--id-col", default="id", help="the id column, checked present (default: id)")
    p.add_argument("--workers", type=int, default=2, help="actors, one Analyzer each (default: 2)")
    p.add_argument("--threads", type=int, default=1, help="encoder threads (and CPUs) per actor")
    p.add_argument("--batch-size", type=int, default=1000, help="rows per batch (default: 1000, as verbatim score)")
    p.add_argument("--models", help="models/ directory on every node (default: VERBATIM_MODELS or the package's)")
    p.add_argument("--address", default=None, help="Ray cluster address (default: RAY_ADDRESS, or a local Ray)")
    p.add_argument("--pid-dir", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    args.format = args.format or detect_format(args.input)
    if args.format is None:
        p.error(f"--input: cannot tell the format of {args.input!r} by its extension; pass --format")
    for name in ("workers", "threads", "batch_size"):
        if getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')}: must be at least 1")
    return args


def run(args):
    """Run the job: read, score on the actor pool, write."""
    import ray

    ray.init(address=args.address, log_to_driver=False)
    ds = read(ray, args)
    columns = ds.columns() if args.format != "jsonl" else [args.text_col, args.id_col]
    for flag, col in (("--text-col", args.text_col), ("--id-col", args.id_col)):
        if col not in columns:
            raise SystemExit(f"{flag}: no column {col!r} in {args.input} (columns: {columns})")
    scored = ds.map_batches(
        ScoreActor,
        fn_constructor_kwargs={
            "text_col": args.text_col,
            "id_col": args.id_col,
            "jsonl": args.format == "jsonl",
            "models": args.models,
            "threads": args.threads,
            "pid_dir": args.pid_dir,
        },
        batch_size=args.batch_size,
        batch_format="pandas",
        concurrency=args.workers,
        num_cpus=args.threads,
        max_restarts=-1,
        max_task_retries=-1,
    )
    write(scored, args.output, args.format)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    run(args)
    print(f"score_ray: {args.input} -> {args.output} ({args.format})", file=sys.stderr)


if __name__ == "__main__":
    main()
