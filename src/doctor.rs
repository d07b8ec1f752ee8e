//! `awsx doctor`: is the setup sound, and may this identity run the diagnosis look-ups?

use std::time::Instant;

use anyhow::Result;

use crate::probe::{self, Target};
use crate::sanitize::inert_line;

/// The actions awsx's look-ups need, and what each enables.
const DIAGNOSIS_ACTIONS: [(&str, &str); 8] = [
    (
        "sts:DecodeAuthorizationMessage",
        "decode encoded authorization messages",
    ),
    (
        "iam:SimulatePrincipalPolicy",
        "find which policy layer denied a call",
    ),
    ("iam:GetRole", "read trust policies and passed roles"),
    ("servicequotas:GetServiceQuota", "read applied quota values"),
    ("cloudwatch:GetMetricData", "read quota usage"),
    ("s3:GetBucketPolicy", "read bucket policies"),
    ("kms:GetKeyPolicy", "read key policies"),
    ("kms:DescribeKey", "read key state and owner"),
];

/// `aws --version` with the guard wrap mode would set, bounded to 20 s.
fn version_of(aws: &std::path::Path, guard: &str) -> Option<String> {
    let handle = duct::cmd(aws, ["--version"])
        .env(crate::locate::GUARD_VAR, guard)
        .stderr_to_stdout()
        .stdout_capture()
        .stdin_null()
        .unchecked()
        .start()
        .ok()?;
    let start = Instant::now();
    while start.elapsed() < std::time::Duration::from_secs(20) {
        match handle.try_wait() {
            Ok(Some(out)) => return Some(String::from_utf8_lossy(&out.stdout).trim().to_string()),
            Ok(None) => std::thread::sleep(std::time::Duration::from_millis(20)),
            Err(_) => return None,
        }
    }
    let _ = handle.kill();
    None
}

pub fn run(target: Target) -> Result<i32> {
    let mut problems = 0;
    match crate::locate::find_aws(std::env::var_os("AWSX_AWS_CLI")) {
        Ok(p) => {
            // Run `aws --version` the way wrap mode runs aws (with the loop guard), so that
            // a wrapper script leading back to awsx shows up here as a loop.
            let args = [std::ffi::OsString::from("--version")];
            match crate::locate::guard(std::env::var_os(crate::locate::GUARD_VAR), &p, &args) {
                Err(e) => {
                    problems += 1;
                    println!("FAIL  {e}");
                }
                Ok(g) => match version_of(&p, &g) {
                    Some(v) if v.contains("loop detected") => {
                        problems += 1;
                        println!("FAIL  {} runs awsx again: {}", p.display(), inert_line(&v));
                    }
                    Some(v) => {
                        println!("ok    aws: {} ({})", p.display(), inert_line(&v));
                        println!("ok    no loop: {} does not lead back to awsx", p.display());
                    }
                    None => {
                        problems += 1;
                        println!("FAIL  `{} --version` did not finish in 20 s", p.display());
                    }
                },
            }
        }
        Err(e) => {
            problems += 1;
            println!("FAIL  {e}");
        }
    }
    let deadline = Instant::now() + probe::deadline_from_env();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let s = match probe::session(&target, deadline).await {
            Ok(s) => s,
            Err(e) => {
                problems += 1;
                println!("FAIL  credentials: {}", inert_line(&e));
                println!("      fix: aws configure, aws sso login, or set AWSX_DIAGNOSE_PROFILE");
                return;
            }
        };
        let (caller, rec) = probe::sts::caller(&s).await;
        let Some(c) = caller else {
            problems += 1;
            println!("FAIL  identity: {}", inert_line(&rec.summary));
            return;
        };
        println!("ok    identity: {} (account {})", inert_line(&c.arn), inert_line(&c.account));
        let src = crate::advise::role_arn_for(&c.arn);
        for (action, what) in DIAGNOSIS_ACTIONS {
            let (sim, rec) = probe::iam::simulate(&s, &src, action, None, &[]).await;
            match sim {
                Some(sim) if sim.decision == "allowed" => println!("ok    {action}: awsx can {what}"),
                Some(sim) => {
                    problems += 1;
                    println!("MISS  {action} ({}): awsx cannot {what}", inert_line(&sim.decision));
                    println!("      fix: allow {action} for {}, or set AWSX_DIAGNOSE_PROFILE to a profile that has it", inert_line(&src));
                }
                None => {
                    println!("?     {action}: cannot tell ({})", inert_line(&rec.summary));
                }
            }
        }
    });
    rt.shutdown_background();
    Ok(if problems == 0 { 0 } else { 1 })
}
