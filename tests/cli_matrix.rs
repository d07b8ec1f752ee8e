//! The aws CLI matrix the end-to-end tests run: each CLI is present and is the version the
//! README's "Tested with" table names. Fails (does not skip) when the newest v2 is missing,
//! so a CI machine without it cannot pass.
mod common;

use common::*;

fn version_line(cli: &std::path::Path) -> String {
    let home = tempfile::tempdir().unwrap();
    let out = run(aws(cli, home.path(), &["--version"]));
    assert!(out.status.success(), "{}: {:?}", cli.display(), out);
    // v1 printed its version on stderr in old releases; take whichever stream has it.
    String::from_utf8_lossy(if out.stdout.is_empty() {
        &out.stderr
    } else {
        &out.stdout
    })
    .trim()
    .to_string()
}

#[test]
fn the_three_clis_are_installed_at_the_tested_versions() {
    let expect = [
        ("v1", "aws-cli/1.45.11 "),
        ("v2", "aws-cli/2.9.19 "),
        ("v2.36", "aws-cli/2.36.7 "),
    ];
    let clis = both_clis();
    assert_eq!(
        clis.len(),
        expect.len(),
        "both_clis() changed: update the matrix"
    );
    for ((name, cli), (want_name, want)) in clis.iter().zip(expect) {
        assert_eq!(*name, want_name);
        let line = version_line(cli);
        assert!(
            line.starts_with(want),
            "{name} ({}): `{line}`, want `{want}…`",
            cli.display()
        );
    }
}

/// awsx's JSON report after aws's own stderr bytes (which it must not change).
fn report_after(
    direct: &std::process::Output,
    wrapped: &std::process::Output,
) -> serde_json::Value {
    assert_eq!(direct.status.code(), wrapped.status.code(), "exit code");
    assert_eq!(direct.stdout, wrapped.stdout, "stdout");
    let extra = appended(&wrapped.stderr, &direct.stderr);
    serde_json::from_slice(extra)
        .unwrap_or_else(|e| panic!("not a JSON report ({e}): {}", text(extra)))
}

fn pair(
    cli: &std::path::Path,
    home: &std::path::Path,
    args: &[&str],
    env: &[(&str, &str)],
) -> (std::process::Output, std::process::Output) {
    let mut d = aws(cli, home, args);
    let mut w = awsx(cli, home, args);
    w.env("AWSX_REPORT", "json");
    for (k, v) in env {
        d.env(k, v);
        w.env(k, v);
    }
    (run(d), run(w))
}

/// (name, aws arguments, environment, HOME, a piece of the shape aws printed)
type Case<'a> = (
    &'a str,
    Vec<&'a str>,
    Vec<(&'a str, &'a str)>,
    &'a std::path::Path,
    &'a str,
);

