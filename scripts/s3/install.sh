#!/usr/bin/env bash
# Installs the Python test peers, only when missing: moto's S3-compatible server
# (`moto[server]==5.2.1`, for `npm run test:s3`) and cramjam 2.14.0 (an independent snappy reader
# the compression tests use to read our Snappy and HADOOP_SNAPPY objects; without it they skip
# that one check). .ci/run runs this before the tests.
set -euo pipefail
say() { printf 'python test peers: %s\n' "$*"; }
pip_install() {
  say "pip install $*"
  timeout 900 python3 -m pip install --quiet "$@" ||
    timeout 900 python3 -m pip install --quiet --break-system-packages "$@"
}
python3 -c 'import moto.server, flask' >/dev/null 2>&1 || pip_install 'moto[server]==5.2.1'
python3 -c 'import cramjam' >/dev/null 2>&1 || pip_install 'cramjam==2.14.0'
python3 -c 'import moto.server, cramjam' || { say "moto or cramjam did not install" >&2; exit 1; }
say "moto $(python3 -c 'import moto; print(moto.__version__)'), cramjam $(python3 -c 'import cramjam; print(cramjam.__version__)')"
