//! Authorization diagnosis end to end: the real aws CLI (v1 and v2) against the project's
//! stub (EC2 denials with encoded messages, STS decode, IAM simulation and roles).

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::*;
use serde_json::{Value, json};

const BLOB: &str = "AbCdEf0123456789-encoded-blob";
const DENY_BLOB: &str = "-starts-with-a-dash-DenyBlob0123456789";

fn scenario() -> Value {
    json!({
        "errors": {
            "ec2:RunInstances": {"status": 403, "code": "UnauthorizedOperation",
                "message": format!("You are not authorized to perform this operation. Encoded authorization failure message: {BLOB}")}
        },
        "sts": {"decode": {
            DENY_BLOB: {
                "allowed": false, "explicitDeny": true,
                "matchedStatements": {"items": [{"statementId": "DenyBigInstances", "effect": "DENY",
                    "principals": {"items": [{"value": "AIDAEXAMPLEUSERID0001"}]},
                    "actions": {"items": [{"value": "ec2:RunInstances"}]},
                    "resources": {"items": [{"value": "arn:aws:ec2:*:*:instance/*"}]},
                    "conditions": {"items": [{"key": "ec2:InstanceType", "values": {"items": [{"value": "t3.micro"}]}}]}}]},
                "failures": {"items": []},
                "context": {"principal": {"id": "AIDAEXAMPLEUSERID0001", "arn": "arn:aws:iam::123456789012:user/alice"},
                    "action": "RunInstances", "resource": "arn:aws:ec2:us-east-1:123456789012:instance/*",
                    "conditions": {"items": [{"key": "ec2:InstanceType", "values": {"items": [{"value": "p3.2xlarge"}]}}]}}
            }
        }},
        "iam": {
            "roles": {"app-role": {"Arn": "arn:aws:iam::123456789012:role/app-role",
                "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                    "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}}}
        }
    })
}

fn json_report(out: &std::process::Output, aws_stderr: &[u8]) -> Value {
    let extra = appended(&out.stderr, aws_stderr);
    serde_json::from_slice(extra)
        .unwrap_or_else(|e| panic!("not a JSON report ({e}): {}", text(extra)))
}

fn schema_errors(report: &Value) -> Vec<String> {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("schema/report.schema.json")).unwrap(),
    )
    .unwrap();
    let v = jsonschema::validator_for(&schema).unwrap();
    v.iter_errors(report)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect()
}

fn run_pair(
    cli: &Path,
    home: &Path,
    args: &[&str],
    env: &[(&str, &str)],
) -> (std::process::Output, std::process::Output) {
    let mut d = aws(cli, home, args);
    let mut w = awsx(cli, home, args);
    for (k, v) in env {
        d.env(k, v);
        w.env(k, v);
    }
    let direct = run(&mut d);
    let wrapped = run(&mut w);
    assert_eq!(
        direct.status.code(),
        wrapped.status.code(),
        "{args:?}: exit code"
    );
    assert_eq!(direct.stdout, wrapped.stdout, "{args:?}: stdout");
    (direct, wrapped)
}

