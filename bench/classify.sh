#!/usr/bin/env bash
# Issue 3: classifying a large CI log. `awsx explain --offline --json LOG` on a generated
# 10 MB GitHub Actions-style log: timestamped debug noise (aws --debug, Terraform refresh,
# npm/pytest output), one aws CLI error near the end and a Terraform error after it.
# Target: <= 100 ms (the whole process, with its ~2 ms start).
#
#   bench/classify.sh                # writes the "classify" section of docs/benchmarks.md
#   BENCH_RUNS=30 BENCH_LOG_MB=10 AWSX_BIN=path BENCH_DOC=path bench/classify.sh
. "$(dirname "$0")/common.sh"
bench_init classify

runs=${BENCH_RUNS:-30}
mb=${BENCH_LOG_MB:-10}
rerun="bench/classify.sh"
[ "$runs/$mb" = "30/10" ] || rerun="BENCH_RUNS=$runs BENCH_LOG_MB=$mb bench/classify.sh"
body=$tmp/section.md

log=$tmp/ci-${mb}mb.log
quiet=$tmp/ci-${mb}mb-no-error.log
small=$tmp/ci-tail.log
python3 - "$log" "$quiet" "$small" "$mb" <<'EOF'
import random, sys
log, quiet, small, mb = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
size = mb * 1024 * 1024
rng = random.Random(42)
t = [0.0]

def ts():
    t[0] += rng.random() * 0.05
    s = 1764496800 + t[0]
    import time
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(s)) + ".%07dZ" % int((s % 1) * 1e7)

hexid = lambda n: "".join(rng.choice("0123456789abcdef") for _ in range(n))
ops = ["ListObjectsV2", "PutObject", "DescribeInstances", "GetCallerIdentity", "DescribeSubnets",
       "GetParameter", "DescribeStacks", "AssumeRole"]
noise = [
    lambda: "%s 2026-11-30 10:%02d:%02d,%03d - MainThread - botocore.endpoint - DEBUG - Making request for OperationModel(name=%s) with params: {'url_path': '/', 'query_string': {}, 'method': 'POST', 'headers': {'User-Agent': 'aws-cli/2.15.0 Python/3.11.6 Linux/6.5.0 exe/x86_64.ubuntu.22'}, 'body': {'Action': '%s', 'Version': '2016-11-15'}}" % (ts(), rng.randrange(60), rng.randrange(60), rng.randrange(1000), rng.choice(ops), rng.choice(ops)),
    lambda: "%s 2026-11-30 10:%02d:%02d,%03d - MainThread - botocore.hooks - DEBUG - Event before-parameter-build.ec2.%s: calling handler <function generate_idempotent_uuid at 0x7f%s>" % (ts(), rng.randrange(60), rng.randrange(60), rng.randrange(1000), rng.choice(ops), hexid(10)),
    lambda: "%s 2026-11-30 10:%02d:%02d,%03d - MainThread - botocore.parsers - DEBUG - Response headers: {'x-amzn-RequestId': '%s-%s-%s-%s-%s', 'Content-Type': 'text/xml;charset=UTF-8', 'Content-Length': '%d', 'Date': 'Sun, 30 Nov 2026 10:00:00 GMT', 'Server': 'AmazonEC2'}" % (ts(), rng.randrange(60), rng.randrange(60), rng.randrange(1000), hexid(8), hexid(4), hexid(4), hexid(4), hexid(12), rng.randrange(200, 90000)),
    lambda: "%s aws_instance.worker[%d]: Refreshing state... [id=i-0%s]" % (ts(), rng.randrange(400), hexid(16)),
    lambda: "%s aws_security_group_rule.ingress_%d: Refreshing state... [id=sgrule-%d]" % (ts(), rng.randrange(900), rng.randrange(10**9, 10**10)),
    lambda: "%s module.vpc.aws_route_table_association.private[%d]: Refreshing state... [id=rtbassoc-0%s]" % (ts(), rng.randrange(30), hexid(16)),
    lambda: "%s npm WARN deprecated %s@%d.%d.%d: This package is no longer supported." % (ts(), rng.choice(["glob", "inflight", "rimraf", "har-validator", "request"]), rng.randrange(9), rng.randrange(20), rng.randrange(20)),
    lambda: "%s tests/test_%s.py::test_%s_%d PASSED                                   [%3d%%]" % (ts(), rng.choice(["api", "models", "handlers", "s3sync"]), rng.choice(["create", "update", "list", "retry"]), rng.randrange(500), rng.randrange(101)),
    lambda: "%s ##[group]Run actions/cache@v4" % ts(),
    lambda: "%s ##[endgroup]" % ts(),
    lambda: "%s upload: dist/assets/chunk-%s.js to s3://ci-artifacts-bench/web/%s/chunk-%s.js" % (ts(), hexid(8), hexid(7), hexid(8)),
]
aws_error = [
    "%s ##[group]Run aws s3 cp dist/release.zip s3://ci-artifacts-bench/releases/release.zip",
    "%s aws s3 cp dist/release.zip s3://ci-artifacts-bench/releases/release.zip",
    "%s upload failed: dist/release.zip to s3://ci-artifacts-bench/releases/release.zip An error occurred (AccessDenied) when calling the PutObject operation: User: arn:aws:iam::123456789012:user/ci-deployer is not authorized to perform: s3:PutObject on resource: \"arn:aws:s3:::ci-artifacts-bench/releases/release.zip\" because no identity-based policy allows the s3:PutObject action",
    "%s ##[endgroup]",
]
tf_error = [
    "%s ##[group]Run terraform apply -auto-approve tfplan",
    "%s aws_instance.gpu_worker[0]: Creating...",
    "%s ╷",
    "%s │ Error: creating EC2 Instance: operation error EC2: RunInstances, https response error StatusCode: 400, RequestID: 5f0d2c1e-8a3b-4c6d-9e7f-0a1b2c3d4e5f, api error VcpuLimitExceeded: You have requested more vCPU capacity than your current vCPU limit of 32 allows for the instance bucket that the specified instance type belongs to. Please visit http://aws.amazon.com/contact-us/ec2-request to request an adjustment to this limit.",
    "%s │ ",
    "%s │   with aws_instance.gpu_worker[0],",
    "%s │   on main.tf line 41, in resource \"aws_instance\" \"gpu_worker\":",
    "%s │   41: resource \"aws_instance\" \"gpu_worker\" {",
    "%s │ ",
    "%s ╵",
    "%s ##[error]Process completed with exit code 1.",
    "%s Post job cleanup.",
]

