//! `awsx quota SERVICE [FILTER…]` and `awsx quota SERVICE L-CODE`.
//!
//! The list pages through ListServiceQuotas and ListAWSDefaultServiceQuotas concurrently,
//! merges them, and reads the usage of every listed quota that has a usage metric in one
//! CloudWatch GetMetricData call. Errors are one line on stderr with a non-zero exit.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use serde_json::json;

use crate::findings::{ProbeRecord, QuotaValues};
use crate::probe::quotas::QuotaRow;
use crate::probe::{self, Target};
use crate::sanitize::inert_line;

/// The deadline when `AWSX_TIMEOUT` is unset: listing a large service (ec2 has hundreds of
/// quotas, 100 a page) takes longer than the diagnosis's 4 s.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

fn num(x: Option<f64>) -> String {
    match x {
        Some(v) if v.fract() == 0.0 && v.abs() < 1e15 => format!("{}", v as i64),
        Some(v) => format!("{v}"),
        None => "-".into(),
    }
}

fn timeout() -> (Duration, bool) {
    let t = crate::config::timeout_with_default(DEFAULT_TIMEOUT);
    (t.value, t.explicit)
}

/// A Service Quotas service code: letters, digits and dashes (`ec2`, `vpc`,
/// `elasticloadbalancing`, `AWSCloudMap`).
fn valid_service(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && s.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
}

/// `L-` and 1–32 letters or digits (`L-417A185B`).
fn valid_quota_code(s: &str) -> bool {
    s.strip_prefix("L-").is_some_and(|rest| {
        !rest.is_empty() && rest.len() <= 32 && rest.chars().all(|c| c.is_ascii_alphanumeric())
    })
}

/// Drops the SDK's debug tail (` (DispatchFailure(DispatchFailure { … }))`) from a one-line
/// error summary.
fn tidy(summary: &str) -> String {
    let mut from = 0;
    while let Some(i) = summary[from..].find(" (").map(|i| i + from) {
        let rest = &summary[i + 2..];
        let word: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        if word.starts_with(|c: char| c.is_ascii_uppercase()) && rest[word.len()..].starts_with('(')
        {
            return summary[..i].trim_end().to_string();
        }
        from = i + 2;
    }
    summary.to_string()
}

/// Why a look-up gave nothing, in one line.
fn why(r: &ProbeRecord, explicit_timeout: bool, limit: Duration) -> String {
    let op = r.probe.split(':').nth(1).unwrap_or(&r.probe);
    if r.timed_out && !r.summary.contains(':') && !explicit_timeout {
        return format!(
            "{op}: no answer within {}s (AWSX_TIMEOUT=SECONDS waits longer)",
            limit.as_secs()
        );
    }
    format!("{op}: {}", tidy(&r.summary))
}

fn first_failure(recs: &[ProbeRecord], explicit: bool, limit: Duration) -> Option<String> {
    recs.iter().find(|r| !r.ok).map(|r| why(r, explicit, limit))
}

/// ` --profile P --region R`, or the quota's home region for global quotas (IAM, S3 buckets).
fn scope(target: &Target, service: &str, code: &str) -> String {
    let mut s = String::new();
    if let Some(p) = &target.profile {
        s.push_str(&format!(" --profile {}", crate::advise::sh(p)));
    }
    let home = crate::knowledge::quotas::by_code(service, code).and_then(|q| q.home_region());
    if let Some(r) = home.map(str::to_string).or_else(|| target.region.clone()) {
        s.push_str(&format!(" --region {}", crate::advise::sh(&r)));
    }
    s
}

/// Words people type for a quota family, each with the service that holds it and the
/// filter word it stands for (`awsx quota gpu` = `awsx quota ec2 gpu`).
const FAMILIES: &[(&[&str], &str, &str)] = &[
    (&["gpu", "gpus"], "ec2", "gpu"),
    (&["eip", "eips", "elastic-ip", "elastic-ips"], "ec2", "eip"),
    (&["vcpu", "vcpus"], "ec2", ""),
];

