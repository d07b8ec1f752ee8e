//! `awsx doctor`: is the setup sound, and may this identity run the diagnosis look-ups?

use std::time::Instant;

use anyhow::Result;

use crate::probe::{self, Target};
use crate::sanitize::inert_line;

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

/// The aws CLI's version read from its installation, without running it (`aws --version`
/// costs 0.3-1 s of Python start-up): the official installer's versioned folder
/// (`/usr/local/aws-cli/v2/2.x.y/…`), else the `awscli-X.dist-info` folder of the Python
/// that the script's shebang names (pip, a venv, Debian's `/usr/lib/python3/dist-packages`).
/// Reads one short line and lists at most a few folders.
pub fn installed_version(aws: &std::path::Path) -> Option<String> {
    let real = std::fs::canonicalize(aws).unwrap_or_else(|_| aws.to_path_buf());
    let parts: Vec<String> = real
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if let Some(i) = parts
        .windows(2)
        .position(|w| w[0] == "aws-cli" && w[1] == "v2")
        && let Some(v) = parts.get(i + 2)
        && is_version(v)
    {
        return Some(v.clone());
    }
    let mut head = [0u8; 256];
    let n = {
        use std::io::Read;
        std::fs::File::open(&real).ok()?.read(&mut head).ok()?
    };
    let first = String::from_utf8_lossy(&head[..n]);
    let interp = first
        .strip_prefix("#!")?
        .lines()
        .next()?
        .split_whitespace()
        .next()?;
    let interp = std::path::Path::new(interp);
    if !interp
        .file_name()
        .is_some_and(|n| n.to_string_lossy().starts_with("python"))
    {
        return None;
    }
    // <prefix>/bin/python3 → <prefix>/lib/python3.*/site-packages; the script's own prefix
    // (a venv); Debian's system Python keeps packages in /usr/lib/python3/dist-packages.
    let mut dirs: Vec<std::path::PathBuf> = Vec::new();
    for prefix in [
        interp.parent()?.parent(),
        real.parent().and_then(|b| b.parent()),
    ]
    .into_iter()
    .flatten()
    {
        if let Ok(libs) = std::fs::read_dir(prefix.join("lib")) {
            for l in libs.flatten().take(16) {
                if l.file_name().to_string_lossy().starts_with("python3") {
                    dirs.push(l.path().join("site-packages"));
                    dirs.push(l.path().join("dist-packages"));
                }
            }
        }
        dirs.push(prefix.join("lib/python3/dist-packages"));
    }
    for d in dirs {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if let Some(v) = name
                .strip_prefix("awscli-")
                .and_then(|r| r.strip_suffix(".dist-info"))
                .filter(|v| is_version(v))
            {
                return Some(v.to_string());
            }
        }
    }
    None
}

fn is_version(v: &str) -> bool {
    let parts: Vec<&str> = v.split('.').collect();
    parts.len() >= 2
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
}

/// The aws CLI wrap mode runs (`AWSX_AWS_CLI` or the first `aws` on PATH that is not awsx)
/// for the JSON report: `{path, version}`, the version read cheaply (null when the
/// installation does not say it; awsx does not run `aws --version` after a failure).
pub fn aws_cli_json() -> Option<serde_json::Value> {
    let p = crate::locate::find_aws(std::env::var_os("AWSX_AWS_CLI")).ok()?;
    Some(serde_json::json!({
        "path": p.to_string_lossy(),
        "version": installed_version(&p),
    }))
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
                        match installed_version(&p) {
                            Some(iv) => println!(
                                "ok    aws CLI version {iv} (read from its installation; the JSON report's aws_cli.version)"
                            ),
                            None => println!(
                                "?     aws CLI version: not readable from its installation (the JSON report's aws_cli.version is null)"
                            ),
                        }
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
    crate::helpers::block_on(async {
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
        println!(
            "ok    identity: {} (account {})",
            inert_line(&c.arn),
            inert_line(&c.account)
        );
        let src = crate::advise::role_arn_for(&c.arn);
        problems += permissions(&s, &src).await;
    })?;
    Ok(if problems == 0 { 0 } else { 1 })
}

