# shellcheck shell=bash
# Shared helpers for bench/wrap.sh, bench/classify.sh and bench/diagnose.sh. Source it:
#
#   . "$(dirname "$0")/common.sh"; bench_init wrap
#
# bench_init: cd to the repository, a temp dir ($tmp) removed on exit together with every
# server started through start_moto/start_stub (killed by PID), the release binary ($awsx,
# rebuilt when older than the sources unless AWSX_BIN is set), the real aws CLIs ($aws_v1 =
# the pip script next to python3, not the pyenv shim; $aws_v2 = /usr/bin/aws) and a clean,
# fake AWS environment (no ~/.aws, AWS_MAX_ATTEMPTS=1, no AWSX_* settings). Nothing leaves
# 127.0.0.1.
#
# Results go to docs/benchmarks.md (BENCH_DOC overrides): each script replaces its own
# section (between <!-- section:NAME:begin/end --> markers) and the summary at the top is
# rebuilt from every section's targets table (<!-- targets:begin/end -->). Text between
# <!-- notes:begin --> and <!-- notes:end --> (hand-written readings) is kept as it is.

set -euo pipefail

bench_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$bench_root"
bench_doc=${BENCH_DOC:-$bench_root/docs/benchmarks.md}
bench_pids=()
tmp=

bench_cleanup() {
    local pid
    for pid in "${bench_pids[@]}"; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    [ -n "$tmp" ] && rm -rf "$tmp"
}

die() {
    echo "bench/$bench_name.sh: $*" >&2
    exit 2
}

bench_init() {
    bench_name=$1
    trap bench_cleanup EXIT
    trap 'exit 130' INT TERM
    tmp=$(mktemp -d "${TMPDIR:-/tmp}/awsx-bench-$bench_name.XXXXXX")

    command -v hyperfine >/dev/null || die "hyperfine is not installed (apt-get install hyperfine)"
    [ -x /usr/bin/time ] || die "/usr/bin/time is missing (apt-get install time)"

    awsx=${AWSX_BIN:-$bench_root/target/release/awsx}
    if [ -z "${AWSX_BIN:-}" ]; then
        if [ ! -x "$awsx" ] || [ -n "$(find src Cargo.toml Cargo.lock -newer "$awsx" -print -quit)" ]; then
            echo "bench/$bench_name.sh: building the release binary" >&2
            cargo build --release --quiet
        fi
    fi
    [ -x "$awsx" ] || die "no awsx binary at $awsx"
    # What was measured: the commit and whether src/ differed from it when the binary was
    # (re)built or found, and the binary's time.
    bench_build="$(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet HEAD -- src Cargo.toml Cargo.lock 2>/dev/null || echo ' + uncommitted src changes'), binary built $(date -u -r "$awsx" '+%H:%M UTC')"

    aws_v1=${AWS_V1:-$(python3 -c 'import sys,os; print(os.path.join(os.path.dirname(sys.executable),"aws"))')}
    aws_v2=${AWS_V2:-/usr/bin/aws}
    [ -x "$aws_v1" ] || die "aws v1 not found at $aws_v1 (pip install awscli)"
    [ -x "$aws_v2" ] || die "aws v2 not found at $aws_v2 (apt-get install awscli)"

    # A clean, fake environment for every command measured.
    local v
    for v in $(env | sed -n 's/^\(AWS[A-Z0-9_]*\)=.*/\1/p'); do unset "$v"; done
    mkdir -p "$tmp/home"
    export HOME=$tmp/home
    export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE
    export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
    export AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true AWS_MAX_ATTEMPTS=1
    export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_PAGER=
    export NO_COLOR=1
}

# One line describing the machine and the tools, for the report.
machine_info() {
    local cpu
    cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
    printf '%s, %s cores (`nproc`), CPU `%s`, %s GiB RAM, Linux %s, load average %s at the start (other work on the machine adds noise); %s; awsx %s (%s)' \
        "$(date -u '+%Y-%m-%d %H:%M UTC')" "$(nproc)" "${cpu:-unknown}" \
        "$(awk '/MemTotal/ {printf "%.0f", $2/1048576}' /proc/meminfo)" "$(uname -r)" "$(cut -d' ' -f1-3 /proc/loadavg)" \
        "$(hyperfine --version)" "$("$awsx" awsx --version 2>/dev/null | awk '{print $2}')" \
        "$bench_build"
}

