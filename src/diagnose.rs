//! The diagnosis flow: classify → plan and run probes under one deadline → advise → render.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use anyhow::Result;

use crate::advise::{Advice, advise};
use crate::classify::classify;
use crate::failure::{Category, Cause, Failure};
use crate::findings::{Findings, ProbeRecord};
use crate::invocation::Invocation;
use crate::probe::{self, Target};
use crate::report;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Off,
    Offline,
    On,
}

pub fn mode_from_env() -> Mode {
    match std::env::var("AWSX_DIAGNOSE")
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
        .as_str()
    {
        "off" | "0" | "false" | "no" => Mode::Off,
        "offline" => Mode::Offline,
        _ => Mode::On,
    }
}

/// Whether the text said anything awsx recognised.
fn recognised(f: &Failure) -> bool {
    f.error_code.is_some()
        || f.problem.is_some()
        || f.authorization.is_some()
        || f.category != Category::Other
}

/// Wrap mode, after aws failed (`exit_code`, its arguments `args`): the report on stderr,
/// after aws's bytes. Never fails loudly.
pub fn after_failure(
    inv: &Invocation,
    stderr_text: &str,
    args: &[std::ffi::OsString],
    exit_code: i32,
) {
    let mode = mode_from_env();
    if mode == Mode::Off {
        return;
    }
    let started = Instant::now();
    let f = classify(stderr_text, Some(inv));
    // A dry run that would have succeeded is no failure: aws's output and status stand.
    if let Some(why) = f.success_shaped() {
        write_outcome_record(true, exit_code, args, Some(why));
        return;
    }
    // aws already printed its usage text; a report would only repeat it.
    if !recognised(&f) || f.problem.as_deref() == Some("usage") {
        write_outcome_record(
            false,
            exit_code,
            args,
            Some("not diagnosed: a usage error or an error text awsx does not recognise"),
        );
        return;
    }
    // aws's last line may lack its newline: everything awsx prints starts on a new line.
    if !stderr_text.is_empty() && !stderr_text.ends_with('\n') {
        let _ = std::io::stderr().write_all(b"\n");
    }
    let fx = if mode == Mode::On && worth_probing(&f) && inv.no_sign_request {
        // The call was anonymous: look-ups as the environment's identity would analyse
        // someone who never made the call.
        let mut fx = Findings::default();
        fx.records.push(failed(
            "credentials",
            "the command was anonymous (--no-sign-request): no look-ups made",
        ));
        fx
    } else if mode == Mode::On && worth_probing(&f) {
        run_probes(&f, &Target::from_invocation(inv), true, true)
    } else {
        Findings::default()
    };
    let advice = advise(&f, &fx);
    let mut json = report::json(&f, &fx, &advice);
    let run = report::RunFacts {
        exit_code: Some(exit_code),
        argv: Some(report::redact_argv(args)),
        profile: inv
            .profile
            .clone()
            .or_else(|| std::env::var("AWS_PROFILE").ok().filter(|p| !p.is_empty())),
        duration_ms: Some(started.elapsed().as_millis() as u64),
        ..run_facts(&f, &fx)
    };
    report::add_run_fields(&mut json, &run, &fx);
    crate::report_file::write_from_env(|| format!("{}\n", report::json_text(&json, true)));
    let mut err = std::io::stderr().lock();
    let as_json = std::env::var("AWSX_REPORT").is_ok_and(|v| v.eq_ignore_ascii_case("json"));
    let out = if as_json {
        format!("{}\n", report::json_text(&json, false))
    } else {
        report::text(
            &f,
            &advice,
            report::colour_enabled(std::io::stderr().is_terminal()),
        )
    };
    let _ = err.write_all(out.as_bytes());
    let _ = err.flush();
}

/// Wrap mode, when it writes no report (aws succeeded, a dry run succeeded, or the failure
/// is not diagnosed): `AWSX_REPORT_FILE` gets a small record of this run instead, so that
/// it never holds an earlier run's diagnosis. Cheap: no SDK, no config files; nothing at
/// all unless `AWSX_REPORT_FILE` is set, and nothing with `AWSX_DIAGNOSE=off`.
pub fn without_report(args: &[std::ffi::OsString], exit_code: i32) {
    if std::env::var_os("AWSX_REPORT_FILE").is_none_or(|p| p.is_empty())
        || mode_from_env() == Mode::Off
    {
        return;
    }
    let note = (exit_code != 0)
        .then_some("not diagnosed: interrupted, killed by a signal, or no error text");
    write_outcome_record(exit_code == 0, exit_code, args, note);
}

