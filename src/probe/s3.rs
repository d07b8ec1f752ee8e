//! S3: what the bucket says about a denial (policy, public access block, ownership,
//! encryption, region, existence).

use std::collections::BTreeMap;

use crate::findings::{BucketFacts, ProbeRecord};

use super::Session;

fn client(s: &Session) -> aws_sdk_s3::Client {
    let mut b = aws_sdk_s3::config::Builder::from(&s.conf);
    // An emulator or proxy endpoint has no per-bucket DNS: `b.localhost` does not resolve.
    let custom = s.target.endpoint_url.is_some()
        || std::env::var_os("AWS_ENDPOINT_URL_S3").is_some()
        || std::env::var_os("AWS_ENDPOINT_URL").is_some();
    if custom {
        b = b.force_path_style(true);
    }
    aws_sdk_s3::Client::from_conf(b.build())
}

/// The denied request, for analysing the bucket policy.
pub struct Denied<'a> {
    pub principal: Option<&'a str>,
    pub account: Option<&'a str>,
    pub action: &'a str,
    pub resource: Option<&'a str>,
}

pub async fn bucket(
    s: &Session,
    bucket: &str,
    denied: Option<Denied<'_>>,
) -> (BucketFacts, Vec<ProbeRecord>) {
    let c = client(s);
    let mut facts = BucketFacts {
        bucket: bucket.to_string(),
        ..Default::default()
    };
    let (policy, status, pab, own, enc, loc, head) = tokio::join!(
        s.call(
            "s3:GetBucketPolicy",
            c.get_bucket_policy().bucket(bucket).send()
        ),
        s.call(
            "s3:GetBucketPolicyStatus",
            c.get_bucket_policy_status().bucket(bucket).send()
        ),
        s.call(
            "s3:GetPublicAccessBlock",
            c.get_public_access_block().bucket(bucket).send()
        ),
        s.call(
            "s3:GetBucketOwnershipControls",
            c.get_bucket_ownership_controls().bucket(bucket).send()
        ),
        s.call(
            "s3:GetBucketEncryption",
            c.get_bucket_encryption().bucket(bucket).send()
        ),
        s.call(
            "s3:GetBucketLocation",
            c.get_bucket_location().bucket(bucket).send()
        ),
        s.call("s3:HeadBucket", c.head_bucket().bucket(bucket).send()),
    );
    let mut records = Vec::new();
    // Answers that are facts, not failures: no policy, no PAB, no ownership controls.
    let absent = |r: &ProbeRecord, codes: &[&str]| {
        r.error_code.as_deref().is_some_and(|c| codes.contains(&c))
    };

    let (out, mut rec) = head;
    match (&out, rec.error_code.as_deref()) {
        (Some(_), _) => facts.exists = Some(true),
        (None, Some("NotFound" | "NoSuchBucket" | "404")) => {
            facts.exists = Some(false);
            rec.ok = true;
            rec.summary = "the bucket does not exist".into();
        }
        (None, Some("403" | "Forbidden" | "AccessDenied")) => {
            facts.exists = Some(true);
            rec.summary =
                "the bucket exists but this identity may not access it (HeadBucket 403)".into();
        }
        _ => {}
    }
    if let Some(o) = &out {
        facts.region = o.bucket_region().map(str::to_string);
    }
    records.push(rec);

    let (out, rec) = loc;
    if let Some(o) = out {
        let r = o
            .location_constraint()
            .map(|l| l.as_str().to_string())
            .unwrap_or_default();
        facts.region = Some(if r.is_empty() {
            "us-east-1".to_string()
        } else {
            r
        });
    }
    records.push(rec);

    let (out, mut rec) = policy;
    if let Some(p) = out.and_then(|o| o.policy().map(str::to_string)) {
        facts.policy = serde_json::from_str(&p).ok();
        if let (Some(d), Ok(doc)) = (&denied, crate::policy::parse(&p)) {
            analyse(&mut facts, &doc, d);
        }
    } else if absent(&rec, &["NoSuchBucketPolicy"]) {
        facts.no_policy = true;
        rec.ok = true;
        rec.summary = "no bucket policy".into();
    } else if rec.denied {
        facts.policy_denied = true;
    }
    records.push(rec);

    let (out, rec) = status;
    facts.is_public = out.and_then(|o| o.policy_status().and_then(|p| p.is_public()));
    records.push(rec);

    let (out, mut rec) = pab;
    if let Some(c) = out.and_then(|o| o.public_access_block_configuration().cloned()) {
        facts.public_access_block = Some(serde_json::json!({
            "BlockPublicAcls": c.block_public_acls(),
            "IgnorePublicAcls": c.ignore_public_acls(),
            "BlockPublicPolicy": c.block_public_policy(),
            "RestrictPublicBuckets": c.restrict_public_buckets(),
        }));
    } else if absent(&rec, &["NoSuchPublicAccessBlockConfiguration"]) {
        rec.ok = true;
        rec.summary = "no public access block on the bucket".into();
    }
    records.push(rec);

    let (out, mut rec) = own;
    if let Some(o) = out {
        facts.ownership = o
            .ownership_controls()
            .and_then(|c| c.rules().first())
            .map(|r| r.object_ownership().as_str().to_string());
    } else if absent(&rec, &["OwnershipControlsNotFoundError"]) {
        rec.ok = true;
        rec.summary = "no ownership controls".into();
    }
    records.push(rec);

    let (out, mut rec) = enc;
    if let Some(o) = out {
        let rules = o
            .server_side_encryption_configuration()
            .map(|c| c.rules().to_vec())
            .unwrap_or_default();
        for r in rules {
            if let Some(d) = r.apply_server_side_encryption_by_default() {
                let algo = d.sse_algorithm().as_str().to_string();
                if algo.starts_with("aws:kms") {
                    facts.kms_key =
                        Some(d.kms_master_key_id().unwrap_or("alias/aws/s3").to_string());
                }
                facts.encryption = Some(
                    serde_json::json!({"SSEAlgorithm": algo, "KMSMasterKeyID": d.kms_master_key_id()}),
                );
            }
        }
    } else if absent(&rec, &["ServerSideEncryptionConfigurationNotFoundError"]) {
        rec.ok = true;
        rec.summary = "no default encryption".into();
    }
    records.push(rec);
    (facts, records)
}