/// 2.36's structured error output (`--cli-error-format`, `AWS_CLI_ERROR_FORMAT`,
/// `cli_error_format` in the profile) prints only {Code, Message}: awsx still names the
/// operation (from the command line), the quota, and leaves aws's bytes alone.
#[test]
fn v2_latest_error_formats_are_diagnosed_with_the_operation_from_the_command_line() {
    let stub = stub(Some(&serde_json::json!({
        "errors": {"ec2:CreateVpc": {"status": 400, "code": "VpcLimitExceeded",
                                     "message": "The maximum number of VPCs has been reached."}}
    })));
    let cli = aws_v2_latest();
    let home = tempfile::tempdir().unwrap();
    let table_home = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(table_home.path().join(".aws")).unwrap();
    std::fs::write(
        table_home.path().join(".aws/config"),
        "[default]\nregion = us-east-1\ncli_error_format = table\n",
    )
    .unwrap();
    let base = [
        "--endpoint-url",
        stub.url.as_str(),
        "ec2",
        "create-vpc",
        "--cidr-block",
        "10.0.0.0/16",
    ];
    let with = |extra: &[&'static str]| -> Vec<&str> {
        base.iter().copied().chain(extra.iter().copied()).collect()
    };
    let cases: Vec<Case> = vec![
        (
            "enhanced",
            with(&[]),
            vec![],
            home.path(),
            "aws: [ERROR]: An error occurred (VpcLimitExceeded) when calling the CreateVpc operation",
        ),
        (
            "legacy",
            with(&["--cli-error-format", "legacy"]),
            vec![],
            home.path(),
            "aws: [ERROR]: An error occurred (VpcLimitExceeded)",
        ),
        (
            "json",
            with(&["--cli-error-format", "json"]),
            vec![],
            home.path(),
            "\"Code\": \"VpcLimitExceeded\"",
        ),
        (
            "yaml",
            with(&["--cli-error-format", "yaml"]),
            vec![],
            home.path(),
            "Code: VpcLimitExceeded\n",
        ),
        (
            "text",
            with(&["--cli-error-format", "text"]),
            vec![],
            home.path(),
            "VpcLimitExceeded\t",
        ),
        (
            "table",
            with(&["--cli-error-format", "table"]),
            vec![],
            home.path(),
            "|  VpcLimitExceeded |",
        ),
        (
            "env yaml",
            with(&[]),
            vec![("AWS_CLI_ERROR_FORMAT", "yaml")],
            home.path(),
            "Code: VpcLimitExceeded\n",
        ),
        (
            "profile table",
            with(&[]),
            vec![],
            table_home.path(),
            "|  VpcLimitExceeded |",
        ),
    ];
    for (name, args, env, home, shape) in cases {
        let (direct, wrapped) = pair(&cli, home, &args, &env);
        assert_eq!(direct.status.code(), Some(254), "{name}");
        assert!(
            text(&direct.stderr).contains(shape),
            "{name}: aws printed another shape:\n{}",
            text(&direct.stderr)
        );
        let r = report_after(&direct, &wrapped);
        assert_eq!(r["category"], "quota", "{name}: {r:#}");
        assert_eq!(r["error_code"], "VpcLimitExceeded", "{name}");
        assert_eq!(r["operation"], "CreateVpc", "{name}");
        assert_eq!(r["service"], "ec2", "{name}");
        assert_eq!(r["quota"]["quota_code"], "L-F678F1CE", "{name}");
    }
}

/// `--output off` (2.36): nothing on stdout, rc 0, and awsx adds nothing.
#[test]
fn v2_latest_output_off_passes_through() {
    let stub = stub(None);
    let cli = aws_v2_latest();
    let home = tempfile::tempdir().unwrap();
    let args = [
        "--endpoint-url",
        stub.url.as_str(),
        "sts",
        "get-caller-identity",
        "--output",
        "off",
    ];
    let (direct, wrapped) = pair(&cli, home.path(), &args, &[]);
    assert_eq!(direct.status.code(), Some(0), "{}", text(&direct.stderr));
    assert_eq!(wrapped.status.code(), Some(0));
    assert!(direct.stdout.is_empty() && wrapped.stdout.is_empty());
    assert_eq!(direct.stderr, wrapped.stderr);
}

/// No credentials on 2.36: `An error occurred (NoCredentials)` naming `aws login`, rc 253,
/// in every error format; awsx's step names `aws login` too.
#[test]
fn v2_latest_no_credentials_hint_names_aws_login() {
    let cli = aws_v2_latest();
    let home = tempfile::tempdir().unwrap();
    for format in ["enhanced", "json", "yaml", "text", "table"] {
        let args = ["sts", "get-caller-identity", "--cli-error-format", format];
        let mut d = aws(&cli, home.path(), &args);
        let mut w = awsx(&cli, home.path(), &args);
        for c in [&mut d, &mut w] {
            c.env_remove("AWS_ACCESS_KEY_ID")
                .env_remove("AWS_SECRET_ACCESS_KEY");
        }
        w.env("AWSX_REPORT", "json");
        let (direct, wrapped) = (run(d), run(w));
        assert_eq!(direct.status.code(), Some(253), "{format}");
        let r = report_after(&direct, &wrapped);
        assert_eq!(r["category"], "credentials", "{format}: {r:#}");
        assert_eq!(r["error_code"], "NoCredentials", "{format}");
        let steps = r["next_steps"].to_string();
        assert!(steps.contains("aws login"), "{format}: {steps}");
    }
}