/// Filter words that stand for several wordings in quota names: a row matches the word when
/// its name holds the word itself or any of these.
const FILTER_ALIASES: &[(&str, &[&str])] = &[
    (
        "gpu",
        &[
            "g and vt",
            "p instances",
            "inf instances",
            "trn instances",
            "dl instances",
            "p5",
            "p4",
            "p3",
            "p2",
        ],
    ),
    ("eip", &["elastic ip"]),
    ("sg", &["security group"]),
    ("igw", &["internet gateway"]),
    ("eni", &["network interface"]),
    ("nat", &["nat gateway"]),
];

/// The Service Quotas service code for what the user typed, and a filter word it implies:
/// a code as is (`EC2` → `ec2`), a quota family (`gpu` → `ec2` + `gpu`), or a CLI or SDK
/// name from botocore's models (`elbv2` → `elasticloadbalancing`, `cloudwatch` →
/// `monitoring`, `stepfunctions` → `states`).
fn resolve_service(input: &str) -> (String, Option<&'static str>) {
    let s = input.trim().to_ascii_lowercase();
    if let Some((_, code, word)) = FAMILIES
        .iter()
        .find(|(names, _, _)| names.contains(&s.as_str()))
    {
        return (code.to_string(), Some(*word).filter(|w| !w.is_empty()));
    }
    if crate::knowledge::quotas::for_service(&s).next().is_some() {
        return (s, None);
    }
    match crate::knowledge::service_models::service(&s).map(|m| m.quotas_code) {
        Some(code) if !code.is_empty() => (code.to_string(), None),
        // Service Quotas codes are case-sensitive (`AWSCloudMap`): an unknown one as typed.
        _ => (input.trim().to_string(), None),
    }
}

/// Whether a row's lower-case haystack matches one lower-case filter word.
fn matches(hay: &str, word: &str) -> bool {
    hay.contains(word)
        || FILTER_ALIASES
            .iter()
            .find(|(w, _)| *w == word)
            .is_some_and(|(_, alts)| alts.iter().any(|a| hay.contains(a)))
}

/// `awsx quota SERVICE [FILTER…] [--json]`.
pub fn run(service: &str, filter: &[String], json: bool, target: Target) -> Result<i32> {
    if !valid_service(service) {
        bail!(
            "invalid service code {:?}: use a Service Quotas service code such as ec2, vpc, lambda (aws service-quotas list-services)",
            inert_line(service)
        );
    }
    let (service, implied) = resolve_service(service);
    let service = service.as_str();
    let mut filter = filter.to_vec();
    if let Some(w) = implied {
        filter.insert(0, w.to_string());
    }
    let filter = filter.as_slice();
    let codes: Vec<&String> = filter
        .iter()
        .filter(|f| f.len() > 2 && f.get(..2).is_some_and(|p| p.eq_ignore_ascii_case("L-")))
        .collect();
    let code = match codes.as_slice() {
        [] => None,
        [c] => {
            let c = c.to_ascii_uppercase();
            if !valid_quota_code(&c) {
                bail!(
                    "invalid quota code {:?}: quota codes look like L-1216C47A",
                    inert_line(&c)
                );
            }
            Some(c)
        }
        _ => bail!("give one quota code (L-…) at a time"),
    };
    let (limit, explicit) = timeout();
    let deadline = Instant::now() + limit;
    let show_progress = !json && std::io::stderr().is_terminal();
    let out = crate::helpers::block_on(async {
        let s = probe::session(&target, deadline)
            .await
            .map_err(|e| anyhow::anyhow!("{}", tidy(&e)))?;
        let work = async {
            let quotas = async {
                match &code {
                    Some(code) => one(&s, service, code, json, &target, explicit, limit).await,
                    None => list(&s, service, filter, json, explicit, limit).await,
                }
            };
            let (out, (caller, _)) = tokio::join!(quotas, probe::sts::caller(&s));
            let region = s.conf.region().map(|r| r.to_string()).unwrap_or_default();
            let account = caller.map(|c| c.account).filter(|a| !a.is_empty());
            out.map(|o| o.scoped(&region, account.as_deref(), code.is_none()))
        };
        tokio::pin!(work);
        if !show_progress {
            return work.await;
        }
        tokio::select! {
            r = &mut work => r,
            _ = tokio::time::sleep(Duration::from_millis(300)) => {
                let _ = write!(std::io::stderr(), "awsx: asking Service Quotas about {service}…");
                let r = work.await;
                // Erased before anything else is written to the terminal.
                let _ = write!(std::io::stderr(), "\r\x1b[2K");
                r
            }
        }
    })?;
    let out = out?;
    match std::io::stdout().lock().write_all(out.stdout.as_bytes()) {
        // `awsx quota ec2 | head`: the reader has what it wanted.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(0),
        r => r?,
    }
    let mut err = std::io::stderr().lock();
    for note in &out.notes {
        let _ = writeln!(err, "awsx: {}", inert_line(note));
    }
    Ok(0)
}

