//! IAM: the denied principal's own policy documents (inline, attached, its groups', its
//! permissions boundary), so that awsx can evaluate the request itself when simulation is
//! denied or unavailable, and name the statement that decided.

use futures_util::future::join_all;
use serde_json::Value;

use crate::findings::{IdentityPolicies, PolicyDoc, ProbeRecord};

use super::Session;

/// The AWS actions these look-ups call (for `awsx doctor`).
pub const ACTIONS: [&str; 13] = [
    "iam:ListUserPolicies",
    "iam:GetUserPolicy",
    "iam:ListAttachedUserPolicies",
    "iam:ListGroupsForUser",
    "iam:ListGroupPolicies",
    "iam:GetGroupPolicy",
    "iam:ListAttachedGroupPolicies",
    "iam:GetUser",
    "iam:ListRolePolicies",
    "iam:GetRolePolicy",
    "iam:ListAttachedRolePolicies",
    "iam:GetPolicy",
    "iam:GetPolicyVersion",
];

/// IAM returns policy documents URL-encoded (RFC 3986).
fn document(encoded: &str) -> Option<Value> {
    let decoded = percent_encoding::percent_decode_str(encoded)
        .decode_utf8_lossy()
        .into_owned();
    serde_json::from_str(&decoded).ok()
}

/// Collects the outcome of many calls into one record: the look-up as a whole.
struct Tally {
    records: Vec<ProbeRecord>,
    complete: bool,
}

impl Tally {
    fn add(&mut self, rec: ProbeRecord) {
        if !rec.ok {
            self.complete = false;
        }
        self.records.push(rec);
    }

    fn record(self, what: &str) -> (bool, ProbeRecord) {
        let ms = self.records.iter().filter_map(|r| r.ms).max();
        let failed = self.records.iter().find(|r| !r.ok);
        let rec = match failed {
            None => ProbeRecord {
                probe: "iam:identity-policies".into(),
                ok: true,
                summary: format!("{} calls: {what}", self.records.len()),
                error_code: None,
                denied: false,
                timed_out: false,
                ms,
            },
            Some(f) => ProbeRecord {
                probe: "iam:identity-policies".into(),
                ok: false,
                summary: format!("{}: {}", f.probe, f.summary),
                error_code: f.error_code.clone(),
                denied: f.denied,
                timed_out: f.timed_out,
                ms,
            },
        };
        (self.complete, rec)
    }
}

/// A managed policy's default version document.
async fn managed(s: &Session, arn: &str) -> (Option<PolicyDoc>, Vec<ProbeRecord>) {
    let client = aws_sdk_iam::Client::new(&s.conf);
    let (p, rec) = s
        .call("iam:GetPolicy", client.get_policy().policy_arn(arn).send())
        .await;
    let mut recs = vec![rec];
    let Some(version) = p
        .as_ref()
        .and_then(|p| p.policy())
        .and_then(|p| p.default_version_id())
    else {
        return (None, recs);
    };
    let (v, rec) = s
        .call(
            "iam:GetPolicyVersion",
            client
                .get_policy_version()
                .policy_arn(arn)
                .version_id(version)
                .send(),
        )
        .await;
    recs.push(rec);
    let doc = v
        .as_ref()
        .and_then(|v| v.policy_version())
        .and_then(|v| v.document())
        .and_then(document)
        .map(|d| PolicyDoc {
            id: arn.to_string(),
            document: d,
        });
    (doc, recs)
}

/// The policies of `arn:…:user/NAME` or of the role behind `arn:…:role/NAME` /
/// `arn:…:assumed-role/NAME/session`.
pub async fn identity(s: &Session, principal: &str) -> Option<(IdentityPolicies, ProbeRecord)> {
    let rest = principal.split(':').nth(5)?;
    if let Some(user) = rest.strip_prefix("user/") {
        let name = user.rsplit('/').next()?.to_string();
        Some(user_policies(s, principal, &name).await)
    } else {
        let role = rest
            .strip_prefix("assumed-role/")
            .and_then(|r| r.split('/').next())
            .or_else(|| {
                rest.strip_prefix("role/")
                    .and_then(|r| r.rsplit('/').next())
            })?
            .to_string();
        Some(role_policies(s, principal, &role).await)
    }
}

