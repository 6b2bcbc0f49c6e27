#!/bin/sh
# run-fuzzer.sh HARNESS SEEDS WORKDIR SECONDS [libFuzzer options...]
#
# Runs one libFuzzer harness for SECONDS on its committed seeds (SEEDS, only
# read) plus the inputs earlier runs found (WORKDIR/corpus, where new ones
# are added). SECONDS 0 only replays those inputs, without fuzzing.
# A crash, leak, timeout or out-of-memory makes libFuzzer exit non-zero,
# and the input is saved as WORKDIR/artifacts/crash-... (see
# docs/fuzzing.md for turning it into a regression seed).
set -eu
harness=$1 seeds=$2 work=$3 seconds=$4
shift 4
mkdir -p "$work/corpus" "$work/artifacts"
if [ "$seconds" -eq 0 ]; then
    duration=-runs=0 # libFuzzer's -max_total_time=0 would mean "no limit"
else
    duration=-max_total_time=$seconds
fi
exec "$harness" "$duration" -print_final_stats=1 \
    -artifact_prefix="$work/artifacts/" "$@" "$work/corpus" "$seeds"
