//! The report contract (issue 15): the text and the JSON report agree on what they share;
//! the JSON report's run fields (exit code, redacted argv, region, account, profile,
//! version, timestamp, duration, look-ups) and the schema; `AWSX_REPORT_FILE` never keeps
//! an earlier run's diagnosis; success-shaped errors (`DryRunOperation`) are no failure;
//! `awsx decode --json` writes only the decoded message; `awsx explain` on a terminal with
//! no input says what to give.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};

use awsx::advise::advise;
use awsx::classify::classify;
use awsx::findings::Findings;
use awsx::report;
use common::*;
use serde_json::{Value, json};

fn schema_errors(report: &Value) -> Vec<String> {
    errors_against("schema/report.schema.json", report)
}

fn errors_against(schema_file: &str, report: &Value) -> Vec<String> {
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(root().join(schema_file)).unwrap()).unwrap();
    let v = jsonschema::validator_for(&schema).unwrap();
    v.iter_errors(report)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

fn fixture_texts() -> Vec<(String, String)> {
    let dir = root().join("tests/fixtures/texts");
    let mut out: Vec<(String, String)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (
                name,
                String::from_utf8_lossy(&std::fs::read(&p).unwrap()).into_owned(),
            )
        })
        .collect();
    out.sort();
    out
}

/// The value of a text fact line `  Label  value (tag)`.
fn text_fact<'a>(text: &'a str, label: &str) -> Option<&'a str> {
    text.lines().find_map(|l| {
        let rest = l.trim_start().strip_prefix(label)?.strip_prefix("  ")?;
        Some(rest.rsplit_once(" (").map_or(rest, |(v, _)| v))
    })
}

#[test]
fn text_and_json_agree_on_headline_resource_and_commands_for_every_fixture() {
    let mut checked = 0;
    for (name, t) in fixture_texts() {
        let f = classify(&t, None);
        let fx = Findings::default();
        let advice = advise(&f, &fx);
        let text = report::text(&f, &advice, report::Style::PLAIN);
        let v = report::json(&f, &fx, &advice);
        // What a reader of the JSON sees (escaped and redacted like the text).
        let v: Value = serde_json::from_str(&report::json_text(&v, false)).unwrap();
        assert_eq!(
            headline(&text),
            flat(&format!(
                "awsx: {} [{}]",
                v["headline"].as_str().unwrap(),
                v["category"].as_str().unwrap()
            )),
            "{name}: headline"
        );
        if let Some(r) = text_fact(&text, "Resource") {
            assert_eq!(
                Some(r),
                v["authorization"]["resource"].as_str(),
                "{name}: the text's Resource is not the JSON's\n{text}"
            );
        }
        let lines: Vec<&str> = text.lines().map(str::trim).collect();
        for step in v["next_steps"].as_array().unwrap() {
            if let Some(c) = step["command"].as_str() {
                assert!(
                    lines.contains(&c),
                    "{name}: the JSON's command is not in the text: {c}\n{text}"
                );
            }
            let t = step["text"].as_str().unwrap();
            assert!(
                flat(&text).contains(&flat(t)),
                "{name}: the JSON's step is not in the text: {t}"
            );
        }
        let commands = lines.iter().filter(|l| l.starts_with("aws ")).count();
        let json_commands = v["next_steps"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["command"].as_str().is_some_and(|c| c.starts_with("aws ")))
            .count();
        assert_eq!(commands, json_commands, "{name}: commands\n{text}");
        checked += 1;
    }
    assert!(checked >= 100, "{checked}");
}

/// A stand-in aws: `ok` succeeds, `dry` fails with DryRunOperation, `usage` prints a usage
/// error, anything else an AccessDenied; it prints its arguments on stdout.
fn fake_aws(dir: &Path) -> std::path::PathBuf {
    let p = dir.join("aws");
    std::fs::write(
        &p,
        r#"#!/bin/sh
echo "$@"
case "$1" in
ok) exit 0 ;;
dry) printf '\nAn error occurred (DryRunOperation) when calling the RunInstances operation: Request would have succeeded, but DryRun flag is set.\n' >&2; exit 254 ;;
usage) printf 'usage: aws [options] <command> <subcommand> [<subcommand> ...] [parameters]\naws: error: argument command: Invalid choice\n' >&2; exit 252 ;;
*) printf '\nAn error occurred (AccessDenied) when calling the ListBuckets operation: User: arn:aws:iam::123456789012:user/bob is not authorized to perform: s3:ListAllMyBuckets because no identity-based policy allows the s3:ListAllMyBuckets action\n' >&2; exit 254 ;;
esac
"#,
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    p
}