/// What a successful `awsx quota` prints: stdout, then one-line notes on stderr.
#[derive(Default)]
struct Output {
    stdout: String,
    /// The `--json` document, serialised once the region and account are known.
    json: Option<serde_json::Value>,
    notes: Vec<String>,
}

impl Output {
    /// The region and account the quotas belong to: a line above a table, two rows under a
    /// single quota's title, two fields in JSON.
    fn scoped(mut self, region: &str, account: Option<&str>, table: bool) -> Self {
        if let Some(serde_json::Value::Object(m)) = self.json.as_mut() {
            m.insert("region".into(), json!(region));
            m.insert("account".into(), json!(account));
            self.stdout = format!(
                "{}\n",
                crate::report::json_text(&self.json.take().unwrap_or_default(), true)
            );
            return self;
        }
        let account = inert_line(account.unwrap_or("unknown"));
        let region = inert_line(region);
        if table {
            self.stdout
                .insert_str(0, &format!("region {region} · account {account}\n"));
        } else if let Some(end) = self.stdout.find('\n') {
            self.stdout.insert_str(
                end + 1,
                &format!("  region      {region}\n  account     {account}\n"),
            );
        }
        self
    }
}

/// What awsx knows about the usage, in words.
fn usage_text(v: &QuotaValues, recs: &[ProbeRecord], explicit: bool, limit: Duration) -> String {
    if v.usage.is_some() {
        return num(v.usage);
    }
    match recs.iter().find(|r| r.probe == "cloudwatch:GetMetricData") {
        None => "unknown (Service Quotas names no usage metric for this quota)".into(),
        Some(r) if r.ok => "unknown (no datapoint in the last hour)".into(),
        Some(r) => format!("unknown ({})", why(r, explicit, limit)),
    }
}

