//! Error text → [`Failure`]. Pure: no network, no environment.

pub mod access;
pub mod codes;
pub mod decoded;
pub mod formats;
pub mod pattern;

use std::sync::LazyLock;

use regex::Regex;

use crate::failure::{Authorization, Category, Cause, Context, Decision, Failure, Layer, QuotaRef};
use crate::invocation::Invocation;
use crate::knowledge::{quotas, service_models};
use formats::Headline;

static STATED_LIMIT: LazyLock<Regex> = LazyLock::new(|| {
    pattern::re(
        r"(?i)(?:limit of|quota for \w+:|limit is|limit \(|maximum of|exceed(?:ed|s)? (?:the )?(?:quota|limit) of|maximum number of [\w ]+ \() ?(\d+(?:\.\d+)?)",
    )
});
static INSTANCE_TYPE: LazyLock<Regex> = LazyLock::new(|| {
    pattern::re(
        r"\b((?:[a-z]{1,4}\d[a-z0-9-]*|u-\d+tb\d)\.(?:nano|micro|small|medium|large|metal|\d*xlarge)(?:-\d+)?)\b",
    )
});
static S3_URL: LazyLock<Regex> =
    LazyLock::new(|| pattern::re(r#"s3://([a-z0-9][a-z0-9.-]{1,62})(?:/([^\s'"]*))?"#));
/// Web-identity federation refused by the role's trust or the account's OIDC providers.
static WEB_IDENTITY: LazyLock<Regex> = LazyLock::new(|| {
    pattern::re(
        r"(?i)incorrect token audience|no openidconnect provider found|not authorized to perform:? sts:AssumeRoleWithWebIdentity",
    )
});
static MENTIONS_KMS: LazyLock<Regex> = LazyLock::new(|| {
    pattern::re(
        r"(?i)\bkms:|KMS\.|\bKMS\b|customer master key|\bCMK\b|key policy|arn:aws[\w-]*:kms:|alias/aws/",
    )
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
    let primary = pick(&heads, inv.is_some());
    if let Some(h) = &primary {
        f.error_code = h.code.clone();
        f.operation = h.operation.clone();
        f.message = Some(h.message.clone()).filter(|m| !m.is_empty());
        f.format = Some(h.format.to_string());
        f.http_status = h.http_status;
        f.retries = h.retries;
        f.request_id = h.request_id.clone();
        // The operation's own service first: a wrapped inner error (KMS inside DynamoDB)
        // names another service than the call.
        f.service = h
            .operation
            .as_deref()
            .and_then(codes::service_of_operation)
            .map(str::to_string)
            .or_else(|| {
                h.service
                    .as_deref()
                    .filter(|s| !s.eq_ignore_ascii_case("null"))
                    .map(normalise_service_id)
            });
    }
    // No reader named a code: the SDK's own error name, wherever the text carries it.
    if f.error_code.is_none()
        && let Some((svc, code)) =
            formats::shape_reading(around(clean, primary.as_ref().map(|h| h.at)))
    {
        f.error_code = Some(code);
        if f.service.is_none() {
            f.service = svc.map(|s| normalise_service_id(&s));
        }
        f.format.get_or_insert_with(|| "sdk-shape".to_string());
    }
    // Everything after the headline reads the text around it (or the end of a text without
    // one): a 10 MB log is scanned once by the readers, not again by every look-up below.
    let whole = clean;
    let clean = around(whole, primary.as_ref().map(|h| h.at));
    let decoded = decoded::find(clean);
    let code_known = f
        .error_code
        .as_deref()
        .is_some_and(|c| codes::category_of(c).is_some());
    if !code_known && let Some((problem, line, _)) = formats::client_problem(whole) {
        f.problem = Some(problem.to_string());
        if f.message.is_none() {
            f.message = Some(line);
        }
        f.format.get_or_insert_with(|| "client".to_string());
    }
    if f.operation.is_none()
        && let Some((svc, op)) = operation_from_text(clean)
    {
        f.operation = Some(op);
        if svc.is_some() {
            f.service = svc;
        }
    }
    if f.operation.is_none()
        && let Some((svc, op)) = codes::operation_from_phrase(clean)
    {
        f.operation = Some(op.to_string());
        f.service.get_or_insert_with(|| svc.to_string());
    }
    if f.service.is_none() {
        f.service = f
            .operation
            .as_deref()
            .and_then(codes::service_of_operation)
            .or_else(|| f.error_code.as_deref().and_then(codes::service_of_code))
            .or_else(|| (f.format.as_deref() == Some("cli-s3-transfer")).then_some("s3"))
            .map(str::to_string)
            .or_else(|| service_from_command_line(clean).map(|(s, _)| s))
            .or_else(|| service_from_endpoint(clean))
            .or_else(|| model_service(&f));
    }
    if let Some(inv) = inv {
        if let Some(s) = inv.service_name() {
            f.service = Some(s);
        }
        // `--cli-error-format json|yaml|text|table` (v2 >= 2.34) print only the error
        // object: the operation is the command line's.
        if f.operation.is_none()
            && f.error_code.is_some()
            && f.problem.is_none()
            && matches!(
                f.format.as_deref(),
                Some("json" | "cli-yaml" | "cli-text" | "cli-table")
            )
        {
            f.operation = operation_of_command(inv);
        }
        f.context = context_from(inv, f.operation.as_deref());
    }

    if f.operation.is_none() && WEB_IDENTITY.is_match(clean) {
        f.operation = Some("AssumeRoleWithWebIdentity".to_string());
        f.service.get_or_insert_with(|| "sts".to_string());
    }
    let message = f.message.clone().unwrap_or_default();
    f.category = categorise(&f, &message, clean, decoded.is_some());

    // Facts the advice needs that the text carries.
    if f.context.bucket.is_none()
        && let Some(c) = S3_URL.captures(clean)
    {
        f.context.bucket = Some(c[1].to_string());
        f.context.key = c
            .get(2)
            .map(|k| k.as_str().to_string())
            .filter(|k| !k.is_empty());
    }
    if f.context.instance_type.is_none() {
        f.context.instance_type = INSTANCE_TYPE
            .captures(&message)
            .or_else(|| INSTANCE_TYPE.captures(clean))
            .map(|c| c[1].to_string());
    }

    let kms_related = f.error_code.as_deref().is_some_and(|c| c.contains("KMS"))
        || MENTIONS_KMS.is_match(&message)
        || (message.is_empty()
            && MENTIONS_KMS.is_match(clean)
            && clean.to_ascii_lowercase().contains("key"));
    if matches!(f.category, Category::Authorization | Category::Trust)
        || decoded.is_some()
        || kms_related
    {
        f.authorization = Some(authorization(&f, &message, clean, decoded.as_ref()));
        if let Some(a) = &f.authorization {
            if f.service.is_none() {
                f.service = a
                    .action
                    .as_deref()
                    .and_then(|x| x.split(':').next())
                    .map(codes::cli_service);
            }
            if a.action.as_deref().is_some_and(codes::is_assume_role)
                && f.category == Category::Authorization
            {
                f.category = Category::Trust;
            }
        }
    }
    if f.category == Category::Quota {
        f.quota = quota(&f, &message);
        if f.service.is_none() {
            f.service = f.quota.as_ref().map(|q| match q.service_code.as_str() {
                "vpc" | "ebs" => "ec2".to_string(),
                "elasticloadbalancing" => "elbv2".to_string(),
                other => other.to_string(),
            });
        }
    }
    // Operation from the denied action when nothing else named it (`API: ec2:RunInstances`).
    if f.operation.is_none()
        && let Some(act) = f.authorization.as_ref().and_then(|a| a.action.as_deref())
        && let Some((svc, op)) = act.split_once(':')
        && f.service
            .as_deref()
            .is_none_or(|s| codes::iam_prefix(s) == svc)
        && op.chars().all(|c| c.is_ascii_alphanumeric())
    {
        f.operation = Some(op.to_string());
    }
    f
}

/// How much text around the headline the secondary readers see.
const AROUND: usize = 64 * 1024;

fn around(text: &str, at: Option<usize>) -> &str {
    let (mut a, mut b) = match at {
        Some(at) => (at.saturating_sub(AROUND), (at + AROUND).min(text.len())),
        None => (text.len().saturating_sub(4 * AROUND), text.len()),
    };
    while !text.is_char_boundary(a) {
        a += 1;
    }
    while !text.is_char_boundary(b) {
        b -= 1;
    }
    &text[a..b]
}

/// The first error in the text (later ones in a log are usually its consequences); at the
/// same place, the richest reading.
///
/// After a command awsx ran (`last_cli`), aws's own final error line is the headline: what
/// comes before it is `--debug` output or warnings (a retried error body, say).
fn pick(heads: &[Headline], last_cli: bool) -> Option<Headline> {
    let is_cli = |h: &&Headline| {
        matches!(
            h.format,
            "cli" | "cli-v2" | "boto3" | "cli-s3-transfer" | "cli-yaml" | "cli-text" | "cli-table"
        )
    };
    let anchor = match heads.iter().filter(is_cli).map(|h| h.at).max() {
        Some(at) if last_cli => at,
        _ => heads.iter().map(|h| h.at).min()?,
    };
    // Readers that matched the same statement start within a line of each other.
    let mut near: Vec<&Headline> = heads
        .iter()
        .filter(|h| h.at >= anchor && h.at <= anchor + 400)
        .collect();
    near.sort_by_key(|h| {
        let rank = match h.format {
            "cli" | "cli-v2" | "boto3" | "cli-s3-transfer" | "cli-text" | "cli-table" => 0,
            "go-sdk-v2" => 1,
            "java-sdk" => 2,
            "go-sdk-v1" => 3,
            "cloudformation-handler" => 4,
            "json" => 5,
            "xml" => 6,
            _ => 7,
        };
        (h.code.is_none(), rank, h.at)
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
    let cli = codes::cli_service(id);
    if service_models::service(&cli).is_some() {
        return cli;
    }
    service_models::service(id).map_or(cli, |s| s.cli.to_string())
}

fn context_from(inv: &Invocation, operation: Option<&str>) -> Context {
    // Writes go to the last s3:// location of `s3 cp a b`, reads come from the first.
    let writes = operation.is_some_and(|op| {
        matches!(
            op,
            "PutObject"
                | "CreateMultipartUpload"
                | "UploadPart"
                | "CompleteMultipartUpload"
                | "CopyObject"
                | "UploadPartCopy"
                | "PutObjectAcl"
                | "PutObjectTagging"
        )
    });
    let (bucket, key) = inv.s3_target(writes);
    Context {
        profile: inv.profile.clone(),
        region: inv.region.clone(),
        bucket,
        key,
        kms_key: inv.kms_key(),
        instance_type: inv.instance_type(),
        spot: inv.spot(),
        role_arn: inv.role_arn(),
        image_id: inv.image_id(),
        count: inv.count(),
        params: inv.params.clone(),
        cli_command: inv.service.clone().zip(inv.operation.clone()),
        endpoint_url: inv.endpoint_url.clone(),
    }
}

static QUOTA_WORDS: LazyLock<Regex> = LazyLock::new(|| {
    pattern::re(
        r"(?i)exceeds? (?:the )?limit|limit of \d+|(?:instance|spot instance) count exceeded|maximum number of [\w -]+ (?:has been|was) reached|maximum number of|below its minimum value|limit exceeded|cannot exceed quota|quota exceeded|exceeded (?:the |your )?quota|more \w+ than allowed|more buckets than allowed",
    )
});
static THROTTLE_WORDS: LazyLock<Regex> = LazyLock::new(|| {
    pattern::re(
        r"(?i)rate exceeded|request limit exceeded|RequestLimitExceeded|throttl|too many requests|slow down",
    )
});

/// Codes that wrap another error and say little themselves.
fn generic_code(code: &str) -> bool {
    matches!(
        code,
        "" | "GeneralServiceException"
            | "InternalFailure"
            | "InvalidRequest"
            | "InvalidParameterException"
            | "InvalidParameterValue"
            | "ValidationError"
            | "ValidationException"
            | "InvalidRequestException"
            | "ClientException"
            | "ServiceException"
            | "InvalidInput"
            | "BadRequest"
            | "BadRequestException"
    )
}

fn categorise(f: &Failure, message: &str, text: &str, has_decoded: bool) -> Category {
    use Category::*;
    let code = f.error_code.as_deref().unwrap_or("");
    let hay = if message.is_empty() { text } else { message };
    let flat = hay.split_whitespace().collect::<Vec<_>>().join(" ");
    let lower = flat.to_ascii_lowercase();
    if code == "InvalidAMIID.NotFound"
        || code == "InvalidSnapshot.NotFound"
        || lower.contains("permission to access the storage of this ami")
    {
        return Authorization;
    }
    if code == "AuthFailure" && lower.contains("not authorized for image") {
        return Authorization;
    }
    if code == "TooManyRequestsException" && lower.contains("concurrentinvocationlimitexceeded") {
        return Quota;
    }
    if code == "AccessDenied" && f.operation.as_deref().is_some_and(codes::is_assume_role) {
        return Trust;
    }
    if WEB_IDENTITY.is_match(&flat) {
        return Trust;
    }
    if generic_code(code) {
        // Wrapped errors: the message says what happened.
        if lower.contains("is not authorized to perform")
            || lower.contains("not authorized to perform")
            || lower.contains("access denied")
            || lower.contains("encoded authorization failure message")
            || has_decoded
        {
            return Authorization;
        }
        if THROTTLE_WORDS.is_match(&flat) {
            return Throttling;
        }
        if lower.contains("insufficient capacity")
            || (lower.contains("do not have sufficient") && lower.contains("capacity"))
        {
            return Capacity;
        }
        if QUOTA_WORDS.is_match(&flat) || lower.contains("unreservedconcurrentexecution") {
            return Quota;
        }
        if (code.starts_with("Validation") || code.starts_with("InvalidParameter"))
            && lower.contains("does not exist")
        {
            return Other;
        }
    }
    if code == "LimitExceededException" && THROTTLE_WORDS.is_match(&flat) {
        return Throttling;
    }
    if let Some(c) = codes::category_of(code) {
        if c == Authorization && lower.contains("expired") && lower.contains("token") {
            return Credentials;
        }
        return c;
    }
    // Any other modeled code: the service models' category (a limit whose message speaks
    // of a request rate is throttling, never a quota).
    if let Some(e) = service_models::error(code, f.service.as_deref())
        && e.category != Other
    {
        if e.category == Quota && THROTTLE_WORDS.is_match(&flat) {
            return Throttling;
        }
        return e.category;
    }
    if let Some(p) = &f.problem {
        return match p.as_str() {
            "no-credentials"
            | "login-expired"
            | "no-region"
            | "profile-not-found"
            | "sso-expired"
            | "credential-source-failed" => Credentials,
            "cannot-connect" | "timeout" | "tls" | "proxy" => Connectivity,
            "parameter-validation" | "usage" | "local-path" => Validation,
            _ => Other,
        };
    }
    if code.is_empty() || !code.chars().next().is_some_and(|c| c.is_ascii_uppercase()) {
        if lower.contains("not authorized to perform")
            || lower.contains("access denied")
            || has_decoded
            || lower.contains("encoded authorization failure message")
        {
            return Authorization;
        }
        if THROTTLE_WORDS.is_match(&flat) {
            return Throttling;
        }
        if lower.contains("insufficient capacity") {
            return Capacity;
        }
        if QUOTA_WORDS.is_match(&flat) {
            return Quota;
        }
        if lower.contains("security token included in the request is expired")
            || lower.contains("token has expired")
        {
            return Credentials;
        }
    }
    Other
}

/// `aws <service> <operation>` quoted in a pasted log: (service, Operation).
fn service_from_command_line(text: &str) -> Option<(String, Option<String>)> {
    static CMD: LazyLock<Regex> = LazyLock::new(|| {
        pattern::re(r"(?m)(?:^|[\s$>])aws (?:--[\w-]+ \S+ )*([a-z0-9][a-z0-9-]+) ([a-z][a-z0-9-]*)")
    });
    let c = CMD.captures(text)?;
    let svc = if &c[1] == "s3api" {
        "s3".to_string()
    } else {
        c[1].to_string()
    };
    let op = (svc != "s3" || &c[1] == "s3api").then(|| pascal(&c[2]));
    Some((svc, op))
}

/// The API operation an `aws SERVICE OPERATION` command line calls, when it is one: the
/// operation's PascalCase name, checked against the service's IAM actions or the known
/// operations (customizations such as `aws s3 ls`, `ecr get-login-password` or
/// `eks update-kubeconfig` call other operations, and are left unnamed).
fn operation_of_command(inv: &Invocation) -> Option<String> {
    let service = inv.service.as_deref()?;
    let op = pascal(inv.operation.as_deref()?);
    if service == "s3api" {
        return Some(op);
    }
    if service == "s3" {
        return None;
    }
    let prefix = codes::iam_prefix(service);
    let known = crate::knowledge::iam_reference::action(&format!("{prefix}:{op}")).is_some()
        || codes::service_of_operation(&op) == Some(service);
    known.then_some(op)
}

fn pascal(kebab: &str) -> String {
    kebab
        .split('-')
        .map(|w| {
            let mut cs = w.chars();
            cs.next()
                .map(|f| f.to_ascii_uppercase().to_string() + cs.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// The operation (and service) a text names outside the error line: SDK call sites,
/// `API: ec2:RunInstances`, PHP's `Error executing "AssumeRole"`, a quoted aws command.
fn operation_from_text(text: &str) -> Option<(Option<String>, String)> {
    static PATTERNS: LazyLock<Vec<Regex>> = LazyLock::new(|| {
        [
            r#"Error executing "(\w+)""#,
            r"deserializeAws_(?:restXml|restJson1|json1_1|json1_0|query|ec2)(\w+?)Command",
            r"error doing (\w+):",
            r"Error calling \w+ (\w+) API",
            r"\bAPI: [a-z0-9-]+:(\w+)",
        ]
        .iter()
        .map(|p| pattern::re(p))
        .collect()
    });
    for p in PATTERNS.iter() {
        if let Some(c) = p.captures(text) {
            let op = c[1].to_string();
            return Some((codes::service_of_operation(&op).map(str::to_string), op));
        }
    }
    let (svc, op) = service_from_command_line(text)?;
    Some((Some(svc), op?))
}

/// The service named by an endpoint host in the text (`https://events.ap-southeast-2.amazonaws.com`)
/// or an XML namespace (`https://iam.amazonaws.com/doc/2010-05-08/`).
fn service_from_endpoint(text: &str) -> Option<String> {
    static HOST: LazyLock<Regex> =
        LazyLock::new(|| pattern::re(r"https?://([a-z0-9-]+)\.((?:[a-z0-9-]+\.)*)amazonaws\.com"));
    static JS_CLIENT: LazyLock<Regex> =
        LazyLock::new(|| pattern::re(r"@aws-sdk/client-([a-z0-9-]+)"));
    if let Some(c) = JS_CLIENT.captures(text) {
        return Some(codes::cli_service(&c[1]));
    }
    let c = HOST.captures(text)?;
    // Virtual-hosted S3: bucket.s3.region.amazonaws.com
    if c[2].split('.').any(|l| l.starts_with("s3")) {
        return Some("s3".into());
    }
    let host = &c[1];
    Some(match host {
        "monitoring" => "cloudwatch".into(),
        "email" => "ses".into(),
        "states" => "stepfunctions".into(),
        "servicequotas" => "service-quotas".into(),
        "elasticloadbalancing" => "elbv2".into(),
        h if h.starts_with("s3") => "s3".into(),
        h => h.to_string(),
    })
}

fn authorization(
    f: &Failure,
    message: &str,
    text: &str,
    decoded: Option<&serde_json::Value>,
) -> Authorization {
    let mut a = Authorization::default();
    let mut denial = access::read_denial(message);
    if denial.action.is_none() && denial.principal.is_none() {
        denial = access::read_denial(text);
    } else if denial.decision == Decision::Unknown {
        // The reason often continues on a later log line.
        let whole = access::read_denial(text);
        if whole.action == denial.action {
            denial.decision = whole.decision;
            denial.layer = whole.layer;
            denial.policy_arn = denial.policy_arn.or(whole.policy_arn);
        }
    }
    a.principal = denial.principal;
    a.action = denial.action;
    a.resource = denial.resource;
    a.decision = denial.decision;
    a.policy_layer = denial.layer;
    a.policy_arn = denial.policy_arn;
    // The message first: a folded YAML message (`--cli-error-format yaml`) breaks the
    // marker over lines in the text.
    if let Some((blob, cut)) =
        access::encoded_message(text).or_else(|| access::encoded_message(message))
    {
        a.encoded_message = Some(blob);
        a.encoded_truncated = cut;
    }
    let prefix = f.service.as_deref().map(codes::iam_prefix);
    if let Some(d) = decoded {
        decoded::apply(d, &mut a, prefix.as_deref());
    }
    if a.action.is_none()
        && let (Some(s), Some(op)) = (f.service.as_deref(), f.operation.as_deref())
    {
        a.action = Some(codes::action_for(s, op));
    }
    // Bare actions ("RunInstances") in messages get the service prefix.
    if let Some(act) = &a.action
        && !act.contains(':')
    {
        let p = prefix.clone().unwrap_or_else(|| "ec2".to_string());
        a.action = Some(format!("{p}:{act}"));
    }
    if a.action.as_deref().is_some_and(codes::is_assume_role)
        && f.error_code.as_deref() != Some("IDPRejectedClaim")
        && a.policy_layer == Layer::Unknown
        && message.contains("trust policy")
    {
        a.policy_layer = Layer::Trust;
    }
    // The Reference's spelling of a message's lowercase action (`sqs:sendmessage`).
    if let Some(act) = a.action.as_deref()
        && !act.contains('*')
        && let Some(x) = crate::knowledge::iam_reference::action(act)
    {
        a.action = Some(x.full_name());
    }
    let code = f.error_code.as_deref().unwrap_or("");
    let action = a.action.clone().unwrap_or_default();
    let message = if message.is_empty() { text } else { message };
    a.cause = if action.eq_ignore_ascii_case("iam:PassRole") || message.contains("iam:PassRole") {
        Cause::Passrole
    } else if code.contains("KMS") || action.starts_with("kms:") || MENTIONS_KMS.is_match(message) {
        Cause::Kms
    } else if code.starts_with("InvalidAMIID")
        || code.starts_with("InvalidSnapshot")
        || message.to_ascii_lowercase().contains("storage of this ami")
        || message
            .to_ascii_lowercase()
            .contains("not authorized for images")
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

pub fn decoded_deny_has_conditions(decoded: Option<&serde_json::Value>) -> bool {
    let Some(items) = decoded
        .and_then(|d| d.get("matchedStatements"))
        .and_then(|m| m.get("items"))
        .and_then(|i| i.as_array())
    else {
        return false;
    };
    items.iter().any(|s| {
        s.get("effect")
            .and_then(|e| e.as_str())
            .is_some_and(|e| e.eq_ignore_ascii_case("deny"))
            && s.get("conditions")
                .and_then(|c| c.get("items"))
                .and_then(|i| i.as_array())
                .is_some_and(|i| !i.is_empty())
    })
}

fn quota(f: &Failure, message: &str) -> Option<QuotaRef> {
    let code = match f.error_code.as_deref().unwrap_or("") {
        c if generic_code(c) => "ServiceLimitExceeded",
        c => c,
    };
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
        stated_limit: STATED_LIMIT
            .captures(message)
            .and_then(|c| c[1].parse().ok()),
    })
}

/// The service the models name for a failure no text or table named: the one service that
/// has the operation, else the one service that models the error code.
fn model_service(f: &Failure) -> Option<String> {
    if let Some(op) = f.operation.as_deref() {
        return service_models::service_of_operation(op).map(|s| s.cli.to_string());
    }
    let code = f.error_code.as_deref()?;
    match service_models::services_of_code(code).as_slice() {
        [one] => Some(one.cli.to_string()),
        _ => None,
    }
}

/// The IAM action behind a failure: the denied action an authorization error names, else
/// the operation's (`lambda:CreateFunction` for a quota error of CreateFunction).
pub fn action_of(f: &Failure) -> Option<String> {
    if let Some(a) = f.authorization.as_ref().and_then(|a| a.action.clone()) {
        return Some(a);
    }
    let op = f.operation.as_deref()?;
    let svc = f.service.as_deref()?;
    Some(codes::action_for(svc, op))
}

/// The Service Quotas service code of a quota failure, also when the quota itself is not
/// known (`lambda` for any Lambda `LimitExceededException`).
pub fn quota_service_of(f: &Failure) -> Option<String> {
    if let Some(q) = &f.quota {
        return Some(q.service_code.clone());
    }
    if f.category != Category::Quota {
        return None;
    }
    let svc = f.service.as_deref()?;
    service_models::quota_service_code(
        svc,
        f.error_code.as_deref().unwrap_or(""),
        f.message.as_deref().unwrap_or(""),
    )
    .map(str::to_string)
}

#[cfg(test)]
mod error_format_tests {
    use super::*;

    fn inv(s: &str) -> Invocation {
        let v: Vec<std::ffi::OsString> = s.split_whitespace().map(Into::into).collect();
        Invocation::parse(&v)
    }

    const TABLE: &str = "----------------------------------------------------------------------\n|                                error                               |\n+-------------------+------------------------------------------------+\n|       Code        |                    Message                     |\n+-------------------+------------------------------------------------+\n|  VpcLimitExceeded |  The maximum number of VPCs has been reached.  |\n+-------------------+------------------------------------------------+\n";

    #[test]
    fn structured_error_formats_take_the_operation_from_the_command_line() {
        let i = inv(
            "--endpoint-url http://x ec2 create-vpc --cidr-block 10.0.0.0/16 --cli-error-format table",
        );
        for text in [
            TABLE,
            "VpcLimitExceeded\tThe maximum number of VPCs has been reached.\n",
            "{\n    \"Code\": \"VpcLimitExceeded\",\n    \"Message\": \"The maximum number of VPCs has been reached.\"\n}\n",
            "Code: VpcLimitExceeded\nMessage: The maximum number of VPCs has been reached.\n",
        ] {
            let f = classify(text, Some(&i));
            assert_eq!(f.error_code.as_deref(), Some("VpcLimitExceeded"), "{text}");
            assert_eq!(f.operation.as_deref(), Some("CreateVpc"), "{text}");
            assert_eq!(f.category, Category::Quota, "{text}");
            // A pasted text has no command line: no operation is made up.
            assert_eq!(classify(text, None).operation, None, "{text}");
        }
    }

    #[test]
    fn customizations_get_no_made_up_operation() {
        let text = "{\n    \"Code\": \"AccessDeniedException\",\n    \"Message\": \"denied\"\n}\n";
        for cmd in [
            "s3 ls s3://b",
            "ecr get-login-password",
            "eks update-kubeconfig --name c",
        ] {
            assert_eq!(classify(text, Some(&inv(cmd))).operation, None, "{cmd}");
        }
        assert_eq!(
            classify(text, Some(&inv("s3api get-object --bucket b --key k out")))
                .operation
                .as_deref(),
            Some("GetObject")
        );
    }
}
