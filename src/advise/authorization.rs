//! Authorization and trust failures: who may not do what, which layer decided, the fix.

use super::*;
use crate::command::Cmd;
use crate::grant;

pub(super) fn decision_text(d: Decision) -> &'static str {
    match d {
        Decision::ExplicitDeny => "explicit deny",
        Decision::ImplicitDeny => "implicit deny",
        Decision::Unknown => "denied",
    }
}

pub(super) fn authorization(b: &mut Builder) -> String {
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
    let principal = subject(a, fx);
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
    // awsx's own reading of the documents: one line per layer, and the layer when neither
    // the text nor the simulation named it.
    if let (Some(act), Some(p)) = (action.as_deref(), principal.as_deref())
        && p.starts_with("arn:")
        && let Some((d, l)) = super::layers::evaluated(b, act, resource.as_deref(), p)
        && layer == Layer::Unknown
        && l != Layer::Unknown
    {
        layer = l;
        if decision == Decision::Unknown {
            decision = d;
        }
        layer_evidence = Evidence::Evaluated;
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
    let said = match decision {
        Decision::ImplicitDeny => "implicit deny: no statement allows it",
        d => decision_text(d),
    };
    b.fact("Decision", said, decision_evidence);
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
    explain_matched_statements(b, a);

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
            b.run(
                "Decode the authorization message (needs sts:DecodeAuthorizationMessage):",
                Cmd::awsx("decode").word(blob),
            );
            b.run(
                "or with the aws CLI:",
                Cmd::aws("sts", "decode-authorization-message")
                    .arg_eq("--encoded-message", blob)
                    .arg("--query", "DecodedMessage")
                    .arg("--output", "text"),
            );
        }
    }
    if decision == Decision::ExplicitDeny {
        explicit_deny_steps(b, a, layer);
    } else if a.cause == Cause::ResourceSharing {
        if let Some(img) = f
            .context
            .image_id
            .clone()
            .or_else(|| resource.clone().filter(|r| r.contains("ami-")))
        {
            let img = img.rsplit('/').next().unwrap_or(&img).to_string();
            b.run(
                "Check that the image exists in this region and is shared with your account (run as the image owner):",
                Cmd::aws("ec2", "describe-image-attribute")
                    .arg("--image-id", &img)
                    .arg("--attribute", "launchPermission")
                    .owner(),
            );
            b.run(
                "Look for it from your side, in this region:",
                Cmd::aws("ec2", "describe-images").args("--image-ids", &[&img]),
            );
        } else {
            b.step("The resource exists elsewhere or is not shared with this account: check the region and ask the owner to share it.", None);
        }
    }
    // An undecoded message holds the answer; a statement before decoding would be a guess.
    let awaiting_decode =
        a.encoded_message.is_some() && fx.decoded.is_none() && a.decoded.is_none();
    if decision != Decision::ExplicitDeny
        && a.cause != Cause::ResourceSharing
        && !matches!(layer, Layer::Scp | Layer::Rcp | Layer::Trust)
        && !awaiting_decode
        && let Some(act) = action.as_deref()
    {
        grant_steps(
            b,
            act,
            resource.as_deref(),
            principal.as_deref(),
            decision,
            layer,
        );
    }
    match layer {
        Layer::Scp | Layer::Rcp => {
            let pid = a
                .policy_arn
                .as_deref()
                .and_then(|p| p.rsplit('/').next())
                .filter(|p| p.starts_with("p-"));
            match pid {
                Some(pid) => b.run(
                    "This is an AWS Organizations policy: only the management account (or a delegated admin) can change it. Send them the action and resource above; to read the policy there:",
                    Cmd::aws("organizations", "describe-policy").arg("--policy-id", pid).owner(),
                ),
                None => match account_of(principal.as_deref(), fx) {
                    Some(acct) => b.run(
                        "This is an AWS Organizations policy: only the management account (or a delegated admin) can change it. Send them the action and resource above; to list the policies that apply to this account there:",
                        Cmd::aws("organizations", "list-policies-for-target")
                            .arg("--target-id", acct)
                            .arg("--filter", if layer == Layer::Rcp { "RESOURCE_CONTROL_POLICY" } else { "SERVICE_CONTROL_POLICY" })
                            .owner(),
                    ),
                    None => b.step("This is an AWS Organizations policy: only the management account (or a delegated admin) can change it. Send them the action and resource above.", None),
                },
            }
        }
        _ if f.category == Category::Trust => trust_steps(
            b,
            a,
            resource.as_deref(),
            principal.as_deref(),
            decision,
            trust_allows_caller,
        ),
        _ => {}
    }
    if a.cause == Cause::Kms {
        let key = fx
            .key
            .as_ref()
            .and_then(|k| k.arn.clone())
            .or_else(|| f.context.kms_key.clone())
            .or_else(|| fx.key.as_ref().map(|k| k.key.clone()))
            .or_else(|| fx.bucket.as_ref().and_then(|bf| bf.kms_key.clone()))
            .or_else(|| resource.clone().filter(|r| r.contains(":kms:")));
        let text = "KMS needs both: the caller's IAM policy must allow the kms action, and the key policy (or a grant) must allow the caller.";
        match key.filter(|k| !k.starts_with("alias/") && !k.contains(":alias/")) {
            Some(k) => b.run(
                format!("{text} Read the key policy (as the key's owner):"),
                Cmd::aws("kms", "get-key-policy")
                    .arg("--key-id", k)
                    .arg("--policy-name", "default")
                    .arg("--query", "Policy")
                    .arg("--output", "text")
                    .owner(),
            ),
            // get-key-policy refuses aliases: resolve the alias to the key first.
            None if f.context.kms_key.is_some() => b.run(
                format!(
                    "{text} Find the key behind the alias (get-key-policy needs the key ID or ARN):"
                ),
                Cmd::aws("kms", "describe-key")
                    .arg("--key-id", f.context.kms_key.clone().unwrap_or_default())
                    .arg("--query", "KeyMetadata.Arn")
                    .arg("--output", "text"),
            ),
            None => b.step(text, None),
        }
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
        && !bucket.starts_with("arn:")
    {
        b.run(
            "Read the bucket policy (as the bucket owner):",
            Cmd::aws("s3api", "get-bucket-policy")
                .arg("--bucket", bucket)
                .arg("--query", "Policy")
                .arg("--output", "text")
                .owner(),
        );
    }
    if a.decoded.is_none()
        && a.encoded_message.is_none()
        && a.action.is_some()
        && fx.simulation.is_none()
        && decision != Decision::ExplicitDeny
        // Simulation does not evaluate trust policies: no help for a trust failure.
        && f.category != Category::Trust
        && let Some(p) = principal
            .as_deref()
            .filter(|p| crate::grant::arn_problem(p).is_none())
        && resource
            .as_deref()
            .is_none_or(|r| !r.starts_with("arn:") || crate::grant::arn_problem(r).is_none())
    {
        let sim_arn = role_arn_for(p);
        let mut c = Cmd::aws("iam", "simulate-principal-policy")
            .arg("--policy-source-arn", sim_arn)
            .arg("--action-names", action.as_deref().unwrap_or_default());
        if let Some(r) = resource.as_deref().filter(|r| r.starts_with("arn:")) {
            c = c.arg("--resource-arns", r);
        }
        b.run("Ask IAM which policy decides it:", c.owner());
    }
    let _ = scope;
    b.settled = Some((decision, layer));
    let subject = principal
        .as_deref()
        .map(short_principal)
        .unwrap_or_else(|| "the caller".into());
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

pub(super) fn short_layer(l: Layer) -> &'static str {
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

pub(super) fn short_principal(p: &str) -> String {
    // arn:aws:sts::123:assumed-role/Role/session → assumed-role/Role/session (123)
    match p.split(':').collect::<Vec<_>>().as_slice() {
        [_, _, _, _, acct, rest] if !acct.is_empty() => format!("{rest} ({acct})"),
        _ => p.to_string(),
    }
}

/// ("role", name) or ("user", name) for an IAM principal ARN.
pub(super) fn role_or_user_name(p: &str) -> Option<(&'static str, String)> {
    let rest = p.split(':').nth(5)?;
    let mut parts = rest.split('/');
    match parts.next()? {
        "user" => parts.next_back().map(|n| ("user", n.to_string())),
        "role" => parts.next_back().map(|n| ("role", n.to_string())),
        "assumed-role" => parts.next().map(|n| ("role", n.to_string())),
        _ => None,
    }
}

pub(super) fn principal_text(p: &crate::policy::Principal) -> String {
    match p {
        crate::policy::Principal::Any => "anyone (*)".into(),
        crate::policy::Principal::Map(m) => m
            .iter()
            .map(|(k, v)| format!("{k} {}", v.join(", ")))
            .collect::<Vec<_>>()
            .join("; "),
    }
}

pub(super) fn trust_summary(tp: &serde_json::Value) -> Vec<String> {
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

/// Who made the denied call: the principal the text or the decoded message names, else the
/// caller, but only when the caller is known to have made the call (wrap mode, or an
/// `explain` text whose principal matches). Never the reader's identity for someone else's
/// error.
pub(super) fn subject(a: &crate::failure::Authorization, fx: &Findings) -> Option<String> {
    a.principal.clone().or_else(|| {
        fx.caller
            .as_ref()
            .filter(|_| fx.subject_is_caller)
            .map(|c| c.arn.clone())
    })
}

/// The 12-digit account of an ARN (`arn:aws:iam::123456789012:user/x`), else the caller's.
pub(super) fn account_of(arn: Option<&str>, fx: &Findings) -> Option<String> {
    arn.and_then(|p| p.split(':').nth(4))
        .filter(|a| a.len() == 12 && a.bytes().all(|c| c.is_ascii_digit()))
        .map(str::to_string)
        .or_else(|| fx.caller.as_ref().map(|c| c.account.clone()))
}

fn partition_of(arn: Option<&str>) -> Option<&str> {
    arn.and_then(|p| p.split(':').nth(1))
        .filter(|p| p.starts_with("aws"))
}

/// The decoded (or request) value of a context key, case-insensitively as IAM compares keys.
fn request_value<'a>(a: &'a crate::failure::Authorization, key: &str) -> Option<&'a Vec<String>> {
    a.conditions
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v)
}

