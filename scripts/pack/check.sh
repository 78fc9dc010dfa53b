#!/usr/bin/env bash
# The package as a user gets it: `npm pack`, then in an empty project `npm install` of the
# tarball, `npx sds --version`, `npx sds up` with no config (the broker alone) and with the
# config `npx sds init` writes (the packaged handlers, ports changed to free ones), each stopped
# with SIGTERM and expected to exit 0; then the library imported by plain Node and its
# declarations type-checked by tsc. Prints the tarball's size and the install and start times.
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

step() { printf '\n--- %s\n' "$*"; }
fail() { printf 'check:pack FAILED: %s\n' "$*" >&2; exit 1; }
now_ms() { date +%s%3N; }

step "npm pack"
cd "$repo"
tarball="$work/$(npm pack --pack-destination "$work" --silent | tail -n 1)"
[ -f "$tarball" ] || fail "npm pack wrote no tarball"
listing="$work/files.txt"
tar -tzf "$tarball" > "$listing"
echo "tarball: $(basename "$tarball"), $(du -k "$tarball" | cut -f1) KiB packed, $(wc -l < "$listing") files"
unwanted="$(grep -E '^package/(test|bench|scripts|test-output|\.ci)/|\.test\.ts$|/fixtures/|\.(png|jpg|gif|svg)$' "$listing" || true)"
[ -z "$unwanted" ] || fail "the tarball holds files users do not need: $(echo "$unwanted" | head -n 5)"
grep -q '^package/types/index.d.ts$' "$listing" || fail "the tarball has no declarations (types/index.d.ts)"

step "npm install of the tarball into an empty project"
project="$work/project"
mkdir -p "$project"
cd "$project"
printf '{ "name": "sds-pack-check", "private": true, "type": "module" }\n' > package.json
started=$(now_ms)
npm install --no-audit --no-fund --loglevel=error "$tarball"
echo "install: $(( ($(now_ms) - started) / 1000 )) s"

step "npx sds --version"
version="$(npx --no-install sds --version)"
expected="$(node -p "require('$repo/package.json').version")"
[ "$version" = "$expected" ] || fail "sds --version printed '$version', expected '$expected'"
echo "$version"

# Starts `sds up ARGS` ($1: "npx", or "bin" for node_modules/.bin/sds, the program npx runs),
# waits for its summary, then sends SIGTERM. npm exec does not pass a SIGTERM sent to it on to the
# command (it ends with 143 itself), so npx runs in its own process group and the group gets the
# signal, as a terminal's Ctrl-C does; sds's own exit status is then checked through the bin run.
up_then_stop() {
  local how="$1" log="$work/up.log" pid code=0 started sds_pid
  shift
  started=$(now_ms)
  if [ "$how" = npx ]; then
    setsid npx --no-install sds up "$@" > "$log" 2>&1 &
  else
    node_modules/.bin/sds up "$@" > "$log" 2>&1 &
  fi
  pid=$!
  for _ in $(seq 1 240); do
    grep -q 'Ctrl-C stops everything.' "$log" && break
    kill -0 "$pid" 2>/dev/null || { cat "$log"; fail "sds up $* exited before it was ready"; }
    sleep 0.5
  done
  grep -q 'Ctrl-C stops everything.' "$log" || { kill -KILL "$pid"; cat "$log"; fail "sds up $* was not ready within 120 s"; }
  echo "ready in $(( ($(now_ms) - started) / 1000 )) s"
  sds_pid="$(node -p "JSON.parse(require('fs').readFileSync('.sds/sds-up.json', 'utf8')).pid")"
  if [ "$how" = npx ]; then kill -TERM -- "-$pid"; else kill -TERM "$pid"; fi
  wait "$pid" || code=$?
  for _ in $(seq 1 120); do kill -0 "$sds_pid" 2>/dev/null || break; sleep 0.5; done
  kill -0 "$sds_pid" 2>/dev/null && { kill -KILL "$sds_pid"; fail "sds up did not stop within 60 s of SIGTERM"; }
  cat "$log"
  grep -q '^SIGTERM: stopping$' "$log" || fail "sds up did not report the SIGTERM"
  [ ! -e .sds/sds-up.json ] || fail "sds up left its state file: it did not stop cleanly"
  [ "$how" = npx ] || [ "$code" -eq 0 ] || fail "sds up $* exited $code after SIGTERM"
}

step "npx sds up (no config: the embedded broker alone)"
up_then_stop npx --port 0

step "npx sds init, then sds up --demo with that config (the packaged handlers); exit 0 after SIGTERM"
npx --no-install sds init
sed -i -E 's/^(  port: )[0-9]+/\10/' sds.config.yaml
up_then_stop bin --demo
npx --no-install sds status > "$work/status.out" 2>&1 && fail "sds status says running after the stop" || true
cat "$work/status.out"

step "the library, imported by plain Node through the package name"
cat > consumer.mjs <<'JS'
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkConfig, startBroker, startStack } from 'streaming-data-solution';

const broker = await startBroker();
console.log(`broker: ${broker.bootstrap}`);
await broker.stop();
const dataDir = mkdtempSync(join(tmpdir(), 'sds-consumer-'));
const config = checkConfig({ dataDir, broker: { port: 0 }, topics: [{ name: 'orders', partitions: 2 }] }, process.cwd(), undefined);
const stack = await startStack(config);
console.log(`stack: ${stack.bootstrap}, topics created: ${stack.createdTopics.join(', ')}`);
await stack.stop();
rmSync(dataDir, { recursive: true, force: true });
JS
node consumer.mjs

step "the declarations, type-checked by tsc in the consumer project"
cat > consumer.ts <<'TS'
import { checkConfig, startBroker, type RunningBroker, type SdsConfig } from 'streaming-data-solution';

const broker: RunningBroker = await startBroker({ port: 0 });
const config: SdsConfig = checkConfig({ broker: { port: 0 } }, '.', undefined);
const port: number = broker.port;
// @ts-expect-error the declarations say port is a number
const wrong: string = broker.port;
console.log(port, wrong, config.dataDir);
await broker.stop();
TS
cat > tsconfig.json <<JSON
{ "compilerOptions": { "target": "ES2022", "module": "NodeNext", "moduleResolution": "NodeNext", "strict": true, "noEmit": true,
  "skipLibCheck": true, "types": ["node"], "typeRoots": ["$repo/node_modules/@types"] }, "files": ["consumer.ts"] }
JSON
"$repo/node_modules/.bin/tsc" -p tsconfig.json
echo "types: ok"

step "check:pack passed"