async fn user_policies(
    s: &Session,
    principal: &str,
    name: &str,
) -> (IdentityPolicies, ProbeRecord) {
    let c = aws_sdk_iam::Client::new(&s.conf);
    let mut t = Tally {
        records: Vec::new(),
        complete: true,
    };
    let (inline, attached, groups, user) = tokio::join!(
        s.call(
            "iam:ListUserPolicies",
            c.list_user_policies().user_name(name).send()
        ),
        s.call(
            "iam:ListAttachedUserPolicies",
            c.list_attached_user_policies().user_name(name).send()
        ),
        s.call(
            "iam:ListGroupsForUser",
            c.list_groups_for_user().user_name(name).send()
        ),
        s.call("iam:GetUser", c.get_user().user_name(name).send()),
    );
    let mut out = IdentityPolicies {
        principal: principal.to_string(),
        ..Default::default()
    };
    let inline_names: Vec<String> = inline
        .0
        .map(|o| {
            if o.is_truncated() {
                t.complete = false;
            }
            o.policy_names().to_vec()
        })
        .unwrap_or_default();
    t.add(inline.1);
    let mut managed_arns: Vec<String> = attached
        .0
        .map(|o| {
            o.attached_policies()
                .iter()
                .filter_map(|p| p.policy_arn().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    t.add(attached.1);
    let group_names: Vec<String> = groups
        .0
        .map(|o| {
            o.groups()
                .iter()
                .map(|g| g.group_name().to_string())
                .collect()
        })
        .unwrap_or_default();
    t.add(groups.1);
    let boundary = user
        .0
        .as_ref()
        .and_then(|u| u.user())
        .and_then(|u| u.permissions_boundary())
        .and_then(|b| b.permissions_boundary_arn())
        .map(str::to_string);
    t.add(user.1);

    let inline_docs = join_all(inline_names.iter().map(|p| {
        let c = c.clone();
        async move {
            let (o, rec) = s
                .call(
                    "iam:GetUserPolicy",
                    c.get_user_policy().user_name(name).policy_name(p).send(),
                )
                .await;
            let doc = o
                .and_then(|o| document(o.policy_document()))
                .map(|d| PolicyDoc {
                    id: format!("user/{name} inline {p}"),
                    document: d,
                });
            (doc, rec)
        }
    }))
    .await;
    for (doc, rec) in inline_docs {
        out.policies.extend(doc);
        t.add(rec);
    }
    // Groups: their inline policies and the managed ones attached to them.
    let group_parts = join_all(group_names.iter().map(|g| {
        let c = c.clone();
        async move {
            let (i, a) = tokio::join!(
                s.call(
                    "iam:ListGroupPolicies",
                    c.list_group_policies().group_name(g).send()
                ),
                s.call(
                    "iam:ListAttachedGroupPolicies",
                    c.list_attached_group_policies().group_name(g).send()
                ),
            );
            let names: Vec<String> = i.0.map(|o| o.policy_names().to_vec()).unwrap_or_default();
            let arns: Vec<String> =
                a.0.map(|o| {
                    o.attached_policies()
                        .iter()
                        .filter_map(|p| p.policy_arn().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            let docs = join_all(names.iter().map(|p| {
                let c = c.clone();
                async move {
                    let (o, rec) = s
                        .call(
                            "iam:GetGroupPolicy",
                            c.get_group_policy().group_name(g).policy_name(p).send(),
                        )
                        .await;
                    let doc = o
                        .and_then(|o| document(o.policy_document()))
                        .map(|d| PolicyDoc {
                            id: format!("group/{g} inline {p}"),
                            document: d,
                        });
                    (doc, rec)
                }
            }))
            .await;
            (docs, arns, vec![i.1, a.1])
        }
    }))
    .await;
    for (docs, arns, recs) in group_parts {
        for (doc, rec) in docs {
            out.policies.extend(doc);
            t.add(rec);
        }
        managed_arns.extend(arns);
        for r in recs {
            t.add(r);
        }
    }
    managed_arns.sort();
    managed_arns.dedup();
    finish_managed(s, &mut out, &mut t, &managed_arns, boundary).await;
    let what = summary(&out);
    let (complete, rec) = t.record(&what);
    out.complete = complete;
    (out, rec)
}

async fn role_policies(
    s: &Session,
    principal: &str,
    name: &str,
) -> (IdentityPolicies, ProbeRecord) {
    let c = aws_sdk_iam::Client::new(&s.conf);
    let mut t = Tally {
        records: Vec::new(),
        complete: true,
    };
    let (inline, attached, role) = tokio::join!(
        s.call(
            "iam:ListRolePolicies",
            c.list_role_policies().role_name(name).send()
        ),
        s.call(
            "iam:ListAttachedRolePolicies",
            c.list_attached_role_policies().role_name(name).send()
        ),
        s.call("iam:GetRole", c.get_role().role_name(name).send()),
    );
    let mut out = IdentityPolicies {
        principal: principal.to_string(),
        ..Default::default()
    };
    let names: Vec<String> = inline
        .0
        .map(|o| {
            if o.is_truncated() {
                t.complete = false;
            }
            o.policy_names().to_vec()
        })
        .unwrap_or_default();
    t.add(inline.1);
    let arns: Vec<String> = attached
        .0
        .map(|o| {
            o.attached_policies()
                .iter()
                .filter_map(|p| p.policy_arn().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    t.add(attached.1);
    let boundary = role
        .0
        .as_ref()
        .and_then(|r| r.role())
        .and_then(|r| r.permissions_boundary())
        .and_then(|b| b.permissions_boundary_arn())
        .map(str::to_string);
    t.add(role.1);
    let docs = join_all(names.iter().map(|p| {
        let c = c.clone();
        async move {
            let (o, rec) = s
                .call(
                    "iam:GetRolePolicy",
                    c.get_role_policy().role_name(name).policy_name(p).send(),
                )
                .await;
            let doc = o
                .and_then(|o| document(o.policy_document()))
                .map(|d| PolicyDoc {
                    id: format!("role/{name} inline {p}"),
                    document: d,
                });
            (doc, rec)
        }
    }))
    .await;
    for (doc, rec) in docs {
        out.policies.extend(doc);
        t.add(rec);
    }
    finish_managed(s, &mut out, &mut t, &arns, boundary).await;
    let what = summary(&out);
    let (complete, rec) = t.record(&what);
    out.complete = complete;
    (out, rec)
}

async fn finish_managed(
    s: &Session,
    out: &mut IdentityPolicies,
    t: &mut Tally,
    arns: &[String],
    boundary: Option<String>,
) {
    let all: Vec<&String> = arns.iter().chain(boundary.iter()).collect();
    let docs = join_all(all.iter().map(|a| managed(s, a))).await;
    for (arn, (doc, recs)) in all.iter().zip(docs) {
        for r in recs {
            t.add(r);
        }
        if Some(*arn) == boundary.as_ref() {
            out.boundary = doc;
            out.has_boundary = true;
        } else {
            out.policies.extend(doc);
        }
    }
}

fn summary(p: &IdentityPolicies) -> String {
    format!(
        "{} identity polic{}{}",
        p.policies.len(),
        if p.policies.len() == 1 { "y" } else { "ies" },
        if p.has_boundary {
            ", a permissions boundary"
        } else {
            ""
        }
    )
}
