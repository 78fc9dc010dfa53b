#!/usr/bin/env bash
# Installs Debian's Chromium for the browser tests, only when missing (playwright-core drives it;
# no browser is downloaded from anywhere else).
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  echo "browser: $(/usr/bin/chromium --version 2>/dev/null || echo chromium)"
  exit 0
fi
echo "browser: apt-get install chromium"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
/usr/bin/chromium --version
