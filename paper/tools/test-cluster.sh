#!/usr/bin/env bash
# `make test-cluster` (issue 26, point 5): the plan through a real Slurm, a one-node cluster
# started here by paper/tools/slurm-local.sh and stopped at the end, pass or fail. Checks:
#   1. the quick profile as job arrays gives the tables and runs of a serial `atflrec paper`,
#      byte for byte (result.json up to its wall time, the one field a rerun changes);
#   2. a task cancelled mid-run (scancel) and resubmitted resumes from its checkpoint to the
#      bytes of the uninterrupted run;
#   3. two submissions of one plan at once train each run exactly once, and give the same bytes.
# The quick profile uses the tiny BERT fixture here (seconds per run); check 2 uses MiniLM-L6 and
# one run, so that the cancel lands between two epochs. Prints the wall times of 1, serial and
# array, for docs/cluster.md. Exit status 0 only if every check holds.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=$ROOT/.build/release/atflrec
TINY=$ROOT/Tests/Fixtures/text/tiny-bert
WORK=$(mktemp -d /tmp/atflrec-test-cluster.XXXXXX)
export ATFLREC_SLURM_DIR=$WORK/slurm
FAILED=0

cleanup() {
  "$ROOT/paper/tools/slurm-local.sh" stop || true
  if [ "$FAILED" = 0 ]; then rm -rf "$WORK"; else echo "test-cluster: files kept in $WORK" >&2; fi
}
trap cleanup EXIT
fail() { FAILED=1; echo "test-cluster: FAIL: $*" >&2; exit 1; }
pass() { echo "test-cluster: ok: $*"; }

[ -x "$BIN" ] || fail "$BIN is missing (make build)"
"$ROOT/paper/tools/slurm-local.sh" start
eval "$("$ROOT/paper/tools/slurm-local.sh" env)"

# plan DIR [ARGS...]: the quick plan with the tiny encoder, its files under DIR.
plan() { local d=$1; shift; echo --profile quick --root "$ROOT" --text-model "$TINY" --runs "$d/runs" --output "$d/out" --checkpoints "$d/ckpt" "$@"; }
# One ATFLRec run of the quick profile with MiniLM-L6 (about 16 s, two epochs).
one_run() { local d=$1; echo --profile quick --root "$ROOT" --only atflrec --only-shots 64 --max-runs 1 --runs "$d/runs" --output "$d/out" --checkpoints "$d/ckpt"; }

# Seconds since a `date +%s%N` reading, to 0.1 s.
seconds_since() { local ms=$(( ($(date +%s%N) - $1) / 1000000 )); printf '%d.%d' $((ms / 1000)) $(((ms % 1000) / 100)); }

wait_for_queue() {
  local deadline=$((SECONDS + 1800))
  while [ -n "$(squeue -h -o %i)" ]; do
    [ $SECONDS -lt $deadline ] || fail "jobs still queued after 30 minutes: $(squeue)"
    sleep 1
  done
}

# same_runs A B: the same run folders, identical config.json and predictions.csv, and result.json
# identical but for its timings (wallSeconds, trainSamplesPerSecond, resumedAtEpochs); and
# identical tables. Sets SAME_RUNS to the number of runs (not a subshell: fail must end the script).
same_runs() {
  local a=$1 b=$2
  diff <(ls "$a/runs") <(ls "$b/runs") >/dev/null || fail "$b/runs holds other runs than $a/runs"
  local n=0
  for run in $(ls "$a/runs"); do
    for f in config.json predictions.csv; do
      cmp -s "$a/runs/$run/$f" "$b/runs/$run/$f" || fail "$b/runs/$run/$f differs from $a/runs/$run/$f"
    done
    python3 - "$a/runs/$run/result.json" "$b/runs/$run/result.json" <<'EOF' || fail "$b/runs/$run/result.json differs beyond wallSeconds"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
for r in (a, b):
    for timing in ("wallSeconds", "trainSamplesPerSecond", "resumedAtEpochs"):
        r.pop(timing, None)
sys.exit(0 if a == b else 1)
EOF
    n=$((n + 1))
  done
  diff -r "$a/out/tables" "$b/out/tables" >/dev/null || fail "$b/out/tables differ from $a/out/tables"
  SAME_RUNS=$n
}