fn write_outcome_record(ok: bool, exit_code: i32, args: &[std::ffi::OsString], note: Option<&str>) {
    crate::report_file::write_from_env(|| {
        let v = report::outcome_record(ok, Some(exit_code), Some(&report::redact_argv(args)), note);
        format!("{}\n", report::json_text(&v, true))
    });
}

/// The run's facts both wrap mode and `explain` know: the region the look-ups resolved
/// (else the command's or the text's), the account of the principal that failed (the
/// caller's when it made the call), the profile.
fn run_facts(f: &Failure, fx: &Findings) -> report::RunFacts {
    let merged = crate::advise::merge(f, fx);
    let principal = merged
        .authorization
        .as_ref()
        .and_then(|a| a.principal.clone());
    let account = principal
        .as_deref()
        .and_then(|p| p.split(':').nth(4))
        .filter(|a| !a.is_empty())
        .map(str::to_string)
        .or_else(|| {
            fx.caller
                .as_ref()
                .filter(|_| fx.subject_is_caller)
                .map(|c| c.account.clone())
        });
    report::RunFacts {
        region: fx.region.clone().or_else(|| f.context.region.clone()),
        account,
        profile: f.context.profile.clone(),
        ..Default::default()
    }
}

/// Whether asking AWS can add anything to what the text says.
pub fn worth_probing(f: &Failure) -> bool {
    match f.category {
        Category::Authorization | Category::Trust => true,
        Category::Quota => f.quota.as_ref().is_some_and(|q| q.managed),
        _ => false,
    }
}

/// Runs the probes on a current-thread runtime with a progress line on a terminal.
/// `made_by_caller`: the look-ups' identity made the failed call (wrap mode). For an
/// `explain` text it is false: the caller is only the reader.
pub fn run_probes(f: &Failure, target: &Target, progress: bool, made_by_caller: bool) -> Findings {
    let deadline = Instant::now() + probe::deadline_from_env();
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            let mut fx = Findings::default();
            fx.records.push(failed("runtime", &e.to_string()));
            return fx;
        }
    };
    let show = progress && std::io::stderr().is_terminal();
    let fx = rt.block_on(async {
        let work = probe_all(f, target, deadline, made_by_caller);
        tokio::pin!(work);
        if !show {
            return work.await;
        }
        tokio::select! {
            fx = &mut work => fx,
            _ = tokio::time::sleep(Duration::from_millis(300)) => {
                let _ = write!(std::io::stderr(), "awsx: asking AWS…");
                let fx = work.await;
                // Erase the indicator entirely before the report.
                let _ = write!(std::io::stderr(), "\r\x1b[2K");
                fx
            }
        }
    });
    // A timed-out look-up may still sit in a blocking DNS resolution; dropping the runtime
    // would wait for it. The deadline is the deadline.
    rt.shutdown_background();
    fx
}

fn failed(probe: &str, summary: &str) -> ProbeRecord {
    ProbeRecord {
        probe: probe.to_string(),
        ok: false,
        summary: summary.to_string(),
        error_code: None,
        denied: false,
        timed_out: false,
        ms: None,
    }
}