#[test]
fn encoded_denial_is_decoded_attributed_and_fixed() {
    let stub = stub(Some(&scenario()));
    let home = tempfile::tempdir().unwrap();
    for (name, cli) in both_clis() {
        let args = [
            "--endpoint-url",
            &stub.url,
            "ec2",
            "run-instances",
            "--image-id",
            "ami-1",
            "--instance-type",
            "p3.2xlarge",
        ];
        let (direct, wrapped) = run_pair(&cli, home.path(), &args, &[("AWSX_REPORT", "json")]);
        assert_eq!(
            direct.status.code(),
            Some(if name == "v1" { 255 } else { 254 })
        );
        let r = json_report(&wrapped, &direct.stderr);
        assert!(
            schema_errors(&r).is_empty(),
            "{name}: {:?}",
            schema_errors(&r)
        );
        let a = &r["authorization"];
        assert_eq!(r["category"], "authorization", "{name}");
        assert_eq!(a["action"], "ec2:RunInstances");
        assert_eq!(
            a["resource"],
            "arn:aws:ec2:us-east-1:123456789012:instance/*"
        );
        assert_eq!(a["principal"], "arn:aws:iam::123456789012:user/alice");
        assert_eq!(a["decision"], "implicit-deny");
        assert_eq!(a["encoded_message"], BLOB);
        assert_eq!(a["decoded"]["context"]["action"], "ec2:RunInstances");
        let probes: Vec<&str> = r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|f| f["probe"].as_str())
            .collect();
        for p in [
            "sts:GetCallerIdentity",
            "sts:DecodeAuthorizationMessage",
            "iam:SimulatePrincipalPolicy",
        ] {
            assert!(probes.contains(&p), "{name}: {p} not run: {probes:?}");
        }
        // Implicit deny in the identity policy (the simulation says so) → a scoped statement.
        let steps = r["next_steps"].to_string();
        assert!(
            steps.contains("put-user-policy --user-name alice"),
            "{name}: {steps}"
        );
        assert!(
            steps.contains(r#"\"Action\":\"ec2:RunInstances\""#),
            "{name}: {steps}"
        );
        // The secret never appears anywhere.
        assert!(!text(&wrapped.stderr).contains(SECRET) && !text(&wrapped.stdout).contains(SECRET));
    }
    // The text report of the same failure, uncoloured (stderr is not a terminal).
    let cli = aws_v1();
    let args = [
        "--endpoint-url",
        &stub.url,
        "ec2",
        "run-instances",
        "--image-id",
        "ami-1",
        "--instance-type",
        "p3.2xlarge",
    ];
    let (direct, wrapped) = run_pair(&cli, home.path(), &args, &[]);
    let report = text(appended(&wrapped.stderr, &direct.stderr));
    assert!(
        report
            .starts_with("awsx: Access denied: user/alice (123456789012) may not ec2:RunInstances"),
        "{report}"
    );
    assert!(report.contains("Decision  implicit deny"), "{report}");
    // Nothing matched, so the decoded context does not bear on the decision: not listed.
    assert!(
        !report.contains("ec2:InstanceType = p3.2xlarge"),
        "{report}"
    );
    // The grant names every resource RunInstances is authorized against, not only instance/*.
    for arn in [
        "arn:aws:ec2:us-east-1::image/ami-1",
        "arn:aws:ec2:us-east-1:123456789012:subnet/*",
        "arn:aws:ec2:us-east-1:123456789012:security-group/*",
        "arn:aws:ec2:us-east-1:123456789012:network-interface/*",
        "arn:aws:ec2:us-east-1:123456789012:volume/*",
    ] {
        assert!(report.contains(arn), "{arn} missing: {report}");
    }
    assert!(
        report.contains("--policy-name awsx-ec2-runinstances-"),
        "{report}"
    );
    assert!(!report.contains('\u{1b}'), "colour on a pipe: {report:?}");
}

#[test]
fn explicit_deny_with_condition_and_leading_dash_blob() {
    let mut sc = scenario();
    sc["errors"]["ec2:RunInstances"]["message"] = json!(format!(
        "You are not authorized to perform this operation. Encoded authorization failure message: {DENY_BLOB}"
    ));
    let stub = stub(Some(&sc));
    let home = tempfile::tempdir().unwrap();
    for (name, cli) in both_clis() {
        let args = [
            "--endpoint-url",
            &stub.url,
            "ec2",
            "run-instances",
            "--image-id",
            "ami-1",
            "--instance-type",
            "p3.2xlarge",
        ];
        let (direct, wrapped) = run_pair(&cli, home.path(), &args, &[("AWSX_REPORT", "json")]);
        let r = json_report(&wrapped, &direct.stderr);
        let a = &r["authorization"];
        assert_eq!(a["decision"], "explicit-deny", "{name}");
        assert_eq!(a["cause"], "condition", "{name}");
        assert_eq!(a["matched_statements"][0]["sid"], "DenyBigInstances");
        let steps = r["next_steps"].to_string();
        assert!(
            steps.contains("granting more permissions will not help"),
            "{name}: {steps}"
        );
        assert!(
            !steps.contains("put-user-policy"),
            "{name}: must not suggest an Allow for an explicit deny"
        );
    }
    // `awsx decode` takes the blob that starts with '-' (the CLI's own parser cannot).
    let mut c = awsx(
        &aws_v1(),
        home.path(),
        &["decode", DENY_BLOB, "--endpoint-url", &stub.url, "--json"],
    );
    let out = run(&mut c);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // With --json, stdout is the decoded message alone (so `| jq` works).
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["explicitDeny"], true);
    assert_eq!(r["context"]["action"], "RunInstances");
    assert!(r.get("authorization").is_none(), "{r}");
    // …and from a whole error text on stdin, wrapped over lines.
    let wrapped_text = format!(
        "Error: operation error EC2: RunInstances, https response error StatusCode: 403, RequestID: x, api error UnauthorizedOperation: You are not authorized to perform this operation. Encoded authorization failure message: {BLOB}\n"
    );
    let mut c = awsx(
        &aws_v1(),
        home.path(),
        &["decode", "-", "--endpoint-url", &stub.url],
    );
    c.stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = c.spawn().unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(wrapped_text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("\"allowed\": false"),
        "{}",
        text(&out.stdout)
    );
    // A blob STS does not know: a clear one-line error.
    let mut c = awsx(
        &aws_v1(),
        home.path(),
        &[
            "decode",
            "NotARealBlob0123456789",
            "--endpoint-url",
            &stub.url,
        ],
    );
    let out = run(&mut c);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("cut short, expired, or from another account"),
        "{err}"
    );
}

