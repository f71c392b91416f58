#!/usr/bin/env bash
# Make Debian's headless Chromium and its driver available for the browser tests and `make screenshots`
# (tests/browser/chrome.py drives /usr/bin/chromium through /usr/bin/chromedriver; nothing downloads a
# browser of its own). Run by infra/install.sh for the dev install. Idempotent:
#   - chromium and chromedriver already on PATH: nothing to do;
#   - else, with apt-get and root (or sudo without a password): apt-get install chromium chromium-driver;
#   - else: say so loudly and go on; the browser tests then skip, naming what is missing.
set -uo pipefail

if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then
  exit 0
fi
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo -n "$@"; fi; }
if ! command -v apt-get >/dev/null || { [ "$(id -u)" -ne 0 ] && ! sudo -n true 2>/dev/null; }; then
  echo "browser-local: chromium / chromedriver not installed and apt-get (as root) is not available:" \
    "the browser tests will be SKIPPED. Install Debian's chromium and chromium-driver to run them." >&2
  exit 0
fi
echo "browser-local: installing chromium and chromium-driver (apt-get)" >&2
as_root apt-get update -qq >/dev/null || true
if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
  chromium chromium-driver fonts-dejavu-core >/dev/null; then
  echo "browser-local: apt-get install chromium chromium-driver FAILED: the browser tests will be SKIPPED" >&2
fi
exit 0
