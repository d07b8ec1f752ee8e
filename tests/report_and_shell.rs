//! The report as people see it: colour rules, inert AWS text, the JSON report file, the
//! progress indicator on a real terminal (tmux), completions kept fresh, `awsx doctor`.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use common::*;
use serde_json::json;

const ERR: &str = "\nAn error occurred (AccessDenied) when calling the ListBuckets operation: User: arn:aws:iam::123456789012:user/mallory\u{1b}]0;pwned\u{7}\u{1b}[2J is not authorized to perform: s3:ListAllMyBuckets because no identity-based policy allows the s3:ListAllMyBuckets action\n";

/// A fake aws that prints a real-looking error (with escape sequences) and exits 255.
fn failing_aws(dir: &Path) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let p = dir.join("aws");
    let msg = ERR
        .replace('\u{1b}', "\\033")
        .replace('\u{7}', "\\007")
        .replace('\n', "\\n");
    std::fs::write(&p, format!("#!/bin/sh\nprintf '{msg}' >&2\nexit 255\n")).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    p
}

fn offline(cli: &Path, home: &Path, env: &[(&str, &str)]) -> (String, Option<i32>) {
    let mut c = awsx(cli, home, &["s3", "ls"]);
    c.env("AWSX_DIAGNOSE", "offline");
    for (k, v) in env {
        c.env(k, v);
    }
    let out = run(&mut c);
    (text(&out.stderr), out.status.code())
}

#[test]
fn colour_only_when_asked_and_aws_text_is_inert() {
    let tmp = tempfile::tempdir().unwrap();
    let cli = failing_aws(tmp.path());
    // A pipe: no colour. The aws bytes come first, unchanged (escapes included: they are aws's).
    let (plain, code) = offline(&cli, tmp.path(), &[]);
    assert_eq!(code, Some(255));
    assert!(plain.starts_with(ERR), "{plain:?}");
    let report = &plain[ERR.len()..];
    assert!(
        !report.contains('\u{1b}') && !report.contains('\u{7}'),
        "control characters reached the terminal: {report:?}"
    );
    assert!(
        report.contains("\\x1b]0;pwned\\x07"),
        "escape not shown inert: {report}"
    );
    let expected_head = "awsx: Access denied: user/mallory\\x1b]0;pwned\\x07\\x1b[2J (123456789012) may not s3:ListAllMyBuckets (implicit deny in identity policy) [authorization]";
    assert!(report.starts_with("awsx: Access denied: "), "{report}");
    assert_eq!(headline(report), expected_head, "{report}");
    assert!(report.contains("  Next steps\n  1. "), "{report}");
    // CLICOLOR_FORCE: colour on a pipe; NO_COLOR wins over it.
    let (forced, _) = offline(&cli, tmp.path(), &[("CLICOLOR_FORCE", "1")]);
    let forced_report = &forced[ERR.len()..];
    assert!(
        forced_report.contains("\u{1b}[1m") || forced_report.contains("\u{1b}[31m"),
        "{forced_report:?}"
    );
    // Colour codes are awsx's own, and the AWS text in them is still inert.
    assert!(!forced_report.contains("\u{1b}]0;pwned"));
    let (nocolor, _) = offline(
        &cli,
        tmp.path(),
        &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")],
    );
    assert!(!nocolor[ERR.len()..].contains('\u{1b}'));
}

#[test]
fn json_report_on_stderr_and_to_a_file() {
    let tmp = tempfile::tempdir().unwrap();
    let cli = failing_aws(tmp.path());
    let file = tmp.path().join("evidence/report.json");
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    let (err, code) = offline(
        &cli,
        tmp.path(),
        &[
            ("AWSX_REPORT", "json"),
            ("AWSX_REPORT_FILE", file.to_str().unwrap()),
        ],
    );
    assert_eq!(code, Some(255));
    let on_stderr: serde_json::Value = serde_json::from_str(&err[ERR.len()..]).unwrap();
    let in_file: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(on_stderr, in_file);
    assert_eq!(in_file["schema"], 2);
    assert_eq!(in_file["authorization"]["policy_layer"], "identity");
    // The escape sequence is data inside JSON, escaped by JSON itself.
    assert!(
        std::fs::read_to_string(&file)
            .unwrap()
            .contains("\\u001b]0;pwned")
    );
    // A file that cannot be written: one line, and aws's exit code stands.
    let (err, code) = offline(
        &cli,
        tmp.path(),
        &[("AWSX_REPORT_FILE", "/no/such/dir/r.json")],
    );
    assert_eq!(code, Some(255));
    assert!(
        err.contains("awsx: AWSX_REPORT_FILE /no/such/dir/r.json not written"),
        "{err}"
    );
}

