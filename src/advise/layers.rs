//! Every policy layer, read from the documents: awsx's own evaluation of the denied request
//! over the principal's identity policies, its boundary and the resource's policy, one line
//! per layer, the deciding statement named. Simulation, when it ran, is a second opinion.

use super::*;
use crate::evaluate::{self, LayerVerdict, NamedPolicy, PolicySet, StatementRef};

fn statement(r: &StatementRef) -> String {
    let sid = r
        .sid
        .as_ref()
        .map(|s| format!("Sid {s}"))
        .unwrap_or_else(|| format!("statement #{}", r.index + 1));
    let conds: Vec<String> = r
        .matched_conditions
        .iter()
        .map(|(k, want, got)| {
            format!(
                "{k}: the statement says {}, the request has {}",
                want.join(", "),
                if got.is_empty() {
                    "none".to_string()
                } else {
                    got.join(", ")
                }
            )
        })
        .collect();
    let when = if conds.is_empty() {
        String::new()
    } else {
        format!(" ({})", conds.join("; "))
    };
    format!("{sid} in {}{when}", r.policy)
}

fn layer_name(l: Layer) -> &'static str {
    match l {
        Layer::Identity => "identity policies",
        Layer::Boundary => "permissions boundary",
        Layer::Scp => "SCPs",
        Layer::Rcp => "RCPs",
        Layer::Session => "session policy",
        Layer::Resource => "resource policy",
        Layer::Vpce => "VPC endpoint policy",
        Layer::Trust => "trust policy",
        Layer::Unknown => "other",
    }
}

/// What reading the layer would need, for a layer awsx could not read.
fn read_permission(l: Layer) -> &'static str {
    match l {
        Layer::Scp | Layer::Rcp => {
            "not read (they live in the management account: organizations:ListPoliciesForTarget, organizations:DescribePolicy there)"
        }
        Layer::Session => {
            "not readable (a session policy is only known to whoever created the session)"
        }
        _ => "not readable with these credentials",
    }
}

/// Evaluates the request when the principal's documents were read; adds one fact per layer
/// and returns the decision and deciding layer it settles.
pub(super) fn evaluated(
    b: &mut Builder,
    action: &str,
    resource: Option<&str>,
    principal: &str,
) -> Option<(Decision, Layer)> {
    let fx = b.fx;
    let docs = fx.identity_policies.as_ref()?;
    if !docs.complete {
        b.fact(
            "Evaluated",
            "not all of the principal's policies could be read: no evaluation",
            Evidence::Note,
        );
        return None;
    }
    let a = b.f.authorization.clone().unwrap_or_default();
    let mut context: std::collections::BTreeMap<String, Vec<String>> =
        a.conditions.iter().cloned().collect();
    // The transport is known from the endpoint the command used (https unless it said http).
    if !context
        .keys()
        .any(|k| k.eq_ignore_ascii_case("aws:SecureTransport"))
    {
        let plain =
            b.f.context
                .endpoint_url
                .as_deref()
                .is_some_and(|e| e.to_ascii_lowercase().starts_with("http://"));
        context.insert(
            "aws:SecureTransport".into(),
            vec![if plain { "false" } else { "true" }.into()],
        );
    }
    let resource_policy = fx
        .bucket
        .as_ref()
        .and_then(|bf| {
            bf.policy
                .clone()
                .map(|p| (format!("bucket policy of {}", bf.bucket), p))
        })
        .or_else(|| {
            fx.key.as_ref().and_then(|k| {
                k.policy.clone().map(|p| {
                    (
                        format!("key policy of {}", k.arn.clone().unwrap_or(k.key.clone())),
                        p,
                    )
                })
            })
        })
        .map(|(id, p)| NamedPolicy::new(id, p));
    let set = PolicySet {
        identity: docs
            .policies
            .iter()
            .map(|p| NamedPolicy::new(p.id.clone(), p.document.clone()))
            .collect(),
        boundary: docs
            .boundary
            .as_ref()
            .map(|p| NamedPolicy::new(p.id.clone(), p.document.clone())),
        scps: None,
        rcps: None,
        resource_policy,
        session_policy_present: false,
        principal_in_management_account: false,
        resource_in_management_account: false,
    };
    let resource_account = resource
        .and_then(|r| r.split(':').nth(4))
        .filter(|x| !x.is_empty())
        .map(str::to_string)
        .or_else(|| fx.key.as_ref().and_then(|k| k.account.clone()));
    let req = evaluate::Request {
        principal,
        action,
        resource: resource.unwrap_or("*"),
        resource_account: resource_account.as_deref(),
        context: &context,
    };
    let ev = evaluate::evaluate(&set, &req);
    for l in &ev.layers {
        let level = l
            .level
            .map(|n| format!(" (level {})", n + 1))
            .unwrap_or_default();
        let line = match &l.verdict {
            LayerVerdict::Allows { by } => format!("allows: {}", statement(by)),
            LayerVerdict::Denies { by } => format!("denies: {}", statement(by)),
            LayerVerdict::NoStatementAllows => "no statement allows it".to_string(),
            LayerVerdict::NotReadable => read_permission(l.layer).to_string(),
            LayerVerdict::NotApplicable => continue,
            LayerVerdict::DependsOn { keys } => {
                format!("depends on values awsx does not know: {}", keys.join(", "))
            }
            LayerVerdict::Invalid { policy, error } => {
                format!("{policy} could not be read as a policy: {error}")
            }
        };
        b.fact(
            "Evaluated",
            format!("{}{level}: {line}", layer_name(l.layer)),
            Evidence::Evaluated,
        );
    }
    if docs.has_boundary && docs.boundary.is_none() {
        b.fact(
            "Evaluated",
            "permissions boundary: attached, but its document could not be read",
            Evidence::Note,
        );
    }
    // A second opinion: IAM's simulation of the identity layer against awsx's reading.
    if let Some(sim) = &fx.simulation {
        let ours = ev
            .layers
            .iter()
            .find(|l| l.layer == Layer::Identity)
            .map(|l| match &l.verdict {
                LayerVerdict::Allows { .. } => "allowed",
                LayerVerdict::Denies { .. } => "explicitDeny",
                LayerVerdict::NoStatementAllows => "implicitDeny",
                _ => "unknown",
            });
        if let Some(ours) = ours
            && ours != "unknown"
            && ours != sim.decision
        {
            b.fact(
                "Disagreement",
                format!("IAM simulation says the identity policies give {}, awsx's evaluation of the same documents gives {ours}: one of the two is wrong; trust AWS's answer and report this", sim.decision),
                Evidence::Note,
            );
        }
    }
    let deciding = ev.deciding.as_ref().map(|(l, _)| *l);
    match ev.decision {
        evaluate::Decision::ExplicitDeny => {
            Some((Decision::ExplicitDeny, deciding.unwrap_or(Layer::Unknown)))
        }
        evaluate::Decision::ImplicitDeny | evaluate::Decision::Denied => {
            let missing = ev.missing_allow.first().copied().or(deciding);
            Some((Decision::ImplicitDeny, missing.unwrap_or(Layer::Unknown)))
        }
        // Everything awsx could read allows it: the block is in what it could not read.
        evaluate::Decision::Allowed | evaluate::Decision::Unknown => {
            b.fact(
                "Evaluated",
                "everything awsx could read allows this request: the denial comes from what it could not read (SCPs or RCPs, a session policy, a VPC endpoint policy)",
                Evidence::Evaluated,
            );
            None
        }
    }
}
