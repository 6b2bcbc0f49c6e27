#!/bin/sh
# check-token-seeds.sh GENERATOR COMMITTED_DIR SCRATCH_DIR
# Regenerates the token seeds and compares them with the committed ones.
set -eu
gen=$1 committed=$2 scratch=$3
rm -rf "$scratch"
mkdir -p "$scratch"
"$gen" "$scratch"
status=0
for f in "$scratch"/*; do
    if ! cmp -s "$f" "$committed/$(basename "$f")"; then
        echo "tests/fuzz/corpus/token/$(basename "$f") is out of date:" \
             "regenerate with gen_token_seeds (docs/fuzzing.md)" >&2
        status=1
    fi
done
exit $status
