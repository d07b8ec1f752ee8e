#!/usr/bin/env bash
# Issue 4: how long the diagnosis takes after aws has failed, against what a user would run
# by hand: one `aws sts decode-authorization-message` call.
#
# The project's stub (tests/stub/awsstub.py) plays EC2, STS and IAM: RunInstances fails with
# UnauthorizedOperation and an encoded message the stub decodes (the scenario of
# tests/authorization_e2e.rs). The "aws" that awsx runs is a tiny sh script that prints aws
# v2's exact error text for that call and exits 254, so the aws part costs ~1 ms and the
# rest of awsx's time is the diagnosis (classify, then STS decode + GetCallerIdentity + IAM
# SimulatePrincipalPolicy under one deadline, then the report).
# Target: (awsx − the fake aws alone) <= 0.2 x one aws decode call, same hyperfine run.
#
#   bench/diagnose.sh                # writes the "diagnose" section of docs/benchmarks.md
#   BENCH_RUNS=30 AWSX_BIN=path AWS_V1=path AWS_V2=path BENCH_DOC=path bench/diagnose.sh
. "$(dirname "$0")/common.sh"
bench_init diagnose

runs=${BENCH_RUNS:-30}
rerun="bench/diagnose.sh"
[ "$runs" = 30 ] || rerun="BENCH_RUNS=$runs bench/diagnose.sh"
body=$tmp/section.md
blob=AbCdEf0123456789-encoded-blob

cat >"$tmp/scenario.json" <<EOF
{"errors": {"ec2:RunInstances": {"status": 403, "code": "UnauthorizedOperation",
  "message": "You are not authorized to perform this operation. Encoded authorization failure message: $blob"}}}
EOF
start_stub "$tmp/scenario.json"
url=$stub_url

run_args="ec2 run-instances --image-id ami-1 --instance-type p3.2xlarge"

# aws v2's exact error text for the failing call, replayed by the fake aws.
set +e
"$aws_v2" --endpoint-url "$url" $run_args >/dev/null 2>"$tmp/aws-error.txt"
code=$?
set -e
[ "$code" = 254 ] || die "aws v2 run-instances exited $code, expected 254: $(cat "$tmp/aws-error.txt")"
grep -q "Encoded authorization failure message: $blob" "$tmp/aws-error.txt" || die "unexpected aws error: $(cat "$tmp/aws-error.txt")"
fake=$tmp/fake-aws
python3 - "$tmp/aws-error.txt" "$fake" <<'EOF'
import shlex, sys
text = open(sys.argv[1]).read()
open(sys.argv[2], "w").write("#!/bin/sh\n# aws v2's stderr for the denied RunInstances, then its exit code.\n"
                             "printf '%%s' %s >&2\nexit 254\n" % shlex.quote(text))
EOF
chmod +x "$fake"
cmp -s <("$fake" 2>&1 >/dev/null) "$tmp/aws-error.txt" || die "the fake aws does not replay the text"
export AWSX_AWS_CLI=$fake

# awsx must really diagnose (decode + caller + simulation) before it is timed.
set +e
AWSX_REPORT=json "$awsx" --endpoint-url "$url" $run_args 2>&1 >/dev/null | tail -1 >"$tmp/report.json"
set -e
probes=$(python3 - "$tmp/report.json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["authorization"]["decision"] == "implicit-deny", r["authorization"]
done = {f.get("probe"): f for f in r["findings"]}
for p in ["sts:GetCallerIdentity", "sts:DecodeAuthorizationMessage", "iam:SimulatePrincipalPolicy"]:
    assert p in done and done[p].get("ok"), (p, r["findings"])
print(", ".join("`%s` %s ms" % (p, f.get("ms")) for p, f in done.items() if f.get("ms") is not None))
print(r["headline"])
EOF
) || die "awsx did not produce the full diagnosis: $(cat "$tmp/report.json")"
probe_ms=$(echo "$probes" | head -1)
headline=$(echo "$probes" | tail -1)
for cli in "$aws_v1" "$aws_v2"; do
    "$cli" sts decode-authorization-message --encoded-message "$blob" --endpoint-url "$url" |
        grep DecodedMessage >/dev/null || die "$cli sts decode-authorization-message failed"
done

echo "== diagnosis vs aws sts decode-authorization-message" >&2
full="$awsx --endpoint-url $url $run_args"
per_round=$(( (runs + 2) / 3 ))
hf_rounds "$tmp/diag" 3 "$per_round" "-N --warmup 3 -i" -- \
    "fake aws alone (prints the error, exits 254)" "env $fake --endpoint-url $url $run_args" \
    "awsx, AWSX_DIAGNOSE=on (full diagnosis)" "env AWSX_DIAGNOSE=on $full" \
    "awsx, AWSX_DIAGNOSE=offline (classify + report, no calls)" "env AWSX_DIAGNOSE=offline $full" \
    "awsx, AWSX_DIAGNOSE=off (pass-through only)" "env AWSX_DIAGNOSE=off $full" \
    "aws(v1) sts decode-authorization-message" "$aws_v1 sts decode-authorization-message --encoded-message $blob --endpoint-url $url" \
    "aws(v2) sts decode-authorization-message" "$aws_v2 sts decode-authorization-message --encoded-message $blob --endpoint-url $url"

