#!/usr/bin/env bash
# The "Done when" of issue 13, from a built wheel in a fresh virtual environment, run from an
# empty directory: the installed suite against the embedded emulator, against signed emulators
# on a loopback port (correct: 0; rounding down: 1; a setting missing: 2; other readings:
# reported), and a user's own test file with the plugin's fixtures under plain pytest.
#
#   scripts/check_installed_contract.sh [WORKDIR]      (needs python3 >= 3.11 and the network
#                                                      or a warm pip cache)
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
WORK=${1:-$(mktemp -d)}
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
PY=${PYTHON:-python3}
fail() { echo "FAILED: $*" >&2; exit 1; }
step() { echo; echo "== $*"; }

step "build the wheel from the tree, and again from the sdist"
"$PY" -m venv "$WORK/build-venv"
"$WORK/build-venv/bin/pip" install -q -U pip hatchling
(cd "$REPO" && "$WORK/build-venv/bin/python" -m hatchling build -t wheel -t sdist -d "$WORK/dist" >/dev/null)
mkdir -p "$WORK/from-sdist"
tar -xzf "$WORK"/dist/*.tar.gz -C "$WORK/from-sdist"
(cd "$WORK"/from-sdist/* && "$WORK/build-venv/bin/python" -m hatchling build -t wheel -d "$WORK/dist-from-sdist" >/dev/null)
WHEEL=$(ls "$WORK"/dist/*.whl)
"$WORK/build-venv/bin/python" - "$WHEEL" "$WORK"/dist-from-sdist/*.whl <<'PY'
import sys, zipfile
a, b = (zipfile.ZipFile(p) for p in sys.argv[1:3])
files = lambda z: {n: z.read(n) for n in z.namelist() if not n.endswith("RECORD")}
fa, fb = files(a), files(b)
assert fa == fb, f"the sdist builds another wheel: {sorted(set(fa) ^ set(fb)) or 'contents differ'}"
print(f"same wheel from the sdist: {len(fa)} files")
PY

step "a fresh venv with only the wheel and its contract extra"
"$PY" -m venv "$WORK/venv"
"$WORK/venv/bin/pip" install -q -U pip
"$WORK/venv/bin/pip" install -q "$WHEEL[contract]"
export PATH="$WORK/venv/bin:$PATH"
unset COS_BUCKET COS_REGION COS_ENDPOINT_URL COS_CONTRACT_BUCKET COS_CONTRACT_REGION \
    COS_CONTRACT_ENDPOINT_URL COS_CONTRACT_TARGETS TENCENTCLOUD_SECRET_ID \
    TENCENTCLOUD_SECRET_KEY TENCENTCLOUD_SECURITY_TOKEN
EMPTY="$WORK/empty"
mkdir -p "$EMPTY"
cd "$EMPTY"

step "cos-snapshot contract (the embedded emulator)"
uptime
start=$(date +%s.%N)
cos-snapshot contract --junit "$WORK/embedded.xml" --report "$WORK/embedded.json" >"$WORK/embedded.log" 2>&1 \
    || { tail -40 "$WORK/embedded.log"; fail "cos-snapshot contract against the embedded emulator"; }
end=$(date +%s.%N)
uptime
tail -16 "$WORK/embedded.log"
echo "embedded emulator run: $(echo "$end - $start" | bc) s wall"
[ -z "$(ls -A "$EMPTY")" ] || fail "the run left files in the current directory: $(ls -A "$EMPTY")"

free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
SERVERS=()
stop_servers() { for pid in "${SERVERS[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap stop_servers EXIT
serve() {  # serve NAME FLAGS... -> the endpoint URL in $url (not in a subshell: the trap stops it)
    local name=$1; shift
    local port; port=$(free_port)
    mkdir -p "$WORK/$name-root"
    cos-snapshot serve --root "$WORK/$name-root" --port "$port" --log-level warning \
        --secret-id AKIDinstalledCheck000000000000000 --secret-key installed-check-secret "$@" \
        >"$WORK/$name-server.log" 2>&1 &
    SERVERS+=($!)
    for _ in $(seq 100); do
        "$PY" -c "import socket; socket.create_connection(('127.0.0.1', $port), 0.2)" 2>/dev/null && break
        sleep 0.1
    done
    url="http://127.0.0.1:$port"
}
export TENCENTCLOUD_SECRET_ID=AKIDinstalledCheck000000000000000
export TENCENTCLOUD_SECRET_KEY=installed-check-secret
LIVE=(--live --bucket examplebucket-1250000000 --region ap-guangzhou)

step "--live against a correct signed emulator: exit 0"
serve correct
cos-snapshot contract "${LIVE[@]}" --endpoint-url "$url" --report "$WORK/correct.json" >"$WORK/correct.log" 2>&1 \
    || { tail -40 "$WORK/correct.log"; fail "--live against a correct emulator"; }
tail -3 "$WORK/correct.log"

step "--live against an emulator that rounds the computed side down: exit 1"
serve floor --one-side-zero floor
set +e
cos-snapshot contract "${LIVE[@]}" --endpoint-url "$url" --report "$WORK/floor.json" >"$WORK/floor.log" 2>&1
code=$?
set -e
[ "$code" = 1 ] || { tail -40 "$WORK/floor.log"; fail "expected exit 1, got $code"; }
sed -n '/contracts that failed/,$p' "$WORK/floor.log" | head -12

step "--live with the region missing: exit 2 naming it"
set +e
message=$(cos-snapshot contract --live --endpoint-url "$url" --bucket examplebucket-1250000000 2>&1)
code=$?
set -e
echo "$message"
[ "$code" = 2 ] || fail "expected exit 2, got $code"
echo "$message" | grep -q -- "--region" || fail "the message does not name --region"

step "--live against an emulator started with --exactframe next --past-end error: reported"
serve other --exactframe next --past-end error
cos-snapshot contract "${LIVE[@]}" --endpoint-url "$url" --json >"$WORK/other.json" 2>"$WORK/other.log" \
    || { tail -40 "$WORK/other.log"; fail "--live (tolerant) against the other readings"; }
"$PY" - "$WORK/other.json" <<'PY'
import json, sys
text = open(sys.argv[1]).read()
report = json.loads(text[text.index("\n{") + 1:] if not text.startswith("{") else text)
(target,) = report["targets"]
readings = {q: o["reading"] for q, o in target["readings"].items()}
print(readings, target["emulator_flags"], target["matches_emulator_defaults"])
assert readings["exactframe"] == "next" and readings["past_end"] == "error", readings
assert target["emulator_flags"] == ["--exactframe", "next", "--past-end", "error"]
PY

step "a user's test file with cos_emulator and cos_fixture_video under plain pytest"
mkdir -p "$WORK/user" && cd "$WORK/user"
"$PY" - "$REPO/README.md" <<'PY' >test_thumbnails.py
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
print(re.search(r"```python\n(# test_thumbnails\.py\n.*?)```", text, re.DOTALL).group(1))
PY
pytest -q -p no:cacheprovider test_thumbnails.py || fail "the user's test file"

echo
echo "ALL CHECKS PASSED (work directory: $WORK)"
