//! Failure + Findings → headline, facts with their evidence, and next steps. Pure.

use serde::Serialize;
use serde_json::json;

pub use crate::command::sh;

use crate::failure::{Category, Cause, Decision, Failure, Layer};
use crate::findings::Findings;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct NextStep {
    pub text: String,
    /// One shell-safe command line to paste.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    /// A policy document or statement to merge by hand (not a command: never pasted into a
    /// shell as it is).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub document: Option<serde_json::Value>,
    /// The grant this step makes, for machines: action, every resource, the policy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grant: Option<serde_json::Value>,
}

/// Where a fact comes from: the reader can weigh it.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Evidence {
    Stated,
    Decoded,
    Simulated,
    Fetched,
    Inferred,
    /// awsx's own evaluation of the policy documents it read.
    Evaluated,
    /// Not a fact about the failure: what awsx could not look up, and why.
    Note,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Fact {
    pub label: String,
    pub value: String,
    pub evidence: Evidence,
}

#[derive(Debug, Clone, Serialize, PartialEq, Default)]
pub struct Advice {
    pub headline: String,
    pub facts: Vec<Fact>,
    pub next_steps: Vec<NextStep>,
    /// Decision and layer as the look-ups settled them (the text alone may not say).
    #[serde(skip)]
    pub decision: Option<Decision>,
    #[serde(skip)]
    pub layer: Option<Layer>,
}

struct Builder<'a> {
    f: &'a Failure,
    fx: &'a Findings,
    facts: Vec<Fact>,
    steps: Vec<NextStep>,
    settled: Option<(Decision, Layer)>,
}

impl Builder<'_> {
    fn fact(&mut self, label: &str, value: impl Into<String>, evidence: Evidence) {
        let value = value.into();
        if !value.is_empty() {
            self.facts.push(Fact {
                label: label.into(),
                value,
                evidence,
            });
        }
    }
    fn step(&mut self, text: impl Into<String>, command: Option<String>) {
        self.steps.push(NextStep {
            text: text.into(),
            command,
            document: None,
            grant: None,
        });
    }
    /// The scope suggested commands use: the failed command's profile and region (or the
    /// region the look-ups resolved), and the diagnose profile for owner-side commands.
    fn cmd_scope(&self) -> crate::command::Scope {
        crate::command::Scope {
            profile: self.f.context.profile.clone(),
            region: self.f.context.region.clone().or(self.fx.region.clone()),
            diagnose_profile: self.fx.diagnose_profile.clone(),
            endpoint_url: self.f.context.endpoint_url.clone(),
            endpoint_service: self.f.context.cli_command.as_ref().map(|c| c.0.clone()),
        }
    }
    /// A step with a command, unless the command is the call that just failed (run by the
    /// same identity, it would fail the same way).
    fn run(&mut self, text: impl Into<String>, cmd: crate::command::Cmd) {
        if cmd.side() == crate::command::Side::Caller
            && let Some((svc, op)) = &self.f.context.cli_command
            && svc == cmd.service()
            && op == cmd.operation()
        {
            return;
        }
        let line = cmd.render(&self.cmd_scope());
        self.step(text, Some(line));
    }
    /// A step that shows a document to merge by hand.
    fn doc(&mut self, text: impl Into<String>, doc: serde_json::Value) {
        self.steps.push(NextStep {
            text: text.into(),
            command: None,
            document: Some(doc),
            grant: None,
        });
    }
    /// ` --profile P --region R` from the failed command, for commands to paste.
    fn scope(&self) -> String {
        let mut s = String::new();
        if let Some(p) = &self.f.context.profile {
            s.push_str(&format!(" --profile {}", sh(p)));
        }
        if let Some(r) = self.f.context.region.as_ref().or(self.fx.region.as_ref()) {
            s.push_str(&format!(" --region {}", sh(r)));
        }
        s
    }
}