/// One line per kind of look-up, from the actions each declares next to the plan that makes
/// it (crate::plan::Kind), so doctor cannot fall behind the look-ups; kinds that call the same
/// actions share a line, each action is simulated once, and one fix line ends the list.
/// Returns the number of problems.
async fn permissions(s: &probe::Session, src: &str) -> usize {
    use crate::findings::Outcome;
    use crate::plan::Kind;
    // The caller was just read; it needs no check.
    let mut groups: Vec<(&'static [&'static str], Vec<&'static str>)> = Vec::new();
    for k in Kind::ALL.iter().filter(|k| **k != Kind::Caller) {
        match groups.iter_mut().find(|(a, _)| *a == k.actions()) {
            Some((_, purposes)) => purposes.push(k.purpose()),
            None => groups.push((k.actions(), vec![k.purpose()])),
        }
    }
    let mut actions: Vec<&str> = groups.iter().flat_map(|(a, _)| a.iter().copied()).collect();
    let mut seen = std::collections::HashSet::new();
    actions.retain(|a| seen.insert(*a));
    let sims = futures_util::future::join_all(
        actions
            .iter()
            .map(|a| probe::iam::simulate(s, src, a, None, &[])),
    )
    .await;
    let verdict: std::collections::HashMap<&str, _> = actions.iter().copied().zip(sims).collect();
    // The simulation itself could not run: nothing else can be tested, say so once.
    if let Some((_, rec)) = verdict.values().find(|(sim, _)| sim.is_none())
        && verdict.values().all(|(sim, _)| sim.is_none())
    {
        let others = actions.len() - 1;
        if rec.outcome() == Outcome::Denied {
            println!(
                "MISS  iam:SimulatePrincipalPolicy: denied to {}, so awsx cannot find which policy layer denied a call, and doctor cannot test the other {others} actions the look-ups use",
                inert_line(src)
            );
        } else {
            println!(
                "?     cannot test the {} actions the look-ups use: iam:SimulatePrincipalPolicy {}",
                actions.len(),
                inert_line(&rec.summary)
            );
        }
        println!(
            "      try: awsx doctor --profile <a profile that may call iam:SimulatePrincipalPolicy>"
        );
        return 1;
    }
    let mut missing_all = Vec::new();
    for (acts, purposes) in &groups {
        let what = purposes.join("; ");
        let mut missing = Vec::new();
        let mut unknown = None;
        for a in acts.iter() {
            match &verdict[a] {
                (Some(sim), _) if sim.decision == "allowed" => {}
                (Some(_), _) => missing.push(*a),
                (None, rec) => unknown = Some(rec.summary.clone()),
            }
        }
        let named = if acts.len() <= 3 {
            acts.join(", ")
        } else {
            format!("{} actions", acts.len())
        };
        match (missing.is_empty(), unknown) {
            (true, None) => println!("ok    {named}: awsx can {what}"),
            (true, Some(why)) => println!("?     {named}: cannot tell ({})", inert_line(&why)),
            (false, _) => {
                println!("MISS  {}: awsx cannot {what}", missing.join(", "));
                for a in missing {
                    if !missing_all.contains(&a) {
                        missing_all.push(a);
                    }
                }
            }
        }
    }
    if missing_all.is_empty() {
        return 0;
    }
    println!(
        "fix:  allow the {} actions marked MISS for {} (all are read-only), or set AWSX_DIAGNOSE_PROFILE to a profile that has them",
        missing_all.len(),
        inert_line(src)
    );
    1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_from_installer_folders() {
        let d = tempfile::tempdir().unwrap();
        let bin = d.path().join("aws-cli/v2/2.36.7/dist");
        std::fs::create_dir_all(&bin).unwrap();
        std::fs::write(bin.join("aws"), b"\x7fELF").unwrap();
        assert_eq!(
            installed_version(&bin.join("aws")).as_deref(),
            Some("2.36.7")
        );
    }

    #[test]
    fn versions_from_the_shebang_python_dist_info() {
        let d = tempfile::tempdir().unwrap();
        let venv = d.path().join("venv");
        std::fs::create_dir_all(venv.join("bin")).unwrap();
        std::fs::create_dir_all(venv.join("lib/python3.11/site-packages/awscli-2.36.7.dist-info"))
            .unwrap();
        let py = venv.join("bin/python3");
        std::fs::write(&py, b"").unwrap();
        std::fs::write(
            venv.join("bin/aws"),
            format!("#!{}\nimport awscli\n", py.display()),
        )
        .unwrap();
        assert_eq!(
            installed_version(&venv.join("bin/aws")).as_deref(),
            Some("2.36.7")
        );
        std::fs::write(venv.join("bin/other"), b"#!/bin/sh\necho\n").unwrap();
        assert_eq!(installed_version(&venv.join("bin/other")), None);
    }
}