# 1. Serial against the job array.
start=$(date +%s%N)
"$BIN" paper $(plan "$WORK/serial") > "$WORK/serial.log" 2>&1 || fail "serial atflrec paper: $(tail -3 "$WORK/serial.log")"
serial_seconds=$(seconds_since "$start")
start=$(date +%s%N)
"$BIN" paper slurm $(plan "$WORK/array") --folder "$WORK/array/slurm" > "$WORK/array.submit" 2>&1 || fail "atflrec paper slurm: $(cat "$WORK/array.submit")"
wait_for_queue
array_seconds=$(seconds_since "$start")
grep -q "^submitted job array" "$WORK/array.submit" || fail "no job array submitted: $(cat "$WORK/array.submit")"
same_runs "$WORK/serial" "$WORK/array"
n=$SAME_RUNS
[ "$n" = 21 ] || fail "expected the 21 runs of the quick profile, found $n"
grep -h "runs finished" "$WORK"/array/slurm/logs/render-*.out | grep -q "^paper: 21 of 21 runs finished" || fail "the render job did not see 21 runs"
pass "quick profile as a job array: $n runs and $(ls "$WORK/array/out/tables" | wc -l) table files byte-identical to the serial run (serial $serial_seconds s, array $array_seconds s on $(nproc) CPUs)"

# 2. Cancel a task mid-run, resubmit: it resumes to the uninterrupted bytes.
"$BIN" paper $(one_run "$WORK/uninterrupted") > "$WORK/uninterrupted.log" 2>&1 || fail "uninterrupted run: $(tail -3 "$WORK/uninterrupted.log")"
"$BIN" paper slurm $(one_run "$WORK/cancel") --folder "$WORK/cancel/first" > "$WORK/cancel.submit" 2>&1 || fail "$(cat "$WORK/cancel.submit")"
array=$(sed -n 's/^submitted job array \([0-9]*\):.*/\1/p' "$WORK/cancel.submit")
[ -n "$array" ] || fail "no job array in $(cat "$WORK/cancel.submit")"
deadline=$((SECONDS + 600))
until compgen -G "$WORK/cancel/ckpt/quick/atflrec-*/checkpoint.h5" > /dev/null; do
  [ $SECONDS -lt $deadline ] || fail "no checkpoint of the cancelled run after 10 minutes"
  sleep 0.1
done
scancel "${array}_1"
wait_for_queue
run=$(ls "$WORK/uninterrupted/runs")
[ ! -e "$WORK/cancel/runs/$run/result.json" ] || fail "the run finished before scancel reached it"
[ -e "$WORK/cancel/runs/.locks/$run.lock" ] || fail "the cancelled task left no lock file"
"$BIN" paper slurm $(one_run "$WORK/cancel") --folder "$WORK/cancel/again" > "$WORK/cancel.resubmit" 2>&1 || fail "$(cat "$WORK/cancel.resubmit")"
wait_for_queue
grep -q "took over from" "$WORK"/cancel/again/logs/*_1.out || fail "the resubmitted task did not take the run over: $(cat "$WORK"/cancel/again/logs/*_1.out)"
grep -q "resuming from checkpoint.h5 after epoch 1" "$WORK"/cancel/again/logs/*_1.out || fail "the resubmitted task did not resume from epoch 1"
same_runs "$WORK/uninterrupted" "$WORK/cancel"
pass "a task cancelled after epoch 1 and resubmitted resumed from its checkpoint to the uninterrupted bytes ($run)"

# 3. Two submissions of one plan at once: each run trained once.
"$BIN" paper slurm $(plan "$WORK/twice") --folder "$WORK/twice/one" > "$WORK/twice.one" 2>&1 || fail "$(cat "$WORK/twice.one")"
"$BIN" paper slurm $(plan "$WORK/twice") --folder "$WORK/twice/two" > "$WORK/twice.two" 2>&1 || fail "$(cat "$WORK/twice.two")"
wait_for_queue
tasks=$(ls "$WORK"/twice/{one,two}/logs/*_*.out | wc -l)
[ "$tasks" = 42 ] || fail "expected 42 task logs (21 runs x 2 submissions), found $tasks"
for history in "$WORK"/twice/runs/.locks/*.history; do
  trained=$(grep -c " trained (" "$history" || true)
  started=$(grep -c " started (" "$history" || true)
  [ "$trained" = 1 ] && [ "$started" = 1 ] || fail "$(basename "$history" .history): started $started times, trained $trained times"
done
skipped=$(cat "$WORK"/twice/{one,two}/logs/*_*.out | grep -cE ": already stored; nothing to do|: another worker trains it" || true)
[ "$skipped" = 21 ] || fail "expected 21 tasks to find their run stored or held, found $skipped"
same_runs "$WORK/serial" "$WORK/twice"
n=$SAME_RUNS
pass "two submissions at once: 42 tasks, each of the $n runs trained exactly once, bytes of the serial run"

echo "test-cluster: all checks passed; quick profile (tiny encoder) serial ${serial_seconds} s, job array ${array_seconds} s"