aws_version() {
    "$1" --version 2>&1 | head -1 | awk '{print $1, $2}'
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

wait_port() { # port pid what
    local _
    for _ in $(seq 300); do
        if python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1",int(sys.argv[1])),0.2)' "$1" 2>/dev/null; then
            return 0
        fi
        kill -0 "$2" 2>/dev/null || die "$3 exited early"
        sleep 0.1
    done
    die "$3 did not listen on port $1"
}

# moto_server on a free loopback port: sets moto_url.
start_moto() {
    local exe port
    exe=$(python3 -c 'import sys,os; print(os.path.join(os.path.dirname(sys.executable),"moto_server"))')
    [ -x "$exe" ] || exe=$(command -v moto_server) || die "moto_server not installed (pip install 'moto[server]')"
    port=$(free_port)
    "$exe" -H 127.0.0.1 -p "$port" >"$tmp/moto.log" 2>&1 &
    bench_pids+=($!)
    wait_port "$port" $! moto_server
    moto_url=http://127.0.0.1:$port
}

# The project's stub with scenario file $1: sets stub_url. (The stub sets TCP_NODELAY on its
# sockets itself, so no Nagle/delayed-ACK stalls on reused connections.)
start_stub() {
    local scenario=$1
    python3 tests/stub/awsstub.py --port 0 --max-lifetime 3600 --scenario "$scenario" \
        >"$tmp/stub.port" 2>"$tmp/stub.err" &
    bench_pids+=($!)
    local _ port=
    for _ in $(seq 100); do
        port=$(sed -n 's/^PORT //p' "$tmp/stub.port" 2>/dev/null)
        [ -n "$port" ] && break
        sleep 0.1
    done
    [ -n "$port" ] || die "the stub did not start: $(cat "$tmp/stub.err")"
    stub_url=http://127.0.0.1:$port
}

# Peak RSS in KiB of a command, N runs: prints "max median". GNU time reports the
# largest ru_maxrss of the process and its waited-for descendants, so with tiny children
# (/bin/true, sh, yes, head) the figure is awsx's own.
peak_rss() { # runs cmd...
    local runs=$1 i
    shift
    : >"$tmp/rss"
    for i in $(seq "$runs"); do
        /usr/bin/time -f '%M' -o "$tmp/rss.one" "$@" >/dev/null 2>&1 || true
        tail -1 "$tmp/rss.one" >>"$tmp/rss"
    done
    sort -n "$tmp/rss" | awk '{a[NR]=$1} END {printf "%d %d\n", a[NR], a[int((NR+1)/2)]}'
}

kib_to_mb() { awk -v k="$1" 'BEGIN {printf "%.1f", k/1024}'; }

# "yes" or "**no**" for: value op target (op: le or ge).
met() {
    awk -v v="$1" -v t="$3" -v op="$2" 'BEGIN {
        ok = (op == "le") ? (v <= t) : (v >= t); print ok ? "yes" : "**no**" }'
}

# Statistics from a hyperfine JSON export, in ms, per command: a markdown table, or one
# field (hf_field JSON INDEX mean|sd|median|min|max|n).
hf_table() {
    python3 - "$1" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
print("| command | runs | mean ± σ [ms] | median [ms] | min [ms] | max [ms] |")
print("|:---|---:|---:|---:|---:|---:|")
for x in r:
    print("| `%s` | %d | %.2f ± %.2f | %.2f | %.2f | %.2f |" % (
        x["command"].replace("|", "\\|"), len(x["times"]), x["mean"]*1e3, x["stddev"]*1e3,
        x["median"]*1e3, x["min"]*1e3, x["max"]*1e3))
EOF
}

hf_field() {
    python3 - "$@" <<'EOF'
import json, sys
x = json.load(open(sys.argv[1]))["results"][int(sys.argv[2])]
f = sys.argv[3]
v = {"mean": x["mean"], "sd": x["stddev"], "median": x["median"], "min": x["min"],
     "max": x["max"]}.get(f)
print(len(x["times"]) if f == "n" else "%.2f" % (v * 1e3))
EOF
}

