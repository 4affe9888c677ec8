"""`verbatim.jobs.score_ray` on a real local Ray cluster of two nodes on loopback (`ray start
--head` plus `ray start --address=...`), against `verbatim score` on the same input: the
same rows with the same labels and scores; and with an actor's worker process killed
mid-job, every row still comes out exactly once. Run by `make test-cluster` (needs Ray:
python/requirements-ray.txt; the binary: target/debug/verbatim).

Both run with batches of BATCH rows, so each batch holds the same comments: the int8
encoder quantises activations per batch, so a comment's scores move with its batch-mates
(by up to 0.01 between batches of 1,000 and of 50). With the same batches, scores and
probabilities agree to SCORE_TOL (1e-6; `verbatim score` writes f32s widened to f64,
-0.9627000093460083, where the Python package gives the CLI's -0.9627).
"""

import glob
import json
import os
import signal
import subprocess
import sys
import time

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BINARY = os.environ.get("VERBATIM_BIN", os.path.join(ROOT, "target", "debug", "verbatim"))
ROWS = int(os.environ.get("CLUSTER_TEST_ROWS", "400"))
BATCH = 50
SCORE_TOL = 1e-6
PORT = int(os.environ.get("CLUSTER_TEST_PORT", "6391"))
ADDRESS = f"127.0.0.1:{PORT}"


def ray_cli(*args, check=True):
    ray = os.path.join(os.path.dirname(sys.executable), "ray")
    return subprocess.run([ray, *args], check=check, capture_output=True, text=True, timeout=180)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """A head node and a second node on loopback, two logical CPUs each (one for an actor,
    one for Ray Data's read and write tasks: with every CPU held by actors the reads never
    schedule and the job waits forever); stopped afterwards."""
    ray_cli("stop", check=False)
    ray_cli("start", "--head", f"--port={PORT}", "--node-ip-address=127.0.0.1", "--num-cpus=2",
            "--include-dashboard=false", "--disable-usage-stats")
    ray_cli("start", f"--address={ADDRESS}", "--node-ip-address=127.0.0.1", "--num-cpus=2",
            "--disable-usage-stats")
    import ray

    ray.init(address=ADDRESS, log_to_driver=False)
    nodes = [n for n in ray.nodes() if n["Alive"]]
    ray.shutdown()
    assert len(nodes) == 2, nodes
    yield ADDRESS
    ray_cli("stop", check=False)


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """ROWS demo comments and `verbatim score`'s output for them."""
    d = tmp_path_factory.mktemp("data")
    src = os.path.join(ROOT, "corpora", "demo", "comments.jsonl")
    with open(src, encoding="utf-8") as f:
        rows = [json.loads(line) for _, line in zip(range(ROWS), f)]
    inp = d / "in.jsonl"
    inp.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    ref = d / "ref.jsonl"
    start = time.monotonic()
    subprocess.run([BINARY, "score", "--input", str(inp), "--output", str(ref), "--batch-size", str(BATCH)], check=True,
                   capture_output=True, timeout=600)
    seconds = time.monotonic() - start
    with open(ref, encoding="utf-8") as f:
        expected = {r["id"]: r for r in map(json.loads, f)}
    assert len(expected) == ROWS
    return inp, expected, seconds


def run_job(address, inp, out, workers=2, extra=(), wait=True):
    cmd = [sys.executable, "-m", "verbatim.jobs.score_ray", "--input", str(inp), "--output", str(out),
           "--address", address, "--workers", str(workers), "--batch-size", str(BATCH), *extra]
    if wait:
        start = time.monotonic()
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
        assert done.returncode == 0, done.stderr[-4000:]
        return time.monotonic() - start
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def read_output(out):
    rows = []
    for path in sorted(glob.glob(os.path.join(str(out), "*.json*"))):
        with open(path, encoding="utf-8") as f:
            rows.extend(json.loads(line) for line in f if line.strip())
    return rows


def test_output_equals_verbatim_score_row_for_row(cluster, data, tmp_path):
    inp, expected, score_seconds = data
    out = tmp_path / "out"
    seconds = run_job(cluster, inp, out)
    rows = read_output(out)
    assert sorted(r["id"] for r in rows) == sorted(expected), "every id exactly once"
    for row in rows:
        ref = expected[row["id"]]
        got, want = row.pop("analysis"), ref.pop("analysis")
        assert row == ref, "every input field kept as written"
        assert got["lang"] == want["lang"]
        assert got["sentiment"]["label"] == want["sentiment"]["label"], row["id"]
        assert abs(got["sentiment"]["score"] - want["sentiment"]["score"]) < SCORE_TOL, row["id"]
        for p in ("negative", "neutral", "positive"):
            assert abs(got["sentiment"]["probs"][p] - want["sentiment"]["probs"][p]) < SCORE_TOL
        assert [t["id"] for t in got["topics"]] == [t["id"] for t in want["topics"]], row["id"]
        assert [k["term"] for k in got["keywords"]] == [k["term"] for k in want["keywords"]]
    print(f"\nrows={ROWS}: verbatim score {score_seconds:.1f} s, "
          f"ray job with 2 workers {seconds:.1f} s", file=sys.stderr)


def test_a_killed_worker_loses_and_duplicates_no_row(cluster, data, tmp_path):
    inp, expected, _ = data
    out, pids = tmp_path / "out", tmp_path / "pids"
    pids.mkdir()
    job = run_job(cluster, inp, out, extra=("--pid-dir", str(pids)), wait=False)
    deadline = time.monotonic() + 300
    busy = []
    while not busy and job.poll() is None and time.monotonic() < deadline:
        busy = [name for name in os.listdir(pids) if name.startswith("busy-")]
        time.sleep(0.05)
    assert busy, "no actor took a batch before the job ended"
    victim = int(busy[0].split("-")[1])
    os.kill(victim, signal.SIGKILL)  # mid-batch: the actor is scoring
    _, stderr = job.communicate(timeout=900)
    assert job.returncode == 0, stderr[-4000:]
    actors = [name for name in os.listdir(pids) if name.startswith("actor-")]
    assert len(actors) >= 3, f"the killed actor was restarted: {actors}"
    ids = [r["id"] for r in read_output(out)]
    assert len(ids) == len(set(ids)), "a row was written twice"
    assert set(ids) == set(expected), "a row was lost"