fn analyse(facts: &mut BucketFacts, doc: &crate::policy::PolicyDocument, d: &Denied<'_>) {
    use crate::policy::{Applies, Request, Verdict, evaluate};
    let context: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let req = Request {
        principal: d.principal,
        account: d.account,
        action: d.action,
        resource: d.resource,
        context: &context,
    };
    let ev = evaluate(doc, &req);
    let sid = |i: usize, s: &crate::policy::Statement| {
        s.sid.clone().unwrap_or_else(|| format!("#{}", i + 1))
    };
    for m in &ev.denies {
        let cond = match &m.applies {
            Applies::Yes => "applies to this request".to_string(),
            Applies::DependsOn(_) => "applies if its condition holds".to_string(),
            Applies::No => continue,
        };
        facts.analysis.push(format!(
            "Deny {} {cond}: {}",
            sid(m.index, m.statement),
            m.explanation.join("; ")
        ));
    }
    for m in &ev.allows {
        let cond = match &m.applies {
            Applies::Yes => "covers this request".to_string(),
            Applies::DependsOn(_) => "would cover it if its condition holds".to_string(),
            Applies::No => continue,
        };
        facts.analysis.push(format!(
            "Allow {} {cond}: {}",
            sid(m.index, m.statement),
            m.explanation.join("; ")
        ));
    }
    let verdict = match ev.verdict {
        Verdict::ExplicitDeny => "explicit-deny",
        Verdict::Allowed => "allowed",
        Verdict::DependsOn => "depends-on-conditions",
        Verdict::NoAllow => "no-allow",
    };
    if matches!(ev.verdict, Verdict::NoAllow) {
        facts.analysis.push(format!("no statement allows {} for this principal (same-account callers can still be allowed by their identity policy)", d.action));
    }
    facts.verdict = Some(verdict.to_string());
}
