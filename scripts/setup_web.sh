#!/usr/bin/env bash
# What the web page's end-to-end test needs: Debian's chromium (plus a CJK font so Chinese
# renders in screenshots) and playwright-core from npm, pinned by tests/web/package-lock.json.
# Never downloads a browser from anywhere else. Any Chromium version Debian serves will do:
# the test drives it over the DevTools protocol with playwright-core's `executablePath`, and
# the page itself needs nothing version-specific. The version found is printed, so a CI log
# says which browser ran the test.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

# A chromium that is missing, or present but unable to start (a half-removed package, a
# snap stub), is (re)installed from Debian's packages.
chromium_version() { chromium --version 2>/dev/null | head -n 1; }
if ! command -v chromium >/dev/null 2>&1 || [ -z "$(chromium_version)" ] \
    || ! dpkg -s fonts-wqy-microhei >/dev/null 2>&1; then
    echo "setup-web: installing chromium and a CJK font from Debian's packages"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null
fi
version="$(chromium_version)"
if [ -z "$version" ]; then
    echo "setup-web: chromium is installed but \`chromium --version\` fails; the web test cannot run" >&2
    exit 1
fi
echo "setup-web: using ${version} ($(command -v chromium))"

if [ ! -f tests/web/node_modules/playwright-core/package.json ]; then
    echo "setup-web: installing playwright-core (npm ci)"
    (cd tests/web && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --silent)
fi
