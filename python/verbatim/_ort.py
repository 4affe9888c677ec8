"""Where ONNX Runtime's shared library is, for the native module.

In: the environment. Out: ``ORT_DYLIB_PATH`` set (when it was not) to the library of the
``onnxruntime`` wheel installed beside this package, the same wheel ``make setup`` takes
it from. Without that wheel the native module looks in ``models/onnxruntime/`` as the
CLI does. The wheel is located without importing it (no start-up cost).
"""

import glob
import importlib.util
import os


def find_onnxruntime():
    """The path of the installed onnxruntime wheel's ``libonnxruntime``, or None."""
    spec = importlib.util.find_spec("onnxruntime")
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        found = sorted(glob.glob(os.path.join(folder, "capi", "libonnxruntime.so*")))
        found += sorted(glob.glob(os.path.join(folder, "capi", "libonnxruntime*.dylib")))
        found += sorted(glob.glob(os.path.join(folder, "capi", "onnxruntime.dll")))
        if found:
            return found[0]
    return None


def configure():
    """Set ``ORT_DYLIB_PATH`` unless it is set already or no wheel is installed."""
    if os.environ.get("ORT_DYLIB_PATH"):
        return
    path = find_onnxruntime()
    if path:
        os.environ["ORT_DYLIB_PATH"] = path