pub fn advise(f: &Failure, fx: &Findings) -> Advice {
    let merged = crate::plan::settle(f, fx).failure;
    let f = &merged;
    let mut b = Builder {
        f,
        fx,
        facts: Vec::new(),
        steps: Vec::new(),
        settled: None,
    };
    if let Some(code) = &f.error_code {
        let op = f
            .operation
            .as_deref()
            .map(|o| format!(" ({o})"))
            .unwrap_or_default();
        b.fact("Error", format!("{code}{op}"), Evidence::Stated);
    }
    if let Some(c) = &fx.caller {
        let via = fx
            .diagnose_profile
            .as_ref()
            .map(|p| format!(" (looked up with AWSX_DIAGNOSE_PROFILE={p})"))
            .unwrap_or_default();
        // The reader of an `explain` text is not the one who failed: say who looked up.
        let label = if fx.subject_is_caller {
            "Caller"
        } else {
            "Looked up as"
        };
        b.fact(
            label,
            format!("{} (account {}){via}", c.arn, c.account),
            Evidence::Fetched,
        );
    }
    let headline = match f.category {
        Category::Authorization | Category::Trust => authorization(&mut b),
        Category::Quota => quota(&mut b),
        Category::Capacity => capacity(&mut b),
        Category::Throttling => throttling(&mut b),
        Category::Credentials => credentials(&mut b),
        Category::Connectivity => connectivity(&mut b),
        Category::Validation => validation(&mut b),
        Category::Other => other(&mut b),
    };
    lookups_not_made(&mut b);
    // The caller is the principal (wrap mode, no AWSX_DIAGNOSE_PROFILE): say it once.
    if let Some(c) = &fx.caller
        && fx.subject_is_caller
        && fx.diagnose_profile.is_none()
        && b.facts
            .iter()
            .any(|x| x.label == "Principal" && x.value == c.arn)
    {
        b.facts.retain(|x| x.label != "Caller");
    }
    Advice {
        headline,
        facts: b.facts,
        next_steps: b.steps,
        decision: b.settled.map(|s| s.0),
        layer: b.settled.map(|s| s.1),
    }
}