/// The flag of the failed command that sets a condition key's value, where one does.
fn flag_for_condition(key: &str) -> Option<&'static str> {
    match key.to_ascii_lowercase().as_str() {
        "ec2:instancetype" => Some("--instance-type"),
        "aws:requestedregion" | "ec2:region" | "aws:region" => Some("--region"),
        "ec2:imageid" => Some("--image-id"),
        "ec2:subnet" => Some("--subnet-id"),
        "ec2:instancemarkettype" => Some("--instance-market-options"),
        "ec2:metadatahttptokens" => Some("--metadata-options HttpTokens=…"),
        "s3:x-amz-server-side-encryption" => Some("--server-side-encryption"),
        "s3:x-amz-acl" => Some("--acl"),
        _ => None,
    }
}

/// Matched statements and, for each condition they carry, the statement's value next to
/// this request's: why a Deny matched is exactly what the person needs. Only the context
/// keys that bear on the decision are shown (all of them are in the JSON report).
pub(super) fn explain_matched_statements(b: &mut Builder, a: &crate::failure::Authorization) {
    for st in &a.matched_statements {
        let name = st
            .sid
            .clone()
            .map(|s| format!("Sid {s}"))
            .unwrap_or_else(|| "(no Sid)".into());
        let effect = st.effect.clone().unwrap_or_default().to_ascii_uppercase();
        if st.conditions.is_empty() {
            b.fact(
                "Matched statement",
                format!("{effect} {name}"),
                Evidence::Decoded,
            );
            continue;
        }
        for (k, want) in &st.conditions {
            let got = request_value(a, k)
                .map(|v| v.join(", "))
                .unwrap_or_else(|| "absent from the request".into());
            b.fact(
                "Matched statement",
                format!(
                    "{effect} {name} on {k}: the statement says {}, this request has {got}",
                    want.join(", ")
                ),
                Evidence::Decoded,
            );
        }
    }
    if a.matched_statements.is_empty() {
        // Nothing matched (an implicit deny): the region is the one context value that
        // commonly explains it (a policy scoped to other regions).
        for (k, v) in &a.conditions {
            if k.eq_ignore_ascii_case("aws:RequestedRegion") || k.eq_ignore_ascii_case("aws:Region")
            {
                b.fact(
                    "Context",
                    format!("{k} = {}", v.join(", ")),
                    Evidence::Decoded,
                );
            }
        }
    }
}