/// One quota in full, with its open increase requests and the command to raise it.
async fn one(
    s: &probe::Session,
    service: &str,
    code: &str,
    json: bool,
    target: &Target,
    explicit: bool,
    limit: Duration,
) -> Result<Output> {
    let (v, recs) = probe::quotas::quota(s, service, code).await;
    if v.value.is_none() && v.default_value.is_none() {
        let why = first_failure(&recs, explicit, limit).unwrap_or_default();
        bail!("quota {service} {code} not found: {why}");
    }
    let increase = (v.adjustable != Some(false) && !v.unmanaged).then(|| {
        format!(
            "aws service-quotas request-service-quota-increase --service-code {service} --quota-code {code} --desired-value {}{}",
            num(crate::advise::desired_value(v.value, v.usage)),
            scope(target, service, code)
        )
    });
    let history = recs.iter().find(|r| {
        r.probe
            .ends_with("ListRequestedServiceQuotaChangeHistoryByQuota")
    });
    let failed: Vec<String> = recs
        .iter()
        .filter(|r| !r.ok)
        .map(|r| why(r, explicit, limit))
        .collect();
    if json {
        let out = json!({
            "service_code": service,
            "quota_code": code,
            "quota_name": v.name,
            "value": v.value,
            "default_value": v.default_value,
            "usage": v.usage,
            "adjustable": v.adjustable,
            "unit": v.unit,
            "managed": !v.unmanaged,
            "pending_requests": v.pending.iter().map(|(st, d, c)| json!({"status": st, "desired_value": d, "created": c})).collect::<Vec<_>>(),
            "increase_command": increase,
            "failed_lookups": failed,
        });
        return Ok(Output {
            json: Some(out),
            ..Output::default()
        });
    }
    let mut out = String::new();
    out.push_str(&format!(
        "{} ({service} / {code})\n",
        inert_line(v.name.as_deref().unwrap_or("(unnamed quota)"))
    ));
    out.push_str(&format!("  applied     {}\n", num(v.value)));
    out.push_str(&format!("  default     {}\n", num(v.default_value)));
    out.push_str(&format!(
        "  usage       {}\n",
        inert_line(&usage_text(&v, &recs, explicit, limit))
    ));
    out.push_str(&format!(
        "  adjustable  {}\n",
        v.adjustable
            .map_or("unknown", |a| if a { "yes" } else { "no" })
    ));
    if let Some(u) = v.unit.as_deref().filter(|u| !u.is_empty() && *u != "None") {
        out.push_str(&format!("  unit        {}\n", inert_line(u)));
    }
    match history {
        Some(h) if !h.ok => out.push_str(&format!(
            "  requests    unknown ({})\n",
            inert_line(&why(h, explicit, limit))
        )),
        _ if v.pending.is_empty() => out.push_str("  requests    none open\n"),
        _ => {}
    }
    for (st, d, c) in &v.pending {
        out.push_str(&format!(
            "  request     {} desired {}{}\n",
            inert_line(st),
            num(*d),
            c.as_deref()
                .map(|c| format!(", opened {}", inert_line(c)))
                .unwrap_or_default()
        ));
    }
    if v.unmanaged {
        out.push_str("  increase    Service Quotas does not manage this quota: ask AWS Support\n");
    } else if let Some(cmd) = &increase {
        if !v.pending.is_empty() {
            out.push_str("  note        a request is already open; AWS takes a new one for this quota once it is closed\n");
        }
        out.push_str(&format!("  increase    {cmd}\n"));
    } else {
        out.push_str("  increase    not adjustable: reduce usage instead\n");
    }
    Ok(Output {
        stdout: out,
        json: None,
        notes: Vec::new(),
    })
}

/// The quotas of one service, filtered by words (all must match name, code, unit or usage
/// dimensions, case-insensitively).
async fn list(
    s: &probe::Session,
    service: &str,
    filter: &[String],
    json: bool,
    explicit: bool,
    limit: Duration,
) -> Result<Output> {
    let (mut rows, recs) = probe::quotas::list(s, service).await;
    if rows.is_empty() {
        let why = first_failure(&recs, explicit, limit)
            .unwrap_or_else(|| "Service Quotas listed none".into());
        bail!("no quotas for service code {service}: {why}");
    }
    let words: Vec<String> = filter.iter().map(|w| w.to_ascii_lowercase()).collect();
    rows.retain(|r| {
        let hay = r.haystack();
        words.iter().all(|w| matches(&hay, w))
    });
    if rows.is_empty() {
        bail!(
            "no {service} quota matches {:?} (try fewer words, or none to list all)",
            inert_line(&filter.join(" "))
        );
    }
    let with_metric: Vec<usize> = (0..rows.len())
        .filter(|&i| rows[i].metric.is_some())
        .collect();
    let metrics: Vec<_> = with_metric
        .iter()
        .filter_map(|&i| rows[i].metric.clone())
        .collect();
    let mut failed: Vec<String> = recs
        .iter()
        .filter(|r| !r.ok)
        .map(|r| why(r, explicit, limit))
        .collect();
    if !metrics.is_empty() {
        let (usages, rec) = probe::quotas::usages(s, &metrics).await;
        for (&i, u) in with_metric.iter().zip(usages) {
            rows[i].usage = u;
        }
        if !rec.ok {
            failed.push(why(&rec, explicit, limit));
        }
    }
    let applied_unknown = rows.iter().any(|r| r.value.is_none());
    if json {
        let out = json!({"service_code": service, "quotas": rows, "failed_lookups": failed});
        return Ok(Output {
            json: Some(out),
            ..Output::default()
        });
    }
    let mut notes = Vec::new();
    if applied_unknown {
        notes.push("* applied value unknown, the AWS default is shown".to_string());
    }
    notes.extend(failed.iter().map(|f| format!("look-up failed: {f}")));
    Ok(Output {
        stdout: table(&rows),
        json: None,
        notes,
    })
}