/// Plans and runs every probe that applies, concurrently, under `deadline`.
pub async fn probe_all(
    f: &Failure,
    target: &Target,
    deadline: Instant,
    made_by_caller: bool,
) -> Findings {
    let mut fx = Findings {
        subject_is_caller: made_by_caller,
        ..Findings::default()
    };
    let s = match probe::session(target, deadline).await {
        Ok(s) => s,
        Err(e) => {
            fx.records.push(failed("credentials", &e));
            return fx;
        }
    };
    fx.diagnose_profile = s.diagnose_profile.clone();
    fx.region = s.caller_conf.region().map(|r| r.to_string());
    if let Some(e) = &s.diagnose_error {
        fx.records
            .push(failed("credentials (AWSX_DIAGNOSE_PROFILE)", e));
    }
    let auth = f.authorization.clone().unwrap_or_default();
    let is_auth = matches!(f.category, Category::Authorization | Category::Trust);

    let caller = probe::sts::caller(&s);
    let decode = async {
        match (&auth.encoded_message, auth.encoded_truncated, &auth.decoded) {
            (Some(blob), false, None) if is_auth => Some(probe::sts::decode(&s, blob).await),
            _ => None,
        }
    };
    let quota = async {
        match &f.quota {
            Some(q) if q.managed => {
                Some(probe::quotas::quota(&s, &q.service_code, &q.quota_code).await)
            }
            _ => None,
        }
    };
    let role = async {
        let wanted = if auth.cause == Cause::Passrole || f.category == Category::Trust {
            // The role the message names beats the command line's instance profile name.
            auth.resource
                .clone()
                .filter(|r| r.contains(":role/"))
                .or_else(|| f.context.role_arn.clone())
        } else {
            None
        };
        match wanted {
            Some(r) if is_auth => Some(probe::iam::role(&s, &r).await),
            _ => None,
        }
    };
    let (caller, decode, quota, role) = tokio::join!(caller, decode, quota, role);
    let (c, rec) = caller;
    fx.caller = c;
    fx.records.push(rec);
    if let Some((d, rec)) = decode {
        fx.decoded = d;
        fx.records.push(rec);
    }
    if let Some((q, recs)) = quota {
        fx.quota = Some(q);
        fx.records.extend(recs);
    }
    if let Some((r, rec)) = role {
        fx.role = r;
        fx.records.push(rec);
    }
    if !is_auth {
        return fx;
    }

    // Second round: what the decoded message and the caller tell us to look at.
    let mut a = auth.clone();
    if let Some(d) = &fx.decoded {
        let prefix = f.service.as_deref().map(crate::classify::codes::iam_prefix);
        crate::classify::decoded::apply(d, &mut a, prefix.as_deref());
    }
    // Attribution: in `explain`, the text's principal made the call, not the reader.
    if !made_by_caller && let (Some(p), Some(c)) = (&a.principal, &fx.caller) {
        let text_account = p.split(':').nth(4).filter(|x| !x.is_empty());
        if text_account.is_some_and(|x| x != c.account) {
            fx.records.push(failed(
                "look-ups",
                &format!(
                    "not made: the text's principal is in account {}, these credentials are in {}; look-ups here would describe this account, not the one that failed",
                    text_account.unwrap_or_default(),
                    c.account
                ),
            ));
            return fx;
        }
        fx.subject_is_caller =
            crate::advise::role_arn_for(p) == crate::advise::role_arn_for(&c.arn);
    }
    let principal = a.principal.clone().or_else(|| {
        fx.caller
            .as_ref()
            .filter(|_| fx.subject_is_caller)
            .map(|c| c.arn.clone())
    });
    let account = principal
        .as_deref()
        .and_then(|p| p.split(':').nth(4))
        .filter(|x| !x.is_empty())
        .map(str::to_string)
        .or_else(|| fx.caller.as_ref().map(|c| c.account.clone()));
    let action = a.action.clone();
    let s3_resource = f.context.bucket.as_ref().map(|b| match &f.context.key {
        Some(k) if action.as_deref() != Some("s3:ListBucket") => format!("arn:aws:s3:::{b}/{k}"),
        _ => format!("arn:aws:s3:::{b}"),
    });
    let resource = a.resource.clone().or(s3_resource);
    let simulate = async {
        match (&principal, &action) {
            (Some(p), Some(act)) if p.starts_with("arn:") && f.category != Category::Trust => {
                let src = crate::advise::role_arn_for(p);
                Some(probe::iam::simulate(&s, &src, act, resource.as_deref(), &a.conditions).await)
            }
            _ => None,
        }
    };
    let bucket = async {
        match &f.context.bucket {
            Some(b) => {
                let denied = action.as_deref().map(|act| probe::s3::Denied {
                    principal: principal.as_deref(),
                    account: account.as_deref(),
                    action: act,
                    resource: resource.as_deref(),
                });
                Some(probe::s3::bucket(&s, b, denied).await)
            }
            None => None,
        }
    };
    // The denied principal's own role: where a grant would go, and whether IAM may edit it
    // (a service-linked path) or CloudFormation owns it (a stack tag).
    let own_role = async {
        let name = principal.as_deref().and_then(principal_role_name)?;
        if f.category == Category::Trust || name.starts_with("AWSReservedSSO_") {
            return None;
        }
        Some(probe::iam::role(&s, &name).await)
    };
    // Its policy documents, for awsx's own evaluation of every layer (simulation may be
    // denied to the caller, and is not available everywhere).
    let documents = async {
        match &principal {
            Some(p) if f.category != Category::Trust => probe::policies::identity(&s, p).await,
            _ => None,
        }
    };
    let (sim, bucket, own_role, documents) = tokio::join!(simulate, bucket, own_role, documents);
    if let Some((docs, rec)) = documents {
        fx.identity_policies = Some(docs);
        fx.records.push(rec);
    }
    if let Some((sim, rec)) = sim {
        fx.simulation = sim;
        fx.records.push(rec);
    }
    if let Some((r, rec)) = own_role {
        fx.principal_role = r;
        fx.records.push(rec);
    }
    if let Some((b, recs)) = bucket {
        fx.bucket = Some(b);
        fx.records.extend(recs);
    }
    // Third: the KMS key (named on the command line, in the error, or the bucket's default).
    let key = f
        .context
        .kms_key
        .clone()
        .or_else(|| resource.clone().filter(|r| r.contains(":kms:")))
        .or_else(|| fx.bucket.as_ref().and_then(|b| b.kms_key.clone()))
        .filter(|_| {
            a.cause == Cause::Kms || fx.bucket.as_ref().is_some_and(|b| b.kms_key.is_some())
        });
    if let Some(k) = key {
        let kms_action = action
            .clone()
            .filter(|x| x.starts_with("kms:"))
            .or_else(|| {
                Some(
                    if f.operation
                        .as_deref()
                        .is_some_and(|o| o.starts_with("Put") || o.contains("Upload"))
                    {
                        "kms:GenerateDataKey".to_string()
                    } else {
                        "kms:Decrypt".to_string()
                    },
                )
            });
        let (facts, recs) = probe::kms::key(
            &s,
            &k,
            principal.as_deref(),
            account.as_deref(),
            kms_action.as_deref(),
        )
        .await;
        fx.key = Some(facts);
        fx.records.extend(recs);
    }
    fx
}