/// An explicit Deny: what matched, and what would make this request pass without weakening
/// the Deny. No grant is printed: an Allow cannot out-grant a Deny.
fn explicit_deny_steps(b: &mut Builder, a: &crate::failure::Authorization, layer: Layer) {
    let where_ = if layer == Layer::Unknown {
        "a policy that applies to this call".to_string()
    } else {
        format!("the {}", layer.describe())
    };
    b.step(
        format!(
            "An explicit Deny wins over every Allow: granting more permissions will not help. Change or get an exception to the Deny in {where_}{}.",
            a.policy_arn.as_ref().map(|p| format!(" ({p})")).unwrap_or_default()
        ),
        None,
    );
    for st in a.matched_statements.iter().filter(|s| {
        s.effect
            .as_deref()
            .is_some_and(|e| e.eq_ignore_ascii_case("deny"))
    }) {
        let name = st
            .sid
            .clone()
            .map(|s| format!("Deny {s}"))
            .unwrap_or_else(|| "The Deny".into());
        for (k, want) in &st.conditions {
            let got = request_value(a, k);
            let flag = flag_for_condition(k)
                .map(|f| format!(" ({f})"))
                .unwrap_or_default();
            let text = match got {
                // The request's value differs from the statement's: a "deny unless" rule
                // (StringNotEquals and friends); the request passes with the named value.
                Some(g)
                    if !g
                        .iter()
                        .any(|x| want.iter().any(|w| w.eq_ignore_ascii_case(x))) =>
                {
                    format!(
                        "{name} applies because {k} is {} in this request, not {}: a request with {k} {}{flag} is not denied by it (the decoded message does not give the operator; this reads it as \"deny unless\").",
                        g.join(", "),
                        want.join(" or "),
                        want.join(" or "),
                    )
                }
                Some(g) => format!(
                    "{name} applies because {k} is {} in this request: a request with another {k}{flag} is not denied by it.",
                    g.join(", ")
                ),
                None => format!(
                    "{name} tests {k} ({}), which this request did not carry: the Deny applies when the key is absent (…IfExists or Null). Send the request with {k} set as the statement expects.",
                    want.join(", ")
                ),
            };
            b.step(text, None);
        }
    }
}

