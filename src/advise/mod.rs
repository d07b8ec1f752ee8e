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
    for r in fx.records.iter().filter(|r| !r.ok) {
        // What awsx could not learn is itself worth a line, marked as a note, not a fact.
        let line = if r.probe == "look-ups" {
            r.summary.clone()
        } else if r.probe == "credentials" {
            format!("not made: {}", r.summary)
        } else if r.timed_out {
            format!("{} did not answer in time", r.probe)
        } else {
            format!("{} failed: {}", r.probe, r.summary)
        };
        b.fact("Look-up", line, Evidence::Note);
    }
    if fx.diagnose_profile.is_none() {
        let denied: Vec<&str> = fx.denied_probes().map(|r| r.probe.as_str()).collect();
        if !denied.is_empty() {
            b.step(
                format!(
                    "awsx could not look everything up: this identity may not call {}. Re-run with a profile that may, e.g.",
                    denied.join(", ")
                ),
                Some("AWSX_DIAGNOSE_PROFILE=<admin-profile> awsx <same command>".to_string()),
            );
        }
    }
    Advice {
        headline,
        facts: b.facts,
        next_steps: b.steps,
        decision: b.settled.map(|s| s.0),
        layer: b.settled.map(|s| s.1),
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
