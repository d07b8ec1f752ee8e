//! KMS: the key behind a denial, its state and what its key policy says.

use std::collections::BTreeMap;

use crate::findings::{KeyFacts, ProbeRecord};

use super::Session;

pub async fn key(
    s: &Session,
    key_id: &str,
    principal: Option<&str>,
    account: Option<&str>,
    action: Option<&str>,
) -> (KeyFacts, Vec<ProbeRecord>) {
    let c = aws_sdk_kms::Client::new(&s.conf);
    let mut facts = KeyFacts {
        key: key_id.to_string(),
        ..Default::default()
    };
    let (desc, pol, grants) = tokio::join!(
        s.call("kms:DescribeKey", c.describe_key().key_id(key_id).send()),
        s.call(
            "kms:GetKeyPolicy",
            c.get_key_policy()
                .key_id(key_id)
                .policy_name("default")
                .send()
        ),
        s.call("kms:ListGrants", c.list_grants().key_id(key_id).send()),
    );
    let (out, r1) = desc;
    if let Some(m) = out.and_then(|o| o.key_metadata().cloned()) {
        facts.arn = m.arn().map(str::to_string);
        facts.account = m.aws_account_id().map(str::to_string);
        facts.state = m.key_state().map(|x| x.as_str().to_string());
        facts.manager = m.key_manager().map(|x| x.as_str().to_lowercase());
    }
    let (out, r2) = pol;
    if let Some(p) = out.and_then(|o| o.policy().map(str::to_string)) {
        facts.policy = serde_json::from_str(&p).ok();
        if let Ok(doc) = crate::policy::parse(&p) {
            let ctx = BTreeMap::new();
            let resource = facts.arn.clone();
            let req = crate::policy::Request {
                principal,
                account,
                action: action.unwrap_or("kms:Decrypt"),
                resource: resource.as_deref(),
                context: &ctx,
            };
            let ev = crate::policy::evaluate(&doc, &req);
            for m in ev.denies.iter().chain(ev.allows.iter()) {
                if matches!(m.applies, crate::policy::Applies::No) {
                    continue;
                }
                facts.analysis.push(format!(
                    "{:?} {}: {}",
                    m.statement.effect,
                    m.statement
                        .sid
                        .clone()
                        .unwrap_or_else(|| format!("#{}", m.index + 1)),
                    m.explanation.join("; ")
                ));
            }
            facts.verdict = Some(format!("{:?}", ev.verdict));
            if matches!(ev.verdict, crate::policy::Verdict::NoAllow) {
                facts.analysis.push(format!(
                    "no statement of the key policy allows {} for this principal",
                    req.action
                ));
            }
        }
    }
    let (out, r3) = grants;
    facts.grants = out.map(|o| o.grants().len());
    (facts, vec![r1, r2, r3])
}