#[test]
fn passrole_denial_names_the_role_and_the_scoped_statement() {
    let mut sc = scenario();
    sc["errors"]["ec2:RunInstances"]["message"] = json!(
        "You are not authorized to perform this operation. User: arn:aws:iam::123456789012:user/alice is not authorized to perform: iam:PassRole on resource: arn:aws:iam::123456789012:role/app-role because no identity-based policy allows the iam:PassRole action"
    );
    let stub = stub(Some(&sc));
    let home = tempfile::tempdir().unwrap();
    for (name, cli) in both_clis() {
        let args = [
            "--endpoint-url",
            &stub.url,
            "ec2",
            "run-instances",
            "--image-id",
            "ami-1",
            "--iam-instance-profile",
            "Name=app-role",
        ];
        let (direct, wrapped) = run_pair(&cli, home.path(), &args, &[("AWSX_REPORT", "json")]);
        let r = json_report(&wrapped, &direct.stderr);
        let a = &r["authorization"];
        assert_eq!(a["cause"], "passrole", "{name}");
        assert_eq!(a["policy_layer"], "identity");
        assert_eq!(a["decision"], "implicit-deny");
        let steps = r["next_steps"].to_string();
        assert!(
            steps.contains("iam:PassedToService") && steps.contains("ec2.amazonaws.com"),
            "{name}: {steps}"
        );
        assert!(
            steps.contains("arn:aws:iam::123456789012:role/app-role"),
            "{name}: {steps}"
        );
        let facts = r["facts"].to_string();
        assert!(facts.contains("app-role (exists)"), "{name}: {facts}");
        assert!(
            facts.contains("ec2.amazonaws.com"),
            "{name}: trust policy not shown: {facts}"
        );
    }
}

#[test]
fn trust_failure_shows_the_trust_policy() {
    let mut sc = scenario();
    sc["errors"]["sts:AssumeRole"] = json!({"status": 403, "code": "AccessDenied",
        "message": "User: arn:aws:iam::123456789012:user/alice is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::123456789012:role/app-role"});
    let stub = stub(Some(&sc));
    let home = tempfile::tempdir().unwrap();
    for (name, cli) in both_clis() {
        let args = [
            "--endpoint-url",
            &stub.url,
            "sts",
            "assume-role",
            "--role-arn",
            "arn:aws:iam::123456789012:role/app-role",
            "--role-session-name",
            "sess",
        ];
        let (direct, wrapped) = run_pair(&cli, home.path(), &args, &[("AWSX_REPORT", "json")]);
        let r = json_report(&wrapped, &direct.stderr);
        assert_eq!(r["category"], "trust", "{name}");
        let facts = r["facts"].to_string();
        assert!(
            facts.contains("Trust policy") && facts.contains("ec2.amazonaws.com"),
            "{name}: {facts}"
        );
        // The trust policy was read, so awsx does not ask the user to read it again.
        assert!(
            !r["next_steps"]
                .to_string()
                .contains("aws iam get-role --role-name app-role"),
            "{name}"
        );
        // The trust policy trusts only ec2.amazonaws.com: the block is the trust policy.
        assert_eq!(r["authorization"]["policy_layer"], "trust", "{name}");
        assert!(
            r["next_steps"]
                .to_string()
                .contains("update-assume-role-policy --role-name app-role"),
            "{name}"
        );
        // The update is the fetched document plus the caller: ec2.amazonaws.com stays.
        let update = r["next_steps"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|s| s["command"].as_str())
            .find(|c| c.contains("update-assume-role-policy"))
            .unwrap()
            .to_string();
        assert!(update.contains("ec2.amazonaws.com"), "{name}: {update}");
        assert!(
            update.contains("arn:aws:iam::123456789012:user/alice"),
            "{name}: {update}"
        );
        assert!(!update.contains("--region"), "IAM is global: {update}");
    }
}

