#!/usr/bin/env bash
# schemathesis for the OpenAPI fuzz test (tests/api/schemathesis.rs), from PyPI, pinned with
# every dependency by tests/openapi/requirements.txt, in a venv of its own in the cache.
# Reinstalled only when that file changes.
set -euo pipefail
cd "$(dirname "$0")/.."
CACHE="${VERBATIM_CACHE:-$HOME/.cache/verbatim}"
VENV="$CACHE/schemathesis-venv"
REQ=tests/openapi/requirements.txt
STAMP="$VENV/.requirements.sha256"
want="$(sha256sum "$REQ" | cut -d' ' -f1)"
if [ ! -x "$VENV/bin/schemathesis" ] || [ "$(cat "$STAMP" 2>/dev/null)" != "$want" ]; then
    echo "setup-schemathesis: installing $(grep '^schemathesis==' "$REQ") into $VENV"
    rm -rf "$VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check --only-binary=:all: -r "$REQ"
    echo "$want" > "$STAMP"
fi
echo "setup-schemathesis: $("$VENV/bin/schemathesis" --version)"
