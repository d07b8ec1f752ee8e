//! Error text → [`Failure`]. Pure: no network, no environment.

pub mod access;
pub mod codes;
pub mod decoded;
pub mod formats;

use std::sync::LazyLock;

use regex::Regex;

use crate::failure::{Authorization, Category, Cause, Context, Decision, Failure, Layer, QuotaRef};
use crate::invocation::Invocation;
use crate::knowledge::quotas;
use formats::Headline;

static STATED_LIMIT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?:limit of|quota for \w+:|limit is|limit \(|maximum of|exceed(?:ed|s)? (?:the )?(?:quota|limit) of|maximum number of [\w ]+ \() ?(\d+(?:\.\d+)?)")
        .expect("static regex")
});
static INSTANCE_TYPE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b((?:[a-z]{1,4}\d[a-z0-9-]*|u-\d+tb\d)\.(?:nano|micro|small|medium|large|metal|\d*xlarge)(?:-\d+)?)\b")
        .expect("static regex")
});
static MENTIONS_KMS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\bkms:|KMS\.|\bKMS\b|customer master key|\bCMK\b|key policy|arn:aws[\w-]*:kms:|alias/aws/")
        .expect("static regex")
});

/// Text longer than this is classified by its last part: errors end logs.
const MAX_TEXT: usize = 16 * 1024 * 1024;

/// Reads an error text. `inv` is the aws command line when awsx ran it.
pub fn classify(text: &str, inv: Option<&Invocation>) -> Failure {
    let text = if text.len() > MAX_TEXT {
        let mut cut = text.len() - MAX_TEXT;
        while !text.is_char_boundary(cut) {
            cut += 1;
        }
        &text[cut..]
    } else {
        text
    };
    let clean = crate::sanitize::strip_ansi(text);
    let clean = clean.as_str();
    let mut f = Failure::default();
    let heads = formats::headlines(clean);
    let primary = pick(&heads);
    if let Some(h) = &primary {
        f.error_code = h.code.clone();
        f.operation = h.operation.clone();
        f.message = Some(h.message.clone()).filter(|m| !m.is_empty());
        f.format = Some(h.format.to_string());
        f.http_status = h.http_status;
        f.retries = h.retries;
        f.request_id = h.request_id.clone();
        f.service = h.service.as_deref().map(normalise_service_id);
    }
    let decoded = decoded::find(clean);
    if primary.is_none() || f.error_code.is_none() {
        if let Some((problem, line, _)) = formats::client_problem(clean) {
            f.problem = Some(problem.to_string());
            if f.message.is_none() {
                f.message = Some(line);
            }
            f.format.get_or_insert_with(|| "client".to_string());
        }
    }
    if let Some(inv) = inv {
        if let Some(s) = inv.service_name() {
            f.service = Some(s);
        }
        f.context = context_from(inv);
    }

    let message = f.message.clone().unwrap_or_default();
    f.category = categorise(&f, &message, clean, decoded.is_some());

    // Facts the advice needs that the text carries.
    if f.context.instance_type.is_none() {
        f.context.instance_type = INSTANCE_TYPE
            .captures(&message)
            .or_else(|| INSTANCE_TYPE.captures(clean))
            .map(|c| c[1].to_string());
    }

    if matches!(f.category, Category::Authorization | Category::Trust) || decoded.is_some() {
        f.authorization = Some(authorization(&f, &message, clean, decoded.as_ref()));
        if let Some(a) = &f.authorization {
            if f.service.is_none() {
                f.service = a.action.as_deref().and_then(|x| x.split(':').next()).map(codes::cli_service);
            }
            if a.action.as_deref().is_some_and(codes::is_assume_role) && f.category == Category::Authorization {
                f.category = Category::Trust;
            }
        }
    }
    if f.category == Category::Quota {
        f.quota = quota(&f, &message);
    }
    f
}