#[test]
fn denied_lookups_give_a_one_line_hint_and_diagnose_profile_switches_identity() {
    let mut sc = scenario();
    sc["errors"]["sts:DecodeAuthorizationMessage"] = json!({"status": 403, "code": "AccessDenied",
        "message": "User: arn:aws:iam::123456789012:user/alice is not authorized to perform: sts:DecodeAuthorizationMessage", "access_key_id": KEY_ID});
    sc["errors"]["iam:SimulatePrincipalPolicy"] = json!({"status": 403, "code": "AccessDenied", "message": "denied", "access_key_id": KEY_ID});
    let stub = stub(Some(&sc));
    let home = tempfile::tempdir().unwrap();
    let cli = aws_v2();
    let args = [
        "--endpoint-url",
        &stub.url,
        "ec2",
        "run-instances",
        "--image-id",
        "ami-1",
    ];
    // Profiles configured on this machine: the hint names one of them (never the one the
    // failed command used, `default` here), not a placeholder.
    std::fs::create_dir_all(home.path().join(".aws")).unwrap();
    std::fs::write(
        home.path().join(".aws/credentials"),
        "[default]\naws_access_key_id = AKIADEFAULTPROFILE01\naws_secret_access_key = x\n\
         [diag]\naws_access_key_id = AKIADIAGNOSEPROFILE1\naws_secret_access_key = diag-secret-never-printed\n",
    )
    .unwrap();
    let (direct, wrapped) = run_pair(&cli, home.path(), &args, &[]);
    let report = text(appended(&wrapped.stderr, &direct.stderr));
    // Every denied look-up in one line, not one line each.
    let denied: Vec<&str> = report
        .lines()
        .filter(|l| l.trim_start().starts_with("Not looked up"))
        .collect();
    assert_eq!(denied.len(), 1, "{report}");
    assert!(
        report.contains("sts:DecodeAuthorizationMessage")
            && report.contains("iam:SimulatePrincipalPolicy"),
        "{report}"
    );
    assert!(!report.contains("Look-up "), "{report}");
    let hint: Vec<&str> = report
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("AWSX_DIAGNOSE_PROFILE="))
        .collect();
    let expected = format!(
        "AWSX_DIAGNOSE_PROFILE=diag awsx --endpoint-url {} ec2 run-instances --image-id ami-1",
        stub.url
    );
    assert_eq!(hint, [expected.as_str()], "{report}");
    // The decode command is offered with the blob, since awsx could not decode it.
    assert!(report.contains(&format!("awsx decode {BLOB}")), "{report}");

    // The hint, pasted into a shell as printed (with the JSON report asked for): the
    // look-ups now use the diag profile's keys (the stub's denials are for the failed
    // command's key only), and the failed command itself keeps its own.
    let bin_dir = awsx_bin().parent().unwrap().to_path_buf();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut pasted = std::process::Command::new("sh");
    clean_env(&mut pasted, home.path());
    pasted
        .env("PATH", path)
        .env("AWSX_AWS_CLI", &cli)
        .env("AWSX_REPORT", "json")
        .args(["-c", hint[0]]);
    let wrapped = run(&mut pasted);
    assert_eq!(direct.status.code(), wrapped.status.code());
    let r = json_report(&wrapped, &direct.stderr);
    assert_eq!(r["authorization"]["decision"], "implicit-deny", "{r}");
    let reqs = stub.requests();
    let decode_keys: Vec<&str> = reqs
        .iter()
        .filter(|q| q["operation"] == "DecodeAuthorizationMessage")
        .filter_map(|q| q["access_key_id"].as_str())
        .collect();
    assert!(
        decode_keys.contains(&"AKIADIAGNOSEPROFILE1"),
        "{decode_keys:?}"
    );
    let ec2_keys: Vec<&str> = reqs
        .iter()
        .filter(|q| q["service"] == "ec2")
        .filter_map(|q| q["access_key_id"].as_str())
        .collect();
    assert!(
        ec2_keys.iter().all(|k| *k == KEY_ID),
        "the failed command itself must keep its own key"
    );
    let all = text(&wrapped.stderr);
    assert!(!all.contains("diag-secret-never-printed") && !all.contains(SECRET));
}

