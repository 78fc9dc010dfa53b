#!/usr/bin/env bash
# Installs what `npm run test:s3` needs, only when missing: moto's S3-compatible server
# (`pip install 'moto[server]==5.2.1'`). The test starts it on a free port and stops it after.
set -euo pipefail
say() { printf 's3 test install: %s\n' "$*"; }
if python3 -c 'import moto.server, flask' >/dev/null 2>&1; then
  say "moto $(python3 -c 'import moto; print(moto.__version__)') is installed"
  exit 0
fi
say "pip install moto[server]==5.2.1"
timeout 900 python3 -m pip install --quiet 'moto[server]==5.2.1' ||
  timeout 900 python3 -m pip install --quiet --break-system-packages 'moto[server]==5.2.1'
python3 -c 'import moto.server' || { say "moto did not install" >&2; exit 1; }