def body(with_errors):
    out, n = [], 0
    placed_aws = placed_tf = False
    while n < size - 4096:
        if with_errors and not placed_aws and n > size * 0.985:
            lines, placed_aws = aws_error, True
        elif with_errors and not placed_tf and n > size * 0.995:
            lines, placed_tf = tf_error, True
        else:
            lines = [rng.choice(noise)()]
        for l in lines:
            l = (l % ts()) if "%s" in l else l
            out.append(l)
            n += len(l.encode()) + 1
    return out

lines = body(True)
open(log, "w").write("\n".join(lines) + "\n")
open(small, "w").write("\n".join(lines[-40:]) + "\n")
rng.seed(7)
open(quiet, "w").write("\n".join(body(False)) + "\n")
EOF
# The same log with Terraform's box-drawing characters (its only non-ASCII bytes) as '|'.
ascii=$tmp/ci-${mb}mb-ascii.log
sed 's/│/|/g; s/╷/|/g; s/╵/|/g' "$log" >"$ascii"
log_bytes=$(wc -c <"$log")
small_bytes=$(wc -c <"$small")

# What awsx makes of it (must name the aws or the Terraform error).
"$awsx" explain --offline --json "$log" >"$tmp/report.json" || die "awsx explain failed"
summary=$(python3 - "$tmp/report.json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
msg = r.get("message") or ""
print("category `%s`, error code `%s`, operation `%s`, service `%s`, format `%s`; headline \"%s\";"
      " the report's `message` is %d characters long%s" % (
    r.get("category"), r.get("error_code"), r.get("operation"), r.get("service"),
    r.get("format"), r.get("headline"), len(msg),
    " (it runs on into about %d later log lines)" % msg.count("Z ") if len(msg) > 400 else ""))
EOF
)
grep -q 'VcpuLimitExceeded\|AccessDenied' "$tmp/report.json" || die "the report names neither error: $(head -c 2000 "$tmp/report.json")"

