//! KMS: the key behind a denial, its state and what its key policy says.

use std::collections::BTreeMap;

use crate::findings::{KeyFacts, ProbeRecord};

use super::Session;
use super::s3::{lookup_conf, not_started, unreadable};

pub async fn key(
    s: &Session,
    key_id: &str,
    principal: Option<&str>,
    account: Option<&str>,
    action: Option<&str>,
) -> (KeyFacts, Vec<ProbeRecord>) {
    let mut records = Vec::new();
    let conf = match lookup_conf(s).await {
        Ok(c) => c,
        Err(e) => {
            records.push(not_started("credentials (AWSX_DIAGNOSE_PROFILE)", e));
            s.conf.clone()
        }
    };
    // A key ARN names its region (a bucket's key may live elsewhere than the session's).
    let key_region = key_id
        .strip_prefix("arn:")
        .and_then(|r| r.split(':').nth(2))
        .filter(|r| !r.is_empty());
    let c = match key_region {
        Some(r) if conf.region().is_none_or(|cur| cur.as_ref() != r) => {
            aws_sdk_kms::Client::from_conf(
                aws_sdk_kms::config::Builder::from(&conf)
                    .region(aws_sdk_kms::config::Region::new(r.to_string()))
                    .build(),
            )
        }
        _ => aws_sdk_kms::Client::new(&conf),
    };
    let mut facts = KeyFacts {
        key: key_id.to_string(),
        ..Default::default()
    };
    let (out, mut rec) = s
        .call("kms:DescribeKey", c.describe_key().key_id(key_id).send())
        .await;
    // GetKeyPolicy and ListGrants take a key ID or key ARN, never an alias (a bucket's
    // default encryption may name `alias/…`): use the ID DescribeKey resolved.
    let mut resolved = key_id.to_string();
    if let Some(m) = out.and_then(|o| o.key_metadata().cloned()) {
        facts.arn = m.arn().map(str::to_string);
        facts.account = m.aws_account_id().map(str::to_string);
        facts.state = m.key_state().map(|x| x.as_str().to_string());
        facts.manager = m.key_manager().map(|x| x.as_str().to_lowercase());
        resolved = m.arn().unwrap_or(m.key_id()).to_string();
    } else {
        unreadable(&mut rec, "a key description");
    }
    records.push(rec);
    let (pol, grants) = tokio::join!(
        s.call(
            "kms:GetKeyPolicy",
            c.get_key_policy()
                .key_id(&resolved)
                .policy_name("default")
                .send()
        ),
        s.call("kms:ListGrants", c.list_grants().key_id(&resolved).send()),
    );
    let (out, mut rec) = pol;
    let action = action.unwrap_or("kms:Decrypt");
    if let Some(p) = out.and_then(|o| o.policy().map(str::to_string)) {
        facts.policy = serde_json::from_str(&p).ok();
        match crate::policy::parse(&p) {
            Ok(doc) => analyse(&mut facts, &doc, principal, account, action),
            Err(e) => {
                rec.summary = format!(
                    "the key policy was read but awsx cannot parse it: {}",
                    super::first_line(&e)
                );
            }
        }
    } else if rec.denied {
        rec.summary = format!(
            "denied ({}): this identity may not read the key policy (ask the key's owner)",
            rec.error_code.as_deref().unwrap_or("AccessDeniedException")
        );
    } else {
        unreadable(&mut rec, "a key policy");
    }
    records.push(rec);
    let (out, mut rec) = grants;
    match out {
        Some(o) => facts.grants = Some(o.grants().len()),
        None => unreadable(&mut rec, "a list of grants"),
    }
    records.push(rec);
    (facts, records)
}

fn analyse(
    facts: &mut KeyFacts,
    doc: &crate::policy::PolicyDocument,
    principal: Option<&str>,
    account: Option<&str>,
    action: &str,
) {
    use crate::policy::{Request, Verdict, evaluate};
    let ctx = BTreeMap::new();
    let resource = facts.arn.clone();
    let req = Request {
        principal,
        account,
        action,
        resource: resource.as_deref(),
        context: &ctx,
    };
    let ev = evaluate(doc, &req);
    facts.analysis = crate::policy::report_lines(&ev);
    let last = match ev.verdict {
        Verdict::ExplicitDeny => {
            format!("an explicit Deny in the key policy refuses {action} to this principal")
        }
        Verdict::DependsOn => format!(
            "whether the key policy allows {action} depends on request values awsx cannot know (above)"
        ),
        Verdict::NoAllow => {
            facts
                .analysis
                .extend(crate::policy::allowed_to_others(doc, &req));
            format!(
                "no statement of the key policy allows {action} for this principal (only a grant could)"
            )
        }
        Verdict::Allowed => format!("the key policy allows {action} for this principal"),
    };
    facts.analysis.push(last);
    let verdict = match ev.verdict {
        Verdict::ExplicitDeny => "explicit-deny",
        Verdict::Allowed => "allowed",
        Verdict::DependsOn => "depends-on-conditions",
        Verdict::NoAllow => "no-allow",
    };
    facts.verdict = Some(verdict.to_string());
}
