//! S3: what the bucket says about a denial (policy, public access block, ownership,
//! encryption, region, existence).

use std::collections::BTreeMap;

use aws_config::SdkConfig;

use crate::findings::{BucketFacts, ProbeRecord};

use super::Session;

/// The SDK configuration for the resource look-ups (bucket and key).
///
/// With `AWSX_DIAGNOSE_PROFILE` they must run as that profile. The session's default
/// credential chain reads the environment first, so when the failed command ran with
/// `AWS_ACCESS_KEY_ID` in the environment the session still holds those keys (the very
/// keys that were denied): resolve the profile's own credentials here. Without
/// `AWSX_DIAGNOSE_PROFILE`, or without keys in the environment, the session is used as is.
pub(crate) async fn lookup_conf(s: &Session) -> Result<SdkConfig, String> {
    // The session already resolved AWSX_DIAGNOSE_PROFILE's credentials for look-ups.
    Ok(s.conf.clone())
}

/// A record for a look-up that could not start.
pub(crate) fn not_started(probe: &str, summary: String) -> ProbeRecord {
    ProbeRecord {
        probe: probe.to_string(),
        ok: false,
        summary,
        error_code: None,
        denied: false,
        timed_out: false,
        ms: None,
    }
}

/// The S3 endpoint the failed command talked to, when it was not AWS's own.
fn custom_endpoint(s: &Session) -> Option<String> {
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
    s.target
        .endpoint_url
        .clone()
        .or_else(|| env("AWS_ENDPOINT_URL_S3"))
        .or_else(|| env("AWS_ENDPOINT_URL"))
        .or_else(|| super::services_endpoint(s.target.profile.as_deref(), "s3"))
        .or_else(|| s.conf.endpoint_url().map(str::to_string))
}

/// `aws:SecureTransport` of the failed request and where that comes from: the CLI talks
/// HTTPS to AWS's endpoints; an `--endpoint-url http://…` (an emulator, a proxy) is plain HTTP.
fn secure_transport(s: &Session) -> Option<(bool, String)> {
    match custom_endpoint(s) {
        None => Some((
            true,
            "the CLI sends requests to AWS's endpoints over HTTPS".into(),
        )),
        Some(u) => {
            let lower = u.trim().to_ascii_lowercase();
            let shown = super::first_line(u.trim());
            if lower.starts_with("https://") {
                Some((true, format!("the command's endpoint {shown} is HTTPS")))
            } else if lower.starts_with("http://") {
                Some((
                    false,
                    format!("the command's endpoint {shown} is plain HTTP"),
                ))
            } else {
                None
            }
        }
    }
}

fn client(s: &Session, conf: &SdkConfig) -> aws_sdk_s3::Client {
    let mut b = aws_sdk_s3::config::Builder::from(conf);
    // An emulator or proxy endpoint has no per-bucket DNS: `b.localhost` does not resolve.
    if custom_endpoint(s).is_some() {
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
    let mut records = Vec::new();
    let conf = match lookup_conf(s).await {
        Ok(c) => c,
        Err(e) => {
            records.push(not_started("credentials (AWSX_DIAGNOSE_PROFILE)", e));
            s.conf.clone()
        }
    };
    let mut c = client(s, &conf);
    let mut facts = BucketFacts {
        bucket: bucket.to_string(),
        ..Default::default()
    };
    // HeadBucket first: its `x-amz-bucket-region` header (on success, and on the 301 or 400
    // that a bucket in another region answers) says where to send the other look-ups.
    let redirect: std::sync::Mutex<Option<String>> = std::sync::Mutex::new(None);
    let head = s
        .call("s3:HeadBucket", async {
            let res = c.head_bucket().bucket(bucket).send().await;
            if let Err(e) = &res
                && let Some(r) = e
                    .raw_response()
                    .and_then(|raw| raw.headers().get("x-amz-bucket-region"))
                && let Ok(mut slot) = redirect.lock()
            {
                *slot = Some(r.to_string());
            }
            res
        })
        .await;
    let redirect = redirect.into_inner().ok().flatten();
    let asked = conf.region().map(|r| r.as_ref().to_string());
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
    facts.region = out
        .as_ref()
        .and_then(|o| o.bucket_region().map(str::to_string))
        .or(redirect.clone());
    if let Some(r) = &facts.region
        && asked.as_deref() != Some(r.as_str())
    {
        if redirect.is_some() {
            facts.exists = Some(true);
            let moved = format!(
                "the bucket is in {r}, not in {}",
                asked.as_deref().unwrap_or("the configured region")
            );
            if rec.denied {
                rec.summary = format!("{}; {moved}", rec.summary);
            } else {
                rec.ok = true;
                rec.summary = moved;
            }
        }
        if custom_endpoint(s).is_none() {
            let conf = conf
                .to_builder()
                .region(aws_config::Region::new(r.clone()))
                .build();
            c = client(s, &conf);
        }
    }
    records.push(rec);

    let (policy, status, pab, own, enc, loc) = tokio::join!(
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
    );
    // Answers that are facts, not failures: no policy, no PAB, no ownership controls.
    let absent = |r: &ProbeRecord, codes: &[&str]| {
        r.error_code.as_deref().is_some_and(|c| codes.contains(&c))
    };

    let (out, mut rec) = loc;
    if let Some(o) = out {
        let r = o
            .location_constraint()
            .map(|l| l.as_str().to_string())
            .unwrap_or_default();
        facts.region = Some(match r.as_str() {
            // GetBucketLocation's legacy answers: none for us-east-1, "EU" for eu-west-1.
            "" => "us-east-1".to_string(),
            "EU" => "eu-west-1".to_string(),
            _ => r,
        });
    } else {
        unreadable(&mut rec, "a location");
    }
    records.push(rec);

    let (out, mut rec) = policy;
    if let Some(p) = out.and_then(|o| o.policy().map(str::to_string)) {
        facts.policy = serde_json::from_str(&p).ok();
        match crate::policy::parse(&p) {
            Ok(doc) => {
                if let Some(d) = &denied {
                    analyse(&mut facts, &doc, d, secure_transport(s));
                }
            }
            Err(e) => {
                rec.summary = format!(
                    "the policy was read but awsx cannot parse it: {}",
                    super::first_line(&e)
                );
            }
        }
    } else if absent(&rec, &["NoSuchBucketPolicy"]) {
        facts.no_policy = true;
        rec.ok = true;
        rec.summary = "no bucket policy".into();
    } else if rec.denied {
        facts.policy_denied = true;
        rec.summary = format!(
            "denied ({}): this identity may not read the bucket policy (ask the bucket owner)",
            rec.error_code.as_deref().unwrap_or("AccessDenied")
        );
    } else {
        unreadable(&mut rec, "a bucket policy");
    }
    records.push(rec);

    let (out, mut rec) = status;
    match out {
        Some(o) => facts.is_public = o.policy_status().and_then(|p| p.is_public()),
        None => unreadable(&mut rec, "a policy status"),
    }
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
    } else {
        unreadable(&mut rec, "a public access block");
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
    } else {
        unreadable(&mut rec, "ownership controls");
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
                    facts.kms_key = Some(
                        d.kms_master_key_id()
                            .filter(|k| !k.is_empty())
                            .unwrap_or("alias/aws/s3")
                            .to_string(),
                    );
                }
                facts.encryption = Some(serde_json::json!({
                    "SSEAlgorithm": algo,
                    "KMSMasterKeyID": d.kms_master_key_id(),
                    "BucketKeyEnabled": r.bucket_key_enabled(),
                }));
            }
        }
    } else if absent(&rec, &["ServerSideEncryptionConfigurationNotFoundError"]) {
        rec.ok = true;
        rec.summary = "no default encryption".into();
    } else {
        unreadable(&mut rec, "an encryption configuration");
    }
    records.push(rec);
    (facts, records)
}

