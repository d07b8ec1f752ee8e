//! The diagnosis flow: classify → plan and run probes under one deadline → advise → render.

use std::io::{IsTerminal, Write};
use std::os::fd::AsFd;
use std::time::{Duration, Instant};

use anyhow::Result;

use crate::advise::{Advice, advise};
use crate::classify::classify;
use crate::failure::{Category, Failure};
use crate::findings::{
    BucketFacts, Caller, Findings, IdentityPolicies, KeyFacts, ProbeRecord, QuotaValues, RoleInfo,
    Simulation,
};
use crate::invocation::Invocation;
use crate::plan::{Lookup, Round, plan, settle};
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
        let mut fx = run_probes(&f, &Target::from_invocation(inv), true, true);
        let argv: Option<Vec<String>> = args.iter().map(|a| a.to_str().map(String::from)).collect();
        fx.rerun = argv.map(|argv| {
            let profile = inv
                .profile
                .clone()
                .or_else(|| std::env::var("AWS_PROFILE").ok().filter(|p| !p.is_empty()));
            rerun_with(argv, profile)
        });
        fx
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
            report::Style::for_fd(std::io::stderr().as_fd()),
        )
    };
    let _ = err.write_all(out.as_bytes());
    let _ = err.flush();
}

/// What `advise` needs to suggest the same run with `AWSX_DIAGNOSE_PROFILE`.
fn rerun_with(argv: Vec<String>, profile: Option<String>) -> crate::findings::Rerun {
    crate::findings::Rerun {
        argv,
        profile: profile.unwrap_or_else(|| "default".into()),
        profiles: crate::config::profiles_here(),
    }
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
    let merged = settle(f, fx).failure;
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

pub use crate::plan::worth_probing;

/// Runs the probes on a current-thread runtime with a progress line on a terminal.
/// `made_by_caller`: the look-ups' identity made the failed call (wrap mode). For an
/// `explain` text it is false: the caller is only the reader.
pub fn run_probes(f: &Failure, target: &Target, progress: bool, made_by_caller: bool) -> Findings {
    let deadline = Instant::now() + probe::deadline_from_env();
    let show = progress && std::io::stderr().is_terminal();
    let fx = crate::helpers::block_on(async {
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
    fx.unwrap_or_else(|e| {
        let mut fx = Findings::default();
        fx.records.push(failed("runtime", &e.to_string()));
        fx
    })
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

/// Runs the plan's rounds under `deadline`: each round's look-ups concurrently, each round
/// planned from what the earlier ones found.
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
    for round in Round::ALL {
        let p = plan(f, &fx, round);
        if let Some(why) = &p.stop {
            fx.records.push(failed("look-ups", why));
            break;
        }
        let found = futures_util::future::join_all(p.lookups.iter().map(|l| execute(&s, l))).await;
        for (found, records) in found {
            found.store(&mut fx);
            fx.records.extend(records);
        }
        // Attribution settles once the caller and the decoded message are known.
        fx.subject_is_caller = settle(f, &fx).subject_is_caller;
    }
    fx
}

/// What one look-up found, before it is stored in the findings.
enum Found {
    Caller(Option<Caller>),
    Decoded(Option<serde_json::Value>),
    Quota(QuotaValues),
    Role(Option<RoleInfo>),
    Simulation(Option<Simulation>),
    Bucket(BucketFacts),
    OwnRole(Option<RoleInfo>),
    Policies(Option<IdentityPolicies>),
    Key(KeyFacts),
}

impl Found {
    fn store(self, fx: &mut Findings) {
        match self {
            Found::Caller(c) => fx.caller = c,
            Found::Decoded(d) => fx.decoded = d,
            Found::Quota(q) => fx.quota = Some(q),
            Found::Role(r) => fx.role = r,
            Found::Simulation(x) => fx.simulation = x,
            Found::Bucket(b) => fx.bucket = Some(b),
            Found::OwnRole(r) => fx.principal_role = r,
            Found::Policies(p) => fx.identity_policies = p.or(fx.identity_policies.take()),
            Found::Key(k) => fx.key = Some(k),
        }
    }
}

/// Makes one look-up: the only place a `Lookup` meets the network.
async fn execute(s: &probe::Session, l: &Lookup) -> (Found, Vec<ProbeRecord>) {
    match l {
        Lookup::Caller => {
            let (c, rec) = probe::sts::caller(s).await;
            (Found::Caller(c), vec![rec])
        }
        Lookup::Decode { blob } => {
            let (d, rec) = probe::sts::decode(s, blob).await;
            (Found::Decoded(d), vec![rec])
        }
        Lookup::Quota {
            service_code,
            quota_code,
        } => {
            let (q, recs) = probe::quotas::quota(s, service_code, quota_code).await;
            (Found::Quota(q), recs)
        }
        Lookup::Role { role } => {
            let (r, rec) = probe::iam::role(s, role).await;
            (Found::Role(r), vec![rec])
        }
        Lookup::OwnRole { name } => {
            let (r, rec) = probe::iam::role(s, name).await;
            (Found::OwnRole(r), vec![rec])
        }
        Lookup::Simulate {
            source,
            action,
            resource,
            conditions,
        } => {
            let (sim, rec) =
                probe::iam::simulate(s, source, action, resource.as_deref(), conditions).await;
            (Found::Simulation(sim), vec![rec])
        }
        Lookup::Bucket {
            bucket,
            principal,
            account,
            action,
            resource,
        } => {
            let denied = action.as_deref().map(|act| probe::s3::Denied {
                principal: principal.as_deref(),
                account: account.as_deref(),
                action: act,
                resource: resource.as_deref(),
            });
            let (b, recs) = probe::s3::bucket(s, bucket, denied).await;
            (Found::Bucket(b), recs)
        }
        Lookup::IdentityPolicies { principal } => {
            match probe::policies::identity(s, principal).await {
                Some((docs, rec)) => (Found::Policies(Some(docs)), vec![rec]),
                None => (Found::Policies(None), Vec::new()),
            }
        }
        Lookup::Key {
            key,
            principal,
            account,
            action,
        } => {
            let (k, recs) = probe::kms::key(
                s,
                key,
                principal.as_deref(),
                account.as_deref(),
                Some(action),
            )
            .await;
            (Found::Key(k), recs)
        }
    }
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
pub fn explain(
    text: &str,
    json: bool,
    offline: bool,
    target: Target,
    rerun: Option<Vec<String>>,
) -> Result<i32> {
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
        // Recognised: an AWS answer that means success (DryRunOperation).
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
            fx.rerun = rerun.map(|argv| rerun_with(argv, target.profile.clone()));
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
    // Scripts can tell "explained" from "nothing to explain" (`--help` documents both).
    Ok(if recognised(&f) { 0 } else { 1 })
}

/// The report on stdout: JSON (with the run's fields) when `json` is given, else text.
fn print_report(f: &Failure, fx: &Findings, advice: &Advice, json: Option<&report::RunFacts>) {
    let mut out = std::io::stdout().lock();
    let s = if let Some(run) = json {
        let mut v = report::json(f, fx, advice);
        report::add_run_fields(&mut v, run, fx);
        format!("{}\n", report::json_text(&v, true))
    } else {
        report::text(f, advice, report::Style::for_fd(std::io::stdout().as_fd()))
    };
    let _ = out.write_all(s.as_bytes());
}

/// `awsx decode`: the blob (bare, inside an error text, wrapped, from a file or stdin).
pub fn decode(message: Option<&str>, json: bool, target: Target) -> Result<i32> {
    let text = match message {
        Some(m) if m != "-" && !std::path::Path::new(m).is_file() => m.to_string(),
        other => crate::capture::read_input(other)?,
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
    let fx = crate::helpers::block_on(async {
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
    })?;
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