/// The role name behind `arn:…:assumed-role/NAME/session` or `arn:…:role/path/NAME`.
fn principal_role_name(p: &str) -> Option<String> {
    let rest = p.split(':').nth(5)?;
    if let Some(r) = rest.strip_prefix("assumed-role/") {
        return r.split('/').next().map(str::to_string);
    }
    rest.strip_prefix("role/")
        .and_then(|r| r.rsplit('/').next())
        .map(str::to_string)
}

/// Whether this machine has any AWS credential configuration to try (so that `explain`
/// on a fresh machine does not sit in the credential chain's instance-metadata probe).
fn credentials_configured(target: &Target) -> bool {
    let env = |k: &str| std::env::var_os(k).is_some_and(|v| !v.is_empty());
    if target.profile.is_some()
        || env("AWSX_DIAGNOSE_PROFILE")
        || env("AWS_ACCESS_KEY_ID")
        || env("AWS_PROFILE")
        || env("AWS_WEB_IDENTITY_TOKEN_FILE")
        || env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")
        || env("AWS_CONTAINER_CREDENTIALS_FULL_URI")
    {
        return true;
    }
    let home = std::env::var_os("HOME").map(std::path::PathBuf::from);
    let file = |var: &str, rel: &str| {
        std::env::var_os(var)
            .map(std::path::PathBuf::from)
            .or_else(|| home.as_ref().map(|h| h.join(rel)))
            .is_some_and(|p| p.exists())
    };
    file("AWS_SHARED_CREDENTIALS_FILE", ".aws/credentials")
        || file("AWS_CONFIG_FILE", ".aws/config")
}