f() { hf_field "$tmp/diag.json" "$1" median; }
fake_med=$(f 0)
on_med=$(f 1)
offline_med=$(f 2)
off_med=$(f 3)
v1_med=$(f 4)
v2_med=$(f 5)
calc() { awk "BEGIN {printf \"%.${2:-2}f\", $1}"; }
diag_on=$(calc "$on_med - $fake_med")
diag_offline=$(calc "$offline_med - $fake_med")
r_v1=$(calc "$diag_on / $v1_med" 3)
r_v2=$(calc "$diag_on / $v2_med" 3)
r_whole=$(calc "$on_med / $v1_med" 3)
read -r rss_on _ < <(peak_rss 10 env AWSX_DIAGNOSE=on "$awsx" --endpoint-url "$url" $run_args)
read -r rss_offline _ < <(peak_rss 5 env AWSX_DIAGNOSE=offline "$awsx" --endpoint-url "$url" $run_args)
unset AWSX_AWS_CLI

{
    echo "## Diagnosis after a failure (issue 4): \`bench/diagnose.sh\`"
    echo
    echo "- When/where: $(machine_info)"
    echo "- Rerun: \`$rerun\` (from the repository root; about a minute)"
    echo "- Scenario: the project's stub (tests/stub/awsstub.py, which sets TCP_NODELAY on its sockets) answers"
    echo "  \`ec2 run-instances\` with 403 \`UnauthorizedOperation\` and an encoded message it can decode, as in"
    echo "  \`tests/authorization_e2e.rs\`. \`AWSX_AWS_CLI\` is a sh script that prints aws v2's exact stderr for"
    echo "  that call and exits 254:"
    echo
    echo '  ```'
    sed 's/^/  /' "$tmp/aws-error.txt"
    echo '  ```'
    echo
    echo "  so \`awsx --endpoint-url STUB $run_args\` costs ~1 ms of \"aws\" and the rest is awsx:"
    echo "  classification, then STS DecodeAuthorizationMessage, STS GetCallerIdentity and IAM"
    echo "  SimulatePrincipalPolicy against the stub under one deadline, then the text report on stderr."
    echo "  The report's headline: \"$headline\"; probe timings from its JSON form: $probe_ms."
    echo "- The reference is one \`aws sts decode-authorization-message --encoded-message BLOB --endpoint-url STUB\`"
    echo "  (v1 and v2) in the same hyperfine run. All awsx rows and the fake aws run through \`env\` (to set"
    echo "  \`AWSX_DIAGNOSE\`), so they share its ~0.5 ms."
    echo
    hf_table "$tmp/diag.json" | tidy
    echo
    echo "<details><summary>hyperfine --export-markdown, per round (3 rounds of \`hyperfine -N --warmup 3 -i --runs $per_round\`, order alternating, pooled above)</summary>"
    echo
    tidy <"$tmp/diag.md" | sed "s#$url#STUB#g"
    echo
    echo "</details>"
    echo
    echo "Time from aws's exit to the end of the report = median(awsx) − median(fake aws alone); it"
    echo "includes awsx's own start, the spawn of the child and the tee (the \`AWSX_DIAGNOSE=off\` row), so it"
    echo "is an upper bound."
    echo
    echo "| | median [ms] | ÷ aws v1 decode ($v1_med ms) | ÷ aws v2 decode ($v2_med ms) |"
    echo "|:---|---:|---:|---:|"
    echo "| full diagnosis (\`AWSX_DIAGNOSE=on\`) | **$diag_on** | **$r_v1** | $r_v2 |"
    echo "| offline diagnosis (\`AWSX_DIAGNOSE=offline\`) | $diag_offline | $(calc "$diag_offline / $v1_med" 3) | $(calc "$diag_offline / $v2_med" 3) |"
    echo "| pass-through only (\`AWSX_DIAGNOSE=off\`) | $(calc "$off_med - $fake_med") | | |"
    echo "| whole awsx process, full diagnosis | $on_med | $r_whole | $(calc "$on_med / $v2_med" 3) |"
    echo
    echo "Peak RSS of awsx in the failure path (\`/usr/bin/time -f %M\`, max of 10; the child is sh):"
    echo "**$(kib_to_mb "$rss_on") MB** with the full diagnosis, $(kib_to_mb "$rss_offline") MB offline."
    echo "Load average at the end: $(load_now)."
    echo
    echo "### Targets"
    echo
    echo "<!-- targets:begin -->"
    echo "| target | measured | met? |"
    echo "|:---|:---|:---|"
    echo "| diagnosis time (aws exit → end of report) ≤ 0.2 × one \`aws sts decode-authorization-message\` (v1, the faster CLI) | $diag_on ms / $v1_med ms = $r_v1 | $(met "$r_v1" le 0.2) |"
    echo "| same against aws v2 | $diag_on ms / $v2_med ms = $r_v2 | $(met "$r_v2" le 0.2) |"
    echo "| offline diagnosis time (no target) | $diag_offline ms | — |"
    echo "| awsx peak RSS, failure path with diagnosis (no target; FACTS: 12.5–12.9 MB) | $(kib_to_mb "$rss_on") MB | — |"
    echo "<!-- targets:end -->"
} >"$body"

cat "$body"
md_update "$body"
