//! IAM: which identity policy decides the call (simulation), and what a role trusts.

use crate::findings::{ProbeRecord, RoleInfo, Simulation};

use super::Session;

/// Simulates `action` on `resource` for the principal (a role for assumed-role sessions).
pub async fn simulate(
    s: &Session,
    principal_arn: &str,
    action: &str,
    resource: Option<&str>,
    context: &[(String, Vec<String>)],
) -> (Option<Simulation>, ProbeRecord) {
    use aws_sdk_iam::types::{ContextEntry, ContextKeyTypeEnum};
    let client = aws_sdk_iam::Client::new(&s.conf);
    let mut req = client
        .simulate_principal_policy()
        .policy_source_arn(principal_arn)
        .action_names(action);
    if let Some(r) = resource {
        req = req.resource_arns(r);
    }
    for (k, v) in context {
        // The decoded context gives strings; simulation accepts them as string lists.
        req = req.context_entries(
            ContextEntry::builder()
                .context_key_name(k)
                .context_key_type(ContextKeyTypeEnum::StringList)
                .set_context_key_values(Some(v.clone()))
                .build(),
        );
    }
    let (out, rec) = s.call("iam:SimulatePrincipalPolicy", req.send()).await;
    let sim = out.and_then(|o| {
        let r = o.evaluation_results().first()?.clone();
        Some(Simulation {
            action: r.eval_action_name().to_string(),
            resource: r.eval_resource_name().unwrap_or("*").to_string(),
            decision: r.eval_decision().as_str().to_string(),
            matched: r
                .matched_statements()
                .iter()
                .map(|m| {
                    (
                        m.source_policy_id().unwrap_or("?").to_string(),
                        m.source_policy_type()
                            .map(|t| t.as_str().to_string())
                            .unwrap_or_default(),
                    )
                })
                .collect(),
            boundary_allows: r
                .permissions_boundary_decision_detail()
                .map(|d| d.allowed_by_permissions_boundary()),
            organizations_allows: r
                .organizations_decision_detail()
                .map(|d| d.allowed_by_organizations()),
            missing_context: r.missing_context_values().to_vec(),
        })
    });
    (sim, rec)
}

/// The role's ARN and trust policy; whether it exists at all.
pub async fn role(s: &Session, name_or_arn: &str) -> (Option<RoleInfo>, ProbeRecord) {
    let name = name_or_arn
        .rsplit('/')
        .next()
        .unwrap_or(name_or_arn)
        .to_string();
    let client = aws_sdk_iam::Client::new(&s.conf);
    let (out, rec) = s
        .call("iam:GetRole", client.get_role().role_name(&name).send())
        .await;
    let info = match out {
        Some(o) => o.role().map(|r| RoleInfo {
            name: name.clone(),
            arn: Some(r.arn().to_string()),
            exists: Some(true),
            trust_policy: r.assume_role_policy_document().and_then(|d| {
                let decoded = percent_encoding::percent_decode_str(d)
                    .decode_utf8_lossy()
                    .into_owned();
                serde_json::from_str(&decoded).ok()
            }),
            path: Some(r.path().to_string()),
            stack: r
                .tags()
                .iter()
                .find(|t| t.key() == "aws:cloudformation:stack-name")
                .map(|t| t.value().to_string()),
        }),
        None if rec.error_code.as_deref() == Some("NoSuchEntity") => Some(RoleInfo {
            name: name.clone(),
            arn: None,
            exists: Some(false),
            trust_policy: None,
            path: None,
            stack: None,
        }),
        None => None,
    };
    (info, rec)
}
