#!/usr/bin/env bash
# Installs what `npm run test:conformance` needs, and only what is missing (idempotent; a second
# run takes about a second):
#   - Java 17+ and Maven (Debian packages), used to fetch and run Apache Kafka;
#   - kcat (Debian package; librdkafka inside);
#   - kafka-python: Debian's python3-kafka when apt has it, else `pip install kafka-python==2.3.2`;
#   - confluent-kafka 2.16.1 (`pip install`; its wheel bundles a librdkafka recent enough to log in
#     with SCRAM to Kafka 4.x, which Debian's kcat, on librdkafka 2.0.2, cannot);
#   - Apache Kafka 4.1.1 jars (broker, tools, log4j2) from Maven Central, as listed in
#     test/conformance/pom.xml, copied to test/conformance/.kafka/libs (git-ignored).
# Meant for root on a Debian machine (sudo is used when not root). Node packages (kafkajs,
# @platformatic/kafka) come from `npm install`. Every download is bounded by `timeout`.
set -euo pipefail
cd "$(dirname "$0")/../.."

started=$SECONDS
pom=test/conformance/pom.xml
kafka_dir=test/conformance/.kafka
libs=$kafka_dir/libs

say() { printf 'conformance install: %s\n' "$*"; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else say "need root to run: $*" >&2; exit 1
  fi
}

apt_updated=0
apt_update_once() {
  if [ "$apt_updated" = 0 ]; then
    as_root timeout 600 apt-get update -qq
    apt_updated=1
  fi
}
apt_install() {
  apt_update_once
  say "apt-get install $*"
  as_root env DEBIAN_FRONTEND=noninteractive timeout 900 apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
# (no grep -q: with pipefail, apt-cache would die of SIGPIPE and fail the test)
apt_has() { apt-cache policy "$1" 2>/dev/null | grep -E 'Candidate: [0-9]' >/dev/null; }

# --- Java 17+ and Maven -------------------------------------------------------------------------
java_major() { java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n1; }
java_ok() { command -v java >/dev/null 2>&1 && [ "$(java_major)" -ge 17 ] 2>/dev/null; }
java_ok || apt_install openjdk-17-jre-headless
command -v mvn >/dev/null 2>&1 || apt_install maven

# --- kcat ---------------------------------------------------------------------------------------
command -v kcat >/dev/null 2>&1 || apt_install kcat

# The first of the given interpreters that can import module $1.
python_that_imports() {
  local module=$1 py
  shift
  for py in "$@"; do
    if command -v "$py" >/dev/null 2>&1 && "$py" -c "import $module" >/dev/null 2>&1; then
      printf '%s' "$py"
      return 0
    fi
  done
  return 1
}

# --- kafka-python ---------------------------------------------------------------------------------
# The runner uses the first of these interpreters that can import kafka (Debian's package installs
# into /usr/bin/python3, which may not be the python3 first on the PATH).
kafka_python() { python_that_imports kafka /usr/bin/python3 python3; }
if ! kafka_python >/dev/null; then
  apt_update_once
  if apt_has python3-kafka; then
    apt_install python3-kafka
  else
    say "python3-kafka is not in apt: pip install kafka-python==2.3.2"
    timeout 600 python3 -m pip install --quiet kafka-python==2.3.2 ||
      timeout 600 python3 -m pip install --quiet --break-system-packages kafka-python==2.3.2
  fi
fi
py=$(kafka_python) || { say "kafka-python did not install" >&2; exit 1; }

# --- confluent-kafka --------------------------------------------------------------------------------
# pip only: the wheel carries its own librdkafka (Debian's links librdkafka 2.0.2, whose SCRAM proof
# Kafka 4.x refuses). The runner uses the first of these interpreters that can import it.
confluent_kafka_version=2.16.1
confluent_python() { python_that_imports confluent_kafka python3 /usr/bin/python3; }
if ! confluent_python >/dev/null; then
  say "pip install confluent-kafka==$confluent_kafka_version"
  # A Debian python3 refuses a plain pip install (PEP 668): then --break-system-packages.
  PIP_ROOT_USER_ACTION=ignore timeout 600 python3 -m pip install --quiet "confluent-kafka==$confluent_kafka_version" ||
    PIP_ROOT_USER_ACTION=ignore timeout 600 python3 -m pip install --quiet --break-system-packages "confluent-kafka==$confluent_kafka_version"
fi
cpy=$(confluent_python) || { say "confluent-kafka did not install" >&2; exit 1; }

# --- Apache Kafka jars ----------------------------------------------------------------------------
stamp=$(sha256sum "$pom" | cut -d' ' -f1)
if [ "$(cat "$libs/.complete" 2>/dev/null || true)" != "$stamp" ]; then
  say "copying Apache Kafka jars ($pom) to $libs"
  rm -rf "$libs.tmp"
  mkdir -p "$kafka_dir"
  if ! timeout 900 mvn -q -B -Dstyle.color=never -f "$pom" dependency:copy-dependencies -DincludeScope=runtime \
    -DoutputDirectory="$PWD/$libs.tmp" >"$kafka_dir/mvn.log" 2>&1; then
    cat "$kafka_dir/mvn.log" >&2
    say "Maven could not fetch the Kafka jars (log above, and in $kafka_dir/mvn.log)" >&2
    exit 1
  fi
  rm -rf "$libs"
  mv "$libs.tmp" "$libs"
  printf '%s\n' "$stamp" >"$libs/.complete"
fi

[ -d node_modules/kafkajs ] && [ -d node_modules/@platformatic/kafka ] ||
  { say "kafkajs or @platformatic/kafka missing: run npm install" >&2; exit 1; }

say "ready in $((SECONDS - started)) s: $(java -version 2>&1 | head -n1), kcat $(kcat -V 2>&1 | sed -n 's/^kcat - .*//;s/.*Version \([^ ]*\).*/\1/p' | head -n1), kafka-python $("$py" -c 'import kafka; print(kafka.__version__)') ($py), confluent-kafka $("$cpy" -c 'import confluent_kafka as c; print("%s (librdkafka %s)" % (c.__version__, c.libversion()[0]))') ($cpy), Kafka jars $(du -sh "$libs" | cut -f1)"
