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

pub fn run(target: Target) -> Result<i32> {
    let mut problems = 0;
    match crate::locate::find_aws(std::env::var_os("AWSX_AWS_CLI")) {
        Ok(p) => {
            let version = duct::cmd(&p, ["--version"])
                .stderr_to_stdout()
                .stdout_capture()
                .unchecked()
                .run();
            let v = version
                .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
                .unwrap_or_default();
            println!("ok    aws: {} ({})", p.display(), inert_line(&v));
            match crate::locate::guard(std::env::var_os(crate::locate::GUARD_VAR), &p, &[]) {
                Ok(_) => println!("ok    no loop: {} is not awsx", p.display()),
                Err(e) => {
                    problems += 1;
                    println!("FAIL  {e}");
                }
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
                println!("FAIL  credentials: {e}");
                println!("      fix: aws configure, aws sso login, or set AWSX_DIAGNOSE_PROFILE");
                return;
            }
        };
        let (caller, rec) = probe::sts::caller(&s).await;
        let Some(c) = caller else {
            problems += 1;
            println!("FAIL  identity: {}", rec.summary);
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
                    println!("MISS  {action} ({}): awsx cannot {what}", sim.decision);
                    println!("      fix: allow {action} for {src}, or set AWSX_DIAGNOSE_PROFILE to a profile that has it");
                }
                None => {
                    println!("?     {action}: cannot tell ({})", rec.summary);
                }
            }
        }
    });
    Ok(if problems == 0 { 0 } else { 1 })
}