/// The last error in the text; at the same place, the richest reading.
fn pick(heads: &[Headline]) -> Option<Headline> {
    let last = heads.iter().map(|h| h.at).max()?;
    // Readers that matched the same statement start within a line of each other.
    let mut near: Vec<&Headline> = heads.iter().filter(|h| h.at + 400 >= last).collect();
    near.sort_by_key(|h| {
        let rank = match h.format {
            "cli" | "cli-v2" | "boto3" | "cli-s3-transfer" => 0,
            "go-sdk-v2" => 1,
            "java-sdk" => 2,
            "go-sdk-v1" => 3,
            "cloudformation-handler" => 4,
            "json" => 5,
            "xml" => 6,
            _ => 7,
        };
        (h.code.is_none(), rank, std::cmp::Reverse(h.at))
    });
    let mut best = (*near.first()?).clone();
    // Fill gaps from the other readings of the same statement.
    for other in near.iter().skip(1) {
        if best.code.is_none() {
            best.code = other.code.clone();
        }
        if best.operation.is_none() {
            best.operation = other.operation.clone();
        }
        if best.service.is_none() {
            best.service = other.service.clone();
        }
        if best.http_status.is_none() {
            best.http_status = other.http_status;
        }
        if best.message.is_empty() {
            best.message = other.message.clone();
        }
    }
    // A CloudFormation handler code is generic (GeneralServiceException) when a nested
    // service error names the real one.
    Some(best)
}

/// "AmazonEC2", "Amazon S3", "AWSKMS", "Ec2", "EC2" → the CLI name.
fn normalise_service_id(id: &str) -> String {
    let id = id.trim();
    let id = id
        .strip_prefix("Amazon ")
        .or_else(|| id.strip_prefix("AWS "))
        .or_else(|| id.strip_prefix("Amazon"))
        .or_else(|| id.strip_prefix("AWS"))
        .unwrap_or(id);
    codes::cli_service(id)
}

fn context_from(inv: &Invocation) -> Context {
    Context {
        profile: inv.profile.clone(),
        region: inv.region.clone(),
        bucket: inv.bucket(),
        key: inv.key(),
        kms_key: inv.kms_key(),
        instance_type: inv.instance_type(),
        spot: inv.spot(),
        role_arn: inv.role_arn(),
        image_id: inv.image_id(),
    }
}

fn categorise(f: &Failure, message: &str, text: &str, has_decoded: bool) -> Category {
    use Category::*;
    let code = f.error_code.as_deref().unwrap_or("");
    let lower = message.to_ascii_lowercase();
    if code == "InvalidAMIID.NotFound" || code == "InvalidSnapshot.NotFound" {
        return Authorization;
    }
    if lower.contains("permission to access the storage of this ami") {
        return Authorization;
    }
    if code == "TooManyRequestsException" && lower.contains("concurrentinvocationlimitexceeded") {
        return Quota;
    }
    if code == "LimitExceededException" && (lower.contains("rate exceeded") || lower.contains("too many requests")) {
        return Throttling;
    }
    if code == "AccessDenied" && f.operation.as_deref().is_some_and(codes::is_assume_role) {
        return Trust;
    }
    if let Some(c) = codes::category_of(code) {
        // Generic CloudFormation handler codes say little; fall through to the message.
        if !(code == "AccessDenied" && lower.contains("expired")) {
            return c;
        }
        return Credentials;
    }
    if let Some(p) = &f.problem {
        return match p.as_str() {
            "no-credentials" | "no-region" | "profile-not-found" | "sso-expired" | "credential-source-failed" => Credentials,
            "cannot-connect" | "timeout" | "tls" | "proxy" => Connectivity,
            "parameter-validation" | "usage" | "local-path" => Validation,
            _ => Other,
        };
    }
    if code == "GeneralServiceException" || code == "InternalFailure" || code.is_empty() {
        // Message-only texts (CloudFormation events, consoles).
        let hay = if message.is_empty() { text } else { message };
        let l = hay.to_ascii_lowercase();
        if l.contains("is not authorized to perform") || l.contains("access denied") || l.contains("accessdenied")
            || l.contains("encoded authorization failure message") || has_decoded
        {
            return Authorization;
        }
        if l.contains("rate exceeded") || l.contains("throttl") {
            return Throttling;
        }
        if l.contains("insufficient capacity") || l.contains("do not have sufficient") && l.contains("capacity") {
            return Capacity;
        }
        if l.contains("maximum number of") || l.contains("limit exceeded") || l.contains("limitexceeded")
            || l.contains("quota") && l.contains("exceed")
        {
            return Quota;
        }
        if l.contains("security token included in the request is expired") || l.contains("token has expired") {
            return Credentials;
        }
    }
    if code == "ServiceLimitExceeded" {
        return Quota;
    }
    Other
}

