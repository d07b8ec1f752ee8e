//! Rendering a diagnosis: the text report (compact, coloured on a terminal) and the JSON
//! report (schema 2, see `schema/report.schema.json`; schema 1 in `report.v1.schema.json`).

use owo_colors::OwoColorize;
use serde_json::{Value, json};

use crate::advise::{Advice, Evidence};
use crate::failure::Failure;
use crate::findings::Findings;
use crate::sanitize::{inert, inert_line};

/// The current schema; `AWSX_REPORT_SCHEMA=1` writes 1 (crate::config::report_schema).
pub const SCHEMA_VERSION: u64 = 2;

/// JSON text safe for a terminal: serde_json escapes only C0 controls, so DEL, C1 controls
/// and invisible/bidirectional characters in AWS-provided strings are escaped too
/// (`sanitize::inert_json`, the same list as the text report), and secrets are redacted
/// (`sanitize::redact`).
pub fn json_text(v: &Value, pretty: bool) -> String {
    let raw = if pretty {
        format!("{v:#}")
    } else {
        v.to_string()
    };
    crate::sanitize::inert_json(&crate::sanitize::redact(&raw))
}

/// Whether to colour output written to a stream that is (or is not) a terminal.
pub fn colour_enabled(is_terminal: bool) -> bool {
    if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) {
        return false;
    }
    if std::env::var_os("CLICOLOR_FORCE").is_some_and(|v| !v.is_empty() && v != "0") {
        return true;
    }
    is_terminal && std::env::var("TERM").map_or(true, |t| t != "dumb")
}

fn evidence_tag(e: Evidence) -> &'static str {
    match e {
        Evidence::Stated => "stated",
        Evidence::Decoded => "decoded",
        Evidence::Simulated => "simulated",
        Evidence::Fetched => "fetched",
        Evidence::Inferred => "inferred",
        Evidence::Evaluated => "evaluated",
        Evidence::Note => "note",
    }
}

/// How the text report is laid out: colour, and the width prose is wrapped to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    pub colour: bool,
    pub width: usize,
}

impl Style {
    /// No colour, 80 columns: what a file or a pipe gets.
    pub const PLAIN: Style = Style {
        colour: false,
        width: 80,
    };

    /// For a report written to `fd`: colour on a terminal (NO_COLOR, CLICOLOR_FORCE), and
    /// the terminal's width (`COLUMNS` when set), 80 columns when not a terminal.
    pub fn for_fd(fd: std::os::fd::BorrowedFd<'_>) -> Style {
        use std::io::IsTerminal;
        let tty = fd.is_terminal();
        let columns = std::env::var("COLUMNS")
            .ok()
            .and_then(|c| c.trim().parse::<usize>().ok())
            .filter(|&c| c > 0);
        let width = match (tty, columns) {
            (true, Some(c)) => c,
            (true, None) => terminal_width(fd).unwrap_or(80),
            (false, _) => 80,
        };
        Style {
            colour: colour_enabled(tty),
            width: width.clamp(40, 200),
        }
    }
}

fn terminal_width(fd: std::os::fd::BorrowedFd<'_>) -> Option<usize> {
    use std::os::fd::AsRawFd;
    let mut ws: libc::winsize = unsafe { std::mem::zeroed() };
    let ok = unsafe { libc::ioctl(fd.as_raw_fd(), libc::TIOCGWINSZ, &mut ws) } == 0;
    (ok && ws.ws_col > 0).then_some(ws.ws_col as usize)
}

/// `text` wrapped to `width` columns, the first line after `first`, the others after
/// `rest` (a hanging indent). Words are never broken, not even at hyphens: an ARN or a
/// name longer than the line runs past it whole, so it can still be copied.
fn wrap(text: &str, width: usize, first: &str, rest: &str) -> String {
    let opts = textwrap::Options::new(width)
        .initial_indent(first)
        .subsequent_indent(rest)
        .break_words(false)
        .word_splitter(textwrap::WordSplitter::NoHyphenation);
    textwrap::fill(text, opts)
}

