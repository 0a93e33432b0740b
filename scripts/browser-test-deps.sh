#!/usr/bin/env bash
# The console's browser tests (Tests/ClientTests/test_console.py) drive Debian's headless Chromium
# through its chromedriver. Installs both when missing (as root, or through sudo); selenium itself
# comes from PyPI with Tests/ClientTests/requirements.txt.
set -euo pipefail

if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then exit 0; fi
echo "Installing Debian's chromium and chromium-driver (the console's browser tests drive them)"
if [ "$(id -u)" -eq 0 ]; then sudo=""; elif command -v sudo >/dev/null; then sudo="sudo"; else
  echo "cannot install chromium: not root and no sudo; install chromium and chromium-driver, or the browser tests are skipped" >&2
  exit 0
fi
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium chromium-driver >/dev/null
