#!/usr/bin/env bash
# Issue 14: the success-path overhead of wrapping the newest aws CLI v2 (2.36.7, the venv
# scripts/test.sh installs from ../shared/vendor/awscli-v2), measured like bench/wrap.sh's
# section 1: aws vs awsx (AWSX_AWS_CLI = the same aws) on `--version` and on
# `s3api list-buckets` against moto, as hyperfine rounds in alternating order (pooled) and
# as interleaved pairs (the verdicts use the pairs). Targets as in bench/wrap.sh: median
# overhead <= 2 ms and median ratio <= 1.01.
#
#   bench/wrap-v2-latest.sh            # writes the "wrap_v2_latest" section of docs/benchmarks.md
#   BENCH_RUNS=40 BENCH_ROUNDS=5 BENCH_PAIRS=100 AWS_V2_LATEST=path bench/wrap-v2-latest.sh
. "$(dirname "$0")/common.sh"
bench_init wrap_v2_latest

runs=${BENCH_RUNS:-40}
rounds=${BENCH_ROUNDS:-5}
pairs=${BENCH_PAIRS:-100}
per_round=$(( (runs + rounds - 1) / rounds ))
aws=${AWS_V2_LATEST:-$bench_root/target/awscli-v2.36.7/bin/aws}
[ -x "$aws" ] || die "aws 2.36.7 not found at $aws (scripts/test.sh installs it)"
rerun="bench/wrap-v2-latest.sh"
[ "$runs/$rounds/$pairs" = "40/5/100" ] || rerun="BENCH_RUNS=$runs BENCH_ROUNDS=$rounds BENCH_PAIRS=$pairs bench/wrap-v2-latest.sh"

resolve() { # estimate lo hi target
    awk -v x="$1" -v lo="$2" -v hi="$3" -v t="$4" 'BEGIN {
        if (hi <= t) print "yes"
        else if (lo > t) print "**no**"
        else if (x <= t) printf "not resolved: probably (estimate within, 95%% CI up to %s)\n", hi
        else printf "not resolved: **probably not** (estimate over, 95%% CI down to %s)\n", lo }'
}

start_moto
for b in bench-bucket-1 bench-bucket-2; do
    "$aws_v1" --endpoint-url "$moto_url" s3api create-bucket --bucket "$b" >/dev/null
done

body=$tmp/section.md
targets=$tmp/targets.md
: >"$targets"
row() { echo "| $1 | $2 | $3 |" >>"$targets"; }
summary=$tmp/summary.md
{
    echo "| command | aws median [ms] | hyperfine: overhead, median [ms] (95% CI) | pairs: overhead, median [ms] (95% CI) | pairs: overhead, mean [ms] (95% CI) | pairs: ratio (95% CI) |"
    echo "|:---|---:|---:|---:|---:|---:|"
} >"$summary"
{
    echo "## Pass-through overhead with aws CLI v2.36.7 (issue 14): \`bench/wrap-v2-latest.sh\`"
    echo
    echo "- When/where: $(machine_info)"
    echo "- Rerun: \`$rerun\` (from the repository root; about 5 minutes)"
    echo "- CLI: \`$(aws_version "$aws")\` (\`${aws#"$bench_root"/}\`, the venv scripts/test.sh installs from the offline bundle);"
    echo "  moto \`$(python3 -c 'import moto; print(moto.__version__)')\` on loopback"
    echo "- Method as in \`bench/wrap.sh\` section 1: $((per_round * rounds)) runs each in $rounds rounds of"
    echo "  \`hyperfine -N --warmup 2 --runs $per_round\` with the order alternating (pooled), and $pairs interleaved pairs"
    echo "  (\`paired\` in bench/common.sh; the verdicts use them). Same environment: fake credentials in env vars,"
    echo "  \`AWS_MAX_ATTEMPTS=1\`, no \`~/.aws\`, \`AWS_EC2_METADATA_DISABLED=true\`."
    echo
} >"$body"
export AWSX_AWS_CLI=$aws
for what in version list-buckets; do
    if [ "$what" = version ]; then
        args="--version"
    else
        args="--endpoint-url $moto_url s3api list-buckets"
        "$aws" $args | grep bench-bucket-2 >/dev/null || die "aws 2.36 s3api list-buckets failed"
        "$awsx" $args | grep bench-bucket-2 >/dev/null || die "awsx (2.36) s3api list-buckets failed"
    fi
    label=${args/$moto_url/MOTO}
    echo "== v2.36: aws $label vs awsx $label" >&2
    hf_rounds "$tmp/$what" "$rounds" "$per_round" "-N --warmup 2" -- \
        "aws(v2.36) $label" "$aws $args" \
        "awsx $label" "$awsx $args"
    echo "-- $pairs interleaved pairs" >&2
    paired "$tmp/$what.pairs.json" "$pairs" exec "$aws $args" "$awsx $args"
    eval "$(paired_stats "$tmp/$what.pairs.json")"
    {
        echo "#### aws v2.36: \`$label\`"
        echo
        hf_table "$tmp/$what.json"
        echo
        echo "Interleaved pairs ($p_n): aws median $p_med_a ms, awsx median $p_med_b ms."
        echo
    } >>"$body"
    eval "$(hf_compare "$tmp/$what.json" 0 1)"
    echo "| \`$label\` | $med_a | $d_med ($d_med_lo … $d_med_hi) | **$p_d_med** ($p_d_lo … $p_d_hi) | $p_d_mean (± $p_d_ci) | **$p_ratio** ($p_ratio_lo … $p_ratio_hi) |" >>"$summary"
    row "aws vs awsx, v2.36 \`$label\`: median overhead ≤ 2 ms" \
        "$p_d_med ms (95% CI $p_d_lo … $p_d_hi; hyperfine $d_med, CI $d_med_lo … $d_med_hi)" "$(resolve "$p_d_med" "$p_d_lo" "$p_d_hi" 2)"
    row "aws vs awsx, v2.36 \`$label\`: ratio ≤ 1.01" \
        "$p_ratio (95% CI $p_ratio_lo … $p_ratio_hi)" "$(resolve "$p_ratio" "$p_ratio_lo" "$p_ratio_hi" 1.01)"
done
unset AWSX_AWS_CLI
{
    echo "#### Overhead against aws 2.36.7"
    echo
    cat "$summary"
    echo
    echo "Load average at the end: $(load_now)."
    echo
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