/// Role and user names as IAM can edit them, or why not.
enum Editable {
    User(String),
    Role(String),
    /// IAM Identity Center role `AWSReservedSSO_<PermissionSet>_<hash>`.
    Sso {
        permission_set: String,
    },
    /// Service-linked role: its policies belong to the service.
    ServiceLinked(String),
    Other,
}

fn editable(principal: &str) -> Editable {
    let Some((kind, name)) = role_or_user_name(principal) else {
        return Editable::Other;
    };
    if kind == "user" {
        return Editable::User(name);
    }
    if let Some(rest) = name.strip_prefix("AWSReservedSSO_") {
        let permission_set = rest
            .rsplit_once('_')
            .map(|(ps, _)| ps.to_string())
            .unwrap_or_else(|| rest.to_string());
        return Editable::Sso { permission_set };
    }
    if name.starts_with("AWSServiceRoleFor") || principal.contains(":role/aws-service-role/") {
        return Editable::ServiceLinked(name);
    }
    Editable::Role(name)
}

/// The statement that grants the denied request, and where it goes.
fn grant_steps(
    b: &mut Builder,
    action: &str,
    resource: Option<&str>,
    principal: Option<&str>,
    decision: Decision,
    layer: Layer,
) {
    let f = b.f;
    let fx = b.fx;
    let region = f.context.region.clone().or(fx.region.clone()).or_else(|| {
        resource
            .and_then(|r| r.split(':').nth(3))
            .filter(|r| !r.is_empty() && *r != "*")
            .map(str::to_string)
    });
    let account = account_of(principal, fx).or_else(|| account_of(resource, fx));
    let partition = partition_of(principal).or(partition_of(resource));
    let cli_service = f.context.cli_command.as_ref().map(|(s, _)| s.as_str());
    let req = grant::Request {
        action,
        resource,
        partition,
        account: account.as_deref(),
        region: region.as_deref(),
        params: Some(&f.context.params),
        cli_service: cli_service.or(f.service.as_deref()),
        bucket: f.context.bucket.as_deref(),
        key: f.context.key.as_deref(),
    };
    let Some(g) = grant::build(&req) else {
        return;
    };
    let doc = g.document();
    let machine = json!({
        "action": g.action,
        "resources": g.resources.iter().map(|r| json!({"type": r.resource_type, "arn": r.arn, "required": r.required})).collect::<Vec<_>>(),
        "policy": doc,
        "layer": layer,
        "principal": principal,
    });
    for n in &g.notes {
        b.fact("Grant", n.clone(), Evidence::Inferred);
    }
    if let Some(why) = &g.suspect {
        // A grant built on a redacted ARN or an unknown action would fail or grant the wrong
        // thing: shown as a document to complete, never as a command.
        b.steps.push(NextStep {
            text: format!("The statement that would allow it, to complete by hand ({why}):"),
            command: None,
            document: Some(doc),
            grant: None,
        });
        return;
    }
    let mut push = |b: &mut Builder,
                    text: String,
                    command: Option<String>,
                    document: Option<serde_json::Value>| {
        b.steps.push(NextStep {
            text,
            command,
            document,
            grant: Some(machine.clone()),
        });
    };
    match layer {
        Layer::Boundary => push(b, "Widen the permissions boundary: its policy must also allow this (merge these statements into the boundary policy's default version; a new version replaces the old one, so start from the current document):".into(), None, Some(doc)),
        Layer::Session => push(b, "The session policy passed when the role session was created does not allow it: pass one that includes these statements (or none) when you next assume the role:".into(), None, Some(doc)),
        Layer::Vpce => push(b, "Allow it in the VPC endpoint policy (merge into the endpoint's current policy):".into(), None, Some(doc)),
        Layer::Resource => {
            // The bucket and key advice merges into the fetched document; here only the
            // identity side, which a cross-account call needs as well.
            if let Some(p) = principal {
                identity_grant(b, &g, p, decision, layer, &mut push);
            }
        }
        _ => match principal {
            Some(p) => identity_grant(b, &g, p, decision, layer, &mut push),
            None => push(b, "Allow it in the caller's identity policy (the principal is not known from the text: add these statements to its policy):".into(), None, Some(doc)),
        },
    }
}