#[test]
fn a_silent_endpoint_cannot_hang_the_script() {
    let mut sc = scenario();
    // EC2 answers (the command fails fast); every look-up hangs.
    sc["errors"]["sts:*"] = json!({"hang": true});
    sc["errors"]["iam:*"] = json!({"hang": true});
    let stub = stub(Some(&sc));
    let home = tempfile::tempdir().unwrap();
    for (name, cli) in both_clis() {
        let args = [
            "--endpoint-url",
            &stub.url,
            "ec2",
            "run-instances",
            "--image-id",
            "ami-1",
        ];
        let start = Instant::now();
        let direct = run(&mut aws(&cli, home.path(), &args));
        let aws_time = start.elapsed();
        let start = Instant::now();
        let mut w = awsx(&cli, home.path(), &args);
        w.env("AWSX_TIMEOUT", "1");
        let wrapped = run(&mut w);
        let awsx_time = start.elapsed();
        assert_eq!(direct.status.code(), wrapped.status.code(), "{name}");
        assert!(
            awsx_time < aws_time + Duration::from_secs(3),
            "{name}: awsx {awsx_time:?} vs aws {aws_time:?}"
        );
        let report = text(appended(&wrapped.stderr, &direct.stderr));
        assert!(
            report.contains("no answer in time: sts:"),
            "{name}: {report}"
        );
        // Still the offline diagnosis and the decode command.
        assert!(report.contains("awsx decode"), "{name}: {report}");
    }
}

#[test]
fn ca_bundle_is_honoured_and_a_bad_one_is_reported() {
    let stub = stub(Some(&scenario()));
    let home = tempfile::tempdir().unwrap();
    let cli = aws_v1();
    let args = [
        "--endpoint-url",
        &stub.url,
        "ec2",
        "run-instances",
        "--image-id",
        "ami-1",
    ];
    // This machine's bundle (as CI sets it): loads fine, diagnosis works.
    let (direct, wrapped) = run_pair(
        &cli,
        home.path(),
        &args,
        &[
            ("AWS_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt"),
            ("AWSX_REPORT", "json"),
        ],
    );
    let r = json_report(&wrapped, &direct.stderr);
    assert_eq!(r["authorization"]["decision"], "implicit-deny");
    // A bundle that does not exist: aws (plain http) does not care; awsx says why it could not look up.
    let mut w = awsx(&cli, home.path(), &args);
    w.env("AWS_CA_BUNDLE", "/no/such/bundle.pem");
    let wrapped = run(&mut w);
    assert!(
        text(&wrapped.stderr).contains("cannot read CA bundle /no/such/bundle.pem"),
        "{}",
        text(&wrapped.stderr)
    );
}

