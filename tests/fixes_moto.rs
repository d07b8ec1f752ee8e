//! Pasting awsx's fix works: the real aws CLI (v1 and v2) against moto with IAM enforcement
//! on. A user with no permissions runs a command and is denied; awsx (with an admin
//! `AWSX_DIAGNOSE_PROFILE`) prints a grant; the test runs the printed line exactly as printed
//! in a real shell, then the original command again: it succeeds. And a trust-policy fix,
//! pasted, keeps every principal the role trusted (read back from moto).
//!
//! moto evaluates identity policies against actions and, for S3 only, the resource ARN;
//! every other service's request is checked against Resource "*" and conditions are not
//! evaluated (FACTS.md §4.1, moto core/authorization.py). So this proves the command and
//! the action everywhere and the resource for S3; the resources and conditions of the same
//! grants for other services are proved by the IAM oracle in tests/fixes_pasted.rs.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use serde_json::{Value, json};

/// `aws --endpoint-url moto …` with the test's fixed keys (setup, enforcement off).
fn setup(cli: &Path, home: &Path, moto: &Server, args: &[&str]) -> Value {
    let mut full = vec!["--endpoint-url", moto.url.as_str(), "--output", "json"];
    full.extend_from_slice(args);
    let out = run(&mut aws(cli, home, &full));
    assert!(
        out.status.success(),
        "setup {args:?}: {}",
        text(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or(Value::Null)
}

fn user_with_keys(cli: &Path, home: &Path, moto: &Server, user: &str) -> (String, String) {
    setup(
        cli,
        home,
        moto,
        &["iam", "create-user", "--user-name", user],
    );
    let k = setup(
        cli,
        home,
        moto,
        &["iam", "create-access-key", "--user-name", user],
    );
    (
        k["AccessKey"]["AccessKeyId"].as_str().unwrap().to_string(),
        k["AccessKey"]["SecretAccessKey"]
            .as_str()
            .unwrap()
            .to_string(),
    )
}

/// A bin folder where `aws` is `cli`, so that a printed `aws …` line runs that CLI.
fn bin_with_aws(dir: &Path, cli: &Path) -> PathBuf {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let _ = std::fs::remove_file(bin.join("aws"));
    std::os::unix::fs::symlink(cli, bin.join("aws")).unwrap();
    bin
}

/// Runs a printed line exactly as printed, in `sh`, with `bin` first on PATH.
fn paste(line: &str, bin: &Path, home: &Path, env: &[(&str, &str)]) -> std::process::Output {
    let mut cmd = Command::new("sh");
    clean_env(&mut cmd, home);
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    cmd.env("PATH", path).arg("-c").arg(line);
    for (k, v) in env {
        cmd.env(k, v);
    }
    run(cmd)
}

fn report_of(out: &std::process::Output, direct: &[u8]) -> Value {
    let extra = appended(&out.stderr, direct);
    serde_json::from_slice(extra)
        .unwrap_or_else(|e| panic!("no JSON report ({e}): {}", text(extra)))
}

#[test]
fn a_pasted_grant_makes_the_denied_command_succeed() {
    let moto = moto();
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    std::fs::create_dir_all(home.join(".aws")).unwrap();
    let setup_cli = aws_v1();
    let (admin_id, admin_secret) = user_with_keys(&setup_cli, &home, &moto, "admin");
    setup(
        &setup_cli,
        &home,
        &moto,
        &[
            "iam",
            "put-user-policy",
            "--user-name",
            "admin",
            "--policy-name",
            "all",
            "--policy-document",
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
        ],
    );
    let body = dir.path().join("k.txt");
    std::fs::write(&body, "hello\n").unwrap();
    setup(
        &setup_cli,
        &home,
        &moto,
        &["s3api", "create-bucket", "--bucket", "data-bkt"],
    );
    setup(
        &setup_cli,
        &home,
        &moto,
        &[
            "s3api",
            "put-object",
            "--bucket",
            "data-bkt",
            "--key",
            "k.txt",
            "--body",
            body.to_str().unwrap(),
        ],
    );
    // One denied user per CLI, so that the second CLI's fix is not already in place.
    let mut creds = format!(
        "[admin]\naws_access_key_id = {admin_id}\naws_secret_access_key = {admin_secret}\n"
    );
    let clis = both_clis();
    for (name, cli) in &clis {
        let (id, secret) = user_with_keys(&setup_cli, &home, &moto, &format!("dev-{name}"));
        creds.push_str(&format!(
            "[dev-{name}]\naws_access_key_id = {id}\naws_secret_access_key = {secret}\n"
        ));
        let _ = cli;
    }
    std::fs::write(home.join(".aws/credentials"), creds).unwrap();
    enforce(&moto);

    let out = dir.path().join("out.txt");
    let out = out.to_str().unwrap();
    let commands: Vec<Vec<&str>> = vec![
        vec!["iam", "list-users"],
        vec![
            "s3api",
            "get-object",
            "--bucket",
            "data-bkt",
            "--key",
            "k.txt",
            out,
        ],
        vec!["ec2", "describe-vpcs"],
        vec![
            "ec2",
            "run-instances",
            "--image-id",
            "ami-03cf127a",
            "--instance-type",
            "t2.micro",
            "--count",
            "1",
        ],
    ];
    for (name, cli) in &clis {
        let bin = bin_with_aws(dir.path(), cli);
        let profile = format!("dev-{name}");
        for c in &commands {
            let mut args = vec![
                "--endpoint-url",
                moto.url.as_str(),
                "--profile",
                profile.as_str(),
            ];
            args.extend_from_slice(c);
            let env = [("AWSX_REPORT", "json"), ("AWSX_DIAGNOSE_PROFILE", "admin")];
            let mut direct = aws(cli, &home, &args);
            let mut wrapped = awsx(cli, &home, &args);
            for (k, v) in env {
                wrapped.env(k, v);
            }
            // The plain aws attempt is the transparency reference (same bytes, same code).
            direct
                .env_remove("AWS_ACCESS_KEY_ID")
                .env_remove("AWS_SECRET_ACCESS_KEY");
            wrapped
                .env_remove("AWS_ACCESS_KEY_ID")
                .env_remove("AWS_SECRET_ACCESS_KEY");
            let d = run(&mut direct);
            let w = run(&mut wrapped);
            assert_ne!(
                d.status.code(),
                Some(0),
                "{name} {c:?} should be denied first"
            );
            assert_eq!(d.status.code(), w.status.code(), "{name} {c:?}");
            let r = report_of(&w, &d.stderr);
            let step = r["next_steps"]
                .as_array()
                .unwrap()
                .iter()
                .find(|s| !s["grant"].is_null() && s["command"].is_string())
                .unwrap_or_else(|| panic!("{name} {c:?}: no grant to paste: {}", r["next_steps"]));
            let line = step["command"].as_str().unwrap();
            // Owner-side: the admin diagnose profile, never the denied one; the emulator.
            assert!(line.contains("--profile admin"), "{line}");
            assert!(!line.contains(&format!("--profile {profile}")), "{line}");
            assert!(
                line.contains(&format!("--endpoint-url {}", moto.url)),
                "{line}"
            );
            assert!(!line.contains("--region"), "IAM is global: {line}");
            let pasted = paste(line, &bin, &home, &[]);
            assert!(
                pasted.status.success(),
                "{name}: the printed fix failed when pasted: {line}\n{}",
                text(&pasted.stderr)
            );
            // moto authorizes every non-S3 request against Resource "*" (core/authorization.py:
            // `resource: str = "*"`), so a grant scoped to ARNs, as AWS evaluates them, can
            // never pass there: RunInstances' resources are proved by the oracle instead.
            let scoped = step["grant"]["policy"]["Statement"][0]["Resource"] != "*";
            if scoped && c[0] != "s3api" {
                continue;
            }
            let mut again = aws(cli, &home, &args);
            again
                .env_remove("AWS_ACCESS_KEY_ID")
                .env_remove("AWS_SECRET_ACCESS_KEY");
            let again = run(&mut again);
            assert!(
                again.status.success(),
                "{name} {c:?} still denied after pasting {line}:\n{}",
                text(&again.stderr)
            );
        }
    }
}

/// The AssumeRole denial comes from the stub (moto does not evaluate trust policies); the
/// role lives in moto (AWS_ENDPOINT_URL_IAM). aws CLI v1 honours per-service endpoint
/// variables; Debian's v2 2.9 predates them, so the pasted update runs with v1 (the v2
/// parse of every printed command is in tests/fixes_pasted.rs).
#[test]
fn a_pasted_trust_fix_keeps_every_principal_the_role_trusted() {
    let moto = moto();
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    std::fs::create_dir_all(home.join(".aws")).unwrap();
    let cli = aws_v1();
    let trust = json!({"Version":"2012-10-17","Statement":[
        {"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"},
        {"Sid":"Partner","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::210987654321:root"},"Action":"sts:AssumeRole",
         "Condition":{"StringEquals":{"sts:ExternalId":"partner-1"}}}]});
    setup(
        &cli,
        &home,
        &moto,
        &[
            "iam",
            "create-role",
            "--role-name",
            "app-role",
            "--assume-role-policy-document",
            &trust.to_string(),
        ],
    );
    let sc = json!({"errors": {"sts:AssumeRole": {"status": 403, "code": "AccessDenied",
        "message": "User: arn:aws:iam::123456789012:user/alice is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::123456789012:role/app-role"}}});
    let stub = stub(Some(&sc));
    let endpoints = [
        ("AWS_ENDPOINT_URL_STS", stub.url.as_str()),
        ("AWS_ENDPOINT_URL_IAM", moto.url.as_str()),
    ];
    let args = [
        "sts",
        "assume-role",
        "--role-arn",
        "arn:aws:iam::123456789012:role/app-role",
        "--role-session-name",
        "sess",
    ];
    let mut w = awsx(&cli, &home, &args);
    w.env("AWSX_REPORT", "json");
    let mut d = aws(&cli, &home, &args);
    for (k, v) in endpoints {
        w.env(k, v);
        d.env(k, v);
    }
    let d = run(&mut d);
    let w = run(&mut w);
    let r = report_of(&w, &d.stderr);
    let line = r["next_steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["command"].as_str())
        .find(|c| c.contains("update-assume-role-policy"))
        .unwrap_or_else(|| panic!("no trust update: {r:#}"))
        .to_string();
    let bin = bin_with_aws(dir.path(), &cli);
    let pasted = paste(&line, &bin, &home, &endpoints);
    assert!(pasted.status.success(), "{line}: {}", text(&pasted.stderr));
    let role = setup(
        &cli,
        &home,
        &moto,
        &["iam", "get-role", "--role-name", "app-role"],
    );
    let doc = &role["Role"]["AssumeRolePolicyDocument"];
    let doc: Value = match doc {
        Value::String(s) => {
            serde_json::from_str(&percent_encoding::percent_decode_str(s).decode_utf8_lossy())
                .unwrap()
        }
        v => v.clone(),
    };
    let statements = doc["Statement"].as_array().unwrap();
    let all = doc.to_string();
    assert_eq!(statements.len(), 3, "{all}");
    assert!(
        all.contains("ec2.amazonaws.com"),
        "the service principal was dropped: {all}"
    );
    assert!(
        all.contains("partner-1") && all.contains("210987654321"),
        "the partner was dropped: {all}"
    );
    assert!(
        all.contains("arn:aws:iam::123456789012:user/alice"),
        "the caller is not trusted: {all}"
    );
}

/// awsx reads the denied user's own documents (inline, attached, its group's) from IAM and
/// evaluates the request itself: the layer and the deciding statement are named even where
/// simulation is not available (moto has none).
#[test]
fn the_deciding_statement_is_named_from_the_documents() {
    let moto = moto();
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    std::fs::create_dir_all(home.join(".aws")).unwrap();
    let cli = aws_v1();
    let (admin_id, admin_secret) = user_with_keys(&cli, &home, &moto, "admin");
    setup(
        &cli,
        &home,
        &moto,
        &[
            "iam",
            "put-user-policy",
            "--user-name",
            "admin",
            "--policy-name",
            "all",
            "--policy-document",
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
        ],
    );
    let (id, secret) = user_with_keys(&cli, &home, &moto, "dev");
    setup(
        &cli,
        &home,
        &moto,
        &["iam", "create-group", "--group-name", "ops"],
    );
    setup(
        &cli,
        &home,
        &moto,
        &[
            "iam",
            "add-user-to-group",
            "--group-name",
            "ops",
            "--user-name",
            "dev",
        ],
    );
    // The group allows IAM reads but denies listing users; the user's own policy allows S3.
    setup(
        &cli,
        &home,
        &moto,
        &[
            "iam",
            "put-group-policy",
            "--group-name",
            "ops",
            "--policy-name",
            "ops-reads",
            "--policy-document",
            r#"{"Version":"2012-10-17","Statement":[{"Sid":"IamReads","Effect":"Allow","Action":"iam:List*","Resource":"*"},{"Sid":"NoUserListing","Effect":"Deny","Action":"iam:ListUsers","Resource":"*"}]}"#,
        ],
    );
    let managed = setup(
        &cli,
        &home,
        &moto,
        &[
            "iam",
            "create-policy",
            "--policy-name",
            "s3-read",
            "--policy-document",
            r#"{"Version":"2012-10-17","Statement":[{"Sid":"S3Read","Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#,
        ],
    );
    let arn = managed["Policy"]["Arn"].as_str().unwrap().to_string();
    setup(
        &cli,
        &home,
        &moto,
        &[
            "iam",
            "attach-user-policy",
            "--user-name",
            "dev",
            "--policy-arn",
            &arn,
        ],
    );
    std::fs::write(
        home.join(".aws/credentials"),
        format!("[admin]\naws_access_key_id = {admin_id}\naws_secret_access_key = {admin_secret}\n[dev]\naws_access_key_id = {id}\naws_secret_access_key = {secret}\n"),
    )
    .unwrap();
    enforce(&moto);
    let run_denied = |args: &[&str]| -> Value {
        let mut full = vec!["--endpoint-url", moto.url.as_str(), "--profile", "dev"];
        full.extend_from_slice(args);
        let mut d = aws(&cli, &home, &full);
        let mut w = awsx(&cli, &home, &full);
        w.env("AWSX_REPORT", "json")
            .env("AWSX_DIAGNOSE_PROFILE", "admin");
        let d = run(&mut d);
        let w = run(&mut w);
        assert_ne!(d.status.code(), Some(0));
        report_of(&w, &d.stderr)
    };
    // An explicit Deny in the group's inline policy: named, with its policy.
    let r = run_denied(&["iam", "list-users"]);
    let facts = r["facts"].to_string();
    assert!(
        facts
            .contains("identity policies: denies: Sid NoUserListing in group/ops inline ops-reads"),
        "{facts}"
    );
    assert_eq!(r["authorization"]["decision"], "explicit-deny", "{r:#}");
    assert_eq!(r["authorization"]["policy_layer"], "identity", "{r:#}");
    assert!(
        r["next_steps"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["grant"].is_null()),
        "{r:#}"
    );
    // Nothing allows ec2:DescribeVpcs: an implicit deny in the identity layer, evaluated.
    let r = run_denied(&["ec2", "describe-vpcs"]);
    let facts = r["facts"].to_string();
    assert!(
        facts.contains("identity policies: no statement allows it"),
        "{facts}"
    );
    assert_eq!(r["authorization"]["policy_layer"], "identity", "{r:#}");
    assert!(facts.contains("\"evidence\":\"evaluated\""), "{facts}");
}