#[test]
fn completions_are_fresh() {
    for shell in ["bash", "zsh", "fish"] {
        let out = Command::new(awsx_bin())
            .args(["completions", shell])
            .output()
            .unwrap();
        let checked_in = std::fs::read(root().join(format!("completions/awsx.{shell}"))).unwrap();
        assert!(
            out.stdout == checked_in,
            "completions/awsx.{shell} is stale: run `awsx completions {shell} > completions/awsx.{shell}`"
        );
    }
}

#[test]
fn man_page_is_generated_from_the_cli() {
    let out = Command::new(awsx_bin())
        .args(["awsx", "man"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let page = text(&out.stdout);
    assert!(
        page.starts_with(".ie \\n(.g .ds Aq"),
        "roff from clap_mangen: {page}"
    );
    assert!(page.contains(".TH awsx 1"), "{page}");
    // Every own command and the AWSX_* settings are in it.
    for sub in [
        "explain",
        "decode",
        "quota",
        "doctor",
        "init",
        "completions",
    ] {
        assert!(
            page.contains(&format!(".SS \"awsx {sub}\"")),
            "awsx {sub} missing from the man page"
        );
    }
    assert!(page.contains(".SS \"awsx awsx man\""), "{page}");
    assert!(page.contains("AWSX_DIAGNOSE_PROFILE=P"), "the environment");
    // A closed pipe ends it quietly, as for other Unix tools.
    let sh = format!("{} awsx man | head -c 10 >/dev/null", awsx_bin().display());
    let out = Command::new("sh").args(["-c", &sh]).output().unwrap();
    assert!(out.stderr.is_empty(), "{}", text(&out.stderr));
}

fn tmux(args: &[&str]) -> String {
    let out = Command::new("tmux")
        .args(args)
        .output()
        .expect("tmux is required (scripts/test.sh installs it)");
    text(&out.stdout)
}

#[test]
fn on_a_terminal_the_report_follows_aws_and_the_progress_line_vanishes() {
    // Look-ups are slow (1.5 s each) so the progress indicator must show, then be erased.
    let scenario = json!({
        "errors": {
            "ec2:RunInstances": {"status": 403, "code": "UnauthorizedOperation",
                "message": "You are not authorized to perform this operation. Encoded authorization failure message: AbCdEf0123456789-encoded-blob"},
            "sts:GetCallerIdentity": {"delay": 1.5}
        }
    });
    let stub = stub(Some(&scenario));
    let home = tempfile::tempdir().unwrap();
    let session = format!("awsx-test-{}", std::process::id());
    let cmd = format!(
        "env -i PATH={path} HOME={home} TERM=xterm AWS_ACCESS_KEY_ID={KEY_ID} AWS_SECRET_ACCESS_KEY={SECRET} AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true AWS_MAX_ATTEMPTS=1 NO_COLOR=1 AWSX_AWS_CLI={aws} {awsx} --endpoint-url {url} ec2 run-instances --image-id ami-1; echo EXIT=$?; sleep 30",
        path = std::env::var("PATH").unwrap(),
        home = home.path().display(),
        aws = aws_v1().display(),
        awsx = awsx_bin().display(),
        url = stub.url,
    );
    tmux(&[
        "new-session",
        "-d",
        "-s",
        &session,
        "-x",
        "200",
        "-y",
        "50",
        &cmd,
    ]);
    let start = Instant::now();
    let mut saw_progress = false;
    let mut screen = String::new();
    while start.elapsed() < Duration::from_secs(30) {
        screen = tmux(&["capture-pane", "-p", "-t", &session]);
        saw_progress |= screen.contains("asking AWS");
        if screen.contains("EXIT=") {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    tmux(&["kill-session", "-t", &session]);
    assert!(screen.contains("EXIT=255"), "{screen}");
    assert!(
        saw_progress,
        "no progress indicator while look-ups ran:\n{screen}"
    );
    assert!(
        !screen.contains("asking AWS"),
        "progress indicator left behind:\n{screen}"
    );
    let err_at = screen
        .find("An error occurred (UnauthorizedOperation)")
        .expect("aws's error");
    let report_at = screen.find("awsx: Access denied").expect("the report");
    assert!(err_at < report_at, "{screen}");
}

#[test]
fn doctor_reports_identity_and_missing_diagnosis_permissions() {
    let scenario = json!({"iam": {"simulate": {
        "sts:DecodeAuthorizationMessage": {"EvalDecision": "allowed"},
        "iam:SimulatePrincipalPolicy": {"EvalDecision": "allowed"}
    }}});
    let stub = stub(Some(&scenario));
    let home = tempfile::tempdir().unwrap();
    let mut c = awsx(
        &aws_v1(),
        home.path(),
        &["doctor", "--endpoint-url", &stub.url],
    );
    let out = run(&mut c);
    let report = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{report}");
    assert!(report.contains("ok    aws: "), "{report}");
    assert!(
        report.contains("ok    identity: arn:aws:iam::123456789012:user/alice"),
        "{report}"
    );
    assert!(
        report.contains("ok    sts:DecodeAuthorizationMessage"),
        "{report}"
    );
    assert!(
        report.contains("MISS  servicequotas:GetServiceQuota"),
        "{report}"
    );
    assert!(report.contains("AWSX_DIAGNOSE_PROFILE"), "{report}");
    // The policy-reading look-up's own action list, as one line naming what is missing.
    assert!(
        report.contains("MISS  iam:ListUserPolicies, iam:GetUserPolicy"),
        "{report}"
    );
    assert!(
        report
            .contains("iam:GetPolicyVersion: awsx cannot read the denied principal's own policies"),
        "{report}"
    );
}

#[test]
fn doctor_is_concise_and_says_when_it_cannot_simulate() {
    // Most actions missing: one MISS line per group, one fix line in all.
    let scenario = json!({"iam": {"simulate": {
        "iam:SimulatePrincipalPolicy": {"EvalDecision": "allowed"}
    }}});
    let server = stub(Some(&scenario));
    let home = tempfile::tempdir().unwrap();
    let out = run(&mut awsx(
        &aws_v1(),
        home.path(),
        &["doctor", "--endpoint-url", &server.url],
    ));
    let report = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{report}");
    assert_eq!(report.matches("fix:").count(), 1, "one fix line:\n{report}");
    assert_eq!(
        report.matches("iam:GetRole:").count(),
        1,
        "two look-ups that call the same action share a line:\n{report}"
    );
    // Each action simulated once.
    let sims: Vec<_> = server
        .requests()
        .into_iter()
        .filter(|r| r["operation"] == "SimulatePrincipalPolicy")
        .collect();
    let mut names: Vec<String> = sims
        .iter()
        .map(|r| {
            r["params"]["ActionNames"][0]
                .as_str()
                .unwrap_or("")
                .to_string()
        })
        .collect();
    let n = names.len();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), n, "an action simulated twice: {names:?}");

    // The simulation itself denied: said once, with what it means, not N "cannot tell" lines.
    let scenario = json!({"errors": {"iam:SimulatePrincipalPolicy": {"status": 403,
        "code": "AccessDenied",
        "message": "User: arn:aws:iam::123456789012:user/alice is not authorized to perform: iam:SimulatePrincipalPolicy on resource: arn:aws:iam::123456789012:user/alice"}}});
    let server = stub(Some(&scenario));
    let out = run(&mut awsx(
        &aws_v1(),
        home.path(),
        &["doctor", "--endpoint-url", &server.url],
    ));
    let report = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{report}");
    assert!(
        report.contains(
            "MISS  iam:SimulatePrincipalPolicy: denied to arn:aws:iam::123456789012:user/alice"
        ),
        "{report}"
    );
    assert!(report.contains("cannot test the other"), "{report}");
    assert!(!report.contains("cannot tell"), "{report}");
    assert_eq!(
        report.lines().filter(|l| l.starts_with("MISS")).count(),
        1,
        "{report}"
    );
}

#[test]
fn json_output_escapes_c1_controls_and_bidi_overrides() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("aws");
    // U+009B (CSI in one byte) and U+202E (right-to-left override) inside the message.
    std::fs::write(&p, "#!/bin/sh\nprintf '\\nAn error occurred (AccessDenied) when calling the ListBuckets operation: evil \\302\\23331m \\342\\200\\256 text\\n' >&2\nexit 255\n").unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    let (err, code) = offline(&p, tmp.path(), &[("AWSX_REPORT", "json")]);
    assert_eq!(code, Some(255));
    let report = &err[err.find("\n{").unwrap()..];
    assert!(
        !report.contains('\u{9b}') && !report.contains('\u{202e}'),
        "{report:?}"
    );
    assert!(
        report.contains("\\u009b") && report.contains("\\u202e"),
        "{report}"
    );
    let v: serde_json::Value = serde_json::from_str(report.trim()).unwrap();
    assert!(
        v["message"].as_str().unwrap().contains('\u{202e}'),
        "the value itself is unchanged"
    );
}

#[test]
fn anonymous_commands_make_no_lookups() {
    use std::os::unix::fs::PermissionsExt;
    let stub = stub(None);
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("aws");
    std::fs::write(&p, "#!/bin/sh\nprintf '\\nAn error occurred (AccessDenied) when calling the GetObject operation: Access Denied\\n' >&2\nexit 255\n").unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    let mut c = awsx(
        &p,
        tmp.path(),
        &[
            "--endpoint-url",
            &stub.url,
            "--no-sign-request",
            "s3api",
            "get-object",
            "--bucket",
            "b",
            "--key",
            "k",
            "out",
        ],
    );
    c.env("AWSX_REPORT", "json");
    let out = run(&mut c);
    assert_eq!(out.status.code(), Some(255));
    let err = text(&out.stderr);
    assert!(err.contains("anonymous (--no-sign-request)"), "{err}");
    assert!(
        stub.requests().is_empty(),
        "look-ups were made: {:?}",
        stub.requests()
    );
}

#[test]
fn the_v2_pager_gets_the_terminal_through_awsx() {
    let moto = moto();
    let home = tempfile::tempdir().unwrap();
    let made = run(&mut aws(
        &aws_v1(),
        home.path(),
        &[
            "--endpoint-url",
            &moto.url,
            "s3api",
            "create-bucket",
            "--bucket",
            "pager-bkt",
        ],
    ));
    assert!(made.status.success());
    let session = format!("awsx-pager-{}", std::process::id());
    // `less` without -F waits for a key even for short output: it must own the terminal.
    // (aws v2 sets LESS=FRX unless LESS is set, and -F would quit at once.)
    let cmd = format!(
        "env -i PATH={path} HOME={home} TERM=xterm AWS_ACCESS_KEY_ID={KEY_ID} AWS_SECRET_ACCESS_KEY={SECRET} AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true AWS_PAGER=less LESS=R AWSX_AWS_CLI={aws} {awsx} --endpoint-url {url} s3api list-buckets; echo EXIT=$?; sleep 30",
        path = std::env::var("PATH").unwrap(),
        home = home.path().display(),
        aws = aws_v2().display(),
        awsx = awsx_bin().display(),
        url = moto.url,
    );
    tmux(&[
        "new-session",
        "-d",
        "-s",
        &session,
        "-x",
        "120",
        "-y",
        "40",
        &cmd,
    ]);
    let wait_for = |needle: &str| {
        let start = Instant::now();
        let mut screen = String::new();
        while start.elapsed() < Duration::from_secs(30) {
            screen = tmux(&["capture-pane", "-p", "-t", &session]);
            if screen.contains(needle) {
                return (true, screen);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        (false, screen)
    };
    let (paged, screen) = wait_for("pager-bkt");
    assert!(paged, "no pager output:\n{screen}");
    assert!(
        !screen.contains("EXIT="),
        "aws returned before the pager was quit:\n{screen}"
    );
    tmux(&["send-keys", "-t", &session, "q"]);
    let (done, screen) = wait_for("EXIT=0");
    tmux(&["kill-session", "-t", &session]);
    assert!(
        done,
        "quitting the pager did not end the command:\n{screen}"
    );
}
