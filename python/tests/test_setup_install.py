"""scripts/setup.py's `install`, on real files in a temporary folder: a small file (a topic
calibration, a sentiment head) is replaced when its content changed, even at the same byte
length, and left alone when it is the same."""

import importlib.util
import os
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def load_setup():
    spec = importlib.util.spec_from_file_location("verbatim_setup", os.path.join(ROOT, "scripts", "setup.py"))
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look themselves up there
    spec.loader.exec_module(module)
    return module


def test_a_refit_file_of_the_same_length_replaces_the_installed_one(tmp_path):
    setup = load_setup()
    src, dest = tmp_path / "calibration.json", tmp_path / "installed" / "calibration.json"
    src.write_text('{"threshold": 0.30}')
    setup.install(src, dest)
    assert dest.read_text() == '{"threshold": 0.30}'
    src.write_text('{"threshold": 0.35}')  # same length, new content
    setup.install(src, dest)
    assert dest.read_text() == '{"threshold": 0.35}'
    os.utime(dest, ns=(0, 0))  # a copy would give it the time of now
    setup.install(src, dest)  # unchanged: not copied again
    assert dest.stat().st_mtime_ns == 0