type Push<'p> = dyn FnMut(&mut Builder, String, Option<String>, Option<serde_json::Value>) + 'p;

fn identity_grant(
    b: &mut Builder,
    g: &grant::Grant,
    principal: &str,
    decision: Decision,
    layer: Layer,
    push: &mut Push,
) {
    let doc = g.document();
    let lead = match (decision, layer) {
        (_, Layer::Resource) => {
            "The caller's identity policy must allow it too (for a bucket or key in another account, both sides must)."
        }
        (Decision::Unknown, _) => {
            "If no identity policy allows it (the message does not say which policy denied), allow it."
        }
        _ => {
            "Allow it in the caller's identity policy (this action, on the resources the call touches)."
        }
    };
    let scope = b.cmd_scope();
    match editable(principal) {
        Editable::User(name) => {
            let cmd = Cmd::aws("iam", "put-user-policy")
                .arg("--user-name", &name)
                .arg("--policy-name", g.policy_name())
                .json("--policy-document", &doc)
                .owner();
            push(
                b,
                format!(
                    "{lead} As an IAM administrator, add this inline policy to user {name} (its name comes from its content, so it replaces no other policy):"
                ),
                Some(cmd.render(&scope)),
                None,
            );
        }
        Editable::Role(name)
            if b.fx
                .principal_role
                .as_ref()
                .and_then(|r| r.path.as_deref())
                .is_some_and(|p| p.starts_with("/aws-service-role/")) =>
        {
            push(
                b,
                format!(
                    "{name} is a service-linked role (path /aws-service-role/): its permissions are defined by the AWS service and cannot be edited. The block is elsewhere (an SCP, a resource policy, the resource's own settings); for reference, the permission it lacks:"
                ),
                None,
                Some(doc),
            );
        }
        Editable::Role(name)
            if let Some(stack) = b.fx.principal_role.as_ref().and_then(|r| r.stack.clone()) =>
        {
            push(
                b,
                format!(
                    "{lead} Role {name} belongs to CloudFormation stack {stack}: add these statements to the role in that stack's template and update the stack (a direct edit drifts from the template, and the next update can remove it):"
                ),
                None,
                Some(doc),
            );
            b.run(
                "Find the role in the stack:",
                Cmd::aws("cloudformation", "describe-stack-resources")
                    .arg("--stack-name", &stack)
                    .arg("--query", "StackResources[?ResourceType=='AWS::IAM::Role'].[LogicalResourceId,PhysicalResourceId]")
                    .arg("--output", "text")
                    .owner(),
            );
        }
        Editable::Role(name) => {
            let cmd = Cmd::aws("iam", "put-role-policy")
                .arg("--role-name", &name)
                .arg("--policy-name", g.policy_name())
                .json("--policy-document", &doc)
                .owner();
            push(
                b,
                format!(
                    "{lead} As an IAM administrator, add this inline policy to role {name} (its name comes from its content, so it replaces no other policy; where CloudFormation or Terraform manages the role, add it there instead):"
                ),
                Some(cmd.render(&scope)),
                None,
            );
        }
        Editable::Sso { permission_set } => {
            push(
                b,
                format!(
                    "{lead} The caller is an IAM Identity Center role: IAM refuses edits to AWSReservedSSO_ roles. In the Identity Center admin account, add these statements to permission set {permission_set} (merge them into its inline policy, then provision the permission set to this account):"
                ),
                None,
                Some(doc),
            );
            b.run(
                "Find the permission set there (its ARN is needed to read and update its inline policy):",
                Cmd::aws("sso-admin", "list-instances").owner(),
            );
        }
        Editable::ServiceLinked(name) => {
            push(
                b,
                format!(
                    "{name} is a service-linked role: its permissions are defined by the AWS service and cannot be edited. The block is elsewhere (an SCP, a resource policy, the resource's own settings); for reference, the permission it lacks:"
                ),
                None,
                Some(doc),
            );
        }
        Editable::Other => push(
            b,
            format!("{lead} Add these statements to the caller's identity policy:"),
            None,
            Some(doc),
        ),
    }
}