/// A `login_session` profile (aws login) whose session is missing: credentials, and the
/// step is `aws login --profile P`, not SSO.
#[test]
fn v2_latest_login_session_profile_is_told_to_sign_in_again() {
    let cli = aws_v2_latest();
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(home.path().join(".aws")).unwrap();
    std::fs::write(
        home.path().join(".aws/config"),
        "[profile console]\nlogin_session = arn:aws:iam::123456789012:user/alice\nregion = us-east-1\n",
    )
    .unwrap();
    let args = ["--profile", "console", "sts", "get-caller-identity"];
    let mut d = aws(&cli, home.path(), &args);
    let mut w = awsx(&cli, home.path(), &args);
    for c in [&mut d, &mut w] {
        c.env_remove("AWS_ACCESS_KEY_ID")
            .env_remove("AWS_SECRET_ACCESS_KEY");
    }
    w.env("AWSX_REPORT", "json");
    let (direct, wrapped) = (run(d), run(w));
    assert!(
        text(&direct.stderr).contains("Error loading login session token"),
        "{}",
        text(&direct.stderr)
    );
    let r = report_after(&direct, &wrapped);
    assert_eq!(r["category"], "credentials", "{r:#}");
    let cmds: Vec<&str> = r["next_steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["command"].as_str())
        .collect();
    assert!(cmds.contains(&"aws login --profile console"), "{cmds:?}");
    assert!(!cmds.iter().any(|c| c.contains("sso")), "{cmds:?}");
}

/// The JSON report names the aws CLI that ran: its path and its version, read from the
/// installation (not by running `aws --version` after the failure).
#[test]
fn the_report_names_the_aws_cli_that_ran() {
    let stub = stub(Some(&serde_json::json!({
        "errors": {"ec2:CreateVpc": {"status": 400, "code": "VpcLimitExceeded",
                                     "message": "The maximum number of VPCs has been reached."}}
    })));
    let home = tempfile::tempdir().unwrap();
    let want = [("v1", "1.45.11"), ("v2", "2.9.19"), ("v2.36", "2.36.7")];
    for ((name, cli), (_, version)) in both_clis().into_iter().zip(want) {
        let args = [
            "--endpoint-url",
            stub.url.as_str(),
            "ec2",
            "create-vpc",
            "--cidr-block",
            "10.0.0.0/16",
        ];
        let (direct, wrapped) = pair(&cli, home.path(), &args, &[("AWSX_DIAGNOSE", "offline")]);
        let r = report_after(&direct, &wrapped);
        assert_eq!(r["aws_cli"]["path"], cli.to_str().unwrap(), "{name}: {r:#}");
        assert_eq!(r["aws_cli"]["version"], version, "{name}");
        let schema: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(root().join("schema/report.schema.json")).unwrap(),
        )
        .unwrap();
        let v = jsonschema::validator_for(&schema).unwrap();
        let errors: Vec<String> = v.iter_errors(&r).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{name}: {errors:?}");
    }
    // `awsx explain` ran no aws: no aws_cli.
    let f = home.path().join("err.txt");
    std::fs::write(&f, "\naws: [ERROR]: An error occurred (VpcLimitExceeded) when calling the CreateVpc operation: x\n").unwrap();
    let out = run(awsx(
        &aws_v1(),
        home.path(),
        &["explain", "--offline", "--json", f.to_str().unwrap()],
    ));
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(r.get("aws_cli").is_none(), "{r:#}");
}
