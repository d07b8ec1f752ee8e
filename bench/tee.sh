#!/usr/bin/env bash
# Issue 16 item 4: the tee's cost on hostile and very large stderr.
#
#  1. 16 MiB of stderr without a newline, full of `An error occurred (` (the capture's
#     markers): awsx (AWSX_DIAGNOSE=off, tee + capture) vs `cat`. Before the fix the
#     capture re-scanned the line once per marker occurrence (7.8 s); target: linear, within
#     a few times cat.
#  2. 1 GiB of `aws --debug`-like stderr with awsx's stderr a pipe (`| cat >/dev/null`) and a
#     file, against the same bytes through one `cat` in the same place.
#     Target: awsx / cat ≤ 1.05 on both.
#
#   bench/tee.sh                       # writes the "tee" section of docs/benchmarks.md
#   BENCH_TEE_RUNS=10 BENCH_TEE_PAIRS=12 BENCH_TEE_BYTES=1073741824 bench/tee.sh
. "$(dirname "$0")/common.sh"
bench_init tee

runs=${BENCH_TEE_RUNS:-10}
pairs=${BENCH_TEE_PAIRS:-12}
big=${BENCH_TEE_BYTES:-1073741824}
rerun="bench/tee.sh"
[ "$runs/$pairs/$big" = "10/12/1073741824" ] ||
    rerun="BENCH_TEE_RUNS=$runs BENCH_TEE_PAIRS=$pairs BENCH_TEE_BYTES=$big bench/tee.sh"

body=$tmp/section.md
targets=$tmp/targets.md
: >"$targets"
row() { echo "| $1 | $2 | $3 |" >>"$targets"; }

gen=$tmp/gen.sh
cat >"$gen" <<'GEN'
#!/bin/sh
# GEN_KIND=markers: GEN_BYTES of `An error occurred (` repeated, no newline;
# otherwise GEN_BYTES of aws --debug-like lines. All on stderr.
if [ "${GEN_KIND:-debug}" = markers ]; then
    yes 'An error occurred (' | tr -d '\n' | head -c "$GEN_BYTES" >&2
else
    yes '2026-11-30 10:00:00,123 - MainThread - botocore.endpoint - DEBUG - Making request for OperationModel(name=ListObjectsV2) with params: {"url_path": "/bench-bucket-1", "query_string": {"list-type": 2, "prefix": "logs/"}, "method": "GET"}' |
        head -c "$GEN_BYTES" >&2
fi
GEN
chmod +x "$gen"
export AWSX_AWS_CLI=$gen AWSX_DIAGNOSE=off

machine=$(machine_info)
{
    echo "## The tee on hostile and very large stderr (issue 16): \`bench/tee.sh\`"
    echo
    echo "- When/where: $machine"
    echo "- Rerun: \`$rerun\` (from the repository root; a few minutes)"
    echo "- The child (\`AWSX_AWS_CLI\`) is a shell script writing to stderr; awsx runs with \`AWSX_DIAGNOSE=off\`"
    echo "  (the tee and its bounded capture only). The reference moves the same bytes through one \`cat\`"
    echo "  in awsx's place. Byte counts are checked equal before timing."
    echo
} >"$body"

check_bytes() { # kind bytes
    local a b
    a=$(GEN_KIND=$1 GEN_BYTES=$2 "$gen" 2>&1 >/dev/null | cat | wc -c)
    b=$(GEN_KIND=$1 GEN_BYTES=$2 "$awsx" x 2>&1 >/dev/null | wc -c)
    [ "$a" = "$2" ] && [ "$b" = "$2" ] || die "byte counts differ ($1): cat $a, awsx $b, expected $2"
}

# 1. 16 MiB, one line, full of markers ----------------------------------------------------
m=16777216
check_bytes markers "$m"
export GEN_KIND=markers GEN_BYTES=$m
echo "== 16 MiB of markers without a newline" >&2
hf_rounds "$tmp/markers" 2 $(( (runs + 1) / 2 )) "--warmup 1" -- \
    "generator alone" "$gen 2>/dev/null" \
    "generator | cat >/dev/null" "$gen 2>&1 >/dev/null | cat >/dev/null" \
    "awsx (tee + capture), stderr /dev/null" "$awsx x 2>/dev/null"