/// A trust-policy fix is the fetched document plus one statement, or nothing to paste.
fn trust_steps(
    b: &mut Builder,
    a: &crate::failure::Authorization,
    resource: Option<&str>,
    principal: Option<&str>,
    decision: Decision,
    trust_allows_caller: Option<bool>,
) {
    let f = b.f;
    let fx = b.fx;
    let role = f
        .context
        .role_arn
        .clone()
        .or_else(|| resource.map(str::to_string))
        .unwrap_or_else(|| "<role>".into());
    let name = role.rsplit('/').next().unwrap_or(&role).to_string();
    let _ = a;
    let fetched = fx.role.as_ref().and_then(|r| r.trust_policy.clone());
    let redacted = name.contains(['<', '>', '[', ']', '*'])
        || (role.starts_with("arn:") && crate::grant::arn_problem(&role).is_some());
    if role == "<role>" {
        b.step("The text does not name the role: read its trust policy as the role's owner with `aws iam get-role --role-name NAME --query Role.AssumeRolePolicyDocument`.", None);
        return;
    }
    if redacted {
        b.step(format!("The role ARN in the text ({role}) looks redacted: read that role's trust policy as its owner with `aws iam get-role --role-name NAME --query Role.AssumeRolePolicyDocument`."), None);
        return;
    }
    if fetched.is_none() {
        b.run(
            "Read the role's trust policy: the caller must be a trusted Principal and satisfy its conditions (ExternalId, MFA, tags):",
            Cmd::aws("iam", "get-role")
                .arg("--role-name", &name)
                .arg("--query", "Role.AssumeRolePolicyDocument")
                .owner(),
        );
    }
    if trust_allows_caller != Some(false) || decision == Decision::ExplicitDeny {
        return;
    }
    let Some(p) = principal else { return };
    let statement = json!({"Effect": "Allow", "Principal": {"AWS": role_arn_for(p)}, "Action": "sts:AssumeRole"});
    match fetched.as_ref().and_then(|doc| merge_statement(doc, &statement)) {
        Some(merged) => b.run(
            "As the role's owner, add the caller to the trust policy: this is the current document plus one statement, so every principal it trusts today stays trusted:",
            Cmd::aws("iam", "update-assume-role-policy")
                .arg("--role-name", &name)
                .json("--policy-document", &merged)
                .owner(),
        ),
        None => b.doc(
            "As the role's owner, merge this statement into the trust policy's Statement list (awsx could not read the current document, so it prints no update command: update-assume-role-policy replaces the whole document):",
            statement,
        ),
    }
}