/// A 2xx answer the SDK could not read as the expected document: the endpoint (an emulator
/// such as moto answers `?policyStatus` with an object listing) does not implement the call.
pub(crate) fn unreadable(rec: &mut ProbeRecord, what: &str) {
    if !rec.ok
        && !rec.denied
        && !rec.timed_out
        && rec.error_code.is_none()
        && rec.summary.starts_with("HTTP 2")
    {
        rec.summary = format!(
            "the endpoint answered {} but not with {what}: it does not seem to implement {}",
            rec.summary,
            rec.probe.split(':').nth(1).unwrap_or(&rec.probe)
        );
        rec.error_code = Some("NotImplemented".into());
    }
}

fn analyse(
    facts: &mut BucketFacts,
    doc: &crate::policy::PolicyDocument,
    d: &Denied<'_>,
    secure: Option<(bool, String)>,
) {
    use crate::policy::{Request, Verdict, evaluate};
    let mut context: BTreeMap<String, Vec<String>> = BTreeMap::new();
    if let Some((secure, _)) = &secure {
        context.insert("aws:SecureTransport".into(), vec![secure.to_string()]);
    }
    let req = Request {
        principal: d.principal,
        account: d.account,
        action: d.action,
        resource: d.resource,
        context: &context,
    };
    let ev = evaluate(doc, &req);
    facts.analysis = crate::policy::report_lines(&ev);
    let uses_transport = doc.statements.iter().any(|st| {
        st.condition
            .iter()
            .any(|c| c.key.eq_ignore_ascii_case("aws:SecureTransport"))
    });
    if let (true, Some((secure, why))) = (uses_transport, &secure) {
        facts.analysis.push(format!(
            "aws:SecureTransport is {secure} for this request: {why}"
        ));
    }
    match ev.verdict {
        Verdict::ExplicitDeny => facts.analysis.push(format!(
            "an explicit Deny in the bucket policy refuses {} here, whatever the identity policies allow",
            d.action
        )),
        Verdict::DependsOn => facts.analysis.push(format!(
            "whether the bucket policy refuses {} depends on request values awsx cannot know (above)",
            d.action
        )),
        Verdict::NoAllow => {
            facts
                .analysis
                .extend(crate::policy::allowed_to_others(doc, &req));
            facts.analysis.push(format!(
                "no statement allows {} for this principal (same-account callers can still be allowed by their identity policy)",
                d.action
            ));
        }
        Verdict::Allowed => facts.analysis.push(format!(
            "the bucket policy allows {}: the denial comes from elsewhere (the caller's identity policy, an SCP, a VPC endpoint policy, the KMS key)",
            d.action
        )),
    }
    let verdict = match ev.verdict {
        Verdict::ExplicitDeny => "explicit-deny",
        Verdict::Allowed => "allowed",
        Verdict::DependsOn => "depends-on-conditions",
        Verdict::NoAllow => "no-allow",
    };
    facts.verdict = Some(verdict.to_string());
}