fn authorization(f: &Failure, message: &str, text: &str, decoded: Option<&serde_json::Value>) -> Authorization {
    let mut a = Authorization::default();
    let mut denial = access::read_denial(message);
    if denial.action.is_none() && denial.principal.is_none() {
        denial = access::read_denial(text);
    }
    a.principal = denial.principal;
    a.action = denial.action;
    a.resource = denial.resource;
    a.decision = denial.decision;
    a.policy_layer = denial.layer;
    a.policy_arn = denial.policy_arn;
    if let Some((blob, cut)) = access::encoded_message(text) {
        a.encoded_message = Some(blob);
        a.encoded_truncated = cut;
    }
    let prefix = f.service.as_deref().map(codes::iam_prefix);
    if let Some(d) = decoded {
        decoded::apply(d, &mut a, prefix.as_deref());
    }
    if a.action.is_none() {
        if let (Some(s), Some(op)) = (f.service.as_deref(), f.operation.as_deref()) {
            a.action = Some(codes::action_for(s, op));
        }
    }
    // Bare actions ("RunInstances") in messages get the service prefix.
    if let Some(act) = &a.action {
        if !act.contains(':') {
            let p = prefix.clone().unwrap_or_else(|| "ec2".to_string());
            a.action = Some(format!("{p}:{act}"));
        }
    }
    if a.action.as_deref().is_some_and(codes::is_assume_role) && f.error_code.as_deref() != Some("IDPRejectedClaim") {
        if a.policy_layer == Layer::Unknown && message.contains("trust policy") {
            a.policy_layer = Layer::Trust;
        }
    }
    let code = f.error_code.as_deref().unwrap_or("");
    let action = a.action.clone().unwrap_or_default();
    a.cause = if action.eq_ignore_ascii_case("iam:PassRole") || message.contains("iam:PassRole") {
        Cause::Passrole
    } else if code.contains("KMS") || action.starts_with("kms:") || MENTIONS_KMS.is_match(message) {
        Cause::Kms
    } else if code.starts_with("InvalidAMIID") || code.starts_with("InvalidSnapshot")
        || message.to_ascii_lowercase().contains("storage of this ami")
    {
        Cause::ResourceSharing
    } else if a.decision == Decision::ExplicitDeny && decoded_deny_has_conditions(decoded) {
        Cause::Condition
    } else if !action.is_empty() && !codes::is_assume_role(&action) {
        Cause::ServiceAction
    } else {
        Cause::Unknown
    };
    a
}

fn decoded_deny_has_conditions(decoded: Option<&serde_json::Value>) -> bool {
    let Some(items) = decoded
        .and_then(|d| d.get("matchedStatements"))
        .and_then(|m| m.get("items"))
        .and_then(|i| i.as_array())
    else {
        return false;
    };
    items.iter().any(|s| {
        s.get("effect").and_then(|e| e.as_str()).is_some_and(|e| e.eq_ignore_ascii_case("deny"))
            && s.get("conditions")
                .and_then(|c| c.get("items"))
                .and_then(|i| i.as_array())
                .is_some_and(|i| !i.is_empty())
    })
}

fn quota(f: &Failure, message: &str) -> Option<QuotaRef> {
    let code = f.error_code.as_deref().unwrap_or("");
    let q = quotas::quota_for(
        code,
        f.service.as_deref(),
        message,
        f.context.instance_type.as_deref(),
        f.context.spot,
    )?;
    Some(QuotaRef {
        service_code: q.service_code.to_string(),
        quota_code: q.quota_code.to_string(),
        quota_name: q.name.to_string(),
        default_value: q.default_value,
        managed: q.managed,
        note: Some(q.note.to_string()).filter(|n| !n.is_empty()),
        stated_limit: STATED_LIMIT.captures(message).and_then(|c| c[1].parse().ok()),
    })
}