/// `doc` with `statement` appended to its Statement list (an object becomes a list), or
/// `None` when the document is not a policy awsx can extend safely.
pub fn merge_statement(
    doc: &serde_json::Value,
    statement: &serde_json::Value,
) -> Option<serde_json::Value> {
    let mut doc = doc.clone();
    let obj = doc.as_object_mut()?;
    let list = match obj.remove("Statement") {
        Some(serde_json::Value::Array(v)) => v,
        Some(v @ serde_json::Value::Object(_)) => vec![v],
        None => Vec::new(),
        Some(_) => return None,
    };
    let mut list = list;
    if !list.contains(statement) {
        list.push(statement.clone());
    }
    obj.insert("Statement".into(), serde_json::Value::Array(list));
    if !obj.contains_key("Version") {
        obj.insert("Version".into(), json!("2012-10-17"));
    }
    Some(doc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_iam_cannot_edit_are_recognised() {
        assert!(matches!(
            editable("arn:aws:sts::1:assumed-role/AWSReservedSSO_Admin_0123abcd/me"),
            Editable::Sso { permission_set } if permission_set == "Admin"
        ));
        assert!(matches!(
            editable("arn:aws:sts::1:assumed-role/AWSServiceRoleForECS/x"),
            Editable::ServiceLinked(_)
        ));
        assert!(matches!(
            editable("arn:aws:iam::1:user/alice"),
            Editable::User(n) if n == "alice"
        ));
        assert!(matches!(
            editable("arn:aws:sts::1:assumed-role/deployer/ci"),
            Editable::Role(n) if n == "deployer"
        ));
    }

    #[test]
    fn a_merge_keeps_every_statement() {
        let doc = json!({"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}});
        let add = json!({"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::1:user/a"},"Action":"sts:AssumeRole"});
        let m = merge_statement(&doc, &add).unwrap();
        assert_eq!(m["Statement"].as_array().unwrap().len(), 2);
        assert_eq!(m["Statement"][0], doc["Statement"]);
        // Idempotent: merging the same statement again adds nothing.
        assert_eq!(merge_statement(&m, &add).unwrap(), m);
        assert!(merge_statement(&json!({"Statement": "x"}), &add).is_none());
    }
}
