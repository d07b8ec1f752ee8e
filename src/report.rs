//! Rendering a diagnosis: the text report (compact, coloured on a terminal) and the JSON
//! report (schema 1, see `schema/report.schema.json`).

use owo_colors::OwoColorize;
use serde_json::{Value, json};

use crate::advise::{Advice, Evidence};
use crate::failure::Failure;
use crate::findings::Findings;
use crate::sanitize::{inert, inert_line};

pub const SCHEMA_VERSION: u64 = 1;

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
        Evidence::Note => "note",
    }
}

/// The text report. Every AWS-provided string goes through `inert`.
pub fn text(f: &Failure, advice: &Advice, colour: bool) -> String {
    let mut out = String::new();
    let head = format!("awsx: {}", inert_line(&advice.headline));
    let cat = format!("[{}]", f.category.as_str());
    if colour {
        out.push_str(&format!("{} {}\n", head.bold().red(), cat.dimmed()));
    } else {
        out.push_str(&format!("{head} {cat}\n"));
    }
    let width = advice
        .facts
        .iter()
        .map(|x| x.label.len())
        .max()
        .unwrap_or(0);
    for fact in &advice.facts {
        let label = format!("{:>width$}", fact.label);
        let tag = format!("({})", evidence_tag(fact.evidence));
        let value = inert(&fact.value).replace('\n', &format!("\n  {:width$}  ", ""));
        if colour {
            out.push_str(&format!("  {}  {} {}\n", label.cyan(), value, tag.dimmed()));
        } else {
            out.push_str(&format!("  {label}  {value} {tag}\n"));
        }
    }
    if !advice.next_steps.is_empty() {
        out.push_str(if colour {
            "  \u{1b}[1mNext steps\u{1b}[0m\n"
        } else {
            "  Next steps\n"
        });
        for (i, s) in advice.next_steps.iter().enumerate() {
            out.push_str(&format!("  {}. {}\n", i + 1, inert_line(&s.text)));
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
                    out.push_str(&format!("       │ {}\n", inert_line(line)));
                }
            }
        }
    }
    crate::sanitize::redact(&out)
}

/// The JSON report, schema 1.
pub fn json(f: &Failure, fx: &Findings, advice: &Advice) -> Value {
    let merged = crate::advise::merge(f, fx);
    let f = &merged;
    let authorization = f.authorization.as_ref().map(|a| {
        let decoded = fx.decoded.clone().or_else(|| a.decoded.clone());
        json!({
            "action": a.action,
            "resource": a.resource,
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
    json!({
        "schema": SCHEMA_VERSION,
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
        "authorization": authorization,
        "quota": quota,
        "facts": advice.facts,
        "findings": findings,
        "next_steps": advice.next_steps,
    })
}
