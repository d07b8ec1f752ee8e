//! Resource policies behind a denial: the bucket and the KMS key, as fetched.

use super::*;
use crate::command::Cmd;

pub(super) fn bucket_facts(b: &mut Builder) {
    let Some(bf) = b.fx.bucket.clone() else {
        return;
    };
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
        let merged = bf
            .policy
            .as_ref()
            .and_then(|doc| super::authorization::merge_statement(doc, &statement));
        match merged {
            // The fetched policy plus one statement: every statement there today stays.
            Some(m) if !bf.bucket.starts_with("arn:") => b.run(
                "If the bucket belongs to another account, its owner must also allow the caller in the bucket policy (this is the current policy plus one statement):",
                Cmd::aws("s3api", "put-bucket-policy")
                    .arg("--bucket", &bf.bucket)
                    .json("--policy", &m)
                    .owner(),
            ),
            _ => b.doc(
                "If the bucket belongs to another account, its owner must also allow the caller: merge this statement into the bucket policy's Statement list (put-bucket-policy replaces the whole policy, so start from the current one):",
                statement,
            ),
        }
    }
    if bf.policy.is_some() && !bf.bucket.starts_with("arn:") {
        b.run(
            "Read the whole bucket policy (as the bucket owner):",
            Cmd::aws("s3api", "get-bucket-policy")
                .arg("--bucket", &bf.bucket)
                .arg("--query", "Policy")
                .arg("--output", "text")
                .owner(),
        );
    }
}

pub(super) fn key_facts(b: &mut Builder) {
    let Some(k) = b.fx.key.clone() else { return };
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
        let merged = k
            .policy
            .as_ref()
            .and_then(|doc| super::authorization::merge_statement(doc, &statement));
        let text = format!(
            "The key policy does not let the caller use the key (the caller's IAM policy must allow {action} on the key too)."
        );
        match (merged, k.arn.as_ref()) {
            // put-key-policy replaces the policy: only ever the fetched one plus a statement,
            // so the key's administrators keep their access (no lockout).
            (Some(m), Some(arn)) => b.run(
                format!("{text} Its owner can add the caller (this is the current key policy plus one statement):"),
                Cmd::aws("kms", "put-key-policy")
                    .arg("--key-id", arn)
                    .arg("--policy-name", "default")
                    .json("--policy", &m)
                    .owner(),
            ),
            _ => b.doc(
                format!("{text} Its owner can merge this statement into the key policy (put-key-policy replaces the whole policy: start from the current one, or the key's administrators lose access):"),
                statement,
            ),
        }
    }
    if a.cause != Cause::Kms && !key_ref.contains("alias/") {
        b.run(
            "Read the key policy (as the key's owner):",
            Cmd::aws("kms", "get-key-policy")
                .arg("--key-id", &key_ref)
                .arg("--policy-name", "default")
                .arg("--query", "Policy")
                .arg("--output", "text")
                .owner(),
        );
    }
}