# hyperfine in alternating rounds: hyperfine runs all of one command's runs before the
# next command's, so a machine whose load drifts (other work on a 2-core box) biases a
# single run towards whichever command went first or last. Here round 1 runs the commands
# in the given order, round 2 in reverse, and so on; the runs are then pooled into
# PREFIX.json (hyperfine's schema, plus "round_medians") and the rounds' markdown exports
# are collected in PREFIX.md.
#   hf_rounds PREFIX ROUNDS RUNS_PER_ROUND "hyperfine options" -- NAME CMD [NAME CMD ...]
hf_rounds() {
    local prefix=$1 rounds=$2 per=$3 opts=$4 r i
    shift 5
    local -a names=() cmds=()
    while [ $# -gt 0 ]; do
        names+=("$1")
        cmds+=("$2")
        shift 2
    done
    local n=${#names[@]}
    : >"$prefix.md"
    for r in $(seq "$rounds"); do
        local -a args=()
        for i in $(seq 0 $((n - 1))); do
            local j=$i
            [ $((r % 2)) = 0 ] && j=$((n - 1 - i))
            args+=(-n "${names[$j]}" "${cmds[$j]}")
        done
        echo "-- round $r/$rounds" >&2
        # shellcheck disable=SC2086
        hyperfine $opts --runs "$per" --style basic --export-json "$prefix.r$r.json" \
            --export-markdown "$prefix.r$r.md" "${args[@]}" >&2
        { echo "Round $r of $rounds:"; echo; cat "$prefix.r$r.md"; echo; } >>"$prefix.md"
    done
    python3 - "$prefix" "$rounds" "${names[@]}" <<'EOF'
import json, statistics as st, sys
prefix, rounds, names = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
times = {n: [] for n in names}
round_medians = []
for r in range(1, rounds + 1):
    res = {x["command"]: x for x in json.load(open("%s.r%d.json" % (prefix, r)))["results"]}
    round_medians.append([st.median(res[n]["times"]) for n in names])
    for n in names:
        times[n] += res[n]["times"]
out = []
for n in names:
    t = times[n]
    out.append({"command": n, "times": t, "mean": st.mean(t), "stddev": st.stdev(t),
                "median": st.median(t), "min": min(t), "max": max(t)})
json.dump({"results": out, "round_medians": round_medians}, open(prefix + ".json", "w"))
EOF
}

# Compare command B (wrapped) with A (direct) in a hyperfine JSON: median difference with
# a bootstrap 95% interval, mean difference with a normal 95% interval, ratio of medians.
# Prints "key=value" lines: med_a med_b d_med d_med_lo d_med_hi d_mean d_mean_ci ratio_med
# ratio_mean (ms / plain numbers), and for hf_rounds output d_round_med d_round_min
# d_round_max: the median, smallest and largest of the per-round median differences.
hf_compare() { # json index_a index_b
    python3 - "$@" <<'EOF'
import json, random, statistics as st, sys
r = json.load(open(sys.argv[1]))["results"]
a = [t * 1e3 for t in r[int(sys.argv[2])]["times"]]
b = [t * 1e3 for t in r[int(sys.argv[3])]["times"]]
rng = random.Random(1)
boots = sorted(st.median(rng.choices(b, k=len(b))) - st.median(rng.choices(a, k=len(a)))
               for _ in range(2000))
ma, mb = st.median(a), st.median(b)
sa, sb = st.stdev(a), st.stdev(b)
ci = 1.96 * (sa * sa / len(a) + sb * sb / len(b)) ** 0.5
out = dict(med_a=ma, med_b=mb, d_med=mb - ma, d_med_lo=boots[50], d_med_hi=boots[1949],
           d_mean=st.mean(b) - st.mean(a), d_mean_ci=ci, ratio_med=mb / ma,
           ratio_mean=st.mean(b) / st.mean(a))
rm = json.load(open(sys.argv[1])).get("round_medians")
if rm:
    d = sorted((x[int(sys.argv[3])] - x[int(sys.argv[2])]) * 1e3 for x in rm)
    out.update(d_round_med=st.median(d), d_round_min=d[0], d_round_max=d[-1])
else:
    out.update(d_round_med=float("nan"), d_round_min=float("nan"), d_round_max=float("nan"))
for k, v in out.items():
    print("%s=%.4f" % (k, v) if k.startswith("ratio") else "%s=%.2f" % (k, v))
EOF
}

# Interleaved pairs, for differences smaller than the noise: PAIRS pairs of (A, B), the order
# alternating A B / B A, wall time per run. Drift on the machine hits both halves of a pair
# alike, so the per-pair differences resolve what two separate blocks of runs cannot.
#   paired OUT.json PAIRS exec|sh "CMD A" "CMD B"   (exec: split like a shell, no shell)
paired() {
    python3 - "$@" <<'EOF'
import json, shlex, subprocess, sys, time
out, pairs, mode, a, b = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
argv = (lambda c: ["sh", "-c", c]) if mode == "sh" else shlex.split
ca, cb = argv(a), argv(b)
def run(c):
    t = time.perf_counter()
    subprocess.run(c, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return (time.perf_counter() - t) * 1e3
for _ in range(2):
    run(ca), run(cb)
ta, tb = [], []
for i in range(pairs):
    if i % 2:
        y = run(cb); x = run(ca)
    else:
        x = run(ca); y = run(cb)
    ta.append(x); tb.append(y)
json.dump({"a": a, "b": b, "mode": mode, "ta_ms": ta, "tb_ms": tb}, open(out, "w"))
EOF
}

# key=value statistics of a paired() file: p_n p_med_a p_med_b p_d_med p_d_lo p_d_hi (median
# of the per-pair differences B − A with a bootstrap 95% interval), p_d_mean p_d_ci (mean
# and 95% half-width), p_ratio p_ratio_lo p_ratio_hi (median of the per-pair ratios B / A).
paired_stats() {
    python3 - "$1" <<'EOF'
import json, random, statistics as st, sys
r = json.load(open(sys.argv[1]))
ta, tb = r["ta_ms"], r["tb_ms"]
d = [y - x for x, y in zip(ta, tb)]
q = [y / x for x, y in zip(ta, tb)]
rng = random.Random(1)
def ci(v):
    b = sorted(st.median(rng.choices(v, k=len(v))) for _ in range(2000))
    return b[50], b[1949]
dl, dh = ci(d)
ql, qh = ci(q)
print("p_n=%d" % len(d))
for k, v in [("p_med_a", st.median(ta)), ("p_med_b", st.median(tb)), ("p_d_med", st.median(d)),
             ("p_d_lo", dl), ("p_d_hi", dh), ("p_d_mean", st.mean(d)),
             ("p_d_ci", 1.96 * st.stdev(d) / len(d) ** 0.5)]:
    print("%s=%.2f" % (k, v))
for k, v in [("p_ratio", st.median(q)), ("p_ratio_lo", ql), ("p_ratio_hi", qh)]:
    print("%s=%.4f" % (k, v))
EOF
}

# Replace (or add) section $bench_name of the doc with file $1, then rebuild the summary.
md_update() {
    mkdir -p "$(dirname "$bench_doc")"
    python3 - "$bench_doc" "$bench_name" "$1" <<'EOF'
import os, re, sys
doc, name, body_file = sys.argv[1:]
order = ["wrap", "classify", "diagnose", "tee"]
titles = {"wrap": "bench/wrap.sh", "classify": "bench/classify.sh", "diagnose": "bench/diagnose.sh",
          "tee": "bench/tee.sh"}
text = open(doc).read() if os.path.exists(doc) else ""
sections = dict(re.findall(r"<!-- section:(\w+):begin -->\n(.*?)<!-- section:\1:end -->\n",
                           text, re.S))
sections[name] = open(body_file).read().rstrip("\n") + "\n"
m = re.search(r"<!-- notes:begin -->\n.*?<!-- notes:end -->\n", text, re.S)
notes = m.group(0) if m else "<!-- notes:begin -->\n<!-- notes:end -->\n"
rows = []
for n in order + sorted(set(sections) - set(order)):
    if n not in sections:
        continue
    m = re.search(r"<!-- targets:begin -->\n(.*?)<!-- targets:end -->", sections[n], re.S)
    if not m:
        continue
    for line in m.group(1).splitlines()[2:]:
        if line.startswith("|"):
            rows.append("| `%s` %s" % (titles.get(n, n), line))
head = """# awsx benchmarks

Measured by `bench/wrap.sh` (issue 2: pass-through overhead), `bench/classify.sh` (issue 3:
classifying a large log), `bench/diagnose.sh` (issue 4: diagnosis after a failure) and
`bench/tee.sh` (issue 16: the tee on hostile and very large stderr). Each
script rewrites its own section below and this summary; the exact command to rerun is in
each section. All servers are loopback (moto, the project's stub) with fake credentials:
nothing reaches AWS.

## Summary

| script | target | measured | met? |
|:---|:---|:---|:---|
"""
out = head + "\n".join(rows) + "\n\n" + notes
for n in order + sorted(set(sections) - set(order)):
    if n in sections:
        out += "\n<!-- section:%s:begin -->\n%s<!-- section:%s:end -->\n" % (n, sections[n], n)
open(doc, "w").write(out)
EOF
    echo "bench/$bench_name.sh: results in ${bench_doc#"$bench_root"/}" >&2
}

# Path relative to the repository, for the report (hides the temp dir and this checkout).
load_now() { cut -d' ' -f1-3 /proc/loadavg; }

tidy() {
    sed "s#$tmp/#\$TMP/#g; s#$bench_root/##g; s#$aws_v1#aws(v1)#g; s#$aws_v2#aws(v2)#g"
}