echo "== awsx explain --offline --json on a ${mb} MB log" >&2
hyperfine -N --warmup 3 --runs "$runs" --style basic \
    --export-json "$tmp/classify.json" --export-markdown "$tmp/classify.md" \
    -n "awsx explain --offline --json ci-${mb}mb.log" "$awsx explain --offline --json $log" \
    -n "same, ${mb} MB of noise without any error" "$awsx explain --offline --json $quiet" \
    -n "same log, box-drawing characters replaced by '|' (pure ASCII)" "$awsx explain --offline --json $ascii" \
    -n "same, only the log's last 40 lines ($small_bytes bytes)" "$awsx explain --offline --json $small" \
    -n "awsx awsx --version (process start)" "$awsx awsx --version" \
    -n "cat ci-${mb}mb.log (reading the file)" "cat $log" >&2
big=$(hf_field "$tmp/classify.json" 0 median)
big_mean=$(hf_field "$tmp/classify.json" 0 mean)
big_max=$(hf_field "$tmp/classify.json" 0 max)
quiet_med=$(hf_field "$tmp/classify.json" 1 median)
ascii_med=$(hf_field "$tmp/classify.json" 2 median)
tail_med=$(hf_field "$tmp/classify.json" 3 median)
start=$(hf_field "$tmp/classify.json" 4 median)
read -r rss_big _ < <(peak_rss 3 "$awsx" explain --offline --json "$log")
read -r rss_small _ < <(peak_rss 3 "$awsx" explain --offline --json "$small")

{
    echo "## Classifying a large CI log (issue 3): \`bench/classify.sh\`"
    echo
    echo "- When/where: $(machine_info)"
    echo "- Rerun: \`$rerun\` (from the repository root; under a minute)"
    echo "- Input: a generated GitHub Actions-style log of $log_bytes bytes ($(wc -l <"$log") lines): timestamped"
    echo "  \`aws --debug\` lines, Terraform refresh lines, npm and pytest output; at 98.5% an \`aws s3 cp\` failure"
    echo "  (\`upload failed: … An error occurred (AccessDenied) when calling the PutObject operation: …\`), at 99.5% a"
    echo "  Terraform \`│ Error: creating EC2 Instance: operation error EC2: RunInstances, … api error VcpuLimitExceeded: …\`"
    echo "  block, then \`##[error]Process completed with exit code 1.\` The generator (seeded, so every run"
    echo "  reads the same bytes) is in the script."
    echo "- What awsx reported: $summary."
    echo
    hf_table "$tmp/classify.json" | tidy
    echo
    echo "<details><summary>hyperfine --export-markdown (\`hyperfine -N --warmup 3 --runs $runs\`)</summary>"
    echo
    tidy <"$tmp/classify.md"
    echo
    echo "</details>"
    echo
    echo "- The whole process on the ${mb} MB log: median **$big ms** (mean $big_mean, max $big_max); the process start"
    echo "  (\`awsx awsx --version\`) is $start ms of it, and the same report from the log's last 40 lines takes"
    echo "  $tail_med ms, so the fixed cost of \`explain\` (start, classifier set-up, report) is about $tail_med ms and"
    echo "  the ${mb} MB of text add about $(awk -v a="$big" -v b="$tail_med" 'BEGIN {printf "%.0f", a - b}') ms."
    echo "- Peak RSS: $(kib_to_mb "$rss_big") MB on the ${mb} MB log, $(kib_to_mb "$rss_small") MB on the 40 lines."
    echo "- Load average at the end: $(load_now)."
    echo
    echo "### Targets"
    echo
    echo "<!-- targets:begin -->"
    echo "| target | measured | met? |"
    echo "|:---|:---|:---|"
    echo "| \`awsx explain --offline --json\` on a ${mb} MB CI log ≤ 100 ms (whole process, median) | $big ms (max $big_max) | $(met "$big" le 100) |"
    echo "| same on ${mb} MB without any error (no target) | $quiet_med ms | — |"
    echo "| same log made pure ASCII (no target) | $ascii_med ms | — |"
    echo "<!-- targets:end -->"
} >"$body"

cat "$body"
md_update "$body"
