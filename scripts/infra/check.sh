#!/usr/bin/env bash
# Synthesizes every stack of the CDK app (offline: no credentials, telemetry and notices off),
# then runs cfn-lint over each template. Fails on any synth error, unacknowledged cdk-nag
# finding, or cfn-lint error; cfn-lint warnings are printed but do not fail the check.
# Installs cfn-lint 1.51.0 only when it is missing.
set -euo pipefail
cd "$(dirname "$0")/../.."
say() { printf 'infra check: %s\n' "$*"; }

CFN_LINT_VERSION=1.51.0
if ! python3 -m cfnlint.runner --version >/dev/null 2>&1 && ! command -v cfn-lint >/dev/null 2>&1; then
  say "pip install cfn-lint==$CFN_LINT_VERSION"
  timeout 900 python3 -m pip install --quiet "cfn-lint==$CFN_LINT_VERSION" ||
    timeout 900 python3 -m pip install --quiet --break-system-packages "cfn-lint==$CFN_LINT_VERSION"
fi
cfn_lint() { if command -v cfn-lint >/dev/null 2>&1; then cfn-lint "$@"; else python3 -m cfnlint.runner "$@"; fi; }
say "cfn-lint $(cfn_lint --version | awk '{print $2}')"

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
export CDK_DISABLE_CLI_TELEMETRY=true
start=$(date +%s)
npx cdk synth --no-notices --quiet -o "$out"
say "synthesized in $(( $(date +%s) - start )) s"

shopt -s nullglob
templates=("$out"/*.template.json)
[ "${#templates[@]}" -gt 0 ] || { say "no templates were synthesized" >&2; exit 1; }

# W3005: CDK writes an explicit DependsOn next to a GetAtt of the same resource (harmless).
status=0
cfn_lint --ignore-checks W3005 -- "${templates[@]}" || status=$?
# cfn-lint's exit status is a bit mask: 1 fatal, 2 error, 4 warning, 8 informational.
if (( status & 3 )); then
  say "cfn-lint found errors in the templates" >&2
  exit 1
fi
say "${#templates[@]} templates synthesized; cfn-lint: no errors"
