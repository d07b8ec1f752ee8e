//! classify never panics, whatever the bytes; explain handles hostile input with a clear result.

use std::io::Write;
use std::process::{Command, Stdio};

use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 10_000, ..ProptestConfig::default() })]

    #[test]
    fn classify_never_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let text = String::from_utf8_lossy(&bytes);
        let f = awsx::classify::classify(&text, None);
        let fx = awsx::findings::Findings::default();
        let advice = awsx::advise::advise(&f, &fx);
        let _ = awsx::report::text(&f, &advice, awsx::report::Style { colour: true, width: 60 });
        let _ = awsx::report::json(&f, &fx, &advice);
    }

    #[test]
    fn classify_never_panics_on_error_shaped_text(
        code in "[A-Z][A-Za-z.]{0,30}",
        op in "[A-Z][A-Za-z0-9]{0,20}",
        msg in "\\PC{0,200}",
        prefix in prop::sample::select(vec!["", "aws: [ERROR]: ", "fatal error: ", "upload failed: a to s3://b/k ", "│ Error: "]),
    ) {
        let text = format!("{prefix}An error occurred ({code}) when calling the {op} operation: {msg}\nEncoded authorization failure message: {msg}\n\"DecodedMessage\": \"{msg}\"");
        let f = awsx::classify::classify(&text, None);
        let _ = awsx::advise::advise(&f, &awsx::findings::Findings::default());
    }
}

fn explain(input: &[u8], args: &[&str]) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_awsx"))
        .arg("explain")
        .args(args)
        .env("AWSX_DIAGNOSE", "offline")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let data = input.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&data);
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    out
}

#[test]
fn explain_on_bad_input() {
    // Empty input: one line, non-zero.
    let out = explain(b"  \n", &[]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(String::from_utf8_lossy(&out.stderr).lines().count(), 1);
    // Binary garbage: refused in one line, non-zero, nothing invented (issue 16 item 6).
    let garbage: Vec<u8> = (0..100_000u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 7) as u8)
        .collect();
    let out = explain(&garbage, &["--json"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stderr).lines().count(), 1);
    assert!(out.stdout.is_empty());
    // A 50 MB log with the error at the end: found.
    let mut log =
        "2026-11-30T10:00:00Z INFO step ok: nothing to see here, just a long CI log line\n"
            .repeat(640_000)
            .into_bytes();
    log.extend_from_slice(b"\nAn error occurred (VcpuLimitExceeded) when calling the RunInstances operation: You have requested more vCPU capacity than your current vCPU limit of 64 allows for the instance bucket that the specified instance type belongs to.\n");
    assert!(log.len() > 50_000_000);
    let out = explain(&log, &["--json"]);
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["error_code"], "VcpuLimitExceeded");
    assert_eq!(v["category"], "quota");
}

/// `explain`'s exit status tells scripts what it found (documented in `explain --help`).
#[test]
fn explain_exit_status_says_what_was_found() {
    let recognised = explain(
        b"An error occurred (AccessDenied) when calling the ListBuckets operation: Access Denied\n",
        &["--offline"],
    );
    assert_eq!(recognised.status.code(), Some(0));
    let nothing = explain(b"build step 3 of 7 finished\nall good\n", &["--offline"]);
    assert_eq!(nothing.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&nothing.stdout).contains("No AWS error recognised"),
        "{}",
        String::from_utf8_lossy(&nothing.stdout)
    );
    let unusable = explain(b"", &["--offline"]);
    assert_eq!(unusable.status.code(), Some(2));
}
