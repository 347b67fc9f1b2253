#!/usr/bin/env bash
# The run step of the GitHub Action (action.yml): `cos-snapshot contract --live` with the
# action's inputs, the JUnit file and the behaviour report in $CONTRACT_OUTPUT_DIR, the report's
# table in the job summary. Exits as the command does (0 passed, 1 a contract failed, 2 usage).
#
# Inputs, as the action passes them: INPUT_BUCKET, INPUT_REGION, INPUT_ENDPOINT_URL,
# INPUT_STRICT, INPUT_ANONYMOUS (true/false); credentials from TENCENTCLOUD_SECRET_ID,
# TENCENTCLOUD_SECRET_KEY, TENCENTCLOUD_SECURITY_TOKEN in the environment.
set -uo pipefail

out=${CONTRACT_OUTPUT_DIR:-contract-results}
mkdir -p "$out"
args=(contract --live --junit "$out/contract.junit.xml" --report "$out/contract-report.json")
[ -n "${INPUT_BUCKET:-}" ] && args+=(--bucket "$INPUT_BUCKET")
[ -n "${INPUT_REGION:-}" ] && args+=(--region "$INPUT_REGION")
[ -n "${INPUT_ENDPOINT_URL:-}" ] && args+=(--endpoint-url "$INPUT_ENDPOINT_URL")
case "${INPUT_STRICT:-false}" in true | 1 | yes) args+=(--strict) ;; esac
case "${INPUT_ANONYMOUS:-false}" in true | 1 | yes) args+=(--anonymous) ;; esac

cos-snapshot "${args[@]}" ${CONTRACT_EXTRA_ARGS:-}
code=$?
if [ -f "$out/contract-report.json" ] && [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
    python - "$out/contract-report.json" >>"$GITHUB_STEP_SUMMARY" <<'PY'
import json, sys
from cos_snapshot.testing.contract import report_markdown
with open(sys.argv[1], encoding="utf-8") as report:
    print(report_markdown(json.load(report)))
PY
fi
exit "$code"