/// The text report. Every AWS-provided string goes through `inert`. Prose (fact values,
/// step texts) is wrapped to `style.width`; commands and documents never are: a wrapped
/// command no longer pastes.
pub fn text(f: &Failure, advice: &Advice, style: Style) -> String {
    let colour = style.colour;
    let mut out = String::new();
    let head = wrap(
        &format!("{} [{}]", inert_line(&advice.headline), f.category.as_str()),
        style.width,
        "awsx: ",
        "      ",
    );
    if colour {
        // Colour the wrapped lines, the category tag dim.
        let (body, cat) = head.rsplit_once(" [").unwrap_or((&head, ""));
        let cat = if cat.is_empty() {
            String::new()
        } else {
            format!("[{cat}")
        };
        out.push_str(&format!("{} {}\n", body.bold().red(), cat.dimmed()));
    } else {
        out.push_str(&head);
        out.push('\n');
    }
    let width = advice
        .facts
        .iter()
        .map(|x| x.label.len())
        .max()
        .unwrap_or(0);
    let hang = " ".repeat(width + 4);
    for fact in &advice.facts {
        let label = format!("{:>width$}", fact.label);
        let tag = format!("({})", evidence_tag(fact.evidence));
        let mut lines: Vec<String> = Vec::new();
        for (i, part) in inert(&fact.value).split('\n').enumerate() {
            let first = if i == 0 {
                format!("  {label}  ")
            } else {
                hang.clone()
            };
            lines.push(wrap(
                part,
                style.width.saturating_sub(tag.len() + 1),
                &first,
                &hang,
            ));
        }
        let body = lines.join("\n");
        let body = if colour {
            // The label is the first `width + 4` columns of the first line.
            let split = 2 + width;
            let (l, v) = body.split_at(split.min(body.len()));
            format!("{}{v}", l.cyan())
        } else {
            body
        };
        if colour {
            out.push_str(&format!("{body} {}\n", tag.dimmed()));
        } else {
            out.push_str(&format!("{body} {tag}\n"));
        }
    }
    if !advice.next_steps.is_empty() {
        out.push_str(if colour {
            "  \u{1b}[1mNext steps\u{1b}[0m\n"
        } else {
            "  Next steps\n"
        });
        for (i, s) in advice.next_steps.iter().enumerate() {
            let n = format!("  {}. ", i + 1);
            let hang = " ".repeat(n.len());
            out.push_str(&wrap(&inert_line(&s.text), style.width, &n, &hang));
            out.push('\n');
            if let Some(c) = &s.command {
                let c = inert_line(c);
                if colour {
                    out.push_str(&format!("       {}\n", c.green()));
                } else {
                    out.push_str(&format!("       {c}\n"));
                }
            }
            if let Some(d) = &s.document {
                // A document is not a command: every line carries a bar so that pasting the
                // block into a shell runs nothing, and the header says what to do with it.
                let head = "┌ policy document: save to a file and merge it (not a shell command)";
                out.push_str(&format!(
                    "       {}\n",
                    if colour {
                        head.dimmed().to_string()
                    } else {
                        head.to_string()
                    }
                ));
                let pretty = serde_json::to_string_pretty(d).unwrap_or_default();
                for line in pretty.lines() {
                    let body = line.trim_start();
                    let indent = &line[..line.len() - body.len()];
                    out.push_str(&format!("       │ {indent}{}\n", inert_line(body)));
                }
            }
        }
    }
    crate::sanitize::redact(&out)
}

/// The JSON report, schema 2.
pub fn json(f: &Failure, fx: &Findings, advice: &Advice) -> Value {
    let merged = crate::plan::settle(f, fx).failure;
    let f = &merged;
    let authorization = f.authorization.as_ref().map(|a| {
        let decoded = fx.decoded.clone().or_else(|| a.decoded.clone());
        json!({
            "action": a.action,
            // The text's Resource when the message named none (S3: the command's bucket/key).
            "resource": a.resource.clone().or_else(|| advice.facts.iter().find(|x| x.label == "Resource").map(|x| x.value.clone())),
            "principal": a.principal.clone().or_else(|| fx.caller.as_ref().filter(|_| fx.subject_is_caller).map(|c| c.arn.clone())),
            "decision": advice.decision.unwrap_or(a.decision),
            "policy_layer": advice.layer.unwrap_or(a.policy_layer),
            "policy_arn": a.policy_arn,
            "cause": a.cause,
            "encoded_message": a.encoded_message,
            "encoded_truncated": a.encoded_truncated,
            "decoded": decoded,
            "conditions": a.conditions.iter().map(|(k, v)| json!({"key": k, "values": v})).collect::<Vec<_>>(),
            "matched_statements": a.matched_statements,
        })
    });
    // A quota failure of any service names its Service Quotas service even when the quota
    // itself is unknown (quota_code null): `aws service-quotas list-service-quotas` starts there.
    let unknown_quota = match &f.quota {
        None => crate::classify::quota_service_of(f).map(|svc| {
            json!({
                "service_code": svc, "quota_code": null, "quota_name": null, "value": null,
                "default_value": null, "usage": null, "adjustable": null, "managed": false,
                "pending_requests": [],
            })
        }),
        Some(_) => None,
    };
    let quota = f.quota.as_ref().map(|q| {
        let v = fx.quota.clone().unwrap_or_default();
        json!({
            "service_code": q.service_code,
            "quota_code": q.quota_code,
            "quota_name": v.name.clone().unwrap_or(q.quota_name.clone()),
            "value": v.value.or(q.stated_limit),
            "default_value": v.default_value.or(q.default_value),
            "usage": v.usage,
            "adjustable": v.adjustable,
            "managed": q.managed && !v.unmanaged,
            "pending_requests": v.pending.iter().map(|(s, d, c)| json!({"status": s, "desired_value": d, "created": c})).collect::<Vec<_>>(),
        })
    });
    let mut findings: Vec<Value> = fx
        .records
        .iter()
        .map(|r| serde_json::to_value(r).unwrap_or(Value::Null))
        .collect();
    if let Some(c) = &fx.caller {
        findings.push(json!({"probe": "caller", "ok": true, "arn": c.arn, "account": c.account}));
    }
    if let Some(s) = &fx.simulation {
        findings.push(json!({"probe": "simulation", "ok": true, "result": s}));
    }
    if let Some(b) = &fx.bucket {
        findings.push(json!({"probe": "bucket", "ok": true, "result": b}));
    }
    if let Some(k) = &fx.key {
        findings.push(json!({"probe": "kms-key", "ok": true, "result": k}));
    }
    if let Some(r) = &fx.role {
        findings.push(json!({"probe": "role", "ok": true, "result": r}));
    }
    let mut report = json!({
        "schema": crate::config::report_schema(),
        "category": f.category,
        "error_code": f.error_code,
        "operation": f.operation,
        "service": f.service,
        "message": f.message,
        "format": f.format,
        "problem": f.problem,
        "http_status": f.http_status,
        "retries": f.retries,
        "request_id": f.request_id,
        "headline": advice.headline,
        "action": crate::classify::action_of(f),
        "authorization": authorization,
        "quota": quota.or(unknown_quota),
        "facts": advice.facts,
        "findings": findings,
        "next_steps": advice.next_steps,
    });
    // Wrap mode (the failure has the command line): which aws CLI ran, path and the
    // version read from its installation (not by running `aws --version`: 0.3-1 s).
    if f.context.cli_command.is_some()
        && let Some(cli) = crate::doctor::aws_cli_json()
    {
        report["aws_cli"] = cli;
    }
    report
}

