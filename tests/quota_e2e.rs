//! Quotas and capacity end to end, with the real aws CLI v1 and v2: the quota behind a limit
//! error (applied, default, usage, open requests, the increase command), capacity and
//! throttling that are not quotas, and `awsx quota`. EC2 errors, Service Quotas and
//! CloudWatch come from the project's stub (tests/stub); VPC quotas from moto.

mod common;

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use common::*;

const VCPU_MSG: &str = "You have requested more vCPU capacity than your current vCPU limit of 32 allows for the instance bucket that the specified instance type belongs to. Please visit http://aws.amazon.com/contact-us/ec2-request to request an adjustment to this limit.";
const INSTANCE_MSG: &str = "You have requested more instances (21) than your current instance limit of 20 allows for the specified instance type. Please visit http://aws.amazon.com/contact-us/ec2-request to request an adjustment to this limit.";
const CAPACITY_MSG: &str = "We currently do not have sufficient p3.2xlarge capacity in the Availability Zone you requested (us-east-1a). Our system will be working on provisioning additional capacity. You can currently get p3.2xlarge capacity by not specifying an Availability Zone in your request or choosing us-east-1b, us-east-1c, us-east-1d, us-east-1f.";

const RUN_P3: &[&str] = &[
    "ec2",
    "run-instances",
    "--image-id",
    "ami-1",
    "--instance-type",
    "p3.2xlarge",
];

/// The P-instance quota raised to 32, 30 vCPUs in use, one open request for 64; Service
/// Quotas answers two quotas a page. `error` is what EC2 RunInstances answers.
fn scenario(error: Value) -> Value {
    json!({
        "errors": {"ec2:RunInstances": error},
        "servicequotas": {
            "page_size": 2,
            "applied": [{"ServiceCode": "ec2", "QuotaCode": "L-417A185B", "Value": 32}],
            "history": [
                {"ServiceCode": "ec2", "QuotaCode": "L-417A185B", "DesiredValue": 64,
                 "Status": "PENDING", "Created": "2026-01-01T00:00:00Z"},
                {"ServiceCode": "ec2", "QuotaCode": "L-417A185B", "DesiredValue": 16,
                 "Status": "APPROVED", "Created": "2025-06-01T00:00:00Z"}
            ]
        },
        "cloudwatch": {"metrics": [
            {"Namespace": "AWS/Usage", "MetricName": "ResourceCount",
             "Dimensions": {"Class": "P/OnDemand", "Resource": "vCPU", "Service": "EC2", "Type": "Resource"},
             "Values": [30]},
            {"Namespace": "AWS/Usage", "MetricName": "ResourceCount",
             "Dimensions": {"Class": "Standard/OnDemand", "Resource": "vCPU", "Service": "EC2", "Type": "Resource"},
             "Values": [4]}
        ]}
    })
}

fn ec2_error(status: u16, code: &str, message: &str) -> Value {
    json!({"status": status, "code": code, "message": message})
}