fn wrapped(aws: &Path, home: &Path, env: &[(&str, &str)], args: &[&str]) -> std::process::Output {
    let mut c = awsx(aws, home, args);
    c.env("AWSX_DIAGNOSE", "offline").env("NO_COLOR", "1");
    for (k, v) in env {
        c.env(k, v);
    }
    run(c)
}

#[test]
fn schema_1_stays_readable_through_its_deprecation() {
    let dir = tempfile::tempdir().unwrap();
    let aws = fake_aws(dir.path());
    let last_json = |out: &std::process::Output| -> Value {
        serde_json::from_str(text(&out.stderr).lines().last().unwrap()).unwrap()
    };
    let v2 = last_json(&wrapped(
        &aws,
        dir.path(),
        &[("AWSX_REPORT", "json")],
        &["s3", "ls"],
    ));
    assert_eq!(v2["schema"], 2);
    assert!(schema_errors(&v2).is_empty(), "{:?}", schema_errors(&v2));
    // Schema 2 only adds: the same document under the number 1 is a valid schema 1 report.
    let mut as_v1 = v2.clone();
    as_v1["schema"] = json!(1);
    let e = errors_against("schema/report.v1.schema.json", &as_v1);
    assert!(e.is_empty(), "{e:?}");
    // AWSX_REPORT_SCHEMA=1 writes the number 1 for readers that check it.
    let env = [("AWSX_REPORT", "json"), ("AWSX_REPORT_SCHEMA", "1")];
    let v1 = last_json(&wrapped(&aws, dir.path(), &env, &["s3", "ls"]));
    assert_eq!(v1["schema"], 1);
    let e = errors_against("schema/report.v1.schema.json", &v1);
    assert!(e.is_empty(), "{e:?}");
    assert!(
        !schema_errors(&v1).is_empty(),
        "a schema 1 report is not schema 2"
    );
    // A bad value: one warning line, schema 2.
    let env = [("AWSX_REPORT", "json"), ("AWSX_REPORT_SCHEMA", "3")];
    let out = wrapped(&aws, dir.path(), &env, &["s3", "ls"]);
    assert_eq!(last_json(&out)["schema"], 2);
    assert!(text(&out.stderr).contains("AWSX_REPORT_SCHEMA=\"3\" is not 1 or 2; using 2"));
    assert_eq!(out.status.code(), Some(254), "aws's exit code stands");
}

#[test]
fn json_report_carries_the_run_and_agrees_with_the_text() {
    let dir = tempfile::tempdir().unwrap();
    let aws = fake_aws(dir.path());
    let args = [
        "--profile",
        "dev",
        "--region",
        "eu-west-1",
        "s3",
        "ls",
        "--secret-access-key",
        "not-a-real-secret-but-hidden",
        "--session-token=AQoDYXdzEJr-also-hidden",
        SECRET,
    ];
    let text_out = wrapped(&aws, dir.path(), &[], &args);
    let json_out = wrapped(&aws, dir.path(), &[("AWSX_REPORT", "json")], &args);
    assert_eq!(text_out.status.code(), Some(254));
    assert_eq!(json_out.status.code(), Some(254));
    let stderr = text(&json_out.stderr);
    let r: Value = serde_json::from_str(stderr.lines().last().unwrap()).unwrap();
    assert!(schema_errors(&r).is_empty(), "{:?}", schema_errors(&r));
    assert_eq!(r["schema"], 2);
    assert_eq!(r["ok"], false);
    assert_eq!(r["exit_code"], 254);
    assert_eq!(
        r["argv"],
        json!([
            "--profile",
            "dev",
            "--region",
            "eu-west-1",
            "s3",
            "ls",
            "--secret-access-key",
            "<redacted>",
            "--session-token=<redacted>",
            "<redacted>"
        ])
    );
    assert!(!stderr.contains("hidden") && !stderr.contains(SECRET));
    assert_eq!(r["region"], "eu-west-1");
    assert_eq!(r["profile"], "dev");
    assert_eq!(r["account"], "123456789012");
    assert_eq!(r["awsx_version"], env!("CARGO_PKG_VERSION"));
    let ts = r["timestamp"].as_str().unwrap();
    assert!(
        ts.ends_with('Z') && ts.len() == 24 && &ts[10..11] == "T",
        "{ts}"
    );
    assert!(r["duration_ms"].as_u64().is_some_and(|ms| ms < 60_000));
    assert_eq!(r["lookups"], json!([]), "offline: no look-ups");
    // The text report on the same failure says what the JSON says.
    let t = text(&text_out.stderr);
    assert_eq!(
        headline(&t),
        flat(&format!(
            "awsx: {} [{}]",
            r["headline"].as_str().unwrap(),
            r["category"].as_str().unwrap()
        ))
    );
    for step in r["next_steps"].as_array().unwrap() {
        if let Some(c) = step["command"].as_str() {
            assert!(t.lines().any(|l| l.trim() == c), "{c}\n{t}");
        }
    }
}

