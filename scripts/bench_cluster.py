#!/usr/bin/env python3
"""One Ray worker against two, and Ray's cost against plain `verbatim score` (issue 20).

In: the Ray venv (`make test-cluster` builds it: ~/.cache/verbatim/ray-venv, with the wheel
installed), the binary (VERBATIM_BIN, default target/debug/verbatim) and the demo corpus. Out,
on stdout: a table of wall seconds and comments/s for each run, best of --repeat, in one script
on the same machine:

- `verbatim score`, one encoder thread and two (VERBATIM_THREADS);
- the Ray job (`verbatim.jobs.score_ray`) with 1 worker and with 2 workers, one encoder
  thread each, on a local cluster of two nodes on loopback (`ray start --head` plus
  `ray start --address=...`, two logical CPUs each: one for an actor, one for Ray Data's
  reads and writes).

Every run scores the same --rows demo comments (the corpus repeated, with new ids, past its
4,149) in batches of --batch. Ray runs include
`ray.init`, the actors' start and model load. Run it on a quiet machine: on 2 cores, two
workers can only scale if nothing else holds a core.

    ~/.cache/verbatim/ray-venv/bin/python scripts/bench_cluster.py --rows 4000
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
BINARY = os.environ.get("VERBATIM_BIN", os.path.join(ROOT, "target", "debug", "verbatim"))
PORT = 6392


def ray_cli(*args, check=True):
    ray = os.path.join(os.path.dirname(sys.executable), "ray")
    return subprocess.run([ray, *args], check=check, capture_output=True, text=True, timeout=180)


def start_cluster():
    ray_cli("stop", check=False)
    address = f"127.0.0.1:{PORT}"
    ray_cli("start", "--head", f"--port={PORT}", "--node-ip-address=127.0.0.1", "--num-cpus=2",
            "--include-dashboard=false", "--disable-usage-stats")
    ray_cli("start", f"--address={address}", "--node-ip-address=127.0.0.1", "--num-cpus=2",
            "--disable-usage-stats")
    return address


def timed(cmd, env=None):
    start = time.monotonic()
    subprocess.run(cmd, check=True, capture_output=True, timeout=1800, env=env)
    return time.monotonic() - start


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=4000)
    ap.add_argument("--batch", type=int, default=500)
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="bench-cluster-")
    inp = os.path.join(work, "in.jsonl")
    with open(os.path.join(ROOT, "corpora", "demo", "comments.jsonl"), encoding="utf-8") as f:
        demo = [json.loads(line) for line in f]
    # Past the corpus's end it starts over, each pass with its own ids.
    rows = [{**demo[i % len(demo)], "id": f"{demo[i % len(demo)]['id']}-{i // len(demo)}"}
            for i in range(args.rows)]
    with open(inp, "w", encoding="utf-8") as f:
        f.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    n = len(rows)

    def score(threads):
        out = os.path.join(work, f"score-{threads}.jsonl")
        if os.path.exists(out):
            os.remove(out)
        env = {**os.environ, "VERBATIM_THREADS": str(threads)}
        return timed([BINARY, "score", "--input", inp, "--output", out, "--batch-size", str(args.batch)], env)

    def job(workers, address):
        out = os.path.join(work, f"ray-{workers}")
        shutil.rmtree(out, ignore_errors=True)
        return timed([sys.executable, "-m", "verbatim.jobs.score_ray", "--input", inp, "--output", out,
                      "--address", address, "--workers", str(workers), "--threads", "1",
                      "--batch-size", str(args.batch)])

    address = start_cluster()
    runs = {"verbatim score, 1 thread": lambda: score(1), "verbatim score, 2 threads": lambda: score(2),
            "Ray job, 1 worker": lambda: job(1, address), "Ray job, 2 workers": lambda: job(2, address)}
    best = {}
    try:
        for _ in range(args.repeat):
            for name, run in runs.items():
                seconds = run()
                best[name] = min(best.get(name, seconds), seconds)
    finally:
        ray_cli("stop", check=False)
        shutil.rmtree(work, ignore_errors=True)
    print(f"{n} demo comments, batches of {args.batch}, best of {args.repeat}")
    print(f"{'run':<28} {'seconds':>8} {'comments/s':>11}")
    for name, seconds in best.items():
        print(f"{name:<28} {seconds:>8.2f} {n / seconds:>11.0f}")
    ratios = {
        "ray_2_workers_over_1": best["Ray job, 1 worker"] / best["Ray job, 2 workers"],
        "ray_1_worker_over_score_1_thread": best["verbatim score, 1 thread"] / best["Ray job, 1 worker"],
        "score_2_threads_over_1": best["verbatim score, 1 thread"] / best["verbatim score, 2 threads"],
    }
    print(json.dumps({k: round(v, 2) for k, v in ratios.items()}))


if __name__ == "__main__":
    main()
