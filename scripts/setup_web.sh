#!/usr/bin/env bash
# What the web page's end-to-end test needs: Debian's chromium (plus a CJK font so Chinese
# renders in screenshots) and playwright-core from npm, pinned by tests/web/package-lock.json.
# Never downloads a browser from anywhere else.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1; then
    echo "setup-web: installing chromium from Debian's packages"
    SUDO=""
    if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null
fi
if [ ! -f tests/web/node_modules/playwright-core/package.json ]; then
    echo "setup-web: installing playwright-core (npm ci)"
    (cd tests/web && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --silent)
fi