#[test]
fn report_file_never_keeps_an_earlier_diagnosis() {
    let dir = tempfile::tempdir().unwrap();
    let aws = fake_aws(dir.path());
    let file = dir.path().join("report.json");
    let env = [("AWSX_REPORT_FILE", file.to_str().unwrap())];
    let read = || -> Value { serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap() };

    let out = wrapped(&aws, dir.path(), &env, &["s3", "ls"]);
    assert_eq!(out.status.code(), Some(254));
    let r = read();
    assert_eq!(r["category"], "authorization");
    assert_eq!(r["ok"], false);
    assert!(schema_errors(&r).is_empty(), "{:?}", schema_errors(&r));

    // A later success replaces it with a success record; aws's output is untouched.
    let out = wrapped(
        &aws,
        dir.path(),
        &env,
        &["ok", "--secret-access-key", "s3cr3t-value"],
    );
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stdout), "ok --secret-access-key s3cr3t-value\n");
    assert!(out.stderr.is_empty(), "{}", text(&out.stderr));
    let r = read();
    assert_eq!(r["ok"], true);
    assert_eq!(r["exit_code"], 0);
    assert_eq!(
        r["argv"],
        json!(["ok", "--secret-access-key", "<redacted>"])
    );
    assert!(r.get("category").is_none(), "{r}");
    assert!(schema_errors(&r).is_empty(), "{:?}", schema_errors(&r));
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        2,
        "no temp left"
    );

    // A failure awsx does not report (a usage error): ok false, no diagnosis.
    let out = wrapped(&aws, dir.path(), &env, &["usage"]);
    assert_eq!(out.status.code(), Some(252));
    let r = read();
    assert_eq!(
        (r["ok"].clone(), r["exit_code"].clone()),
        (json!(false), json!(252))
    );
    assert!(
        r["note"].as_str().unwrap().starts_with("not diagnosed"),
        "{r}"
    );
    assert!(schema_errors(&r).is_empty(), "{:?}", schema_errors(&r));

    // AWSX_DIAGNOSE=off: awsx does nothing after aws exits, the file included.
    let before = std::fs::read(&file).unwrap();
    let mut c = awsx(&aws, dir.path(), &["ok"]);
    c.env("AWSX_DIAGNOSE", "off").env(env[0].0, env[0].1);
    assert_eq!(run(c).status.code(), Some(0));
    assert_eq!(std::fs::read(&file).unwrap(), before);
}

#[test]
fn a_dry_run_that_would_succeed_is_not_reported() {
    let dir = tempfile::tempdir().unwrap();
    let aws = fake_aws(dir.path());
    let file = dir.path().join("report.json");
    for mode in ["offline", "on"] {
        let mut c = awsx(
            &aws,
            dir.path(),
            &["dry", "ec2", "run-instances", "--dry-run"],
        );
        c.env("AWSX_DIAGNOSE", mode)
            .env("AWSX_REPORT_FILE", &file)
            .env("NO_COLOR", "1");
        let out = run(c);
        // aws's bytes and status, nothing added.
        assert_eq!(out.status.code(), Some(254));
        assert_eq!(
            text(&out.stderr),
            "\nAn error occurred (DryRunOperation) when calling the RunInstances operation: Request would have succeeded, but DryRun flag is set.\n"
        );
        let r: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
        assert_eq!(
            (r["ok"].clone(), r["exit_code"].clone()),
            (json!(true), json!(254))
        );
        assert!(schema_errors(&r).is_empty(), "{:?}", schema_errors(&r));
    }
}