/// What the JSON report says about the run itself, beside the diagnosis (optional in schema
/// 1, required in schema 2; see `schema/report.schema.json`). `awsx explain` knows no exit code or argv.
#[derive(Debug, Clone, Default)]
pub struct RunFacts {
    /// aws's exit status (128+n for a signal death), wrap mode only.
    pub exit_code: Option<i32>,
    /// The aws arguments, secrets redacted (`redact_argv`), wrap mode only.
    pub argv: Option<Vec<String>>,
    pub region: Option<String>,
    pub account: Option<String>,
    pub profile: Option<String>,
    /// Milliseconds from reading the error to the finished advice (look-ups included).
    pub duration_ms: Option<u64>,
}

/// Adds the run's fields to a report from [`json`], in one block at its end: `ok`,
/// `exit_code`, `argv`, `region`, `account`, `profile`, `awsx_version`, `timestamp`,
/// `duration_ms`, `lookups` (one entry per look-up: probe, outcome, summary, ms).
pub fn add_run_fields(report: &mut Value, run: &RunFacts, fx: &Findings) {
    let Some(obj) = report.as_object_mut() else {
        return;
    };
    let lookups: Vec<Value> = fx
        .records
        .iter()
        .map(|r| {
            use crate::findings::Outcome;
            let outcome = match r.outcome() {
                Outcome::Ok => "ok",
                Outcome::Denied => "denied",
                Outcome::TimedOut => "timed-out",
                // Schema 2 names it (the text report does); schema 1 knew only "failed".
                Outcome::NotImplemented if crate::config::report_schema() >= 2 => "not-implemented",
                Outcome::NotImplemented | Outcome::Failed => "failed",
            };
            json!({"probe": r.probe, "outcome": outcome, "summary": r.summary, "ms": r.ms})
        })
        .collect();
    obj.insert("ok".into(), json!(false));
    obj.insert("exit_code".into(), json!(run.exit_code));
    obj.insert("argv".into(), json!(run.argv));
    obj.insert("region".into(), json!(run.region));
    obj.insert("account".into(), json!(run.account));
    obj.insert("profile".into(), json!(run.profile));
    obj.insert("awsx_version".into(), json!(env!("CARGO_PKG_VERSION")));
    obj.insert(
        "timestamp".into(),
        json!(rfc3339_utc(std::time::SystemTime::now())),
    );
    obj.insert("duration_ms".into(), json!(run.duration_ms));
    obj.insert("lookups".into(), Value::Array(lookups));
}