fn with_env(mut cmd: Command, env: &[(&str, &str)]) -> Command {
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

/// What awsx adds to one failing aws command: runs aws directly, then awsx with the text
/// report and with `AWSX_REPORT=json`, and checks that aws's stdout, stderr and exit code
/// come through unchanged. Returns (text report, JSON report).
fn wrapped(cli: &Path, home: &Path, args: &[&str], env: &[(&str, &str)]) -> (String, Value) {
    let direct = run(&mut with_env(aws(cli, home, args), env));
    assert!(!direct.status.success(), "aws should fail: {args:?}");
    let mut text_run = with_env(awsx(cli, home, args), env);
    let text_out = run(&mut text_run);
    let mut json_run = with_env(awsx(cli, home, args), env);
    json_run.env("AWSX_REPORT", "json");
    let json_out = run(&mut json_run);
    let mut reports = Vec::new();
    for out in [&text_out, &json_out] {
        assert_eq!(out.stdout, direct.stdout, "stdout differs for {args:?}");
        assert_eq!(
            out.status.code(),
            direct.status.code(),
            "exit code differs for {args:?}"
        );
        reports.push(text(appended(&out.stderr, &direct.stderr)));
    }
    let report: Value = serde_json::from_str(reports[1].trim())
        .unwrap_or_else(|e| panic!("JSON report does not parse ({e}):\n{}", reports[1]));
    (reports.remove(0), report)
}

fn increase_commands(report: &Value) -> Vec<String> {
    report["next_steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["command"].as_str())
        .filter(|c| c.contains("request-service-quota-increase"))
        .map(str::to_string)
        .collect()
}

/// N of `--desired-value N`.
fn desired(command: &str) -> f64 {
    let mut words = command.split_whitespace();
    words.find(|w| *w == "--desired-value");
    words
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no --desired-value N in {command}"))
}

fn ops(stub: &Server, service: &str) -> Vec<Value> {
    stub.requests()
        .into_iter()
        .filter(|r| r["service"] == service)
        .collect()
}

/// awsx never changes anything: its Service Quotas calls are all Get/List.
fn assert_read_only(stub: &Server) {
    for r in ops(stub, "servicequotas") {
        let op = r["operation"].as_str().unwrap_or("");
        assert!(
            op.starts_with("Get") || op.starts_with("List"),
            "awsx called {op}"
        );
    }
}

#[test]
fn vcpu_limit_names_the_p_quota_with_values_usage_and_increase() {
    let stub = stub(Some(&scenario(ec2_error(
        400,
        "VcpuLimitExceeded",
        VCPU_MSG,
    ))));
    let home = tempfile::tempdir().unwrap();
    let mut args = RUN_P3.to_vec();
    args.extend(["--endpoint-url", &stub.url]);
    for (name, cli) in both_clis() {
        let (report, j) = wrapped(&cli, home.path(), &args, &[]);
        assert!(
            report.contains("L-417A185B"),
            "{name}: no quota code:\n{report}"
        );
        assert!(report.contains("[quota]"), "{name}:\n{report}");
        assert!(
            report.contains("Applied value  32 (fetched)"),
            "{name}:\n{report}"
        );
        assert!(
            report.contains("Current usage  30 (fetched)"),
            "{name}:\n{report}"
        );
        assert!(
            report.contains("PENDING, desired 64"),
            "{name}: open request missing:\n{report}"
        );
        assert!(
            !report.contains("APPROVED"),
            "{name}: closed requests are not pending:\n{report}"
        );
        assert!(
            report.contains("aws service-quotas request-service-quota-increase --service-code ec2 --quota-code L-417A185B --desired-value "),
            "{name}:\n{report}"
        );

        assert_eq!(j["category"], "quota", "{name}: {j:#}");
        assert_eq!(j["error_code"], "VcpuLimitExceeded");
        let q = &j["quota"];
        assert_eq!(q["service_code"], "ec2", "{name}: {q:#}");
        assert_eq!(q["quota_code"], "L-417A185B");
        assert_eq!(q["quota_name"], "Running On-Demand P instances");
        assert_eq!(q["value"], 32.0);
        assert_eq!(q["default_value"], 0.0);
        assert_eq!(q["usage"], 30.0);
        assert_eq!(q["adjustable"], true);
        assert_eq!(q["managed"], true);
        assert_eq!(q["pending_requests"].as_array().unwrap().len(), 1);
        assert_eq!(q["pending_requests"][0]["status"], "PENDING");
        assert_eq!(q["pending_requests"][0]["desired_value"], 64.0);
        let cmds = increase_commands(&j);
        assert_eq!(cmds.len(), 1, "{name}: {cmds:?}");
        let n = desired(&cmds[0]);
        // Above usage plus one more p3.2xlarge (8 vCPUs), and above the current limit.
        assert!(n >= 38.0, "{name}: desired {n} in {}", cmds[0]);
        assert_eq!(n.fract(), 0.0);
    }
    // The stub saw the look-ups: all three Service Quotas calls for the right quota, and
    // CloudWatch asked (RPCv2 CBOR, as the Rust SDK sends it) for the P usage metric.
    let sq = ops(&stub, "servicequotas");
    for op in [
        "GetServiceQuota",
        "GetAWSDefaultServiceQuota",
        "ListRequestedServiceQuotaChangeHistoryByQuota",
    ] {
        let calls: Vec<_> = sq.iter().filter(|r| r["operation"] == op).collect();
        // Two awsx runs per CLI.
        assert_eq!(calls.len(), 2 * both_clis().len(), "{op}: {sq:#?}");
        for c in calls {
            assert_eq!(c["params"]["ServiceCode"], "ec2");
            assert_eq!(c["params"]["QuotaCode"], "L-417A185B");
            assert_eq!(c["protocol"], "json");
        }
    }
    let cw = ops(&stub, "cloudwatch");
    assert_eq!(cw.len(), 2 * both_clis().len(), "{cw:#?}");
    for c in &cw {
        assert_eq!(c["operation"], "GetMetricData");
        assert_eq!(c["protocol"], "cbor");
        let q = &c["params"]["MetricDataQueries"][0]["MetricStat"];
        assert_eq!(q["Metric"]["Namespace"], "AWS/Usage");
        assert_eq!(q["Metric"]["MetricName"], "ResourceCount");
        let dims = q["Metric"]["Dimensions"].as_array().unwrap();
        assert!(
            dims.contains(&json!({"Name": "Class", "Value": "P/OnDemand"})),
            "{dims:?}"
        );
        assert_eq!(q["Stat"], "Maximum");
    }
    assert_read_only(&stub);
}

#[test]
fn instance_limit_maps_to_the_family_quota_and_keeps_the_stated_figure() {
    let stub = stub(Some(&scenario(ec2_error(
        400,
        "InstanceLimitExceeded",
        INSTANCE_MSG,
    ))));
    let home = tempfile::tempdir().unwrap();
    let mut args = RUN_P3.to_vec();
    args.extend(["--endpoint-url", &stub.url]);
    for (name, cli) in both_clis() {
        let (report, j) = wrapped(&cli, home.path(), &args, &[]);
        assert_eq!(j["category"], "quota", "{name}: {j:#}");
        assert_eq!(j["quota"]["quota_code"], "L-417A185B");
        assert_eq!(j["quota"]["value"], 32.0);
        assert_eq!(j["quota"]["usage"], 30.0);
        // The message's own limit (instances) differs from the vCPU quota: both are shown.
        assert!(report.contains("Stated limit  20"), "{name}:\n{report}");
        assert_eq!(increase_commands(&j).len(), 1, "{name}");
    }
    assert_read_only(&stub);
}

#[test]
fn capacity_is_not_a_quota() {
    let stub = stub(Some(&scenario(ec2_error(
        500,
        "InsufficientInstanceCapacity",
        CAPACITY_MSG,
    ))));
    let home = tempfile::tempdir().unwrap();
    let mut args = RUN_P3.to_vec();
    args.extend(["--endpoint-url", &stub.url]);
    for (name, cli) in both_clis() {
        let (report, j) = wrapped(&cli, home.path(), &args, &[]);
        assert_eq!(j["category"], "capacity", "{name}: {j:#}");
        assert!(j["quota"].is_null(), "{name}: {j:#}");
        assert!(increase_commands(&j).is_empty(), "{name}: {j:#}");
        assert!(!report.contains("request-service-quota-increase"));
        assert!(report.contains("not a quota"), "{name}:\n{report}");
        assert!(
            flat(&report).contains("us-east-1b, us-east-1c, us-east-1d, us-east-1f"),
            "{name}: the zones EC2 offers:\n{report}"
        );
        assert!(
            report.contains("describe-instance-type-offerings"),
            "{name}:\n{report}"
        );
    }
    assert!(
        ops(&stub, "servicequotas").is_empty(),
        "no quota look-ups for capacity"
    );
}

#[test]
fn throttling_is_not_a_quota() {
    let stub = stub(Some(&scenario(ec2_error(
        503,
        "RequestLimitExceeded",
        "Request limit exceeded.",
    ))));
    let home = tempfile::tempdir().unwrap();
    let mut args = RUN_P3.to_vec();
    args.extend(["--endpoint-url", &stub.url]);
    for (name, cli) in both_clis() {
        let (report, j) = wrapped(&cli, home.path(), &args, &[]);
        assert_eq!(j["category"], "throttling", "{name}: {j:#}");
        assert!(j["quota"].is_null());
        assert!(increase_commands(&j).is_empty(), "{name}: {j:#}");
        assert!(!report.contains("service-quotas"), "{name}:\n{report}");
        assert!(
            report.contains("AWS_RETRY_MODE=adaptive"),
            "{name}:\n{report}"
        );
    }
    assert!(ops(&stub, "servicequotas").is_empty());
    assert!(ops(&stub, "cloudwatch").is_empty());
}

/// EC2 (CreateVpc) from the stub, Service Quotas from moto through its own endpoint
/// variable. The stub would answer 7 for the VPC quota, moto answers 5.
#[test]
fn vpc_limit_reads_the_quota_from_moto_through_a_per_service_endpoint() {
    let moto = moto();
    let stub = stub(Some(&json!({
        "errors": {"ec2:CreateVpc": {"status": 400, "code": "VpcLimitExceeded",
                                     "message": "The maximum number of VPCs has been reached."}},
        "servicequotas": {"applied": [{"ServiceCode": "vpc", "QuotaCode": "L-F678F1CE", "Value": 7}]}
    })));
    let home = tempfile::tempdir().unwrap();
    let env = [
        ("AWS_ENDPOINT_URL_EC2", stub.url.as_str()),
        ("AWS_ENDPOINT_URL_STS", stub.url.as_str()),
        ("AWS_ENDPOINT_URL_CLOUDWATCH", stub.url.as_str()),
        ("AWS_ENDPOINT_URL_SERVICE_QUOTAS", moto.url.as_str()),
    ];
    let create = ["ec2", "create-vpc", "--cidr-block", "10.0.0.0/16"];
    // v1 reads AWS_ENDPOINT_URL_EC2. Debian's v2 (2.9) predates per-service variables, so
    // it gets --endpoint-url for EC2, and Service Quotas' own variable must still win.
    let with_flag: Vec<&str> = create
        .iter()
        .copied()
        .chain(["--endpoint-url", &stub.url])
        .collect();
    for (name, cli, args) in [
        ("v1", aws_v1(), create.to_vec()),
        ("v2", aws_v2(), with_flag),
        // 2.36 reads AWS_ENDPOINT_URL_EC2 like v1.
        ("v2.36", aws_v2_latest(), create.to_vec()),
    ] {
        let (report, j) = wrapped(&cli, home.path(), &args, &env);
        assert_eq!(j["category"], "quota", "{name}: {j:#}");
        assert_eq!(j["error_code"], "VpcLimitExceeded");
        let q = &j["quota"];
        assert_eq!(q["service_code"], "vpc", "{name}: {q:#}");
        assert_eq!(q["quota_code"], "L-F678F1CE");
        assert_eq!(q["quota_name"], "VPCs per Region");
        assert_eq!(q["value"], 5.0, "{name}: moto's value, not the stub's 7");
        assert_eq!(q["default_value"], 5.0);
        assert_eq!(q["adjustable"], true);
        assert!(q["usage"].is_null());
        assert!(
            report.contains("Applied value  5 (fetched)"),
            "{name}:\n{report}"
        );
        assert!(
            report.contains("no usage metric"),
            "{name}: usage is unknown and says why:\n{report}"
        );
        let cmds = increase_commands(&j);
        assert_eq!(cmds.len(), 1, "{name}: {j:#}");
        assert!(cmds[0].contains("--service-code vpc --quota-code L-F678F1CE"));
        assert!(desired(&cmds[0]) > 5.0);
    }

    assert!(
        ops(&stub, "servicequotas").is_empty(),
        "Service Quotas must go to moto"
    );
    assert!(!ops(&stub, "sts").is_empty(), "STS goes to the stub");
}

/// `awsx quota …` with the awsx binary alone (it runs no aws).
fn quota_cmd(home: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(awsx_bin());
    clean_env(&mut cmd, home);
    cmd.arg("quota").args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    run(&mut cmd)
}

fn one_line_error(out: &Output) -> String {
    assert!(!out.status.success(), "should fail: {}", text(&out.stdout));
    assert!(out.stdout.is_empty(), "stdout: {}", text(&out.stdout));
    let err = text(&out.stderr);
    assert_eq!(err.lines().count(), 1, "one line: {err:?}");
    assert!(err.starts_with("awsx: "), "{err}");
    err
}

#[test]
fn quota_list_filters_vcpu_quotas_across_pages_with_usage() {
    let stub = stub(Some(&scenario(json!({}))));
    let home = tempfile::tempdir().unwrap();
    let out = quota_cmd(
        home.path(),
        &["ec2", "vcpu", "--endpoint-url", &stub.url],
        &[],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let table = text(&out.stdout);
    let lines: Vec<&str> = table.lines().collect();
    assert!(
        lines[0].starts_with("region us-east-1 · account "),
        "where these quotas apply: {table}"
    );
    assert!(lines[1].starts_with("CODE"), "{table}");
    for code in ["L-1216C47A", "L-417A185B", "L-DB2E81BA", "L-34B43A08"] {
        assert!(table.contains(code), "{code} missing:\n{table}");
    }
    assert!(
        !table.contains("L-0263D0A3"),
        "Elastic IPs are not vCPUs:\n{table}"
    );
    let p = lines.iter().find(|l| l.contains("L-417A185B")).unwrap();
    let cols: Vec<&str> = p.split_whitespace().collect();
    // CODE NAME… APPLIED DEFAULT USAGE ADJUSTABLE
    assert_eq!(cols[cols.len() - 4..], ["32", "0", "30", "yes"], "{p}");
    let standard = lines.iter().find(|l| l.contains("L-1216C47A")).unwrap();
    assert!(
        standard.split_whitespace().rev().nth(1) == Some("4"),
        "{standard}"
    );
    assert!(out.stderr.is_empty(), "{}", text(&out.stderr));

    // Paged: 5 ec2 quotas at 2 a page is 3 pages of each list; usage in one CloudWatch call.
    let sq = ops(&stub, "servicequotas");
    for op in ["ListServiceQuotas", "ListAWSDefaultServiceQuotas"] {
        let pages: Vec<_> = sq.iter().filter(|r| r["operation"] == op).collect();
        assert_eq!(pages.len(), 3, "{op}: {sq:#?}");
        assert!(pages[0]["params"].get("NextToken").is_none());
        assert!(pages[1]["params"]["NextToken"].is_string());
        assert!(pages.iter().all(|p| p["params"]["ServiceCode"] == "ec2"));
    }
    let cw = ops(&stub, "cloudwatch");
    assert_eq!(cw.len(), 1, "one GetMetricData for all rows: {cw:#?}");
    assert_eq!(
        cw[0]["params"]["MetricDataQueries"]
            .as_array()
            .unwrap()
            .len(),
        4,
        "the four vCPU quotas have usage metrics"
    );
    assert_read_only(&stub);

    // --json: the same rows, machine-readable.
    let out = quota_cmd(
        home.path(),
        &["ec2", "vcpu", "--json", "--endpoint-url", &stub.url],
        &[],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let j: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(j["service_code"], "ec2");
    let rows = j["quotas"].as_array().unwrap();
    assert_eq!(rows.len(), 4);
    let p = rows
        .iter()
        .find(|r| r["quota_code"] == "L-417A185B")
        .unwrap();
    assert_eq!(p["value"], 32.0);
    assert_eq!(p["default_value"], 0.0);
    assert_eq!(p["usage"], 30.0);
    assert_eq!(p["adjustable"], true);
    assert_eq!(j["region"], "us-east-1");
    assert!(j["account"].is_string(), "{j}");

    // `awsx quota gpu`: the GPU families of ec2 (P and G), not the standard instances.
    let out = quota_cmd(
        home.path(),
        &["gpu", "--json", "--endpoint-url", &stub.url],
        &[],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let j: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(j["service_code"], "ec2");
    let codes: Vec<&str> = j["quotas"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["quota_code"].as_str())
        .collect();
    assert!(
        codes.contains(&"L-417A185B") && codes.contains(&"L-DB2E81BA"),
        "{codes:?}"
    );
    assert!(
        !codes.contains(&"L-1216C47A"),
        "standard is not GPU: {codes:?}"
    );
}

#[test]
fn quota_show_one_has_pending_requests_and_the_increase_command() {
    let stub = stub(Some(&scenario(json!({}))));
    let home = tempfile::tempdir().unwrap();
    let out = quota_cmd(
        home.path(),
        &["ec2", "L-417A185B", "--endpoint-url", &stub.url],
        &[],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let s = text(&out.stdout);
    assert!(
        s.starts_with("Running On-Demand P instances (ec2 / L-417A185B)"),
        "{s}"
    );
    assert!(s.contains("applied     32"), "{s}");
    assert!(s.contains("default     0"), "{s}");
    assert!(s.contains("usage       30"), "{s}");
    assert!(s.contains("request     PENDING desired 64"), "{s}");
    assert!(!s.contains("APPROVED"), "{s}");
    assert!(s.contains("aws service-quotas request-service-quota-increase --service-code ec2 --quota-code L-417A185B --desired-value "), "{s}");

    let out = quota_cmd(
        home.path(),
        &["ec2", "l-417a185b", "--json", "--endpoint-url", &stub.url],
        &[],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let j: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(j["quota_code"], "L-417A185B");
    assert_eq!(j["value"], 32.0);
    assert_eq!(j["default_value"], 0.0);
    assert_eq!(j["usage"], 30.0);
    assert_eq!(j["pending_requests"][0]["status"], "PENDING");
    assert!(desired(j["increase_command"].as_str().unwrap()) > 30.0);
    assert_read_only(&stub);

    // An unknown quota code: one line, non-zero.
    let out = quota_cmd(
        home.path(),
        &["ec2", "L-FFFFFFFF", "--endpoint-url", &stub.url],
        &[],
    );
    let err = one_line_error(&out);
    assert!(err.contains("L-FFFFFFFF"), "{err}");
}

#[test]
fn quota_list_of_vpc_from_moto() {
    let moto = moto();
    let home = tempfile::tempdir().unwrap();
    let out = quota_cmd(home.path(), &["vpc", "--endpoint-url", &moto.url], &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let table = text(&out.stdout);
    let vpcs = table
        .lines()
        .find(|l| l.starts_with("L-F678F1CE"))
        .unwrap_or_else(|| panic!("{table}"));
    assert!(vpcs.contains("VPCs per Region"), "{vpcs}");
    assert!(
        vpcs.split_whitespace()
            .any(|w| w.trim_end_matches('*') == "5"),
        "{vpcs}"
    );
    for code in ["L-A4707A72", "L-FE5A380F", "L-0EA8095F"] {
        assert!(table.contains(code), "{code}:\n{table}");
    }
    assert!(table.lines().count() > 20, "moto serves 25 VPC quotas");

    // Filtered by words, all of which must match.
    let out = quota_cmd(
        home.path(),
        &["vpc", "nat", "gateways", "--endpoint-url", &moto.url],
        &[],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let t = text(&out.stdout);
    assert_eq!(t.lines().count(), 3, "{t}");
    assert!(t.contains("L-FE5A380F"), "{t}");
    assert!(
        t.starts_with("region us-east-1 · account 123456789012\n"),
        "moto's account, from sts:GetCallerIdentity: {t}"
    );

    // Words people type: an upper-case code, a CLI name, and a quota family.
    let out = quota_cmd(
        home.path(),
        &["VPC", "nat", "--endpoint-url", &moto.url],
        &[],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("L-FE5A380F"), "VPC = vpc");

    // One quota from moto (GetServiceQuota is what moto implements).
    let out = quota_cmd(
        home.path(),
        &["vpc", "L-F678F1CE", "--endpoint-url", &moto.url],
        &[],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let s = text(&out.stdout);
    assert!(s.starts_with("VPCs per Region (vpc / L-F678F1CE)"), "{s}");
    assert!(s.contains("applied     5"), "{s}");
}

#[test]
fn quota_bad_input_is_one_line_and_makes_no_call() {
    let home = tempfile::tempdir().unwrap();
    // An endpoint that would hang: nothing may be asked.
    let stub = stub(Some(&json!({"errors": {"*": {"hang": true}}})));
    for args in [
        vec!["bad code!"],
        vec![""],
        vec!["ec2", "L-bad!"],
        vec!["ec2", "L-417A185B", "L-1216C47A"],
    ] {
        let mut a = args.clone();
        a.extend(["--endpoint-url", &stub.url]);
        let started = Instant::now();
        let out = quota_cmd(home.path(), &a, &[]);
        let err = one_line_error(&out);
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{args:?}: {err}"
        );
    }
    assert!(stub.requests().is_empty(), "{:#?}", stub.requests());
    // No words match: one line too (after a successful listing).
    let stub = stub_default();
    let out = quota_cmd(
        home.path(),
        &["ec2", "no-such-words", "--endpoint-url", &stub.url],
        &[],
    );
    let err = one_line_error(&out);
    assert!(err.contains("no-such-words"), "{err}");
}

fn stub_default() -> Server {
    stub(None)
}

#[test]
fn quota_unreachable_endpoint_is_one_line_within_the_deadline() {
    let home = tempfile::tempdir().unwrap();
    // Refused at once.
    let started = Instant::now();
    let out = quota_cmd(
        home.path(),
        &["ec2", "--endpoint-url", "http://127.0.0.1:1"],
        &[],
    );
    let err = one_line_error(&out);
    assert!(started.elapsed() < Duration::from_secs(5), "{err}");
    assert!(
        err.contains("ListServiceQuotas") && err.contains("Connection refused"),
        "{err}"
    );
    assert!(!err.contains("DispatchFailure"), "no SDK debug dump: {err}");

    // Accepts and never answers: the deadline (AWSX_TIMEOUT) ends it.
    let stub = stub(Some(
        &json!({"errors": {"servicequotas:*": {"hang": true}}}),
    ));
    for args in [vec!["ec2"], vec!["ec2", "L-417A185B"]] {
        let mut a = args.clone();
        a.extend(["--endpoint-url", &stub.url]);
        let started = Instant::now();
        let out = quota_cmd(home.path(), &a, &[("AWSX_TIMEOUT", "2")]);
        let took = started.elapsed();
        let err = one_line_error(&out);
        assert!(
            took >= Duration::from_millis(1500) && took < Duration::from_secs(5),
            "{args:?} took {took:?}: {err}"
        );
        assert!(err.contains("deadline") || err.contains("time"), "{err}");
    }
}

/// Service Quotas knows neither an applied value nor a default (NoSuchResource for both):
/// the report says it does not manage the quota, gives the documented default and no
/// Service Quotas increase command.
#[test]
fn quota_unknown_to_service_quotas_is_reported_as_unmanaged() {
    let stub = stub(Some(&json!({
        "errors": {"ec2:RunInstances": ec2_error(400, "VcpuLimitExceeded", VCPU_MSG)}
    })));
    let home = tempfile::tempdir().unwrap();
    // X instances: the stub has no L-7295265B.
    let args = [
        "ec2",
        "run-instances",
        "--image-id",
        "ami-1",
        "--instance-type",
        "x1.32xlarge",
        "--endpoint-url",
        &stub.url,
    ];
    let (report, j) = wrapped(&aws_v1(), home.path(), &args, &[]);
    assert_eq!(j["quota"]["quota_code"], "L-7295265B", "{j:#}");
    assert_eq!(j["quota"]["managed"], false, "{j:#}");
    assert_eq!(j["quota"]["value"], 32.0, "the stated limit");
    assert!(increase_commands(&j).is_empty(), "{j:#}");
    assert!(report.contains("does not manage"), "{report}");
    assert!(report.contains("documented default 0"), "{report}");
}

/// "This service is not available in the current Region" is about the service code or the
/// region, not the quota: it must not be reported as a quota Service Quotas does not manage,
/// and the stated limit still gives the increase command.
#[test]
fn service_level_no_such_resource_is_not_an_unmanaged_quota() {
    let stub = stub(Some(&json!({
        "errors": {
            "ec2:RunInstances": ec2_error(400, "VcpuLimitExceeded", VCPU_MSG),
            "servicequotas:*": {"code": "NoSuchResourceException",
                "message": "This service is not available in the current Region. Choose a different Region or a different service."}
        }
    })));
    let home = tempfile::tempdir().unwrap();
    let mut args = RUN_P3.to_vec();
    args.extend(["--endpoint-url", &stub.url]);
    let (report, j) = wrapped(&aws_v1(), home.path(), &args, &[]);
    assert_eq!(j["quota"]["quota_code"], "L-417A185B", "{j:#}");
    assert_eq!(j["quota"]["managed"], true, "{j:#}");
    assert_eq!(j["quota"]["value"], 32.0, "the stated limit");
    assert!(!report.contains("does not manage"), "{report}");
    assert!(
        flat(&report).contains("not available in the current Region"),
        "{report}"
    );
    let cmds = increase_commands(&j);
    assert_eq!(cmds.len(), 1, "{j:#}");
    assert!(desired(&cmds[0]) > 32.0, "{}", cmds[0]);
}
