#!/usr/bin/env bash
# Tenant scripts: per-evaluation time of each example plugin (plugins/*.rhai)
# through the sandbox, context building included, beside a bare rhai call of a
# trivial function measured in the same run (criterion, release build; the
# benches are crates/scripting/benches/eval.rs). Goal from issue 8: a pricing
# evaluation, context building included, under 20 µs.
#
# Replaces the "Scripting" section of bench/RESULTS.md. Needs no services.
# BENCH_TARGET_DIR as in the other bench scripts; BENCH_SCRIPTING_SECS is
# criterion's measurement time per benchmark (default 3).
set -euo pipefail
cd "$(dirname "$0")/.."

SECS=${BENCH_SCRIPTING_SECS:-3}
BENCH_TARGET_DIR=${BENCH_TARGET_DIR:-target/bench}
say() { echo "bench-scripting [$SECONDS s]: $*" >&2; }

LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
rm -rf "$BENCH_TARGET_DIR/criterion/scripting"
say "criterion, ${SECS}s per benchmark"
CARGO_TARGET_DIR=$BENCH_TARGET_DIR cargo bench -q -p taquilla-scripting --bench eval -- \
  --warm-up-time 1 --measurement-time "$SECS" >&2

SECTION=$(mktemp)
trap 'rm -f "$SECTION"' EXIT
python3 - "$BENCH_TARGET_DIR/criterion/scripting" "$SECTION" "$LOAD_START" "$SECS" "$(nproc)" <<'PY'
import json, os, sys, datetime
root, out, load, secs, cores = sys.argv[1:]
median = {}
for name in os.listdir(root):
    est = os.path.join(root, name, "new", "estimates.json")
    if os.path.exists(est):
        median[name] = json.load(open(est))["median"]["point_estimate"] / 1000.0  # ns -> µs
bare = median["bare_call"]
kinds = {}
for f in os.listdir("plugins"):
    if f.endswith(".tests.json"):
        kinds[f[: -len(".tests.json")]] = json.load(open(os.path.join("plugins", f)))["kind"]

rows = [("bare rhai call of `fn price(x) { x * 2 }` (yardstick)", "bare_call"),
        ("context map alone (`PricingContext::to_map`)", "context_map"),
        ("sandbox, trivial script `ctx.ticket_type.base_price`", "sandbox_trivial")]
plugins = sorted(k[len("plugin_"):] for k in median if k.startswith("plugin_"))
rows += [(f"plugin `{p}` ({kinds.get(p, '?')})", f"plugin_{p}") for p in plugins]
pricing = [median[f"plugin_{p}"] for p in plugins if kinds.get(p) == "pricing"]
slowest = max(pricing) if pricing else float("nan")
goal = "met" if pricing and slowest < 20 else "NOT met"
now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%MZ")

lines = [
    "## Scripting",
    "",
    f"Measured by `bench/scripting.sh` ({now}, {cores} cores, release build, criterion median of "
    f"{secs} s per benchmark). One evaluation is `Sandbox::price` / `Sandbox::coupon` on the plugin's "
    "first test-case context: building the rhai context map from the typed context, a fresh engine "
    "with the limits and hooks (deadline, captured print/debug, scope measure), the call, and checking "
    "the result. The yardstick is a bare rhai call in the same run: standard package, precompiled, "
    "no limits or hooks, one integer argument.",
    "",
    "| evaluation | median µs | × bare call |",
    "| --- | ---: | ---: |",
]
for label, key in rows:
    if key in median:
        lines.append(f"| {label} | {median[key]:.2f} | {median[key] / bare:.1f} |")
lines += [
    "",
    f"Goal (a pricing evaluation, context building included, under 20 µs): **{goal}** "
    f"(slowest pricing plugin {slowest:.2f} µs). Load average before the run: {load}.",
]
open(out, "w").write("\n".join(lines) + "\n")
PY

python3 bench/section.py "$SECTION"
sed -n '/^## Scripting/,/^## [^S]/p' bench/RESULTS.md