eval "$(hf_compare "$tmp/markers.json" 1 2)"
mk_ratio=$ratio_med mk_cat=$med_a mk_awsx=$med_b
{
    echo "### 1. 16 MiB of \`An error occurred (\` without a newline"
    echo
    echo "\`yes 'An error occurred (' | tr -d '\\n' | head -c $m >&2\` (883,011 markers on one line)."
    echo
    hf_table "$tmp/markers.json" | tidy
    echo
    echo "- awsx / cat: **$mk_ratio** (median $mk_awsx vs $mk_cat ms). Before the fix (issue 16): 7.8 s vs 0.03 s."
    echo
} >>"$body"
row "16 MiB line full of markers, awsx / cat (linear; was 7.8 s vs 0.03 s)" "$mk_awsx ms vs $mk_cat ms ($mk_ratio×)" "$(met "$mk_awsx" le 1000) (≤ 1 s)"

# 2. 1 GiB through a pipe and to a file --------------------------------------------------
check_bytes debug "$big"
export GEN_KIND=debug GEN_BYTES=$big
out=$tmp/stderr.out
echo "== $big bytes, awsx's stderr a pipe / a file" >&2
hf_rounds "$tmp/big" 2 $(( (runs + 1) / 2 )) "--warmup 1" -- \
    "pipe: generator | cat | cat >/dev/null" "$gen 2>&1 >/dev/null | cat | cat >/dev/null" \
    "pipe: awsx 2>&1 >/dev/null | cat >/dev/null" "$awsx x 2>&1 >/dev/null | cat >/dev/null" \
    "file: generator | cat >FILE" "$gen 2>&1 >/dev/null | cat >$out" \
    "file: awsx 2>FILE" "$awsx x 2>$out"
eval "$(hf_compare "$tmp/big.json" 0 1)"
pipe_ratio=$ratio_med pipe_cat=$med_a pipe_awsx=$med_b
eval "$(hf_compare "$tmp/big.json" 2 3)"
file_ratio=$ratio_med file_cat=$med_a file_awsx=$med_b
echo "-- $pairs interleaved pairs, pipe" >&2
paired "$tmp/pipe.pairs.json" "$pairs" sh "$gen 2>&1 >/dev/null | cat | cat >/dev/null" "$awsx x 2>&1 >/dev/null | cat >/dev/null"
eval "$(paired_stats "$tmp/pipe.pairs.json")"
pp="$p_ratio ($p_ratio_lo … $p_ratio_hi)"
pp_ratio=$p_ratio pp_lo=$p_ratio_lo pp_hi=$p_ratio_hi
echo "-- $pairs interleaved pairs, file" >&2
paired "$tmp/file.pairs.json" "$pairs" sh "$gen 2>&1 >/dev/null | cat >$out" "$awsx x 2>$out"
eval "$(paired_stats "$tmp/file.pairs.json")"
fp="$p_ratio ($p_ratio_lo … $p_ratio_hi)"
read -r rss _ < <(peak_rss 3 sh -c "$awsx x 2>&1 >/dev/null | cat >/dev/null")
{
    echo "### 2. $big bytes of \`aws --debug\`-like lines"
    echo
    echo "Pipe: \`awsx x 2>&1 >/dev/null | cat >/dev/null\` vs \`gen 2>&1 >/dev/null | cat | cat >/dev/null\`;"
    echo "file: \`awsx x 2>FILE\` vs \`gen 2>&1 >/dev/null | cat >FILE\` (FILE on \`${TMPDIR:-/tmp}\`)."
    echo
    hf_table "$tmp/big.json" | tidy
    echo
    echo "<details><summary>hyperfine --export-markdown, per round</summary>"
    echo
    tidy <"$tmp/big.md"
    echo
    echo "</details>"
    echo
    echo "- pipe: awsx / cat **$pipe_ratio** (hyperfine medians $pipe_awsx vs $pipe_cat ms); $pairs interleaved pairs: $pp"
    echo "- file: awsx / cat **$file_ratio** (hyperfine medians $file_awsx vs $file_cat ms); $pairs interleaved pairs: $fp"
    echo "- peak RSS of the awsx pipeline (max of 3): $rss KiB"
    echo
    echo "Load average at the end: $(load_now)."
    echo
} >>"$body"
row "1 GiB stderr, awsx's stderr a pipe: awsx / cat ≤ 1.05×" "$pipe_ratio (pairs $pp)" "$(met "$pipe_ratio" le 1.05)"
row "1 GiB stderr, awsx's stderr a file: awsx / cat ≤ 1.05×" "$file_ratio (pairs $fp)" "$(met "$file_ratio" le 1.05)"
unset AWSX_AWS_CLI AWSX_DIAGNOSE GEN_KIND GEN_BYTES

{
    echo "### Targets"
    echo
    echo "<!-- targets:begin -->"
    echo "| target | measured | met? |"
    echo "|:---|:---|:---|"
    cat "$targets"
    echo "<!-- targets:end -->"
} >>"$body"
cat "$body"
md_update "$body"