#[test]
fn a_dry_run_through_the_real_clis_is_not_reported() {
    let scenario = json!({"errors": {"ec2:RunInstances": {"status": 412, "code": "DryRunOperation",
        "message": "Request would have succeeded, but DryRun flag is set."}}});
    let stub = stub(Some(&scenario));
    let home = tempfile::tempdir().unwrap();
    for (name, cli) in both_clis() {
        let args = [
            "--endpoint-url",
            &stub.url,
            "ec2",
            "run-instances",
            "--image-id",
            "ami-0abcdef1234567890",
            "--dry-run",
        ];
        let direct = run(aws(&cli, home.path(), &args));
        let wrapped = run(awsx(&cli, home.path(), &args));
        assert_ne!(direct.status.code(), Some(0), "{name}");
        assert_eq!(wrapped.status.code(), direct.status.code(), "{name}");
        assert!(text(&direct.stderr).contains("DryRunOperation"), "{name}");
        assert_eq!(text(&wrapped.stderr), text(&direct.stderr), "{name}");
    }
}

#[test]
fn explain_says_a_dry_run_succeeded_in_one_line() {
    let input = "An error occurred (DryRunOperation) when calling the RunInstances operation: Request would have succeeded, but DryRun flag is set.\n";
    for json in [false, true] {
        let mut c = Command::new(awsx_bin());
        c.arg("explain").env("AWSX_DIAGNOSE", "offline");
        if json {
            c.arg("--json");
        }
        let out = c
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .and_then(|mut ch| {
                use std::io::Write;
                ch.stdin.take().unwrap().write_all(input.as_bytes())?;
                ch.wait_with_output()
            })
            .unwrap();
        assert_eq!(out.status.code(), Some(0));
        let o = text(&out.stdout);
        if json {
            let r: Value = serde_json::from_str(&o).unwrap();
            assert_eq!(r["ok"], true);
            assert_eq!(r["error_code"], "DryRunOperation");
            assert!(schema_errors(&r).is_empty(), "{:?}", schema_errors(&r));
        } else {
            assert_eq!(o.lines().count(), 1, "{o}");
            assert!(o.contains("successful dry run"), "{o}");
        }
    }
}

#[test]
fn explain_json_has_the_run_fields_without_exit_code_or_argv() {
    let first = root().join("tests/fixtures/texts/01-decoded-explicit-deny-runinstances.txt");
    let out = Command::new(awsx_bin())
        .args(["explain", "--json", "--offline"])
        .arg(&first)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(schema_errors(&r).is_empty(), "{:?}", schema_errors(&r));
    assert_eq!(r["exit_code"], Value::Null);
    assert_eq!(r["argv"], Value::Null);
    assert!(r["timestamp"].is_string() && r["duration_ms"].is_u64());
    assert_eq!(r["lookups"], json!([]));
}

/// `awsx explain` with no FILE on a terminal: a one-line hint and exit 2, at once (run
/// under `script`, which gives it a real pty as stdin).
#[test]
fn explain_on_a_terminal_with_no_input_says_what_to_give() {
    let start = std::time::Instant::now();
    let cmd = format!("{} explain; echo EXIT=$?", awsx_bin().display());
    let mut child = Command::new("script")
        .args(["-qec", &cmd, "/dev/null"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("script (util-linux) is required");
    // A regression would wait on the terminal forever: bound it.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("awsx explain waited on the terminal");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    let screen = text(&out.stdout).replace('\r', "");
    assert!(screen.contains("EXIT=2"), "{screen}");
    let hint: Vec<&str> = screen.lines().filter(|l| l.starts_with("awsx:")).collect();
    assert_eq!(hint.len(), 1, "{screen}");
    assert!(
        hint[0].contains("FILE") && hint[0].contains("| awsx explain"),
        "{screen}"
    );
    assert!(start.elapsed() < std::time::Duration::from_secs(20));
    // Piped input is still read.
    let out = Command::new(awsx_bin())
        .args(["explain", "--offline"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "empty stdin is an input error, not a hint"
    );
}