/// The record wrap mode writes to `AWSX_REPORT_FILE` when it writes no report (aws
/// succeeded, a dry run succeeded, or the failure was not diagnosed: interrupted, a usage
/// error, an unrecognised text), so that the file never holds an earlier run's diagnosis.
/// `ok` is true for a success (exit 0 or a success-shaped error such as `DryRunOperation`).
pub fn outcome_record(
    ok: bool,
    exit_code: Option<i32>,
    argv: Option<&[String]>,
    note: Option<&str>,
) -> Value {
    let mut v = json!({"schema": crate::config::report_schema(), "ok": ok});
    if let Some(obj) = v.as_object_mut() {
        if let Some(c) = exit_code {
            obj.insert("exit_code".into(), json!(c));
        }
        if let Some(a) = argv {
            obj.insert("argv".into(), json!(a));
        }
        obj.insert("awsx_version".into(), json!(env!("CARGO_PKG_VERSION")));
        let now = rfc3339_utc(std::time::SystemTime::now());
        obj.insert("timestamp".into(), json!(now));
        if let Some(n) = note {
            obj.insert("note".into(), json!(n));
        }
    }
    v
}

/// The aws arguments for a report: the value of a secret-bearing option
/// (`--secret-access-key`, `--session-token`, `--password`, …, also as `--opt=value`) and
/// any argument shaped like a secret access key or a session token become `<redacted>`;
/// then `sanitize::redact` (secret shapes, the environment's secret values).
pub fn redact_argv<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Vec<String> {
    use crate::sanitize::REDACTED;
    let secret_option = |name: &str| {
        let n = name.trim_start_matches('-').to_ascii_lowercase();
        !matches!(
            n.as_str(),
            "next-token" | "starting-token" | "client-token" | "continuation-token"
        ) && [
            "secret",
            "password",
            "token",
            "private-key",
            "passphrase",
            "credential",
        ]
        .iter()
        .any(|w| n.contains(w))
    };
    let mut out = Vec::with_capacity(args.len());
    let mut hide_next = false;
    for a in args {
        let a = a.as_ref().to_string_lossy();
        if std::mem::take(&mut hide_next) {
            out.push(REDACTED.to_string());
            continue;
        }
        if a.starts_with("--") {
            match a.split_once('=') {
                Some((name, _)) if secret_option(name) => {
                    out.push(format!("{name}={REDACTED}"));
                    continue;
                }
                None if secret_option(&a) => hide_next = true,
                _ => {}
            }
        }
        if looks_like_credential(&a) {
            out.push(REDACTED.to_string());
        } else {
            out.push(crate::sanitize::redact(&a));
        }
    }
    out
}

/// A secret access key (40 base64 characters mixing cases and digits) or an STS session
/// token (its known prefixes, 100+ characters).
fn looks_like_credential(a: &str) -> bool {
    let b64 = |c: char| c.is_ascii_alphanumeric() || matches!(c, '/' | '+' | '=');
    let secret_key = a.len() == 40
        && a.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '/' || c == '+')
        && a.chars().any(|c| c.is_ascii_uppercase())
        && a.chars().any(|c| c.is_ascii_lowercase())
        && a.chars()
            .any(|c| c.is_ascii_digit() || c == '/' || c == '+');
    let session_token = a.len() >= 100
        && a.chars().all(b64)
        && ["IQoJb3JpZ2luX2", "FwoGZXIvYXdzE", "AQoDYXdzE", "AQoEXAMPLE"]
            .iter()
            .any(|p| a.starts_with(p));
    secret_key || session_token
}

/// RFC 3339 in UTC with millisecond precision, e.g. `2026-05-04T09:30:12.345Z`.
pub fn rfc3339_utc(t: std::time::SystemTime) -> String {
    let d = t.duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60,
        d.subsec_millis()
    )
}

#[cfg(test)]
mod run_field_tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn timestamps_are_rfc3339_utc() {
        assert_eq!(rfc3339_utc(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        // 2000-02-29 (a leap day in a century year) and a time with milliseconds.
        let t = UNIX_EPOCH + Duration::from_millis(951_782_400_000 + 45_296_789);
        assert_eq!(rfc3339_utc(t), "2000-02-29T12:34:56.789Z");
        let t = UNIX_EPOCH + Duration::from_secs(1_767_225_599);
        assert_eq!(rfc3339_utc(t), "2025-12-31T23:59:59.000Z");
    }

    #[test]
    fn argv_secrets_are_redacted() {
        let got = redact_argv(&[
            "configure",
            "set",
            "--secret-access-key",
            "abc",
            "--session-token=xyz",
            "--next-token",
            "page2",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "--bucket",
            "my-bucket",
            "AKIAIOSFODNN7EXAMPLE",
        ]);
        assert_eq!(
            got,
            [
                "configure",
                "set",
                "--secret-access-key",
                "<redacted>",
                "--session-token=<redacted>",
                "--next-token",
                "page2",
                "<redacted>",
                "--bucket",
                "my-bucket",
                "AKIAIOSFODNN7EXAMPLE",
            ]
        );
    }
}