/// `awsx explain`: a saved text, report on stdout.
pub fn explain(text: &str, json: bool, offline: bool, target: Target) -> Result<i32> {
    let started = Instant::now();
    let mut f = classify(text, None);
    if let Some(why) = f.success_shaped() {
        if json {
            // No run here: only what the text says.
            let mut v = report::outcome_record(true, None, None, Some(why));
            if let Some(o) = v.as_object_mut() {
                o.insert("error_code".into(), serde_json::json!(f.error_code));
                o.insert("operation".into(), serde_json::json!(f.operation));
            }
            println!("{}", report::json_text(&v, true));
        } else {
            println!("awsx: {why}");
        }
        return Ok(0);
    }
    if f.context.profile.is_none() {
        f.context.profile = target.profile.clone();
    }
    if f.context.region.is_none() {
        f.context.region = target.region.clone();
    }
    let mut fx = Findings::default();
    if !offline && mode_from_env() == Mode::On && worth_probing(&f) {
        if credentials_configured(&target) {
            fx = run_probes(&f, &target, true, false);
        } else {
            fx.records.push(failed(
                "credentials",
                "no AWS credentials configured on this machine: offline diagnosis only",
            ));
        }
    }
    let advice = advise(&f, &fx);
    let run = report::RunFacts {
        duration_ms: Some(started.elapsed().as_millis() as u64),
        ..run_facts(&f, &fx)
    };
    print_report(&f, &fx, &advice, json.then_some(&run));
    Ok(0)
}

/// The report on stdout: JSON (with the run's fields) when `json` is given, else text.
fn print_report(f: &Failure, fx: &Findings, advice: &Advice, json: Option<&report::RunFacts>) {
    let mut out = std::io::stdout().lock();
    let s = if let Some(run) = json {
        let mut v = report::json(f, fx, advice);
        report::add_run_fields(&mut v, run, fx);
        format!("{}\n", report::json_text(&v, true))
    } else {
        report::text(
            f,
            advice,
            report::colour_enabled(std::io::stdout().is_terminal()),
        )
    };
    let _ = out.write_all(s.as_bytes());
}

/// `awsx decode`: the blob (bare, inside an error text, wrapped, from a file or stdin).
pub fn decode(message: Option<&str>, json: bool, target: Target) -> Result<i32> {
    let text = match message {
        Some(m) if m != "-" && !std::path::Path::new(m).is_file() => m.to_string(),
        other => crate::cli::read_input(other)?,
    };
    let mut f = classify(&text, None);
    let blob = match f
        .authorization
        .as_ref()
        .and_then(|a| a.encoded_message.clone())
    {
        Some(b) => b,
        None => {
            let t = text.trim();
            if t.is_empty()
                || !t
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c.is_whitespace())
            {
                anyhow::bail!("no encoded authorization message found in the input");
            }
            t.split_whitespace().collect::<String>()
        }
    };
    let mut auth = f.authorization.clone().unwrap_or_default();
    auth.encoded_message = Some(blob.clone());
    f.category = Category::Authorization;
    f.authorization = Some(auth.clone());
    let deadline = Instant::now() + probe::deadline_from_env();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let fx = rt.block_on(async {
        let mut fx = Findings::default();
        let s = match probe::session(&target, deadline).await {
            Ok(s) => s,
            Err(e) => {
                fx.records.push(failed("credentials", &e));
                return fx;
            }
        };
        let (d, rec) = probe::sts::decode(&s, &blob).await;
        fx.decoded = d;
        fx.records.push(rec);
        fx
    });
    rt.shutdown_background();
    let Some(decoded) = fx.decoded.clone() else {
        let why = fx
            .records
            .last()
            .map(|r| r.summary.clone())
            .unwrap_or_default();
        anyhow::bail!("could not decode: {why}");
    };
    let mut a = auth;
    crate::classify::decoded::apply(&decoded, &mut a, None);
    f.authorization = Some(a);
    println!("{}", report::json_text(&decoded, true));
    // With --json, stdout is the decoded message alone (`| jq` works); the analysis is
    // left out.
    if !json {
        print_report(&f, &fx, &advise(&f, &fx), None);
    }
    Ok(0)
}
