#!/usr/bin/env bash
# Make a headless Chromium available for the tests marked `browser`: print its path,
# installing Debian's chromium first when it is missing and we may (root + apt-get).
# Exit 1 (with the reason on stderr) when it cannot be had; the test then skips.
set -uo pipefail
find_browser() {
  for name in chromium chromium-browser google-chrome-stable google-chrome; do
    if command -v "$name" >/dev/null 2>&1; then command -v "$name"; return 0; fi
  done
  return 1
}
if find_browser; then exit 0; fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "no chromium, and not root with apt-get to install it" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y -qq chromium >/dev/null 2>&1; then
  apt-get update -qq >/dev/null 2>&1
  apt-get install -y -qq chromium >/dev/null 2>&1 || { echo "apt-get install chromium failed" >&2; exit 1; }
fi
find_browser || { echo "chromium installed but not found on PATH" >&2; exit 1; }
