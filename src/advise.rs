//! Failure + Findings → headline, facts with their evidence, and next steps. Pure.

use serde::Serialize;
use serde_json::json;

use crate::failure::{Category, Cause, Decision, Failure, Layer};
use crate::findings::Findings;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct NextStep {
    pub text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
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

/// Quotes a value for a POSIX shell only when it needs it.
pub fn sh(v: &str) -> String {
    if !v.is_empty()
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=@,+%".contains(c))
    {
        v.to_string()
    } else {
        format!("'{}'", v.replace('\'', r"'\''"))
    }
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
    let merged = merge(f, fx);
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
        b.fact(
            "Caller",
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
        let line = if r.probe == "credentials" {
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

/// The failure as the look-ups refined it: a decoded message names the principal, action,
/// resource, decision and context that the error text only carried encoded.
pub fn merge(f: &Failure, fx: &Findings) -> Failure {
    let mut f = f.clone();
    if let (Some(d), Some(a)) = (&fx.decoded, f.authorization.as_mut()) {
        let prefix = f.service.as_deref().map(crate::classify::codes::iam_prefix);
        crate::classify::decoded::apply(d, a, prefix.as_deref());
        if a.action
            .as_deref()
            .is_some_and(|x| x.eq_ignore_ascii_case("iam:PassRole"))
        {
            a.cause = Cause::Passrole;
        } else if a.action.as_deref().is_some_and(|x| x.starts_with("kms:")) {
            a.cause = Cause::Kms;
        } else if a.decision == Decision::ExplicitDeny
            && crate::classify::decoded_deny_has_conditions(Some(d))
        {
            a.cause = Cause::Condition;
        }
    }
    f
}

fn decision_text(d: Decision) -> &'static str {
    match d {
        Decision::ExplicitDeny => "explicit deny",
        Decision::ImplicitDeny => "implicit deny (nothing allows it)",
        Decision::Unknown => "denied",
    }
}

fn authorization(b: &mut Builder) -> String {
    let f = b.f;
    let fx = b.fx;
    let default = crate::failure::Authorization::default();
    let a = f.authorization.as_ref().unwrap_or(&default);
    let decoded_ev = if fx.decoded.is_some() {
        Evidence::Decoded
    } else {
        Evidence::Stated
    };
    let action = a.action.clone();
    let resource = a.resource.clone().or_else(|| {
        f.context.bucket.as_ref().map(|bk| match &f.context.key {
            Some(k) if action.as_deref() != Some("s3:ListBucket") => {
                format!("arn:aws:s3:::{bk}/{k}")
            }
            _ => format!("arn:aws:s3:::{bk}"),
        })
    });
    let principal = a
        .principal
        .clone()
        .or_else(|| fx.caller.as_ref().map(|c| c.arn.clone()));
    if let Some(p) = &principal {
        let ev = if a.principal.is_some() {
            decoded_ev
        } else {
            Evidence::Fetched
        };
        b.fact("Principal", p.clone(), ev);
    }
    if let Some(x) = &action {
        let ev = if a.action.is_some() && fx.decoded.is_some() {
            Evidence::Decoded
        } else if f.message.as_deref().is_some_and(|m| m.contains(x.as_str())) {
            Evidence::Stated
        } else {
            Evidence::Inferred
        };
        b.fact("Action", x.clone(), ev);
    }
    if let Some(r) = &resource {
        let ev = if a.resource.is_some() {
            decoded_ev
        } else {
            Evidence::Inferred
        };
        b.fact("Resource", r.clone(), ev);
    }
    let mut decision = a.decision;
    let mut layer = a.policy_layer;
    let mut layer_evidence = Evidence::Stated;
    if let Some(sim) = &fx.simulation {
        b.fact(
            "Simulation",
            format!(
                "identity policies: {}{}{}",
                sim.decision,
                sim.boundary_allows
                    .map(|x| format!("; permissions boundary allows: {x}"))
                    .unwrap_or_default(),
                sim.organizations_allows
                    .map(|x| format!("; SCPs allow: {x}"))
                    .unwrap_or_default()
            ),
            Evidence::Simulated,
        );
        for (id, ty) in &sim.matched {
            b.fact(
                "Matched policy",
                format!("{id} ({ty})"),
                Evidence::Simulated,
            );
        }
        if layer == Layer::Unknown {
            let (l, d) = match sim.decision.as_str() {
                _ if sim.organizations_allows == Some(false) => (Layer::Scp, decision),
                _ if sim.boundary_allows == Some(false) => (Layer::Boundary, decision),
                "explicitDeny" => (Layer::Identity, Decision::ExplicitDeny),
                "implicitDeny" => (Layer::Identity, Decision::ImplicitDeny),
                // Identity policies allow it, yet AWS denied: the block is elsewhere.
                "allowed" => (
                    if f.context.bucket.is_some() || a.cause == Cause::Kms {
                        Layer::Resource
                    } else {
                        Layer::Unknown
                    },
                    decision,
                ),
                _ => (layer, decision),
            };
            layer = l;
            if decision == Decision::Unknown {
                decision = d;
            }
            layer_evidence = Evidence::Simulated;
        }
        if sim.decision == "allowed" && layer == Layer::Unknown {
            b.fact(
                "Layer",
                "identity policies allow this call, so the denial comes from outside them: a service control or resource control policy, a session policy, a resource policy or a VPC endpoint policy".to_string(),
                Evidence::Simulated,
            );
        }
    }
    if let Some(bf) = &fx.bucket
        && bf.verdict.as_deref() == Some("explicit-deny")
        && layer == Layer::Unknown
    {
        layer = Layer::Resource;
        decision = Decision::ExplicitDeny;
        layer_evidence = Evidence::Fetched;
    }
    let mut decision_evidence = if fx.decoded.is_some() {
        Evidence::Decoded
    } else {
        Evidence::Stated
    };
    if layer == Layer::Resource && layer_evidence == Evidence::Fetched {
        decision_evidence = Evidence::Fetched;
    }
    // A trust failure: does the role's trust policy name the caller at all?
    let mut trust_allows_caller = None;
    if f.category == Category::Trust
        && let (Some(role), Some(p)) = (&fx.role, principal.as_deref())
        && let Some(tp) = &role.trust_policy
        && let Ok(doc) = crate::policy::parse(&tp.to_string())
    {
        let ctx = std::collections::BTreeMap::new();
        let account = fx.caller.as_ref().map(|c| c.account.as_str());
        let req = crate::policy::Request {
            principal: Some(p),
            account,
            action: action.as_deref().unwrap_or("sts:AssumeRole"),
            resource: role.arn.as_deref(),
            context: &ctx,
        };
        let ev = crate::policy::evaluate(&doc, &req);
        use crate::policy::Verdict;
        trust_allows_caller = Some(matches!(ev.verdict, Verdict::Allowed));
        match ev.verdict {
            Verdict::NoAllow | Verdict::ExplicitDeny if layer == Layer::Unknown => {
                layer = Layer::Trust;
                layer_evidence = Evidence::Fetched;
                decision_evidence = Evidence::Fetched;
                decision = if matches!(ev.verdict, Verdict::ExplicitDeny) { Decision::ExplicitDeny } else { Decision::ImplicitDeny };
                b.fact("Trust", format!("the role's trust policy does not trust {p}"), Evidence::Fetched);
            }
            Verdict::Allowed => b.fact(
                "Trust",
                "the trust policy allows this caller: the block is the caller's own permission to call sts:AssumeRole (identity policy, boundary or SCP)",
                Evidence::Fetched,
            ),
            Verdict::DependsOn => b.fact("Trust", "the trust policy allows this caller only under conditions (see below)", Evidence::Fetched),
            _ => {}
        }
    }
    b.fact("Decision", decision_text(decision), decision_evidence);
    if layer != Layer::Unknown {
        let arn = a
            .policy_arn
            .as_ref()
            .map(|p| format!(": {p}"))
            .unwrap_or_default();
        b.fact(
            "Blocked by",
            format!("{}{arn}", layer.describe()),
            layer_evidence,
        );
    }
    for st in &a.matched_statements {
        b.fact(
            "Matched statement",
            format!(
                "{} {}",
                st.effect.clone().unwrap_or_default(),
                st.sid
                    .clone()
                    .map(|s| format!("Sid {s}"))
                    .unwrap_or_else(|| "(no Sid)".into())
            ),
            Evidence::Decoded,
        );
    }
    for (k, v) in &a.conditions {
        b.fact(
            "Context",
            format!("{k} = {}", v.join(", ")),
            Evidence::Decoded,
        );
    }
    if let Some(role) = &fx.role {
        let exists = match role.exists {
            Some(true) => "exists",
            Some(false) => "does not exist",
            None => "existence unknown",
        };
        b.fact(
            "Role",
            format!(
                "{} ({exists})",
                role.arn.clone().unwrap_or_else(|| role.name.clone())
            ),
            Evidence::Fetched,
        );
        if let Some(tp) = &role.trust_policy {
            for line in trust_summary(tp) {
                b.fact("Trust policy", line, Evidence::Fetched);
            }
        }
    }
    bucket_facts(b);
    key_facts(b);

    // Next steps.
    let scope = b.scope();
    if let Some(blob) = &a.encoded_message
        && fx.decoded.is_none()
        && a.decoded.is_none()
    {
        if a.encoded_truncated {
            b.step("The encoded message looks cut short; decoding needs the whole blob. Re-run the command to get it, then decode:", None);
        } else {
            b.step(
                "Decode the authorization message (needs sts:DecodeAuthorizationMessage):",
                Some(format!("awsx decode {}", sh(blob))),
            );
            b.step("or with the aws CLI:", Some(format!("aws sts decode-authorization-message --encoded-message={}{scope} --query DecodedMessage --output text", sh(blob))));
        }
    }
    let action_s = action.clone().unwrap_or_else(|| "<service:Action>".into());
    let resource_s = resource.clone().unwrap_or_else(|| "*".into());
    match (decision, a.cause) {
        (Decision::ExplicitDeny, _) => {
            let where_ = if layer == Layer::Unknown {
                "a policy that applies to this call".to_string()
            } else {
                format!("the {}", layer.describe())
            };
            b.step(
                format!("An explicit Deny wins over every Allow: granting more permissions will not help. Change or get an exception to the Deny in {where_}{}.",
                    a.policy_arn.as_ref().map(|p| format!(" ({p})")).unwrap_or_default()),
                None,
            );
        }
        (_, Cause::ResourceSharing) => {
            if let Some(img) = f
                .context
                .image_id
                .clone()
                .or_else(|| resource.clone().filter(|r| r.contains("ami-")))
            {
                b.step("Check that the image exists in this region and is shared with your account (run as the image owner):",
                    Some(format!("aws ec2 describe-image-attribute --image-id {} --attribute launchPermission{scope}", sh(&img))));
                b.step(
                    "Look for it from your side, in this region:",
                    Some(format!(
                        "aws ec2 describe-images --image-ids {}{scope}",
                        sh(&img)
                    )),
                );
            } else {
                b.step("The resource exists elsewhere or is not shared with this account: check the region and ask the owner to share it.", None);
            }
        }
        _ => {}
    }
    // An undecoded message holds the answer; a statement before decoding would be a guess.
    let awaiting_decode =
        a.encoded_message.is_some() && fx.decoded.is_none() && a.decoded.is_none();
    if decision != Decision::ExplicitDeny
        && a.cause != Cause::ResourceSharing
        && !matches!(layer, Layer::Scp | Layer::Rcp | Layer::Trust)
        && action.is_some()
        && !awaiting_decode
    {
        let statement = if a.cause == Cause::Passrole {
            let service = f.service.as_deref().unwrap_or("ec2");
            let passed_to = match service {
                "ecs" => "ecs-tasks.amazonaws.com",
                "lambda" => "lambda.amazonaws.com",
                "batch" => "batch.amazonaws.com",
                "cloudformation" => "cloudformation.amazonaws.com",
                "states" | "stepfunctions" => "states.amazonaws.com",
                "glue" => "glue.amazonaws.com",
                "sagemaker" => "sagemaker.amazonaws.com",
                _ => "ec2.amazonaws.com",
            };
            json!({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:PassRole","Resource": resource_s,
                "Condition":{"StringEquals":{"iam:PassedToService": passed_to}}}]})
        } else {
            json!({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action": action_s,"Resource": resource_s}]})
        };
        let target = match layer {
            Layer::Boundary => "Widen the permissions boundary to include",
            Layer::Session => {
                "Pass a session policy that includes (or none), when creating the session:"
            }
            Layer::Resource => "Add to the resource policy (for the caller as Principal)",
            Layer::Vpce => "Allow it in the VPC endpoint policy:",
            _ if decision == Decision::Unknown => {
                "If no identity policy allows it (the message does not say which policy denied), allow exactly this action and resource:"
            }
            _ => {
                "Allow it in the caller's identity policy (least privilege: exactly this action and resource):"
            }
        };
        let who = principal.as_deref().and_then(role_or_user_name);
        let cmd = match (layer, who) {
            (Layer::Identity | Layer::Unknown, Some((kind, name))) => Some(format!(
                "aws iam put-{kind}-policy --{kind}-name {} --policy-name awsx-allow-{} --policy-document {}",
                sh(&name),
                action_s.replace([':', '*'], "-").to_ascii_lowercase(),
                sh(&statement.to_string())
            )),
            _ => Some(statement.to_string()),
        };
        b.step(target, cmd);
    }
    match layer {
        Layer::Scp | Layer::Rcp => {
            let pid = a
                .policy_arn
                .as_deref()
                .and_then(|p| p.rsplit('/').next())
                .filter(|p| p.starts_with("p-"));
            b.step(
                "This is an AWS Organizations policy: only the management account (or a delegated admin) can change it. Send them the action and resource above; to read the policy there:",
                Some(format!("aws organizations describe-policy --policy-id {}", pid.map(sh).unwrap_or_else(|| "<p-…>".into()))),
            );
        }
        _ if f.category == Category::Trust => {
            let role = f
                .context
                .role_arn
                .clone()
                .or_else(|| resource.clone())
                .unwrap_or_else(|| "<role>".into());
            let name = role.rsplit('/').next().unwrap_or(&role).to_string();
            b.step("Read the role's trust policy: the caller must be a trusted Principal and satisfy its conditions (ExternalId, MFA, tags):",
                Some(format!("aws iam get-role --role-name {} --query Role.AssumeRolePolicyDocument{scope}", sh(&name))));
            if trust_allows_caller == Some(false)
                && decision != Decision::ExplicitDeny
                && let Some(p) = principal.as_deref()
            {
                let trusted = role_arn_for(p);
                let doc = json!({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS": trusted},"Action":"sts:AssumeRole"}]});
                b.step(
                    "As the role's owner, add the caller to the trust policy (this replaces the document: merge it with the current statements):",
                    Some(format!("aws iam update-assume-role-policy --role-name {} --policy-document {}{scope}", sh(&name), sh(&doc.to_string()))),
                );
            }
        }
        _ => {}
    }
    if a.cause == Cause::Kms {
        let key = f
            .context
            .kms_key
            .clone()
            .or_else(|| fx.key.as_ref().map(|k| k.key.clone()))
            .or_else(|| fx.bucket.as_ref().and_then(|bf| bf.kms_key.clone()))
            .or_else(|| resource.clone().filter(|r| r.contains(":kms:")));
        b.step(
            "KMS needs both: the caller's IAM policy must allow the kms action, and the key policy (or a grant) must allow the caller.",
            key.as_ref().map(|k| format!("aws kms get-key-policy --key-id {} --policy-name default{scope}", sh(k))),
        );
    }
    if action.as_deref().is_some_and(|x| x.starts_with("s3:"))
        && decision == Decision::Unknown
        && fx.bucket.is_none()
    {
        b.step(
            "A bare S3 403 has five usual causes: the caller's identity policy, the bucket policy, the object's KMS key, object ownership/ACLs, or a key that does not exist while the caller lacks s3:ListBucket (S3 then answers 403, not 404).",
            None,
        );
    }
    if let Some(bucket) = &f.context.bucket
        && fx
            .bucket
            .as_ref()
            .is_none_or(|bf| bf.policy.is_none() && !bf.no_policy)
    {
        b.step(
            "Read the bucket policy (as the bucket owner):",
            Some(format!(
                "aws s3api get-bucket-policy --bucket {} --query Policy --output text{scope}",
                sh(bucket)
            )),
        );
    }
    if a.decoded.is_none()
        && a.encoded_message.is_none()
        && a.action.is_some()
        && fx.simulation.is_none()
        && let Some(p) = principal.as_deref().filter(|p| p.starts_with("arn:"))
    {
        let sim_arn = role_arn_for(p);
        b.step("Ask IAM which policy decides it:", Some(format!(
                "aws iam simulate-principal-policy --policy-source-arn {} --action-names {} --resource-arns {}{scope}",
                sh(&sim_arn), sh(&action_s), sh(&resource_s))));
    }
    b.settled = Some((decision, layer));
    let subject = principal
        .as_deref()
        .map(short_principal)
        .unwrap_or_else(|| "The caller".into());
    let what = action.unwrap_or_else(|| f.error_code.clone().unwrap_or_else(|| "this call".into()));
    let on = resource.map(|r| format!(" on {r}")).unwrap_or_default();
    let why = match (decision, layer) {
        (Decision::Unknown, Layer::Unknown) => String::new(),
        (d, Layer::Unknown) => format!(" ({})", decision_text(d)),
        (d, l) => format!(" ({} in {})", decision_text(d), short_layer(l)),
    };
    if f.category == Category::Trust {
        format!("Role assumption refused: {subject} may not {what}{on}{why}")
    } else {
        format!("Access denied: {subject} may not {what}{on}{why}")
    }
}

fn short_layer(l: Layer) -> &'static str {
    match l {
        Layer::Identity => "identity policy",
        Layer::Boundary => "permissions boundary",
        Layer::Scp => "an SCP",
        Layer::Rcp => "an RCP",
        Layer::Session => "session policy",
        Layer::Resource => "resource policy",
        Layer::Vpce => "VPC endpoint policy",
        Layer::Trust => "trust policy",
        Layer::Unknown => "unknown layer",
    }
}

fn short_principal(p: &str) -> String {
    // arn:aws:sts::123:assumed-role/Role/session → assumed-role/Role/session (123)
    match p.split(':').collect::<Vec<_>>().as_slice() {
        [_, _, _, _, acct, rest] if !acct.is_empty() => format!("{rest} ({acct})"),
        _ => p.to_string(),
    }
}

/// ("role", name) or ("user", name) for an IAM principal ARN.
fn role_or_user_name(p: &str) -> Option<(&'static str, String)> {
    let rest = p.split(':').nth(5)?;
    let mut parts = rest.split('/');
    match parts.next()? {
        "user" => parts.next_back().map(|n| ("user", n.to_string())),
        "role" => parts.next_back().map(|n| ("role", n.to_string())),
        "assumed-role" => parts.next().map(|n| ("role", n.to_string())),
        _ => None,
    }
}

/// The role ARN behind an assumed-role session ARN (what IAM simulation needs).
pub fn role_arn_for(p: &str) -> String {
    let parts: Vec<&str> = p.split(':').collect();
    if parts.len() == 6
        && parts[2] == "sts"
        && let Some(rest) = parts[5].strip_prefix("assumed-role/")
    {
        let role = rest.split('/').next().unwrap_or(rest);
        return format!("arn:{}:iam::{}:role/{role}", parts[1], parts[4]);
    }
    p.to_string()
}

fn principal_text(p: &crate::policy::Principal) -> String {
    match p {
        crate::policy::Principal::Any => "anyone (*)".into(),
        crate::policy::Principal::Map(m) => m
            .iter()
            .map(|(k, v)| format!("{k} {}", v.join(", ")))
            .collect::<Vec<_>>()
            .join("; "),
    }
}

fn trust_summary(tp: &serde_json::Value) -> Vec<String> {
    let Ok(doc) = crate::policy::parse(&tp.to_string()) else {
        return vec![];
    };
    doc.statements
        .iter()
        .map(|s| {
            let principal = s
                .principal
                .as_ref()
                .map(principal_text)
                .unwrap_or_else(|| "-".into());
            let conds: Vec<String> = s
                .condition
                .iter()
                .map(crate::policy::explain_condition)
                .collect();
            format!(
                "{} {} for {}{}",
                s.effect,
                s.action.join(","),
                principal,
                if conds.is_empty() {
                    String::new()
                } else {
                    format!(" when {}", conds.join("; "))
                }
            )
        })
        .collect()
}

fn bucket_facts(b: &mut Builder) {
    let Some(bf) = b.fx.bucket.clone() else {
        return;
    };
    let scope = b.scope();
    let f = b.f;
    let default = crate::failure::Authorization::default();
    let a = f.authorization.as_ref().unwrap_or(&default);
    let principal = a
        .principal
        .clone()
        .or_else(|| b.fx.caller.as_ref().map(|c| c.arn.clone()));
    b.fact(
        "Bucket",
        match bf.exists {
            Some(true) => bf.bucket.clone(),
            Some(false) => format!("{} does not exist (or not in this partition)", bf.bucket),
            None => format!("{} (awsx could not tell whether it exists)", bf.bucket),
        },
        Evidence::Fetched,
    );
    if let Some(r) = &bf.region {
        let mismatch = f.context.region.as_ref().is_some_and(|cr| cr != r);
        b.fact(
            "Bucket region",
            if mismatch {
                format!(
                    "{r} (the command used {}: a region mismatch)",
                    f.context.region.clone().unwrap_or_default()
                )
            } else {
                r.clone()
            },
            Evidence::Fetched,
        );
    }
    if bf.policy_denied {
        b.fact(
            "Bucket policy",
            "you may not read it (ask the bucket owner)",
            Evidence::Fetched,
        );
    } else if bf.no_policy {
        b.fact("Bucket policy", "none", Evidence::Fetched);
    }
    for line in &bf.analysis {
        b.fact("Bucket policy", line.clone(), Evidence::Fetched);
    }
    match bf.is_public {
        Some(true) => b.fact(
            "Policy status",
            "public: the bucket policy grants access to everyone",
            Evidence::Fetched,
        ),
        Some(false) => b.fact("Policy status", "not public", Evidence::Fetched),
        None => {}
    }
    if let Some(pab) = &bf.public_access_block {
        let on: Vec<&str> = [
            "BlockPublicAcls",
            "IgnorePublicAcls",
            "BlockPublicPolicy",
            "RestrictPublicBuckets",
        ]
        .into_iter()
        .filter(|k| pab.get(*k).and_then(|v| v.as_bool()) == Some(true))
        .collect();
        b.fact(
            "Block Public Access",
            if on.is_empty() {
                "off".into()
            } else {
                format!(
                    "{}: access granted to everyone (public ACLs, Principal \"*\") is blocked or ignored; named principals are not affected",
                    on.join(", ")
                )
            },
            Evidence::Fetched,
        );
    }
    if let Some(o) = &bf.ownership {
        let meaning = match o.as_str() {
            "BucketOwnerEnforced" => " (ACLs are disabled: only policies decide access)",
            "BucketOwnerPreferred" | "ObjectWriter" => {
                " (ACLs are in effect: an object uploaded by another account may belong to its uploader)"
            }
            _ => "",
        };
        b.fact(
            "Object ownership",
            format!("{o}{meaning}"),
            Evidence::Fetched,
        );
    }
    if let Some(k) = &bf.kms_key {
        b.fact("Default encryption", format!("SSE-KMS with {k}: readers and writers also need kms:Decrypt / kms:GenerateDataKey on it"), Evidence::Fetched);
    }
    if let (Some(verdict), Some(caller)) = (&bf.verdict, &b.fx.caller)
        && verdict == "no-allow"
    {
        b.fact("Cross-account", format!("if the bucket belongs to another account than {}, both its bucket policy and the caller's identity policy must allow the call", caller.account), Evidence::Inferred);
    }

    // Next steps: the Deny's condition to satisfy, the statement to add, the policy to read.
    let doc = bf
        .policy
        .as_ref()
        .and_then(|p| crate::policy::parse(&p.to_string()).ok());
    if let Some(doc) = &doc {
        for line in &bf.analysis {
            let Some(n) = line
                .strip_prefix("Deny statement #")
                .and_then(|r| r.split(|c: char| !c.is_ascii_digit()).next())
                .and_then(|n| n.parse::<usize>().ok())
            else {
                continue;
            };
            let Some(st) = n.checked_sub(1).and_then(|i| doc.statements.get(i)) else {
                continue;
            };
            let name = crate::policy::statement_name(n - 1, st);
            if st
                .condition
                .iter()
                .any(|c| c.key.eq_ignore_ascii_case("aws:SecureTransport"))
            {
                b.step(
                    format!("{name} of the bucket policy refuses requests sent over plain HTTP (aws:SecureTransport false): use an https:// endpoint."),
                    None,
                );
            } else if !st.condition.is_empty() {
                let when: Vec<String> = st
                    .condition
                    .iter()
                    .map(crate::policy::explain_condition)
                    .collect();
                b.step(
                    format!(
                        "{name} of the bucket policy applies when {}: send the request so that it does not hold, or ask the bucket owner for an exception.",
                        when.join(" and ")
                    ),
                    None,
                );
            }
        }
    }
    if bf.verdict.as_deref() == Some("no-allow")
        && let (Some(p), Some(action)) = (principal.as_deref(), a.action.as_deref())
    {
        let resource = a.resource.clone().unwrap_or_else(|| match &f.context.key {
            Some(k) if action != "s3:ListBucket" => format!("arn:aws:s3:::{}/{k}", bf.bucket),
            _ => format!("arn:aws:s3:::{}", bf.bucket),
        });
        let statement = json!({
            "Sid": "AllowCaller",
            "Effect": "Allow",
            "Principal": {"AWS": role_arn_for(p)},
            "Action": action,
            "Resource": resource,
        });
        b.step(
            "If the bucket belongs to another account, its owner must also add to the bucket policy:",
            Some(statement.to_string()),
        );
    }
    if bf.policy.is_some() {
        b.step(
            "Read the whole bucket policy (as the bucket owner):",
            Some(format!(
                "aws s3api get-bucket-policy --bucket {} --query Policy --output text{scope}",
                sh(&bf.bucket)
            )),
        );
    }
}

fn key_facts(b: &mut Builder) {
    let Some(k) = b.fx.key.clone() else { return };
    let scope = b.scope();
    let f = b.f;
    let default = crate::failure::Authorization::default();
    let a = f.authorization.as_ref().unwrap_or(&default);
    let mut desc = k.arn.clone().unwrap_or(k.key.clone());
    if let Some(s) = &k.state {
        desc.push_str(&format!(" (state {s}"));
        if let Some(m) = &k.manager {
            desc.push_str(&format!(", {m}-managed"));
        }
        desc.push(')');
    }
    b.fact("KMS key", desc, Evidence::Fetched);
    if let Some(s) = k.state.as_deref().filter(|s| *s != "Enabled") {
        b.fact(
            "Key state",
            format!("{s}: a key that is not Enabled refuses every cryptographic operation"),
            Evidence::Fetched,
        );
    }
    for line in &k.analysis {
        b.fact("Key policy", line.clone(), Evidence::Fetched);
    }
    if let Some(n) = k.grants {
        b.fact("Grants", format!("{n} on the key"), Evidence::Fetched);
    }
    if let (Some(acct), Some(c)) = (&k.account, &b.fx.caller)
        && acct != &c.account
    {
        b.fact("Cross-account", format!("the key belongs to account {acct}, the caller to {}: the key policy must name the caller and the caller's IAM policy must allow the key", c.account), Evidence::Fetched);
    }

    let key_ref = k.arn.clone().unwrap_or(k.key.clone());
    let principal = a
        .principal
        .clone()
        .or_else(|| b.fx.caller.as_ref().map(|c| c.arn.clone()));
    // The KMS action the failed call needed (as the look-up used it).
    let action = a
        .action
        .clone()
        .filter(|x| x.starts_with("kms:"))
        .unwrap_or_else(|| {
            if f.operation
                .as_deref()
                .is_some_and(|o| o.starts_with("Put") || o.contains("Upload"))
            {
                "kms:GenerateDataKey".into()
            } else {
                "kms:Decrypt".into()
            }
        });
    if k.verdict.as_deref() == Some("no-allow")
        && let Some(p) = principal.as_deref()
    {
        let statement = json!({
            "Sid": "AllowCallerToUseTheKey",
            "Effect": "Allow",
            "Principal": {"AWS": role_arn_for(p)},
            "Action": action,
            "Resource": "*",
        });
        b.step(
            format!("The key policy does not let the caller use the key: its owner can add this statement (the caller's IAM policy must allow {action} on the key too):"),
            Some(statement.to_string()),
        );
    }
    if a.cause != Cause::Kms {
        b.step(
            "Read the key policy (as the key's owner):",
            Some(format!(
                "aws kms get-key-policy --key-id {} --policy-name default --query Policy --output text{scope}",
                sh(&key_ref)
            )),
        );
    }
}

fn quota(b: &mut Builder) -> String {
    let f = b.f;
    let fx = b.fx;
    let Some(q) = &f.quota else {
        let scope = b.scope();
        let msg = f.message.clone().unwrap_or_default();
        b.step(
            "A limit was hit but awsx does not know which Service Quotas code it is. List the service's quotas:",
            Some(format!("aws service-quotas list-service-quotas --service-code {}{scope}", sh(f.service.as_deref().unwrap_or("<service>")))),
        );
        return format!(
            "Limit reached: {}",
            if msg.is_empty() {
                f.error_code.clone().unwrap_or_default()
            } else {
                msg
            }
        );
    };
    let known = crate::knowledge::quotas::by_code(&q.service_code, &q.quota_code);
    // Global quotas (IAM, S3 buckets) are viewed and raised in their home region only.
    let scope = match known.and_then(|k| k.home_region()) {
        Some(home) => {
            let profile = f
                .context
                .profile
                .as_ref()
                .map(|p| format!(" --profile {}", sh(p)))
                .unwrap_or_default();
            format!("{profile} --region {home}")
        }
        None => b.scope(),
    };
    let v = fx.quota.clone().unwrap_or_default();
    let name = v.name.clone().unwrap_or(q.quota_name.clone());
    b.fact(
        "Quota",
        format!("{name} ({} / {})", q.service_code, q.quota_code),
        Evidence::Inferred,
    );
    let applied = v.value.or(q.stated_limit);
    if let Some(x) = v.value {
        b.fact("Applied value", fmt_num(x), Evidence::Fetched);
        if let Some(stated) = q.stated_limit.filter(|s| (s - x).abs() > f64::EPSILON) {
            b.fact(
                "Stated limit",
                format!(
                    "{} (the error's own figure; it may count something else, or the quota changed since)",
                    fmt_num(stated)
                ),
                Evidence::Stated,
            );
        }
    } else if let Some(x) = q.stated_limit {
        b.fact("Applied value", fmt_num(x), Evidence::Stated);
    }
    if let Some(d) = v.default_value.or(q.default_value) {
        b.fact(
            "AWS default",
            fmt_num(d),
            if v.default_value.is_some() {
                Evidence::Fetched
            } else {
                Evidence::Inferred
            },
        );
    }
    let usage_probe = fx
        .records
        .iter()
        .find(|r| r.probe == "cloudwatch:GetMetricData");
    match (v.usage, usage_probe) {
        (Some(u), _) => b.fact("Current usage", fmt_num(u), Evidence::Fetched),
        (None, Some(r)) if r.ok => b.fact(
            "Current usage",
            "unknown (the usage metric has no datapoint in the last hour)",
            Evidence::Fetched,
        ),
        // The failed look-up is listed on its own.
        (None, Some(_)) => b.fact(
            "Current usage",
            "unknown (the usage look-up failed)",
            Evidence::Fetched,
        ),
        (None, None) if fx.quota.is_some() && !v.unmanaged => b.fact(
            "Current usage",
            "unknown (Service Quotas names no usage metric for this quota)",
            Evidence::Fetched,
        ),
        (None, None) => {}
    }
    for (status, desired, created) in &v.pending {
        b.fact(
            "Increase request",
            format!(
                "{status}{}{}",
                desired
                    .map(|d| format!(", desired {}", fmt_num(d)))
                    .unwrap_or_default(),
                created
                    .as_ref()
                    .map(|c| format!(", opened {c}"))
                    .unwrap_or_default()
            ),
            Evidence::Fetched,
        );
    }
    // What the failed request itself needs, where the error is about vCPUs of a known size.
    let instance_type = f.context.instance_type.clone();
    let need = instance_type
        .as_deref()
        .filter(|_| known.is_some_and(|k| k.unit == "vCPUs"))
        .and_then(crate::knowledge::quotas::vcpus_of)
        .map(|per| f64::from(per) * f64::from(f.context.count.unwrap_or(1).max(1)));
    if !q.managed || v.unmanaged {
        b.fact(
            "Service Quotas",
            format!(
                "does not manage this limit{}",
                q.default_value
                    .map(|d| format!("; documented default {}", fmt_num(d)))
                    .unwrap_or_default()
            ),
            Evidence::Inferred,
        );
        if let Some(n) = &q.note {
            b.step(n.clone(), None);
        }
        b.step("Ask AWS Support for an increase (Service Quotas cannot raise it).", Some("https://console.aws.amazon.com/support/home#/case/create?issueType=service-limit-increase".into()));
    } else if v.adjustable == Some(false) {
        b.step("This quota is not adjustable: reduce usage (delete unused resources) or spread across regions/accounts.", None);
    } else {
        if v.value.is_none() {
            b.step(
                "Check the quota (applied and default) now:",
                Some(format!(
                    "aws service-quotas get-service-quota --service-code {} --quota-code {}{scope}",
                    q.service_code, q.quota_code
                )),
            );
        }
        if let Some((status, desired, _)) = v.pending.first() {
            b.step(
                format!(
                    "An increase request is already open ({status}{}): AWS takes no second request for this quota until it is closed. Follow it:",
                    desired.map(|d| format!(", desired {}", fmt_num(d))).unwrap_or_default()
                ),
                Some(format!(
                    "aws service-quotas list-requested-service-quota-change-history-by-quota --service-code {} --quota-code {}{scope}",
                    q.service_code, q.quota_code
                )),
            );
        }
        // Double the limit (tidy), and never less than usage plus what this request needs.
        let floor = need.map(|n| v.usage.unwrap_or(0.0).max(0.0) + n);
        let desired = match (desired_value(applied, v.usage), floor) {
            (Some(d), Some(fl)) => Some(d.max(fl.ceil())),
            (d, _) => d,
        };
        let mut why = Vec::new();
        match (applied, v.usage) {
            (Some(a), Some(u)) => why.push(format!("usage {} of {}", fmt_num(u), fmt_num(a))),
            (Some(a), None) => why.push(format!("limit {}, usage unknown", fmt_num(a))),
            _ => {}
        }
        if let (Some(t), Some(n)) = (&instance_type, need) {
            match f.context.count.filter(|c| *c > 1) {
                Some(c) => why.push(format!("{c} × {t} need {} vCPUs", fmt_num(n))),
                None => why.push(format!("one {t} needs {} vCPUs", fmt_num(n))),
            }
        }
        if desired.is_some() {
            why.push("the value leaves room to grow: about double the limit".into());
        } else {
            why.push("set the value you need".into());
        }
        let when = if v.pending.is_empty() {
            "Request an increase"
        } else {
            "If that asks for too little, once it is closed request"
        };
        b.step(format!("{when} ({}):", why.join("; ")), Some(format!(
            "aws service-quotas request-service-quota-increase --service-code {} --quota-code {} --desired-value {}{scope}",
            q.service_code, q.quota_code, desired.map(fmt_num).unwrap_or_else(|| "<N>".into()))));
    }
    let limit = applied
        .map(|a| format!(" (limit {})", fmt_num(a)))
        .unwrap_or_default();
    format!(
        "Quota reached: {name}{limit} — {} {}",
        q.service_code, q.quota_code
    )
}

/// A reasoned increase: enough for usage plus the failed request's kind of growth (double,
/// rounded up to a tidy number).
pub fn desired_value(applied: Option<f64>, usage: Option<f64>) -> Option<f64> {
    let base = applied.or(usage)?.max(usage.unwrap_or(0.0));
    let target = (base * 2.0).max(base + 1.0);
    let step = if target <= 10.0 {
        1.0
    } else if target <= 100.0 {
        5.0
    } else if target <= 1000.0 {
        50.0
    } else {
        500.0
    };
    Some((target / step).ceil() * step)
}

fn fmt_num(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

fn capacity(b: &mut Builder) -> String {
    /// Availability Zone names in a text, in order, without repeats.
    fn zones_in(text: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for w in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-')) {
            let parts: Vec<&str> = w.split('-').collect();
            // us-east-1a, ap-southeast-2b, us-gov-west-1c.
            let is_zone = parts.len() >= 3
                && parts[0].len() == 2
                && parts[0].bytes().all(|b| b.is_ascii_lowercase())
                && parts.last().is_some_and(|l| {
                    l.len() >= 2
                        && l.as_bytes()[l.len() - 1].is_ascii_lowercase()
                        && l[..l.len() - 1].bytes().all(|b| b.is_ascii_digit())
                });
            if is_zone && !out.iter().any(|z| z == w) {
                out.push(w.to_string());
            }
        }
        out
    }
    let it = b.f.context.instance_type.clone();
    let scope = b.scope();
    let msg = b.f.message.clone().unwrap_or_default();
    // EC2 says where it failed and where it would succeed: "…in the Availability Zone you
    // requested (us-east-1a)… by … choosing us-east-1b, us-east-1c."
    let lower = msg.to_ascii_lowercase();
    let (failed_in, offered) = match lower.find("you can currently get") {
        Some(i) => (zones_in(&msg[..i]), zones_in(&msg[i..])),
        None => (zones_in(&msg), Vec::new()),
    };
    if !failed_in.is_empty() {
        b.fact(
            "Zone without capacity",
            failed_in.join(", "),
            Evidence::Stated,
        );
    }
    if !offered.is_empty() {
        b.fact(
            "Zones with capacity now",
            offered.join(", "),
            Evidence::Stated,
        );
    }
    b.step("This is AWS running out of capacity, not your quota: a quota increase will not help. Retry in another Availability Zone (another subnet), or later.", None);
    if let Some(z) = offered.first() {
        b.step(
            format!("Launch in a zone EC2 says has capacity ({}): pick a subnet there, or leave the zone out so EC2 chooses one.", offered.join(", ")),
            Some(format!("aws ec2 describe-subnets --filters Name=availability-zone,Values={}{scope}", sh(z))),
        );
    }
    if let Some(t) = &it {
        b.step("See which Availability Zones offer this instance type:", Some(format!(
            "aws ec2 describe-instance-type-offerings --location-type availability-zone --filters Name=instance-type,Values={}{scope}", sh(t))));
        b.step("Or use a similar type (same family, other size or generation), or reserve capacity:", Some(format!(
            "aws ec2 create-capacity-reservation --instance-type {} --instance-platform Linux/UNIX --availability-zone {} --instance-count 1{scope}", sh(t), offered.first().map(|z| sh(z)).unwrap_or_else(|| "<az>".into()))));
    }
    format!(
        "Insufficient capacity{}: AWS has no spare capacity for it right now (not a quota)",
        it.map(|t| format!(" for {t}")).unwrap_or_default()
    )
}

fn throttling(b: &mut Builder) -> String {
    let f = b.f;
    match f.retries {
        Some(0) => b.fact(
            "Retries",
            "none: the CLI made a single attempt",
            Evidence::Stated,
        ),
        Some(r) => b.fact(
            "Retries",
            format!("gave up after {r} retries"),
            Evidence::Stated,
        ),
        None => {}
    }
    b.step("AWS rate-limited these calls; this is not a quota to raise. Let the CLI back off and retry more:", Some("export AWS_RETRY_MODE=adaptive AWS_MAX_ATTEMPTS=10".into()));
    b.step(
        "Reduce concurrency (parallel scripts, loops without sleeps) against the same API.",
        None,
    );
    let op = f
        .operation
        .as_deref()
        .map(|o| format!(" on {o}"))
        .unwrap_or_default();
    format!("Throttled{op}: too many requests in a short time (not a quota)")
}

fn credentials(b: &mut Builder) -> String {
    let f = b.f;
    let scope = b.scope();
    let profile = f.context.profile.clone();
    let code = f.error_code.clone().unwrap_or_default();
    let problem = f.problem.clone().unwrap_or_default();
    let p = profile
        .as_deref()
        .map(|p| format!(" --profile {}", sh(p)))
        .unwrap_or_default();

    match (code.as_str(), problem.as_str()) {
        (_, "sso-expired") | ("UnauthorizedSSOTokenError" | "TokenRefreshRequired", _) => {
            b.step(
                "Your SSO session has expired. Log in again:",
                Some(format!("aws sso login{p}")),
            );
            "SSO session expired: log in again".to_string()
        }
        ("ExpiredToken" | "ExpiredTokenException" | "RequestExpired" | "InvalidToken", _)
            if !f
                .message
                .as_deref()
                .unwrap_or("")
                .contains("Signature expired")
                && code != "RequestExpired" =>
        {
            b.step("The temporary credentials have expired. Refresh them (SSO login, re-assume the role, or re-export from your credential tool):", Some(format!("aws sso login{p}")));
            b.step(
                "Check which credentials the CLI uses:",
                Some(format!("aws configure list{p}")),
            );
            "Credentials expired: the session token is no longer valid".to_string()
        }
        ("RequestExpired" | "InvalidSignatureException" | "SignatureDoesNotMatch", _)
            if f.message
                .as_deref()
                .unwrap_or("")
                .to_ascii_lowercase()
                .contains("expired")
                || code == "RequestExpired" =>
        {
            b.step("The request's timestamp was rejected: check the system clock (it must be within 5 minutes of AWS time).", Some("date -u; timedatectl status".into()));
            "Request signature expired: the system clock is probably off".to_string()
        }
        (
            "InvalidClientTokenId"
            | "InvalidAccessKeyId"
            | "UnrecognizedClientException"
            | "AuthFailure",
            _,
        ) => {
            b.step("The access key is not valid in this partition/account (deleted, deactivated, or for another region like China/GovCloud). Check which key the CLI uses:", Some(format!("aws configure list{p}")));
            b.step(
                "Check the key's identity:",
                Some(format!("aws sts get-caller-identity{p}{scope}")),
            );
            "Invalid credentials: AWS does not recognise this access key or token".to_string()
        }
        ("SignatureDoesNotMatch" | "IncompleteSignature", _) => {
            b.step("The secret key does not match the access key (a stale or mistyped secret, or a mixed-up profile). Check:", Some(format!("aws configure list{p}")));
            "Signature mismatch: the secret access key is wrong for this access key".to_string()
        }
        (_, "no-credentials") => {
            b.step("No credentials were found. Configure a profile, log in with SSO, or export credentials:", Some("aws configure".into()));
            b.step("or for SSO:", Some("aws configure sso".into()));
            "No credentials: the CLI found none in env, config files, SSO cache or instance role"
                .to_string()
        }
        (_, "no-region") => {
            b.step(
                "Set a region for this command or the profile:",
                Some(format!("aws configure set region <region>{p}")),
            );
            "No region configured".to_string()
        }
        (_, "profile-not-found") => {
            b.step(
                "The profile does not exist in ~/.aws/config or ~/.aws/credentials. List profiles:",
                Some("aws configure list-profiles".into()),
            );
            format!(
                "Profile not found{}",
                profile.map(|p| format!(": {p}")).unwrap_or_default()
            )
        }
        (_, "credential-source-failed") => {
            b.step("The configured credential source (credential_process, container or instance role) failed; run it by hand or check with:", Some(format!("aws configure list{p}")));
            "The credential source failed".to_string()
        }
        ("OptInRequired" | "SubscriptionRequiredException", _) => {
            b.step("The account is not subscribed to this service or the region is not enabled (opt-in regions):", Some("aws account list-regions --region-opt-status-contains ENABLED DISABLED".into()));
            "Not subscribed / region not enabled".to_string()
        }
        _ => {
            b.step(
                "Check which identity the CLI uses:",
                Some(format!("aws sts get-caller-identity{p}{scope}")),
            );
            format!(
                "Credential problem: {}",
                if code.is_empty() {
                    f.message.clone().unwrap_or_default()
                } else {
                    code
                }
            )
        }
    }
}

fn connectivity(b: &mut Builder) -> String {
    let f = b.f;
    let msg = f.message.clone().unwrap_or_default();
    match f.problem.as_deref() {
        Some("tls") => {
            b.step("TLS verification failed: a proxy or corporate CA intercepts traffic. Point the CLI at the CA bundle:", Some("export AWS_CA_BUNDLE=/path/to/corporate-ca.pem".into()));
            "TLS certificate validation failed".into()
        }
        Some("proxy") => {
            b.step(
                "The proxy could not be reached; check HTTPS_PROXY/HTTP_PROXY/NO_PROXY:",
                Some("env | grep -i _proxy".into()),
            );
            "Could not connect to the proxy".into()
        }
        Some("timeout") => {
            b.step("The endpoint did not answer in time; check the network path (VPC endpoints, security groups, proxy) and the region:", None);
            b.step(
                "Raise the CLI's timeouts if the call is slow by nature:",
                Some("aws <command> --cli-read-timeout 120 --cli-connect-timeout 30".into()),
            );
            "Timed out talking to AWS".into()
        }
        _ => {
            b.step(
                "Check the region (a typo gives an unknown host) and the endpoint URL:",
                Some(format!(
                    "aws configure get region{}",
                    f.context
                        .profile
                        .as_deref()
                        .map(|p| format!(" --profile {}", sh(p)))
                        .unwrap_or_default()
                )),
            );
            b.step(
                "Check DNS and the network path to the endpoint (proxy, VPN, VPC endpoint).",
                None,
            );
            format!(
                "Could not connect to the endpoint{}",
                endpoint_in(&msg)
                    .map(|e| format!(" {e}"))
                    .unwrap_or_default()
            )
        }
    }
}

fn endpoint_in(msg: &str) -> Option<String> {
    let start = msg.find("\"http")? + 1;
    let end = msg[start..].find('"')? + start;
    Some(crate::sanitize::inert_line(&msg[start..end]))
}

fn validation(b: &mut Builder) -> String {
    let f = b.f;
    let svc = f.service.clone();
    let op = f.operation.clone();
    if f.problem.as_deref() == Some("usage") {
        if let Some(s) = &svc {
            b.step("See the command's synopsis:", Some(format!("aws {s} help")));
        }
        return "The aws command line was rejected (usage error)".into();
    }
    if f.problem.as_deref() == Some("local-path") {
        return "A local path on the command line does not exist".into();
    }
    if let (Some(s), Some(o)) = (&svc, &op) {
        b.step(
            "Check the parameters against the API reference:",
            Some(format!("aws {s} {} help", kebab(o))),
        );
    }
    if f.error_code.as_deref() == Some("DryRunOperation") {
        return "Dry run: the request would have succeeded".into();
    }
    format!(
        "Invalid request{}: the service rejected a parameter",
        op.map(|o| format!(" to {o}")).unwrap_or_default()
    )
}

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

fn other(b: &mut Builder) -> String {
    let f = b.f;
    let code = f.error_code.clone().unwrap_or_default();
    if code.starts_with("NoSuch")
        || code.ends_with(".NotFound")
        || code == "ResourceNotFoundException"
        || code == "404"
    {
        b.step("The resource does not exist here: check its name and the region/account the command used.", None);
        if let Some(r) = &f.context.region {
            b.fact("Region used", r.clone(), Evidence::Stated);
        }
    }
    if f.problem.as_deref() == Some("unparseable-response") {
        b.step("The endpoint did not answer like AWS (a proxy, captive portal or emulator error page). Check --endpoint-url and proxies.", None);
        return "The response could not be parsed".into();
    }
    match (code.is_empty(), &f.message) {
        (false, Some(m)) => format!("{code}: {m}"),
        (false, None) => code,
        (true, Some(m)) => m.clone(),
        (true, None) => "No AWS error recognised in the text".into(),
    }
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
        assert_eq!(desired_value(Some(32.0), Some(30.0)), Some(65.0));
        assert_eq!(desired_value(Some(5.0), None), Some(10.0));
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