fn table(rows: &[QuotaRow]) -> String {
    let w = rows
        .iter()
        .map(|r| r.quota_name.chars().count())
        .max()
        .unwrap_or(4)
        .clamp(4, 70);
    let mut out = format!(
        "{:<12} {:<w$} {:>10} {:>10} {:>8} {:>10}\n",
        "CODE", "NAME", "APPLIED", "DEFAULT", "USAGE", "ADJUSTABLE"
    );
    for r in rows {
        let name: String = inert_line(&r.quota_name).chars().take(w).collect();
        let applied = match r.value {
            Some(_) => num(r.value),
            None if r.default_value.is_some() => format!("{}*", num(r.default_value)),
            None => "-".into(),
        };
        out.push_str(&format!(
            "{:<12} {:<w$} {:>10} {:>10} {:>8} {:>10}\n",
            inert_line(&r.quota_code),
            name,
            applied,
            num(r.default_value),
            num(r.usage),
            r.adjustable.map_or("-", |a| if a { "yes" } else { "no" })
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_words_resolve_to_quota_codes() {
        assert_eq!(resolve_service("EC2"), ("ec2".into(), None));
        assert_eq!(resolve_service("gpu"), ("ec2".into(), Some("gpu")));
        assert_eq!(resolve_service("EIPs"), ("ec2".into(), Some("eip")));
        assert_eq!(resolve_service("elbv2").0, "elasticloadbalancing");
        assert_eq!(resolve_service("cloudwatch").0, "monitoring");
        assert_eq!(resolve_service("stepfunctions").0, "states");
        assert_eq!(resolve_service("Lambda").0, "lambda");
        // Unknown words pass through for Service Quotas to judge.
        assert_eq!(resolve_service("AWSCloudMap").0, "AWSCloudMap");
    }

    #[test]
    fn filter_words_match_their_wordings() {
        let p = "running on-demand p instances l-417a185b";
        let g = "running on-demand g and vt instances l-db2e81ba";
        let std = "running on-demand standard (a, c, d, h, i, m, r, t, z) instances l-1216c47a";
        assert!(matches(p, "gpu") && matches(g, "gpu") && !matches(std, "gpu"));
        assert!(matches("ec2-vpc elastic ips l-0263d0a3", "eip"));
        assert!(matches(std, "standard") && !matches(std, "spot"));
    }

    #[test]
    fn inputs_are_checked() {
        assert!(valid_service("ec2"));
        assert!(valid_service("AWSCloudMap"));
        assert!(valid_service("elasticloadbalancing"));
        assert!(!valid_service("bad code!"));
        assert!(!valid_service(""));
        assert!(!valid_service("-x"));
        assert!(valid_quota_code("L-417A185B"));
        assert!(!valid_quota_code("L-"));
        assert!(!valid_quota_code("L-41 7A"));
        assert!(!valid_quota_code("L-bad!"));
    }

    #[test]
    fn sdk_debug_tail_is_dropped() {
        let s = "dispatch failure: io error: client error (Connect): tcp connect error: Connection refused (os error 111) (DispatchFailure(DispatchFailure { source: ConnectorError { kind: Io } }))";
        assert_eq!(
            tidy(s),
            "dispatch failure: io error: client error (Connect): tcp connect error: Connection refused (os error 111)"
        );
        assert_eq!(tidy("HTTP 500"), "HTTP 500");
    }

    #[test]
    fn unknown_applied_values_are_marked() {
        let row = QuotaRow {
            quota_code: "L-F678F1CE".into(),
            quota_name: "VPCs per Region".into(),
            value: None,
            default_value: Some(5.0),
            usage: None,
            adjustable: Some(true),
            unit: None,
            global: false,
            metric: None,
        };
        let t = table(&[row]);
        assert!(t.contains("L-F678F1CE"), "{t}");
        assert!(t.contains("5*"), "{t}");
    }
}