/// `awsx explain` of someone else's error: the text's principal is the subject, never the
/// reader. A text from another account gets no look-ups in the reader's account (the
/// report says why); a text with no principal is not attributed to the reader.
#[test]
fn explain_attributes_to_the_text_not_the_reader() {
    let stub = stub(Some(&scenario()));
    let home = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let explain = |text: &str| -> Value {
        let f = dir.path().join("log.txt");
        std::fs::write(&f, text).unwrap();
        let mut cmd = std::process::Command::new(awsx_bin());
        clean_env(&mut cmd, home.path());
        cmd.args(["explain", "--json", "--endpoint-url", &stub.url])
            .arg(&f);
        let out = run(cmd);
        assert!(out.status.success(), "{}", text_of(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap()
    };
    fn text_of(b: &[u8]) -> String {
        String::from_utf8_lossy(b).into_owned()
    }
    // Another account: no simulation, no role look-up, a note; the headline names bob.
    let other = explain(
        "An error occurred (AccessDenied) when calling the ListUsers operation: User: arn:aws:iam::999988887777:user/bob is not authorized to perform: iam:ListUsers on resource: arn:aws:iam::999988887777:user/ because no identity-based policy allows the iam:ListUsers action\n",
    );
    let probes: Vec<String> = other["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["probe"].as_str().map(str::to_string))
        .collect();
    assert!(
        !probes.iter().any(|p| p == "iam:SimulatePrincipalPolicy"),
        "{probes:?}"
    );
    assert!(
        other["headline"].as_str().unwrap().contains("user/bob"),
        "{}",
        other["headline"]
    );
    for field in ["headline", "authorization", "next_steps"] {
        assert!(
            !other[field].to_string().contains("user/alice"),
            "the reader was attributed: {other}"
        );
    }
    assert!(
        other["facts"].to_string().contains("Looked up as"),
        "{}",
        other["facts"]
    );
    assert!(
        other["facts"].to_string().contains("999988887777"),
        "{}",
        other["facts"]
    );
    // The same account, another user: simulated for bob (the reader may simulate), headline bob.
    let same = explain(
        "An error occurred (AccessDenied) when calling the ListUsers operation: User: arn:aws:iam::123456789012:user/bob is not authorized to perform: iam:ListUsers because no identity-based policy allows the iam:ListUsers action\n",
    );
    assert!(
        same["headline"].as_str().unwrap().contains("user/bob"),
        "{}",
        same["headline"]
    );
    assert_eq!(
        same["authorization"]["principal"],
        "arn:aws:iam::123456789012:user/bob"
    );
    // No principal in the text: nobody is named, least of all the reader.
    let anon = explain(
        "An error occurred (AccessDenied) when calling the ListBuckets operation: Access Denied\n",
    );
    for field in ["headline", "authorization", "next_steps"] {
        assert!(
            !anon[field].to_string().contains("user/alice"),
            "the reader was attributed: {anon}"
        );
    }
    assert!(
        anon["authorization"]["principal"].is_null(),
        "{}",
        anon["authorization"]
    );
}

/// A role that CloudFormation manages gets its grant routed to the stack (a direct
/// put-role-policy would drift and be removed by the next update), read from the role's
/// tags through iam:GetRole.
#[test]
fn a_cloudformation_role_is_pointed_at_its_stack() {
    let mut sc = scenario();
    sc["errors"]["ec2:DescribeInstances"] = json!({"status": 403, "code": "UnauthorizedOperation",
        "message": "You are not authorized to perform this operation. User: arn:aws:sts::123456789012:assumed-role/deployer/ci is not authorized to perform: ec2:DescribeInstances because no identity-based policy allows the ec2:DescribeInstances action"});
    sc["iam"]["roles"]["deployer"] = json!({"Arn": "arn:aws:iam::123456789012:role/deployer",
        "Tags": [{"Key": "aws:cloudformation:stack-name", "Value": "ci-stack"}]});
    let stub = stub(Some(&sc));
    let home = tempfile::tempdir().unwrap();
    let cli = aws_v2();
    let args = ["--endpoint-url", &stub.url, "ec2", "describe-instances"];
    let (direct, wrapped) = run_pair(&cli, home.path(), &args, &[("AWSX_REPORT", "json")]);
    let r = json_report(&wrapped, &direct.stderr);
    let steps = r["next_steps"].to_string();
    assert!(steps.contains("CloudFormation stack ci-stack"), "{steps}");
    assert!(
        steps.contains("describe-stack-resources --stack-name ci-stack"),
        "{steps}"
    );
    assert!(!steps.contains("put-role-policy"), "{steps}");
    assert!(schema_errors(&r).is_empty(), "{:?}", schema_errors(&r));
}
