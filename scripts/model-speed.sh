#!/usr/bin/env bash
# The model's speed natively and in Chromium (wasm32) on the standard scenario, and the ratio
# (target: wasm at least half the native speed). Prints figures only; see tests/model_speed.rs.
#   scripts/model-speed.sh                         # cargo's release profile for both
#   WASM_PROFILE=wasm-release scripts/model-speed.sh   # the app bundle's profile for wasm
set -euo pipefail
cd "$(dirname "$0")/.."
WASM_PROFILE=${WASM_PROFILE:-release}
run() { cargo test -p producer-lab "$@" --test model_speed -- --include-ignored --nocapture 2>&1 | grep '^model-speed' || true; }
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
native=$(run --release)
wasm=$(run --profile "$WASM_PROFILE" --target wasm32-unknown-unknown)
printf '%s\n%s\n' "$native" "$wasm"
[ -n "$native" ] && [ -n "$wasm" ] || { echo "model-speed: a run printed nothing" >&2; exit 1; }
rate() { printf '%s\n' "$1" | awk -v v="$2" '$3 == v { sub("records_per_second=", "", $6); print $6 }'; }
for variant in plain bounded; do
  awk -v v="$variant" -v n="$(rate "$native" "$variant")" -v w="$(rate "$wasm" "$variant")" \
    'BEGIN { printf "model-speed ratio %s wasm32/native = %.2f (wasm profile '"$WASM_PROFILE"')\n", v, w / n }'
done