/// What awsx could not learn, in one line (a note, not a fact), and the one command that
/// would let it: the same run with `AWSX_DIAGNOSE_PROFILE` set to a profile configured here.
fn lookups_not_made(b: &mut Builder) {
    use crate::findings::Outcome;
    let fx = b.fx;
    let mut by: [(Outcome, &str, Vec<String>); 4] = [
        (Outcome::Denied, "denied to this identity", Vec::new()),
        (Outcome::TimedOut, "no answer in time", Vec::new()),
        (
            Outcome::NotImplemented,
            "not implemented by the endpoint",
            Vec::new(),
        ),
        (Outcome::Failed, "failed", Vec::new()),
    ];
    let mut failed: Vec<(&str, Vec<&str>)> = Vec::new();
    for r in fx.records.iter().filter(|r| !r.ok) {
        // Records that are not one call: why no look-up was made at all.
        if r.probe == "look-ups" || r.probe == "credentials" || r.probe == "runtime" {
            let why = if r.probe == "look-ups" {
                r.summary.clone()
            } else {
                format!("none made: {}", r.summary)
            };
            b.fact("Look-ups", why, Evidence::Note);
            continue;
        }
        let o = r.outcome();
        if o == Outcome::Failed {
            // Calls that failed the same way share one reason (a Region without the
            // service fails every Service Quotas call with the same sentence).
            match failed.iter_mut().find(|(why, _)| *why == r.summary) {
                Some((_, actions)) if !actions.contains(&r.action()) => actions.push(r.action()),
                Some(_) => {}
                None => failed.push((&r.summary, vec![r.action()])),
            }
            continue;
        }
        let entry = r.action().to_string();
        if let Some((_, _, list)) = by.iter_mut().find(|(k, _, _)| *k == o)
            && !list.contains(&entry)
        {
            list.push(entry);
        }
    }
    if let Some((_, _, list)) = by.iter_mut().find(|(k, _, _)| *k == Outcome::Failed) {
        list.extend(
            failed
                .iter()
                .map(|(why, actions)| format!("{} ({why})", actions.join(", "))),
        );
    }
    let line: Vec<String> = by
        .iter()
        .filter(|(_, _, l)| !l.is_empty())
        .map(|(_, what, l)| format!("{what}: {}", l.join(", ")))
        .collect();
    if !line.is_empty() {
        b.fact("Not looked up", line.join("; "), Evidence::Note);
    }
    if fx.diagnose_profile.is_some() || fx.denied_probes().next().is_none() {
        return;
    }
    let text = "Some look-ups were denied to this identity. For the full diagnosis, re-run with a profile that may make them";
    let rerun = fx.rerun.as_ref();
    let candidates = rerun
        .map(|r| crate::config::diagnose_profile_candidates(&r.profiles, &r.profile))
        .unwrap_or_default();
    // The same arguments, unless they hold a credential (never print one).
    let argv = rerun
        .map(|r| &r.argv)
        .filter(|a| crate::report::redact_argv(a) == **a);
    match (candidates.first(), argv) {
        (Some(p), Some(argv)) => {
            let others = if candidates.len() > 1 {
                format!(
                    " (other profiles here: {})",
                    candidates[1..candidates.len().min(4)].join(", ")
                )
            } else {
                String::new()
            };
            let line = std::iter::once(format!("AWSX_DIAGNOSE_PROFILE={}", sh(p)))
                .chain(std::iter::once("awsx".to_string()))
                .chain(argv.iter().map(|a| sh(a)))
                .collect::<Vec<_>>()
                .join(" ");
            b.step(format!("{text}, e.g. {p}{others}:"), Some(line));
        }
        (Some(p), None) => b.step(
            format!("{text}: set AWSX_DIAGNOSE_PROFILE to one (e.g. {p}) and run the command again."),
            None,
        ),
        (None, _) => b.step(
            format!(
                "{text}: no other profile is configured on this machine; configure one and set AWSX_DIAGNOSE_PROFILE to it."
            ),
            None,
        ),
    }
}

mod authorization;
mod capacity;
mod layers;
mod local;
mod quota;
mod resources;

pub use crate::plan::role_arn_for;
use authorization::*;
use capacity::*;
use local::*;
pub use quota::desired_value;
use quota::*;
use resources::*;

/// RunInstances → run-instances.
pub fn kebab(op: &str) -> String {
    let mut out = String::new();
    let chars: Vec<char> = op.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            let prev_lower = chars[i - 1].is_ascii_lowercase() || chars[i - 1].is_ascii_digit();
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            if prev_lower || (next_lower && chars[i - 1].is_ascii_uppercase()) {
                out.push('-');
            }
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kebab_ops() {
        assert_eq!(kebab("RunInstances"), "run-instances");
        assert_eq!(
            kebab("GetAWSDefaultServiceQuota"),
            "get-aws-default-service-quota"
        );
        assert_eq!(kebab("ListObjectsV2"), "list-objects-v2");
    }

    #[test]
    fn desired_is_above_usage_and_tidy() {
        assert_eq!(desired_value(Some(32.0), Some(30.0)), Some(64.0));
        assert_eq!(desired_value(Some(5.0), None), Some(10.0));
        assert_eq!(desired_value(Some(8.0), Some(8.0)), Some(16.0));
        assert_eq!(desired_value(Some(1234.0), None), Some(2500.0));
        assert_eq!(desired_value(Some(130.0), Some(10.0)), Some(260.0));
        assert_eq!(desired_value(Some(0.0), Some(0.0)), Some(1.0));
        assert_eq!(desired_value(None, None), None);
    }

    #[test]
    fn session_arn_to_role() {
        assert_eq!(
            role_arn_for("arn:aws:sts::123:assumed-role/Dev/alice"),
            "arn:aws:iam::123:role/Dev"
        );
        assert_eq!(sh("a b'c"), r"'a b'\''c'");
    }
}
