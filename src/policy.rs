//! IAM policy document model and matcher.
//!
//! Pure (no I/O): parses S3 bucket policies, KMS key policies and IAM role
//! trust policies, and explains which of their statements cover a request
//! that AWS denied. What is and is not evaluated is written down in
//! `docs/policy-matcher.md`; the rules follow the IAM User Guide pages
//! "Policy evaluation logic", "IAM JSON policy elements" and "Grammar of the
//! IAM JSON policy language".

use serde::Serialize;
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt;
use std::net::IpAddr;

/// A parsed policy document (`Version`, `Id`, `Statement`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PolicyDocument {
    pub version: Option<String>,
    pub id: Option<String>,
    pub statements: Vec<Statement>,
}

impl PolicyDocument {
    /// Policy variables (`${aws:username}`, `${*}`) are substituted only in documents whose
    /// `Version` is `2012-10-17`; with `2008-10-17` or no `Version` AWS reads them as literal
    /// text (IAM User Guide, "IAM policy elements: Variables and tags" and "IAM JSON policy
    /// elements: Version").
    pub fn substitutes_variables(&self) -> bool {
        self.version.as_deref() == Some("2012-10-17")
    }
}

/// Parses a policy document that is already JSON (the same shapes as [`parse`]).
pub fn parse_json(value: &Value) -> Result<PolicyDocument, String> {
    parse_value(value, 0)
}

/// `"Effect": "Allow"` or `"Effect": "Deny"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Effect {
    Allow,
    Deny,
}

impl fmt::Display for Effect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Effect::Allow => "Allow",
            Effect::Deny => "Deny",
        })
    }
}

/// One statement. Single-string elements are stored as one-element lists.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Statement {
    pub sid: Option<String>,
    pub effect: Effect,
    pub principal: Option<Principal>,
    pub not_principal: Option<Principal>,
    pub action: Vec<String>,
    pub not_action: Vec<String>,
    pub resource: Vec<String>,
    pub not_resource: Vec<String>,
    pub condition: Vec<Condition>,
    /// `Action` is present (otherwise the statement uses `NotAction`).
    pub has_action: bool,
    /// `Resource` is present. When neither `Resource` nor `NotResource` is
    /// present (role trust policies) the statement covers the resource the
    /// policy is attached to.
    pub has_resource: bool,
}

/// The `Principal` / `NotPrincipal` element.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Principal {
    /// `"*"` or `{"AWS": "*"}`: everyone, including anonymous callers.
    Any,
    /// Principal type (`AWS`, `Service`, `Federated`, `CanonicalUser`) to
    /// its identifiers.
    Map(BTreeMap<String, Vec<String>>),
}

/// One condition operator / key / values triple of a `Condition` block.
///
/// The matcher also produces *synthetic* conditions whose `operator` is a
/// policy element name (`Principal`, `NotPrincipal`, `Resource`,
/// `NotResource`): they stand for an element awsx could not check because the
/// request did not say who the caller was or which resource was accessed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Condition {
    pub operator: String,
    pub key: String,
    pub values: Vec<String>,
}

/// What awsx knows about the denied request.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Request<'a> {
    /// ARN of the caller (`arn:aws:iam::123456789012:user/alice`,
    /// `arn:aws:sts::123456789012:assumed-role/R/sess`), or a service
    /// principal such as `ec2.amazonaws.com`.
    pub principal: Option<&'a str>,
    /// Account ID of the caller, when the ARN is not known.
    pub account: Option<&'a str>,
    /// Action, e.g. `s3:GetObject`.
    pub action: &'a str,
    /// ARN of the resource.
    pub resource: Option<&'a str>,
    /// Known condition key values; keys are compared case-insensitively.
    /// A key mapped to an empty list is known to be *absent* from the
    /// request (e.g. `aws:SourceVpce` for a request over the internet); a key
    /// that is not in the map is unknown.
    pub context: &'a BTreeMap<String, Vec<String>>,
}

/// Whether a statement applies to the request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Applies {
    Yes,
    No,
    /// Matches on principal, action and resource, but has conditions awsx
    /// cannot evaluate for lack of request values.
    DependsOn(Vec<Condition>),
}

/// A statement whose principal, action and resource cover the request (or
/// may cover it: see [`Applies::DependsOn`]). `applies` is `No` when one of
/// its conditions is known not to hold.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatementMatch<'a> {
    pub index: usize,
    pub statement: &'a Statement,
    pub applies: Applies,
    /// How the `Principal` / `NotPrincipal` element covered the caller (what the request-level
    /// rules of `crate::evaluate` need: a direct grant vs a delegation to the account).
    pub principal_match: PrincipalMatch,
    /// Human-readable, one line each.
    pub explanation: Vec<String>,
}

/// How a statement's principal element covers the caller (IAM User Guide, "Policy
/// evaluation logic" and "Cross-account policy evaluation logic": a resource policy that
/// names the principal grants by itself within the account; one that names only the
/// account delegates to that account's identity policies).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum PrincipalMatch {
    /// No `Principal` / `NotPrincipal`: an identity-side statement (identity policy,
    /// boundary, SCP, session policy).
    Attached,
    /// The caller's own ARN (user, role, session), service or federated identity.
    Exact,
    /// `"*"` / `{"AWS": "*"}`.
    Everyone,
    /// A role ARN that the caller is a session of.
    SessionRole,
    /// The caller's account (`123456789012` or `arn:aws:iam::123456789012:root`).
    Account,
    /// A `NotPrincipal` that does not exclude the caller.
    NotPrincipal,
    /// The caller was not known (the element is a synthetic condition).
    Unknown,
}

/// The outcome of [`evaluate`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation<'a> {
    pub denies: Vec<StatementMatch<'a>>,
    pub allows: Vec<StatementMatch<'a>>,
    pub verdict: Verdict,
}

/// What this one policy says about the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Verdict {
    ExplicitDeny,
    Allowed,
    DependsOn,
    /// No statement allows the request: implicit deny by this policy.
    NoAllow,
}

// ---------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------

/// How many wrappers (`{"Policy": "..."}`, JSON strings holding JSON) are
/// unwrapped before giving up.
const MAX_NESTING: usize = 4;

/// Parses a policy document.
///
/// Accepts the document itself, a URL-encoded document (IAM `GetRole`
/// returns `%7B%22Version%22...`), a JSON string holding the document, and
/// the CLI outputs that wrap it (`{"Policy": "..."}` from
/// `s3api get-bucket-policy` and `kms get-key-policy`,
/// `{"Role": {"AssumeRolePolicyDocument": ...}}` from `iam get-role`).
/// Element names are matched case-insensitively; single strings and arrays
/// are both accepted wherever the grammar allows a list; condition values
/// may be strings, booleans or numbers.
pub fn parse(text: &str) -> Result<PolicyDocument, String> {
    parse_text(text, 0)
}

fn parse_text(text: &str, depth: usize) -> Result<PolicyDocument, String> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err("policy document is empty".to_string());
    }
    let decoded;
    let json = if trimmed.starts_with('%') {
        decoded = percent_decode(trimmed)?;
        decoded.as_str()
    } else {
        trimmed
    };
    let value: Value = serde_json::from_str(json)
        .map_err(|e| format!("policy document is not valid JSON: {e}"))?;
    parse_value(&value, depth)
}

fn parse_value(value: &Value, depth: usize) -> Result<PolicyDocument, String> {
    if depth > MAX_NESTING {
        return Err("policy document is nested too deeply".to_string());
    }
    match value {
        Value::String(inner) => parse_text(inner, depth + 1),
        Value::Object(obj) => {
            if let Some(statement) = field(obj, "Statement") {
                return parse_document(obj, statement);
            }
            for wrapper in [
                "Policy",
                "PolicyDocument",
                "AssumeRolePolicyDocument",
                "Role",
            ] {
                if let Some(inner) = field(obj, wrapper) {
                    return parse_value(inner, depth + 1);
                }
            }
            Err("policy document has no Statement element".to_string())
        }
        _ => Err("policy document is not a JSON object".to_string()),
    }
}

fn percent_decode(s: &str) -> Result<String, String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let byte = bytes
                .get(i + 1..i + 3)
                .filter(|h| h.iter().all(u8::is_ascii_hexdigit))
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            match byte {
                Some(b) => {
                    out.push(b);
                    i += 3;
                }
                None => return Err(format!("bad URL encoding at character {i} of the policy")),
            }
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| "URL-decoded policy is not UTF-8".to_string())
}

/// Looks an element up by name, exact spelling first, then ignoring case.
fn field<'v>(obj: &'v Map<String, Value>, name: &str) -> Option<&'v Value> {
    obj.get(name).or_else(|| {
        obj.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    })
}

fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn string_list(value: Option<&Value>, what: &str, index: usize) -> Result<Vec<String>, String> {
    let bad = || format!("statement {index}: {what} must be a string or an array of strings");
    match value {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items.iter().map(|v| scalar(v).ok_or_else(bad)).collect(),
        Some(v) => scalar(v).map(|s| vec![s]).ok_or_else(bad),
    }
}

fn parse_document(obj: &Map<String, Value>, statement: &Value) -> Result<PolicyDocument, String> {
    let statements = match statement {
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, s)| parse_statement(s, i))
            .collect::<Result<Vec<_>, _>>()?,
        Value::Object(_) => vec![parse_statement(statement, 0)?],
        _ => return Err("Statement must be an object or an array of objects".to_string()),
    };
    Ok(PolicyDocument {
        version: field(obj, "Version").and_then(scalar),
        id: field(obj, "Id").and_then(scalar),
        statements,
    })
}

fn parse_statement(value: &Value, index: usize) -> Result<Statement, String> {
    let obj = value
        .as_object()
        .ok_or_else(|| format!("statement {index} is not a JSON object"))?;
    let effect = match field(obj, "Effect").and_then(Value::as_str) {
        Some(e) if e.eq_ignore_ascii_case("allow") => Effect::Allow,
        Some(e) if e.eq_ignore_ascii_case("deny") => Effect::Deny,
        Some(e) => {
            return Err(format!(
                "statement {index}: Effect must be Allow or Deny, not {e:?}"
            ));
        }
        None => return Err(format!("statement {index}: missing Effect")),
    };
    let action = field(obj, "Action");
    let not_action = field(obj, "NotAction");
    if action.is_none() && not_action.is_none() {
        return Err(format!("statement {index}: needs Action or NotAction"));
    }
    let resource = field(obj, "Resource");
    Ok(Statement {
        sid: field(obj, "Sid").and_then(scalar),
        effect,
        principal: field(obj, "Principal")
            .map(|p| parse_principal(p, "Principal", index))
            .transpose()?,
        not_principal: field(obj, "NotPrincipal")
            .map(|p| parse_principal(p, "NotPrincipal", index))
            .transpose()?,
        has_action: action.is_some(),
        action: string_list(action, "Action", index)?,
        not_action: string_list(not_action, "NotAction", index)?,
        has_resource: resource.is_some(),
        resource: string_list(resource, "Resource", index)?,
        not_resource: string_list(field(obj, "NotResource"), "NotResource", index)?,
        condition: parse_conditions(field(obj, "Condition"), index)?,
    })
}

fn parse_principal(value: &Value, what: &str, index: usize) -> Result<Principal, String> {
    match value {
        Value::String(s) if s == "*" => Ok(Principal::Any),
        // Not valid grammar, but unambiguous: a bare ARN or account ID.
        Value::String(s) => Ok(Principal::Map(BTreeMap::from([(
            "AWS".to_string(),
            vec![s.clone()],
        )]))),
        Value::Object(obj) => {
            let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
            for (kind, ids) in obj {
                let canonical = ["AWS", "Service", "Federated", "CanonicalUser"]
                    .into_iter()
                    .find(|c| c.eq_ignore_ascii_case(kind))
                    .map_or_else(|| kind.clone(), str::to_string);
                map.entry(canonical)
                    .or_default()
                    .extend(string_list(Some(ids), what, index)?);
            }
            let any = map
                .get("AWS")
                .is_some_and(|ids| ids.iter().any(|id| id == "*"));
            Ok(if any {
                Principal::Any
            } else {
                Principal::Map(map)
            })
        }
        _ => Err(format!(
            "statement {index}: {what} must be \"*\" or an object"
        )),
    }
}

fn parse_conditions(value: Option<&Value>, index: usize) -> Result<Vec<Condition>, String> {
    let ops = match value {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Object(ops)) => ops,
        Some(_) => return Err(format!("statement {index}: Condition must be an object")),
    };
    let mut out = Vec::new();
    for (operator, keys) in ops {
        let keys = keys.as_object().ok_or_else(|| {
            format!("statement {index}: Condition operator {operator} must map keys to values")
        })?;
        for (key, values) in keys {
            out.push(Condition {
                operator: operator.clone(),
                key: key.clone(),
                values: string_list(Some(values), "a condition value", index)?,
            });
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------
// Wildcards
// ---------------------------------------------------------------------------

/// `*` matches any run of characters (including none, and including `:` and
/// `/`), `?` exactly one character. Case-sensitive.
///
/// A literal `*` or `?` that came from `${*}` / `${?}` (or from a substituted variable's
/// value) is carried as [`LITERAL_STAR`] / [`LITERAL_QUESTION`] and matches only itself.
pub fn wildcard_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || (p[pi] != '*' && unliteral_char(p[pi]) == t[ti])) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

/// Stands for a literal `*` in a substituted pattern (`${*}`): not a wildcard.
pub const LITERAL_STAR: char = '\u{E000}';
/// Stands for a literal `?` in a substituted pattern (`${?}`).
pub const LITERAL_QUESTION: char = '\u{E001}';

fn unliteral_char(c: char) -> char {
    match c {
        LITERAL_STAR => '*',
        LITERAL_QUESTION => '?',
        c => c,
    }
}

/// A substituted value with its literal markers turned back into `*` / `?`, for operators
/// that take no wildcards.
fn unliteral(s: &str) -> Cow<'_, str> {
    if s.contains([LITERAL_STAR, LITERAL_QUESTION]) {
        Cow::Owned(s.chars().map(unliteral_char).collect())
    } else {
        Cow::Borrowed(s)
    }
}

/// A variable's value inside a pattern: its `*` and `?` are literal.
fn push_literal(out: &mut String, value: &str) {
    out.extend(value.chars().map(|c| match c {
        '*' => LITERAL_STAR,
        '?' => LITERAL_QUESTION,
        c => c,
    }));
}

/// Actions compare case-insensitively, service prefix included.
fn action_matches(pattern: &str, action: &str) -> bool {
    wildcard_match(&pattern.to_lowercase(), &action.to_lowercase())
}

/// `ArnEquals`/`ArnLike`: each of the six colon-separated parts is matched
/// on its own, so a wildcard does not cross a `:` between parts.
fn arn_like(pattern: &str, value: &str) -> bool {
    let p: Vec<&str> = pattern.splitn(6, ':').collect();
    let v: Vec<&str> = value.splitn(6, ':').collect();
    if p.len() == 6 && v.len() == 6 {
        p.iter().zip(&v).all(|(a, b)| wildcard_match(a, b))
    } else {
        wildcard_match(pattern, value)
    }
}

// ---------------------------------------------------------------------------
// Request context
// ---------------------------------------------------------------------------

/// Values of a condition key: `None` when unknown, an empty slice when known
/// to be absent from the request.
fn lookup<'c>(req: &Request<'c>, key: &str) -> Option<Cow<'c, [String]>> {
    if let Some((_, values)) = req
        .context
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
    {
        return Some(Cow::Borrowed(values.as_slice()));
    }
    derived_value(req, key).map(|v| Cow::Owned(vec![v]))
}

/// A condition key's values as the matcher sees them: from `context`, else derived from the
/// caller (see [`Request`]); `None` when unknown, empty when known to be absent.
pub fn request_values(req: &Request, key: &str) -> Option<Vec<String>> {
    lookup(req, key).map(Cow::into_owned)
}

/// Keys that follow from the caller's ARN or account when the context does
/// not give them.
fn derived_value(req: &Request, key: &str) -> Option<String> {
    let caller = req.principal.map(|p| Caller::parse(p, req.account));
    match key.to_ascii_lowercase().as_str() {
        "aws:principalaccount" | "kms:calleraccount" => req
            .account
            .or_else(|| caller.as_ref().and_then(|c| c.account))
            .map(str::to_string),
        // For a role session aws:PrincipalArn is the role ARN, whose path the
        // session ARN does not show: left unknown.
        "aws:principalarn" => caller.and_then(|c| match c.kind {
            CallerKind::Root | CallerKind::User | CallerKind::Role | CallerKind::FederatedUser => {
                Some(c.arn.to_string())
            }
            _ => None,
        }),
        "aws:username" => caller.and_then(|c| match c.kind {
            CallerKind::User => c.arn.rsplit('/').next().map(str::to_string),
            _ => None,
        }),
        _ => None,
    }
}

/// Result of substituting policy variables (`${aws:username}`).
enum Subst<'s> {
    Text(Cow<'s, str>),
    /// A variable's key is absent and has no default: the value matches
    /// nothing.
    NoMatch,
    /// A variable's key is unknown.
    Unknown,
}

fn substitute<'s>(s: &'s str, req: &Request, vars: bool) -> Subst<'s> {
    if !vars || !s.contains("${") {
        return Subst::Text(Cow::Borrowed(s));
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            out.push_str(&rest[start..]);
            rest = "";
            break;
        };
        let inner = &after[..end];
        match inner {
            "*" => out.push(LITERAL_STAR),
            "?" => out.push(LITERAL_QUESTION),
            "$" => out.push('$'),
            _ => {
                let (key, default) = match inner.split_once(',') {
                    Some((k, d)) => (k.trim(), Some(d.trim().trim_matches('\''))),
                    None => (inner.trim(), None),
                };
                match (lookup(req, key), default) {
                    (Some(values), _) if !values.is_empty() => push_literal(&mut out, &values[0]),
                    (_, Some(d)) => push_literal(&mut out, d),
                    (Some(_), None) => return Subst::NoMatch,
                    (None, None) => return Subst::Unknown,
                }
            }
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Subst::Text(Cow::Owned(out))
}

// ---------------------------------------------------------------------------
// Principals
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CallerKind<'a> {
    Root,
    User,
    Role,
    Session { role: &'a str },
    FederatedUser,
    Service,
    Other,
}

#[derive(Debug, Clone, Copy)]
struct Caller<'a> {
    arn: &'a str,
    partition: Option<&'a str>,
    account: Option<&'a str>,
    kind: CallerKind<'a>,
}

fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// `(partition, service, account, resource)` of an ARN.
fn arn_parts(s: &str) -> Option<(&str, &str, &str, &str)> {
    let parts: Vec<&str> = s.splitn(6, ':').collect();
    match parts.as_slice() {
        ["arn", partition, service, _region, account, resource] => {
            Some((partition, service, account, resource))
        }
        _ => None,
    }
}

impl<'a> Caller<'a> {
    fn parse(s: &'a str, account: Option<&'a str>) -> Self {
        if let Some((partition, service, acct, resource)) = arn_parts(s) {
            let kind = match service {
                "iam" if resource == "root" => CallerKind::Root,
                "iam" if resource.starts_with("user/") => CallerKind::User,
                "iam" if resource.starts_with("role/") => CallerKind::Role,
                "sts" if resource.starts_with("assumed-role/") => CallerKind::Session {
                    role: resource["assumed-role/".len()..]
                        .split('/')
                        .next()
                        .unwrap_or_default(),
                },
                "sts" if resource.starts_with("federated-user/") => CallerKind::FederatedUser,
                _ => CallerKind::Other,
            };
            return Caller {
                arn: s,
                partition: Some(partition),
                account: if acct.is_empty() { account } else { Some(acct) },
                kind,
            };
        }
        let (account, kind) = if is_account_id(s) {
            (Some(s), CallerKind::Root)
        } else if s.ends_with(".amazonaws.com") || s.ends_with(".amazonaws.com.cn") {
            (None, CallerKind::Service)
        } else {
            (account, CallerKind::Other)
        };
        Caller {
            arn: s,
            partition: None,
            account,
            kind,
        }
    }
}

/// How an `AWS` principal identifier names principals.
enum AwsId<'p> {
    Everyone,
    /// `123456789012` or `arn:aws:iam::123456789012:root`.
    Account {
        partition: Option<&'p str>,
        account: &'p str,
    },
    /// `arn:aws:iam::123456789012:role/path/Name`.
    Role {
        partition: &'p str,
        account: &'p str,
        name: &'p str,
    },
    /// Any other ARN (user, session, federated user) or unique ID: exact.
    Exact {
        account: Option<&'p str>,
    },
}

fn classify_aws_id(id: &str) -> AwsId<'_> {
    if id == "*" {
        return AwsId::Everyone;
    }
    if is_account_id(id) {
        return AwsId::Account {
            partition: None,
            account: id,
        };
    }
    match arn_parts(id) {
        Some((partition, "iam", account, "root")) => AwsId::Account {
            partition: Some(partition),
            account,
        },
        Some((partition, "iam", account, resource)) if resource.starts_with("role/") => {
            AwsId::Role {
                partition,
                account,
                name: resource.rsplit('/').next().unwrap_or(resource),
            }
        }
        Some((_, _, account, _)) => AwsId::Exact {
            account: (!account.is_empty()).then_some(account),
        },
        None => AwsId::Exact { account: None },
    }
}

fn same_partition(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a == b,
        _ => true,
    }
}

enum Tri {
    Yes(String, PrincipalMatch),
    No,
    Unknown,
}

/// Does one `Principal` identifier cover the caller?
fn principal_id_matches(
    kind: &str,
    id: &str,
    caller: Option<&Caller>,
    account: Option<&str>,
) -> Tri {
    if !kind.eq_ignore_ascii_case("AWS") {
        return match caller {
            None => Tri::Unknown,
            Some(c) if c.arn.eq_ignore_ascii_case(id) => Tri::Yes(
                format!("caller {} is the {kind} principal \"{id}\"", c.arn),
                PrincipalMatch::Exact,
            ),
            Some(_) => Tri::No,
        };
    }
    let aws_id = classify_aws_id(id);
    let Some(c) = caller else {
        // Only the account is known: it settles account principals, and
        // rules out identifiers in other accounts.
        return match (aws_id, account) {
            (AwsId::Everyone, _) => Tri::Yes(
                "Principal AWS \"*\" covers every AWS principal".to_string(),
                PrincipalMatch::Everyone,
            ),
            (AwsId::Account { account: a, .. }, Some(acct)) if a == acct => Tri::Yes(
                format!(
                    "the caller is in account {acct}, and Principal \"{id}\" covers every principal of that account (whose own IAM policies must then allow it too)"
                ),
                PrincipalMatch::Account,
            ),
            (AwsId::Account { account: a, .. }, Some(acct))
            | (AwsId::Role { account: a, .. }, Some(acct))
            | (AwsId::Exact { account: Some(a) }, Some(acct))
                if a != acct =>
            {
                Tri::No
            }
            _ => Tri::Unknown,
        };
    };
    match aws_id {
        AwsId::Everyone => Tri::Yes(
            "Principal AWS \"*\" covers every AWS principal".to_string(),
            PrincipalMatch::Everyone,
        ),
        AwsId::Account {
            partition,
            account: a,
        } => {
            if c.account == Some(a) && same_partition(partition, c.partition) {
                Tri::Yes(
                    format!(
                        "caller {} is in account {a}, and Principal \"{id}\" covers every principal of that account (whose own IAM policies must then allow it too)",
                        c.arn
                    ),
                    PrincipalMatch::Account,
                )
            } else {
                Tri::No
            }
        }
        AwsId::Role {
            partition,
            account: a,
            name,
        } => match c.kind {
            CallerKind::Role if c.arn == id => Tri::Yes(
                format!("caller is the role \"{id}\""),
                PrincipalMatch::Exact,
            ),
            CallerKind::Session { role }
                if role == name && c.account == Some(a) && c.partition == Some(partition) =>
            {
                Tri::Yes(
                    format!("caller {} is a session of the role \"{id}\"", c.arn),
                    PrincipalMatch::SessionRole,
                )
            }
            _ => Tri::No,
        },
        AwsId::Exact { .. } => {
            if c.arn == id {
                Tri::Yes(
                    format!("caller matches Principal \"{id}\""),
                    PrincipalMatch::Exact,
                )
            } else {
                Tri::No
            }
        }
    }
}

fn flatten_principal(map: &BTreeMap<String, Vec<String>>) -> Vec<String> {
    map.values().flatten().cloned().collect()
}

/// Outcome of checking one of the principal / action / resource elements.
enum Part {
    Match(String),
    NoMatch,
    Unknown(Condition),
}

fn check_principal(st: &Statement, req: &Request) -> Part {
    check_principal_kind(st, req).0
}

/// [`check_principal`] and how the element covered the caller.
fn check_principal_kind(st: &Statement, req: &Request) -> (Part, PrincipalMatch) {
    let caller_arn = req.principal.or_else(|| {
        req.context
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("aws:PrincipalArn"))
            .and_then(|(_, v)| v.first())
            .map(String::as_str)
    });
    let caller = caller_arn.map(|arn| Caller::parse(arn, req.account));
    if let Some(p) = &st.principal {
        check_principal_element(p, caller.as_ref(), req.account)
    } else if let Some(np) = &st.not_principal {
        (
            check_not_principal(np, caller.as_ref()),
            PrincipalMatch::NotPrincipal,
        )
    } else {
        (
            Part::Match(
                "no Principal element: the statement covers the identity the policy is attached to"
                    .to_string(),
            ),
            PrincipalMatch::Attached,
        )
    }
}

/// The identifier that covers the caller most directly wins: the caller itself or `*`, then
/// the role of a session, then the account (as AWS and the oracle rank them).
fn check_principal_element(
    p: &Principal,
    caller: Option<&Caller>,
    account: Option<&str>,
) -> (Part, PrincipalMatch) {
    let map = match p {
        Principal::Any => {
            return (
                Part::Match(
                    "Principal \"*\" covers everyone, anonymous callers included".to_string(),
                ),
                PrincipalMatch::Everyone,
            );
        }
        Principal::Map(map) => map,
    };
    let rank = |k: PrincipalMatch| match k {
        PrincipalMatch::Exact | PrincipalMatch::Everyone => 0,
        PrincipalMatch::SessionRole => 1,
        _ => 2,
    };
    let mut best: Option<(String, PrincipalMatch)> = None;
    let mut unknown = false;
    for (kind, ids) in map {
        for id in ids {
            match principal_id_matches(kind, id, caller, account) {
                Tri::Yes(why, k) => {
                    if best.as_ref().is_none_or(|(_, b)| rank(k) < rank(*b)) {
                        best = Some((why, k));
                    }
                }
                Tri::No => {}
                Tri::Unknown => unknown = true,
            }
        }
    }
    if let Some((why, k)) = best {
        (Part::Match(why), k)
    } else if unknown {
        (
            Part::Unknown(Condition {
                operator: "Principal".to_string(),
                key: "aws:PrincipalArn".to_string(),
                values: flatten_principal(map),
            }),
            PrincipalMatch::Unknown,
        )
    } else {
        (Part::NoMatch, PrincipalMatch::Unknown)
    }
}

/// `NotPrincipal`: AWS may check the caller's account, then its role, then
/// the session itself; the caller escapes the statement only when every one
/// of those is listed (IAM User Guide, "AWS JSON policy elements:
/// NotPrincipal").
fn check_not_principal(np: &Principal, caller: Option<&Caller>) -> Part {
    let map = match np {
        Principal::Any => return Part::NoMatch,
        Principal::Map(map) => map,
    };
    let Some(c) = caller else {
        return Part::Unknown(Condition {
            operator: "NotPrincipal".to_string(),
            key: "aws:PrincipalArn".to_string(),
            values: flatten_principal(map),
        });
    };
    let aws_ids: Vec<AwsId> = map
        .iter()
        .filter(|(kind, _)| kind.eq_ignore_ascii_case("AWS"))
        .flat_map(|(_, ids)| ids.iter().map(|id| classify_aws_id(id)))
        .collect();
    let exact_listed = map.iter().any(|(kind, ids)| {
        ids.iter().any(|id| {
            if kind.eq_ignore_ascii_case("AWS") {
                id == c.arn
            } else {
                id.eq_ignore_ascii_case(c.arn)
            }
        })
    });
    let account_listed = |acct: &str| {
        aws_ids.iter().any(|id| {
            matches!(id, AwsId::Account { partition, account }
                if *account == acct && same_partition(*partition, c.partition))
        })
    };
    let role_listed = |role: &str, acct: &str| {
        aws_ids.iter().any(|id| {
            matches!(id, AwsId::Role { partition, account, name }
                if *name == role && *account == acct && Some(*partition) == c.partition)
        })
    };
    // (what AWS checks, is it listed)
    let mut chain: Vec<(String, bool)> = Vec::new();
    let partition = c.partition.unwrap_or("aws");
    if let Some(acct) = c.account {
        if !matches!(c.kind, CallerKind::Service) {
            chain.push((
                format!("its account (arn:{partition}:iam::{acct}:root)"),
                account_listed(acct),
            ));
        }
        if let CallerKind::Session { role } = c.kind {
            chain.push((
                format!("its role (arn:{partition}:iam::{acct}:role/{role})"),
                role_listed(role, acct),
            ));
        }
    }
    if !matches!(c.kind, CallerKind::Root) || c.account.is_none() {
        chain.push((c.arn.to_string(), exact_listed));
    }
    let missing: Vec<&str> = chain
        .iter()
        .filter(|(_, l)| !l)
        .map(|(what, _)| what.as_str())
        .collect();
    if missing.is_empty() {
        return Part::NoMatch;
    }
    if missing.len() == chain.len() {
        Part::Match(format!(
            "caller {} is not listed in NotPrincipal {}, so the statement covers it",
            c.arn,
            list(&flatten_principal(map))
        ))
    } else {
        Part::Match(format!(
            "NotPrincipal lists part of caller {} but not {}; AWS checks that too, so the statement still covers the caller",
            c.arn,
            missing.join(" nor ")
        ))
    }
}

// ---------------------------------------------------------------------------
// Actions and resources
// ---------------------------------------------------------------------------

fn check_action(st: &Statement, action: &str) -> Part {
    if st.has_action {
        match st.action.iter().find(|p| action_matches(p, action)) {
            Some(p) => Part::Match(format!("action {action} matches Action \"{p}\"")),
            None => Part::NoMatch,
        }
    } else if st.not_action.iter().any(|p| action_matches(p, action)) {
        Part::NoMatch
    } else {
        Part::Match(format!(
            "action {action} is not excluded by NotAction {}",
            list(&st.not_action)
        ))
    }
}

fn check_resource(st: &Statement, req: &Request, vars: bool) -> Part {
    let (patterns, negated) = if st.has_resource {
        (&st.resource, false)
    } else if !st.not_resource.is_empty() {
        (&st.not_resource, true)
    } else {
        return Part::Match(
            "no Resource element: the statement covers the resource the policy is attached to"
                .to_string(),
        );
    };
    let unknown = || {
        Part::Unknown(Condition {
            operator: if negated { "NotResource" } else { "Resource" }.to_string(),
            key: "resource".to_string(),
            values: patterns.clone(),
        })
    };
    let Some(resource) = req.resource else {
        if !negated && patterns.iter().any(|p| p == "*") {
            return Part::Match("Resource \"*\" covers every resource".to_string());
        }
        return unknown();
    };
    let mut undecided = false;
    for p in patterns {
        match substitute(p, req, vars) {
            // A NotResource entry whose variable has no value: the statement cannot be
            // resolved and does not apply ("If AWS cannot resolve a variable this might cause
            // the entire statement to be invalid", IAM User Guide, "Variables and tags").
            Subst::NoMatch if negated => return Part::NoMatch,
            Subst::Text(pattern) if wildcard_match(&pattern, resource) => {
                return if negated {
                    Part::NoMatch
                } else {
                    Part::Match(format!("resource {resource} matches Resource \"{p}\""))
                };
            }
            Subst::Text(_) | Subst::NoMatch => {}
            Subst::Unknown => undecided = true,
        }
    }
    if undecided {
        unknown()
    } else if negated {
        Part::Match(format!(
            "resource {resource} is not excluded by NotResource {}",
            list(patterns)
        ))
    } else {
        Part::NoMatch
    }
}

// ---------------------------------------------------------------------------
// Conditions
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SetOp {
    Single,
    ForAnyValue,
    ForAllValues,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cmp {
    Eq,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Cmp {
    fn holds(self, ord: Option<Ordering>) -> bool {
        matches!(
            (self, ord),
            (Cmp::Eq, Some(Ordering::Equal))
                | (Cmp::Lt, Some(Ordering::Less))
                | (Cmp::Le, Some(Ordering::Less | Ordering::Equal))
                | (Cmp::Gt, Some(Ordering::Greater))
                | (Cmp::Ge, Some(Ordering::Greater | Ordering::Equal))
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Base {
    StringEquals,
    StringEqualsIgnoreCase,
    StringLike,
    Arn,
    Numeric(Cmp),
    Date(Cmp),
    Bool,
    Binary,
    Ip,
    Null,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Op {
    set: SetOp,
    base: Base,
    negated: bool,
    if_exists: bool,
}

fn strip_prefix_ci<'s>(s: &'s str, prefix: &str) -> Option<&'s str> {
    s.get(..prefix.len())
        .filter(|head| head.eq_ignore_ascii_case(prefix))
        .map(|_| &s[prefix.len()..])
}

fn strip_suffix_ci<'s>(s: &'s str, suffix: &str) -> Option<&'s str> {
    let cut = s.len().checked_sub(suffix.len())?;
    s.get(cut..)
        .filter(|tail| tail.eq_ignore_ascii_case(suffix))
        .map(|_| &s[..cut])
}

fn parse_op(operator: &str) -> Option<Op> {
    let (set, rest) = if let Some(rest) = strip_prefix_ci(operator, "ForAnyValue:") {
        (SetOp::ForAnyValue, rest)
    } else if let Some(rest) = strip_prefix_ci(operator, "ForAllValues:") {
        (SetOp::ForAllValues, rest)
    } else {
        (SetOp::Single, operator)
    };
    let (rest, if_exists) = match strip_suffix_ci(rest, "IfExists") {
        Some(rest) => (rest, true),
        None => (rest, false),
    };
    let (base, negated) = match rest.to_ascii_lowercase().as_str() {
        "stringequals" => (Base::StringEquals, false),
        "stringnotequals" => (Base::StringEquals, true),
        "stringequalsignorecase" => (Base::StringEqualsIgnoreCase, false),
        "stringnotequalsignorecase" => (Base::StringEqualsIgnoreCase, true),
        "stringlike" => (Base::StringLike, false),
        "stringnotlike" => (Base::StringLike, true),
        "arnequals" | "arnlike" => (Base::Arn, false),
        "arnnotequals" | "arnnotlike" => (Base::Arn, true),
        "numericequals" => (Base::Numeric(Cmp::Eq), false),
        "numericnotequals" => (Base::Numeric(Cmp::Eq), true),
        "numericlessthan" => (Base::Numeric(Cmp::Lt), false),
        "numericlessthanequals" => (Base::Numeric(Cmp::Le), false),
        "numericgreaterthan" => (Base::Numeric(Cmp::Gt), false),
        "numericgreaterthanequals" => (Base::Numeric(Cmp::Ge), false),
        "dateequals" => (Base::Date(Cmp::Eq), false),
        "datenotequals" => (Base::Date(Cmp::Eq), true),
        "datelessthan" => (Base::Date(Cmp::Lt), false),
        "datelessthanequals" => (Base::Date(Cmp::Le), false),
        "dategreaterthan" => (Base::Date(Cmp::Gt), false),
        "dategreaterthanequals" => (Base::Date(Cmp::Ge), false),
        "bool" => (Base::Bool, false),
        "binaryequals" => (Base::Binary, false),
        "ipaddress" => (Base::Ip, false),
        "notipaddress" => (Base::Ip, true),
        "null" => (Base::Null, false),
        _ => return None,
    };
    Some(Op {
        set,
        base,
        negated,
        if_exists,
    })
}

fn parse_bool(s: &str) -> Option<bool> {
    if s.eq_ignore_ascii_case("true") {
        Some(true)
    } else if s.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

fn parse_number(s: &str) -> Option<f64> {
    s.trim().parse::<f64>().ok().filter(|n| n.is_finite())
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = (if y >= 0 { y } else { y - 399 }) / 400;
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Seconds since the epoch of an ISO 8601 date/time (`2024-01-31`,
/// `2024-01-31T12:00:00Z`, `2024-01-31T12:00:00.5+02:00`) or of a plain
/// number of epoch seconds.
fn parse_date(s: &str) -> Option<f64> {
    let s = s.trim();
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        return s.parse::<f64>().ok();
    }
    let (date, time) = match s.find(['T', 't', ' ']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let mut ymd = date.split('-');
    let year: i64 = ymd.next()?.parse().ok()?;
    let month: i64 = ymd.next()?.parse().ok()?;
    let day: i64 = ymd.next()?.parse().ok()?;
    if ymd.next().is_some() || !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let mut secs = (days_from_civil(year, month, day) * 86_400) as f64;
    if let Some(time) = time {
        let (clock, zone) = match time.find(['Z', 'z', '+', '-']) {
            Some(i) => time.split_at(i),
            None => (time, ""),
        };
        let mut hms = clock.split(':');
        let h: f64 = hms.next()?.parse().ok()?;
        let m: f64 = hms.next().map_or(Some(0.0), |v| v.parse().ok())?;
        let sec: f64 = hms.next().map_or(Some(0.0), |v| v.parse().ok())?;
        secs += h * 3600.0 + m * 60.0 + sec;
        if let Some(sign) = zone.chars().next().filter(|c| *c == '+' || *c == '-') {
            let digits: String = zone[1..].chars().filter(char::is_ascii_digit).collect();
            let oh: f64 = digits.get(..2)?.parse().ok()?;
            let om: f64 = digits.get(2..4).map_or(Some(0.0), |v| v.parse().ok())?;
            let offset = oh * 3600.0 + om * 60.0;
            secs += if sign == '+' { -offset } else { offset };
        }
    }
    Some(secs)
}

/// Is `ip` inside `cidr` (IPv4 or IPv6; no prefix means a single address)?
fn ip_in_cidr(cidr: &str, ip: &str) -> bool {
    let (net, prefix) = match cidr.trim().split_once('/') {
        Some((net, prefix)) => (net, Some(prefix)),
        None => (cidr.trim(), None),
    };
    let ip = ip.trim().split('/').next().unwrap_or_default();
    let (Ok(net), Ok(ip)) = (net.parse::<IpAddr>(), ip.parse::<IpAddr>()) else {
        return false;
    };
    let bits = |max: u32| match prefix {
        None => Some(max),
        Some(p) => p.parse::<u32>().ok().filter(|b| *b <= max),
    };
    match (net, ip) {
        (IpAddr::V4(net), IpAddr::V4(ip)) => bits(32).is_some_and(|b| {
            let mask = u32::MAX.checked_shl(32 - b).unwrap_or(0);
            u32::from(net) & mask == u32::from(ip) & mask
        }),
        (IpAddr::V6(net), IpAddr::V6(ip)) => bits(128).is_some_and(|b| {
            let mask = u128::MAX.checked_shl(128 - b).unwrap_or(0);
            u128::from(net) & mask == u128::from(ip) & mask
        }),
        _ => false,
    }
}

/// The positive (non-negated) test of one policy value against one request
/// value.
fn value_matches(base: Base, policy: &str, request: &str) -> bool {
    let wildcards = matches!(base, Base::StringLike | Base::Arn);
    let policy = if wildcards {
        Cow::Borrowed(policy)
    } else {
        unliteral(policy)
    };
    let policy = policy.as_ref();
    match base {
        Base::StringEquals | Base::Binary => policy == request,
        Base::StringEqualsIgnoreCase => policy.to_lowercase() == request.to_lowercase(),
        Base::StringLike => wildcard_match(policy, request),
        Base::Arn => arn_like(policy, request),
        Base::Numeric(cmp) => match (parse_number(request), parse_number(policy)) {
            (Some(r), Some(p)) => cmp.holds(r.partial_cmp(&p)),
            _ => false,
        },
        Base::Date(cmp) => match (parse_date(request), parse_date(policy)) {
            (Some(r), Some(p)) => cmp.holds(r.partial_cmp(&p)),
            _ => false,
        },
        Base::Bool => {
            matches!((parse_bool(policy), parse_bool(request)), (Some(a), Some(b)) if a == b)
        }
        Base::Ip => ip_in_cidr(policy, request),
        Base::Null => false,
    }
}

/// `Some(true)` / `Some(false)` when the condition can be decided from the
/// request, `None` when a key (or a policy variable, or the operator) is
/// unknown.
fn eval_condition(c: &Condition, req: &Request, vars: bool) -> Option<bool> {
    let op = parse_op(&c.operator)?;
    let known = lookup(req, &c.key)?;
    if op.base == Base::Null {
        let absent = known.is_empty();
        return Some(c.values.iter().any(|v| parse_bool(v) == Some(absent)));
    }
    if known.is_empty() {
        // IAM User Guide, "Condition operators": a missing key makes the
        // condition false, except for negated operators (true), IfExists
        // (true) and ForAllValues (true: every one of no values matches).
        return Some(
            op.if_exists
                || op.set == SetOp::ForAllValues
                || (op.set == SetOp::Single && op.negated),
        );
    }
    let mut policy_values: Vec<Cow<str>> = Vec::with_capacity(c.values.len());
    for v in &c.values {
        match substitute(v, req, vars) {
            Subst::Text(t) => policy_values.push(t),
            Subst::NoMatch => {}
            Subst::Unknown => return None,
        }
    }
    let value_ok = |request: &String| {
        let hit = policy_values
            .iter()
            .any(|p| value_matches(op.base, p, request));
        hit != op.negated
    };
    Some(match op.set {
        // Several request values without a set operator: positive operators
        // need one match, negated ones need none (NOR).
        SetOp::Single if op.negated => known.iter().all(value_ok),
        SetOp::Single | SetOp::ForAnyValue => known.iter().any(value_ok),
        SetOp::ForAllValues => known.iter().all(value_ok),
    })
}

// ---------------------------------------------------------------------------
// Explanations
// ---------------------------------------------------------------------------

fn list(values: &[String]) -> String {
    match values {
        [one] => one.clone(),
        _ => format!("[{}]", values.join(", ")),
    }
}

/// What a well-known condition key means, for the parenthesis after a
/// condition.
fn key_meaning(key: &str, values: &[String]) -> Option<String> {
    let lower = key.to_ascii_lowercase();
    let single_bool = match values {
        [v] => parse_bool(v),
        _ => None,
    };
    let text = match lower.as_str() {
        "aws:securetransport" => match single_bool {
            Some(false) => "request over HTTP",
            Some(true) => "request over HTTPS",
            None => "whether the request used HTTPS",
        },
        "aws:multifactorauthpresent" => match single_bool {
            Some(false) => "credentials obtained without MFA",
            Some(true) => "credentials obtained with MFA",
            None => {
                "whether the credentials were obtained with MFA; absent for long-term access keys"
            }
        },
        "aws:sourceip" => {
            "the caller's public IP address; requests through a VPC endpoint carry aws:VpcSourceIp instead"
        }
        "aws:sourcevpce" => {
            "the VPC endpoint the request came through; absent when it did not use one"
        }
        "aws:sourcevpc" => "the VPC the request came from through a VPC endpoint; absent otherwise",
        "aws:principalorgid" => "the AWS Organizations ID of the caller's account",
        "aws:principalarn" => "the caller's ARN; for a role session, the role's ARN",
        "aws:principalaccount" => "the caller's account ID",
        "aws:requestedregion" => "the region the request was sent to",
        "aws:sourcearn" => "the resource on whose behalf a service makes the request",
        "aws:sourceaccount" => "the account on whose behalf a service makes the request",
        "s3:x-amz-server-side-encryption" => {
            "the server-side encryption header sent with the upload: AES256, aws:kms or aws:kms:dsse"
        }
        "s3:x-amz-server-side-encryption-aws-kms-key-id" => {
            "the KMS key named in the upload's server-side encryption header"
        }
        "s3:x-amz-acl" => "the canned ACL sent with the request, e.g. bucket-owner-full-control",
        "s3:tlsversion" => "the TLS version the client used",
        "kms:viaservice" => {
            "the AWS service that called KMS on the caller's behalf, e.g. s3.us-east-1.amazonaws.com"
        }
        "kms:calleraccount" => "the caller's account ID",
        "ec2:instancetype" => "the instance type being launched",
        "iam:passedtoservice" => "the service the role is being passed to",
        "sts:externalid" => "the external ID passed to AssumeRole (--external-id)",
        _ => {
            return [
                ("aws:resourcetag/", "on the resource"),
                ("aws:requesttag/", "sent in the request"),
                ("aws:principaltag/", "on the caller"),
            ]
            .into_iter()
            .find(|(prefix, _)| lower.starts_with(prefix))
            .and_then(|(prefix, place)| {
                key.get(prefix.len()..)
                    .map(|tag| format!("the value of tag {tag} {place}"))
            });
        }
    };
    Some(text.to_string())
}

/// A one-line, human-readable reading of a condition, e.g.
/// `aws:SecureTransport is false (request over HTTP)`.
pub fn explain_condition(c: &Condition) -> String {
    let values = list(&c.values);
    match c.operator.as_str() {
        "Principal" => return format!("the caller is {values} (Principal element)"),
        "NotPrincipal" => return format!("the caller is not {values} (NotPrincipal element)"),
        "Resource" => return format!("the resource is {values} (Resource element)"),
        "NotResource" => return format!("the resource is not {values} (NotResource element)"),
        _ => {}
    }
    let meaning = key_meaning(&c.key, &c.values)
        .map(|m| format!(" ({m})"))
        .unwrap_or_default();
    let Some(op) = parse_op(&c.operator) else {
        return format!(
            "{} {} {values}{meaning} (operator not evaluated by awsx)",
            c.key, c.operator
        );
    };
    if op.base == Base::Null {
        let state = match c.values.as_slice() {
            [v] if parse_bool(v) == Some(true) => "is absent from the request",
            [v] if parse_bool(v) == Some(false) => "is present in the request",
            _ => "is checked for presence",
        };
        return format!("{} {state}{meaning}", c.key);
    }
    let subject = match op.set {
        SetOp::Single => c.key.clone(),
        SetOp::ForAnyValue => format!("any value of {}", c.key),
        SetOp::ForAllValues => format!("every value of {}", c.key),
    };
    let many = c.values.len() > 1;
    let verb = match (op.base, op.negated) {
        (Base::StringEquals | Base::StringEqualsIgnoreCase | Base::Date(Cmp::Eq), false) => {
            if many { "is one of" } else { "is" }
        }
        (Base::StringEquals | Base::StringEqualsIgnoreCase | Base::Date(Cmp::Eq), true) => {
            if many {
                "is none of"
            } else {
                "is not"
            }
        }
        (Base::StringLike, false) => {
            if many {
                "matches one of"
            } else {
                "matches"
            }
        }
        (Base::StringLike, true) => {
            if many {
                "matches none of"
            } else {
                "does not match"
            }
        }
        (Base::Arn, false) => {
            if many {
                "matches one of the ARNs"
            } else {
                "matches the ARN"
            }
        }
        (Base::Arn, true) => {
            if many {
                "matches none of the ARNs"
            } else {
                "does not match the ARN"
            }
        }
        (Base::Numeric(Cmp::Eq), false) => {
            if many {
                "equals one of"
            } else {
                "equals"
            }
        }
        (Base::Numeric(Cmp::Eq), true) => {
            if many {
                "equals none of"
            } else {
                "does not equal"
            }
        }
        (Base::Numeric(Cmp::Lt), _) => "is less than",
        (Base::Numeric(Cmp::Le), _) => "is at most",
        (Base::Numeric(Cmp::Gt), _) => "is greater than",
        (Base::Numeric(Cmp::Ge), _) => "is at least",
        (Base::Date(Cmp::Lt), _) => "is before",
        (Base::Date(Cmp::Le), _) => "is at or before",
        (Base::Date(Cmp::Gt), _) => "is after",
        (Base::Date(Cmp::Ge), _) => "is at or after",
        (Base::Bool, _) => "is",
        (Base::Binary, _) => "equals",
        (Base::Ip, false) => "is in",
        (Base::Ip, true) => "is not in",
        (Base::Null, _) => "is",
    };
    let case = if op.base == Base::StringEqualsIgnoreCase {
        " (ignoring case)"
    } else {
        ""
    };
    let absent = if op.if_exists || (op.negated && op.set == SetOp::Single) {
        ", or the key is absent"
    } else if op.set == SetOp::ForAllValues {
        ", or the key is absent or empty"
    } else {
        ""
    };
    format!("{subject} {verb} {values}{case}{absent}{meaning}")
}

fn observed(c: &Condition, req: &Request) -> String {
    match lookup(req, &c.key) {
        Some(values) if values.is_empty() => format!("{} is not in the request", c.key),
        Some(values) => format!("request has {} = {}", c.key, values.join(", ")),
        None => format!("{} is not known", c.key),
    }
}

fn condition_line(effect: Effect, c: &Condition, result: Option<bool>, req: &Request) -> String {
    let lead = match effect {
        Effect::Deny => "Deny when",
        Effect::Allow => "Allow only when",
    };
    let status = match result {
        Some(true) => format!("met ({})", observed(c, req)),
        Some(false) => format!("not met ({})", observed(c, req)),
        None if parse_op(&c.operator).is_none() => "not evaluated by awsx".to_string(),
        None => "not known for this request".to_string(),
    };
    format!("{lead} {}: {status}", explain_condition(c))
}

/// `Deny statement #1 (Sid "DenyHttp")`: statements are numbered from 1 for people.
pub fn statement_name(index: usize, st: &Statement) -> String {
    let number = index + 1;
    match st.sid.as_deref() {
        Some(sid) if !sid.is_empty() => {
            format!("{} statement #{number} (Sid \"{sid}\")", st.effect)
        }
        _ => format!("{} statement #{number}", st.effect),
    }
}

/// Summary line; statements are numbered from 1 for people (`index` + 1).
fn header(index: usize, st: &Statement, applies: &Applies) -> String {
    let name = statement_name(index, st);
    match applies {
        Applies::Yes => format!("{name} applies to this request"),
        Applies::No => format!(
            "{name} covers this principal, action and resource, but a condition is not met, so it does not apply"
        ),
        Applies::DependsOn(conditions) => format!(
            "{name} applies only if {}; awsx cannot tell for this request",
            conditions
                .iter()
                .map(explain_condition)
                .collect::<Vec<_>>()
                .join(" and ")
        ),
    }
}

// ---------------------------------------------------------------------------
// Evaluation
// ---------------------------------------------------------------------------

fn evaluate_statement<'a>(
    index: usize,
    st: &'a Statement,
    req: &Request,
    vars: bool,
) -> Option<StatementMatch<'a>> {
    let Part::Match(action) = check_action(st, req.action) else {
        return None;
    };
    let mut explanation = vec![action];
    let mut pending: Vec<Condition> = Vec::new();
    let (principal_part, principal_match) = check_principal_kind(st, req);
    for part in [check_resource(st, req, vars), principal_part] {
        match part {
            Part::NoMatch => return None,
            Part::Match(why) => explanation.push(why),
            Part::Unknown(c) => {
                explanation.push(condition_line(st.effect, &c, None, req));
                pending.push(c);
            }
        }
    }
    let mut failed = false;
    for c in &st.condition {
        let result = eval_condition(c, req, vars);
        explanation.push(condition_line(st.effect, c, result, req));
        match result {
            Some(true) => {}
            Some(false) => failed = true,
            None => pending.push(c.clone()),
        }
    }
    let applies = if failed {
        Applies::No
    } else if pending.is_empty() {
        Applies::Yes
    } else {
        Applies::DependsOn(pending)
    };
    explanation.insert(0, header(index, st, &applies));
    Some(StatementMatch {
        index,
        statement: st,
        applies,
        principal_match,
        explanation,
    })
}

/// Evaluates one policy against a request: which Deny and Allow statements
/// cover it, and the verdict of this policy alone (any applying Deny, else
/// any Deny that depends on unknown values, else any applying Allow, else
/// any Allow that depends on unknown values, else no Allow).
pub fn evaluate<'a>(doc: &'a PolicyDocument, req: &Request) -> Evaluation<'a> {
    let vars = doc.substitutes_variables();
    let (denies, allows): (Vec<_>, Vec<_>) = doc
        .statements
        .iter()
        .enumerate()
        .filter_map(|(i, st)| evaluate_statement(i, st, req, vars))
        .partition(|m| m.statement.effect == Effect::Deny);
    let any = |ms: &[StatementMatch], yes: bool| {
        ms.iter().any(|m| match m.applies {
            Applies::Yes => yes,
            Applies::DependsOn(_) => !yes,
            Applies::No => false,
        })
    };
    let verdict = if any(&denies, true) {
        Verdict::ExplicitDeny
    } else if any(&denies, false) {
        Verdict::DependsOn
    } else if any(&allows, true) {
        Verdict::Allowed
    } else if any(&allows, false) {
        Verdict::DependsOn
    } else {
        Verdict::NoAllow
    };
    Evaluation {
        denies,
        allows,
        verdict,
    }
}

/// One line per statement that matters to the request, for reports: every Deny that applies
/// or may apply, and every Allow that covers the principal, action and resource (also when a
/// condition keeps it from applying: that is why nothing allows the request). A Deny whose
/// condition is known not to hold is left out.
pub fn report_lines(ev: &Evaluation) -> Vec<String> {
    ev.denies
        .iter()
        .filter(|m| m.applies != Applies::No)
        .chain(ev.allows.iter())
        .map(|m| match m.explanation.split_first() {
            Some((head, rest)) if !rest.is_empty() => format!("{head}: {}", rest.join("; ")),
            Some((head, _)) => head.clone(),
            None => String::new(),
        })
        .filter(|l| !l.is_empty())
        .collect()
}

/// Allow statements that cover the action and the resource but name other principals: whom
/// the policy does let in, for a request that no statement allows.
pub fn allowed_to_others(doc: &PolicyDocument, req: &Request) -> Vec<String> {
    let vars = doc.substitutes_variables();
    doc.statements
        .iter()
        .enumerate()
        .filter(|(_, st)| st.effect == Effect::Allow)
        .filter(|(_, st)| matches!(check_action(st, req.action), Part::Match(_)))
        .filter(|(_, st)| !matches!(check_resource(st, req, vars), Part::NoMatch))
        .filter(|(_, st)| matches!(check_principal(st, req), Part::NoMatch))
        .map(|(i, st)| {
            let who = match (&st.principal, &st.not_principal) {
                (Some(Principal::Map(m)), _) => list(&flatten_principal(m)),
                (Some(Principal::Any), _) => "everyone".to_string(),
                (None, Some(Principal::Map(m))) => {
                    format!("everyone except {}", list(&flatten_principal(m)))
                }
                _ => "nobody".to_string(),
            };
            format!(
                "{} allows {} only to {who}",
                statement_name(i, st),
                req.action
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    type Ctx = &'static [(&'static str, &'static [&'static str])];

    fn ctx(pairs: Ctx) -> BTreeMap<String, Vec<String>> {
        pairs
            .iter()
            .map(|(k, vs)| (k.to_string(), vs.iter().map(|v| v.to_string()).collect()))
            .collect()
    }

    /// One request against a policy and the verdict expected.
    struct Case {
        name: &'static str,
        principal: Option<&'static str>,
        account: Option<&'static str>,
        action: &'static str,
        resource: Option<&'static str>,
        context: Ctx,
        want: Verdict,
    }

    fn case(
        name: &'static str,
        principal: Option<&'static str>,
        action: &'static str,
        resource: Option<&'static str>,
        context: Ctx,
        want: Verdict,
    ) -> Case {
        Case {
            name,
            principal,
            account: None,
            action,
            resource,
            context,
            want,
        }
    }

    /// Runs every case against `policy`; `source` names the documentation
    /// page the policy and the expected outcomes come from.
    fn run(source: &str, policy: &str, cases: &[Case]) {
        let doc = parse(policy).unwrap_or_else(|e| panic!("{source}: policy does not parse: {e}"));
        for c in cases {
            let context = ctx(c.context);
            let req = Request {
                principal: c.principal,
                account: c.account,
                action: c.action,
                resource: c.resource,
                context: &context,
            };
            let eval = evaluate(&doc, &req);
            assert_eq!(
                eval.verdict, c.want,
                "case {:?} ({source}): {eval:#?}",
                c.name
            );
        }
    }

    fn eval_one(
        policy: &str,
        principal: Option<&str>,
        action: &str,
        resource: Option<&str>,
        context: Ctx,
    ) -> Vec<String> {
        let doc = parse(policy).expect("policy parses");
        let context = ctx(context);
        let req = Request {
            principal,
            account: None,
            action,
            resource,
            context: &context,
        };
        let eval = evaluate(&doc, &req);
        eval.denies
            .iter()
            .chain(&eval.allows)
            .flat_map(|m| m.explanation.clone())
            .collect()
    }

    const ALICE: &str = "arn:aws:iam::111122223333:user/alice";
    const OTHER_ACCOUNT_USER: &str = "arn:aws:iam::444455556666:user/mallory";
    const NONE: Ctx = &[];

    // -- wildcards ----------------------------------------------------------

    #[test]
    fn wildcard_matching() {
        // IAM User Guide, "IAM JSON policy elements: Action": actions are
        // case-insensitive and take * and ? anywhere.
        // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html
        assert!(action_matches("s3:Get*", "s3:GetObject"));
        assert!(action_matches("s3:get*", "S3:GETOBJECT"));
        assert!(action_matches("s3:Get?bject", "s3:GetObject"));
        assert!(action_matches("*", "kms:Decrypt"));
        assert!(action_matches("iam:*AccessKey*", "iam:CreateAccessKey"));
        assert!(!action_matches("s3:Get*", "s3:PutObject"));
        assert!(!action_matches("s3:Get?", "s3:GetObject"));
        assert!(!action_matches("iam:*", "s3:GetObject"));
        assert!(!action_matches("s3:GetObject", "s3:GetObjectAcl"));
        // IAM User Guide, "IAM JSON policy elements: Resource": resource ARNs
        // are case-sensitive, and * spans `/` and `:`.
        // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html
        assert!(wildcard_match(
            "arn:aws:s3:::bucket/*",
            "arn:aws:s3:::bucket/a/b/c"
        ));
        assert!(wildcard_match(
            "arn:aws:s3:::bucket*",
            "arn:aws:s3:::bucket-logs/x"
        ));
        assert!(wildcard_match(
            "arn:aws:iam::*",
            "arn:aws:iam::111122223333:role/a:b"
        ));
        assert!(wildcard_match("*", ""));
        assert!(wildcard_match("a*b*c", "aXXbYYc"));
        assert!(!wildcard_match("a*b*c", "aXXbYY"));
        assert!(!wildcard_match(
            "arn:aws:s3:::Bucket/*",
            "arn:aws:s3:::bucket/x"
        ));
        assert!(!wildcard_match(
            "arn:aws:s3:::bucket",
            "arn:aws:s3:::bucket/x"
        ));
        // ArnLike matches each of the six ARN parts on its own.
        // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_ARN
        assert!(arn_like(
            "arn:aws:iam::*:role/Admin*",
            "arn:aws:iam::111122223333:role/AdminTeam"
        ));
        assert!(!arn_like(
            "arn:aws:sns:*:111122223333:*",
            "arn:aws:sns:us-east-1:444455556666:topic:111122223333:x"
        ));
    }

    // -- parsing ------------------------------------------------------------

    #[test]
    fn parse_shapes() {
        // Single strings vs arrays, Statement as an object, bool and number
        // condition values ("IAM JSON policy grammar").
        // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html
        let doc = parse(
            r#"{"Version":"2012-10-17","Id":"x","Statement":{"Sid":"1","Effect":"Deny","Principal":"*",
                "Action":"s3:*","Resource":"arn:aws:s3:::b/*",
                "Condition":{"Bool":{"aws:SecureTransport":false},"NumericLessThan":{"s3:TlsVersion":1.2}}}}"#,
        )
        .expect("parses");
        assert_eq!(doc.version.as_deref(), Some("2012-10-17"));
        assert_eq!(doc.id.as_deref(), Some("x"));
        let st = &doc.statements[0];
        assert_eq!(st.effect, Effect::Deny);
        assert_eq!(st.principal, Some(Principal::Any));
        assert_eq!(st.action, vec!["s3:*"]);
        assert!(st.has_action && st.has_resource);
        assert_eq!(
            st.condition,
            vec![
                Condition {
                    operator: "Bool".into(),
                    key: "aws:SecureTransport".into(),
                    values: vec!["false".into()]
                },
                Condition {
                    operator: "NumericLessThan".into(),
                    key: "s3:TlsVersion".into(),
                    values: vec!["1.2".into()]
                },
            ]
        );

        let doc = parse(
            r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":["*"]},"NotAction":["iam:*","sts:*"],"NotResource":"arn:aws:s3:::x"},
                {"effect":"Allow","principal":{"service":"ec2.amazonaws.com"},"action":"sts:AssumeRole"}]}"#,
        )
        .expect("parses");
        assert_eq!(doc.statements.len(), 2);
        assert_eq!(doc.statements[0].principal, Some(Principal::Any));
        assert_eq!(doc.statements[0].not_action, vec!["iam:*", "sts:*"]);
        assert!(!doc.statements[0].has_action && !doc.statements[0].has_resource);
        assert_eq!(
            doc.statements[1].principal,
            Some(Principal::Map(BTreeMap::from([(
                "Service".to_string(),
                vec!["ec2.amazonaws.com".to_string()]
            )])))
        );
        assert!(doc.statements[1].resource.is_empty() && !doc.statements[1].has_resource);
    }

    #[test]
    fn parse_wrapped_and_encoded() {
        // IAM GetRole returns the trust policy URL-encoded (RFC 3986).
        // https://docs.aws.amazon.com/IAM/latest/APIReference/API_Role.html
        let encoded = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Principal%22%3A%7B%22Service%22%3A%22ec2.amazonaws.com%22%7D%2C%22Action%22%3A%22sts%3AAssumeRole%22%7D%5D%7D";
        let doc = parse(encoded).expect("URL-encoded document parses");
        assert_eq!(doc.statements[0].action, vec!["sts:AssumeRole"]);
        // `aws s3api get-bucket-policy` and `aws kms get-key-policy` print
        // {"Policy": "<document as a JSON string>"}.
        let wrapped = r#"{"Policy": "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Deny\",\"Principal\":\"*\",\"Action\":\"s3:*\",\"Resource\":\"*\"}]}"}"#;
        assert_eq!(
            parse(wrapped).expect("wrapped").statements[0].effect,
            Effect::Deny
        );
        // `aws iam get-role` prints the decoded document inside Role.
        let role = r#"{"Role":{"RoleName":"R","AssumeRolePolicyDocument":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:AssumeRole"}]}}}"#;
        assert_eq!(parse(role).expect("get-role output").statements.len(), 1);
        // A JSON string holding the encoded document.
        assert!(parse(&format!("\"{encoded}\"")).is_ok());
    }

    #[test]
    fn parse_errors() {
        for (text, want) in [
            ("", "empty"),
            ("not json", "not valid JSON"),
            ("[1,2]", "not a JSON object"),
            (r#"{"Version":"2012-10-17"}"#, "no Statement"),
            (r#"{"Statement":"x"}"#, "object or an array"),
            (r#"{"Statement":{"Action":"s3:*"}}"#, "missing Effect"),
            (
                r#"{"Statement":{"Effect":"Maybe","Action":"s3:*"}}"#,
                "Allow or Deny",
            ),
            (
                r#"{"Statement":{"Effect":"Allow","Resource":"*"}}"#,
                "Action or NotAction",
            ),
            (
                r#"{"Statement":{"Effect":"Allow","Action":{"a":1}}}"#,
                "Action must be",
            ),
            (
                r#"{"Statement":{"Effect":"Allow","Action":"s3:*","Principal":5}}"#,
                "Principal must be",
            ),
            (
                r#"{"Statement":{"Effect":"Allow","Action":"s3:*","Condition":{"Bool":"x"}}}"#,
                "must map keys",
            ),
            ("%7B%ZZ", "bad URL encoding"),
        ] {
            let err = parse(text).expect_err(text);
            assert!(err.contains(want), "{text:?}: {err}");
        }
    }

    // -- NotAction, NotResource, NotPrincipal --------------------------------

    #[test]
    fn not_action_with_allow() {
        // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notaction.html
        // "NotAction with Allow": all S3 actions on S3 resources except
        // DeleteBucket; not ListAllMyBuckets, whose resource is "*"; nothing
        // from other services.
        run(
            "reference_policies_elements_notaction.html",
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","NotAction":"s3:DeleteBucket","Resource":"arn:aws:s3:::*"}}"#,
            &[
                case(
                    "get object",
                    Some(ALICE),
                    "s3:GetObject",
                    Some("arn:aws:s3:::amzn-s3-demo-bucket/k"),
                    NONE,
                    Verdict::Allowed,
                ),
                case(
                    "delete bucket",
                    Some(ALICE),
                    "s3:DeleteBucket",
                    Some("arn:aws:s3:::amzn-s3-demo-bucket"),
                    NONE,
                    Verdict::NoAllow,
                ),
                case(
                    "delete bucket, any case",
                    Some(ALICE),
                    "S3:deletebucket",
                    Some("arn:aws:s3:::amzn-s3-demo-bucket"),
                    NONE,
                    Verdict::NoAllow,
                ),
                case(
                    "list all buckets",
                    Some(ALICE),
                    "s3:ListAllMyBuckets",
                    Some("*"),
                    NONE,
                    Verdict::NoAllow,
                ),
                case(
                    "other service",
                    Some(ALICE),
                    "ec2:RunInstances",
                    Some("arn:aws:ec2:us-east-1:111122223333:instance/*"),
                    NONE,
                    Verdict::NoAllow,
                ),
                case(
                    "resource unknown",
                    Some(ALICE),
                    "s3:GetObject",
                    None,
                    NONE,
                    Verdict::DependsOn,
                ),
            ],
        );
        // Same page: everything except IAM.
        run(
            "reference_policies_elements_notaction.html",
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}}"#,
            &[
                case(
                    "s3",
                    Some(ALICE),
                    "s3:GetObject",
                    Some("arn:aws:s3:::b/k"),
                    NONE,
                    Verdict::Allowed,
                ),
                case(
                    "iam",
                    Some(ALICE),
                    "iam:CreateUser",
                    Some("arn:aws:iam::111122223333:user/x"),
                    NONE,
                    Verdict::NoAllow,
                ),
                case(
                    "iam, resource unknown",
                    Some(ALICE),
                    "IAM:CreateUser",
                    None,
                    NONE,
                    Verdict::NoAllow,
                ),
                case(
                    "resource unknown, Resource *",
                    Some(ALICE),
                    "sqs:SendMessage",
                    None,
                    NONE,
                    Verdict::Allowed,
                ),
            ],
        );
    }

    #[test]
    fn not_action_with_deny_and_mfa() {
        // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notaction.html
        // "NotAction with Deny": deny everything but IAM when not signed in
        // with MFA. BoolIfExists: long-term keys carry no MFA key, and are
        // denied too.
        run(
            "reference_policies_elements_notaction.html",
            r#"{"Version":"2012-10-17","Statement":[{"Sid":"DenyAllUsersNotUsingMFA","Effect":"Deny","NotAction":"iam:*","Resource":"*",
                "Condition":{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}}]}"#,
            &[
                case(
                    "no MFA",
                    Some(ALICE),
                    "s3:ListBucket",
                    Some("arn:aws:s3:::b"),
                    &[("aws:MultiFactorAuthPresent", &["false"])],
                    Verdict::ExplicitDeny,
                ),
                case(
                    "MFA",
                    Some(ALICE),
                    "s3:ListBucket",
                    Some("arn:aws:s3:::b"),
                    &[("aws:MultiFactorAuthPresent", &["true"])],
                    Verdict::NoAllow,
                ),
                case(
                    "long-term keys: key absent",
                    Some(ALICE),
                    "s3:ListBucket",
                    Some("arn:aws:s3:::b"),
                    &[("aws:MultiFactorAuthPresent", &[])],
                    Verdict::ExplicitDeny,
                ),
                case(
                    "MFA unknown",
                    Some(ALICE),
                    "s3:ListBucket",
                    Some("arn:aws:s3:::b"),
                    NONE,
                    Verdict::DependsOn,
                ),
                case(
                    "IAM action, no MFA",
                    Some(ALICE),
                    "iam:ListUsers",
                    Some("*"),
                    &[("aws:MultiFactorAuthPresent", &["false"])],
                    Verdict::NoAllow,
                ),
            ],
        );
    }

    #[test]
    fn not_resource_with_deny() {
        // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notresource.html
        // Deny all of S3 except the Payroll folder of HRBucket.
        run(
            "reference_policies_elements_notresource.html",
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"s3:*",
                "NotResource":["arn:aws:s3:::HRBucket/Payroll","arn:aws:s3:::HRBucket/Payroll/*"]}}"#,
            &[
                case(
                    "payroll object",
                    Some(ALICE),
                    "s3:GetObject",
                    Some("arn:aws:s3:::HRBucket/Payroll/jan.csv"),
                    NONE,
                    Verdict::NoAllow,
                ),
                case(
                    "payroll folder",
                    Some(ALICE),
                    "s3:ListBucket",
                    Some("arn:aws:s3:::HRBucket/Payroll"),
                    NONE,
                    Verdict::NoAllow,
                ),
                case(
                    "other folder",
                    Some(ALICE),
                    "s3:GetObject",
                    Some("arn:aws:s3:::HRBucket/Other/x"),
                    NONE,
                    Verdict::ExplicitDeny,
                ),
                case(
                    "resource ARNs are case-sensitive",
                    Some(ALICE),
                    "s3:GetObject",
                    Some("arn:aws:s3:::hrbucket/Payroll/x"),
                    NONE,
                    Verdict::ExplicitDeny,
                ),
                case(
                    "non-S3 action",
                    Some(ALICE),
                    "ec2:RunInstances",
                    Some("arn:aws:ec2:us-east-1:111122223333:instance/*"),
                    NONE,
                    Verdict::NoAllow,
                ),
                case(
                    "resource unknown",
                    Some(ALICE),
                    "s3:GetObject",
                    None,
                    NONE,
                    Verdict::DependsOn,
                ),
            ],
        );
    }

    #[test]
    fn not_principal_with_deny() {
        // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html
        // Deny everyone but Bob; the account ARN is listed too, because AWS
        // may check the account before the user. Listing the account does
        // not exempt the account's other users.
        run(
            "reference_policies_elements_notprincipal.html",
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny",
                "NotPrincipal":{"AWS":["arn:aws:iam::444455556666:user/Bob","arn:aws:iam::444455556666:root"]},
                "Action":"s3:*","Resource":["arn:aws:s3:::BUCKETNAME","arn:aws:s3:::BUCKETNAME/*"]}]}"#,
            &[
                case(
                    "Bob",
                    Some("arn:aws:iam::444455556666:user/Bob"),
                    "s3:GetObject",
                    Some("arn:aws:s3:::BUCKETNAME/k"),
                    NONE,
                    Verdict::NoAllow,
                ),
                case(
                    "Alice, same account",
                    Some("arn:aws:iam::444455556666:user/Alice"),
                    "s3:GetObject",
                    Some("arn:aws:s3:::BUCKETNAME/k"),
                    NONE,
                    Verdict::ExplicitDeny,
                ),
                case(
                    "other account",
                    Some(ALICE),
                    "s3:GetObject",
                    Some("arn:aws:s3:::BUCKETNAME/k"),
                    NONE,
                    Verdict::ExplicitDeny,
                ),
                case(
                    "root of the listed account",
                    Some("arn:aws:iam::444455556666:root"),
                    "s3:GetObject",
                    Some("arn:aws:s3:::BUCKETNAME"),
                    NONE,
                    Verdict::NoAllow,
                ),
                case(
                    "caller unknown",
                    None,
                    "s3:GetObject",
                    Some("arn:aws:s3:::BUCKETNAME/k"),
                    NONE,
                    Verdict::DependsOn,
                ),
            ],
        );
        // https://aws.amazon.com/premiumsupport/knowledge-center/explicit-deny-principle-elements-s3/
        // A role session escapes only when its session ARN, role ARN and
        // account are all listed: NotPrincipal takes no wildcards.
        run(
            "knowledge-center/explicit-deny-principle-elements-s3",
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","NotPrincipal":{"AWS":[
                "arn:aws:sts::444455556666:assumed-role/cross-account-read-only-role/cross-account-audit-app",
                "arn:aws:iam::444455556666:role/cross-account-read-only-role",
                "arn:aws:iam::444455556666:root"]},
                "Action":"s3:*","Resource":["arn:aws:s3:::Bucket_AccountAudit","arn:aws:s3:::Bucket_AccountAudit/*"]}]}"#,
            &[
                case(
                    "listed session",
                    Some(
                        "arn:aws:sts::444455556666:assumed-role/cross-account-read-only-role/cross-account-audit-app",
                    ),
                    "s3:GetObject",
                    Some("arn:aws:s3:::Bucket_AccountAudit/k"),
                    NONE,
                    Verdict::NoAllow,
                ),
                case(
                    "other session of the role",
                    Some(
                        "arn:aws:sts::444455556666:assumed-role/cross-account-read-only-role/i-0123456789",
                    ),
                    "s3:GetObject",
                    Some("arn:aws:s3:::Bucket_AccountAudit/k"),
                    NONE,
                    Verdict::ExplicitDeny,
                ),
            ],
        );
        // Same page: without the account ARN the session is still denied,
        // and the explanation says what is missing.
        let lines = eval_one(
            r#"{"Statement":[{"Effect":"Deny","NotPrincipal":{"AWS":[
                "arn:aws:sts::444455556666:assumed-role/R/app","arn:aws:iam::444455556666:role/R"]},
                "Action":"s3:*","Resource":"*"}]}"#,
            Some("arn:aws:sts::444455556666:assumed-role/R/app"),
            "s3:GetObject",
            Some("arn:aws:s3:::b/k"),
            NONE,
        );
        assert!(lines[0].contains("applies to this request"), "{lines:#?}");
        assert!(
            lines
                .iter()
                .any(|l| l.contains("but not its account (arn:aws:iam::444455556666:root)")),
            "{lines:#?}"
        );
    }

    // -- multiple statements --------------------------------------------------

    #[test]
    fn explicit_deny_overrides_allow() {
        // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html
        // "An explicit deny overrides an explicit allow."
        run(
            "reference_policies_evaluation-logic_policy-eval-denyallow.html",
            r#"{"Version":"2012-10-17","Statement":[
                {"Sid":"AllowAccount","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"s3:*",
                 "Resource":["arn:aws:s3:::amzn-s3-demo-bucket","arn:aws:s3:::amzn-s3-demo-bucket/*"]},
                {"Sid":"DenyDeletes","Effect":"Deny","Principal":"*","Action":["s3:DeleteObject","s3:DeleteObjectVersion"],
                 "Resource":"arn:aws:s3:::amzn-s3-demo-bucket/*"}]}"#,
            &[
                case(
                    "read",
                    Some(ALICE),
                    "s3:GetObject",
                    Some("arn:aws:s3:::amzn-s3-demo-bucket/k"),
                    NONE,
                    Verdict::Allowed,
                ),
                case(
                    "list",
                    Some(ALICE),
                    "s3:ListBucket",
                    Some("arn:aws:s3:::amzn-s3-demo-bucket"),
                    NONE,
                    Verdict::Allowed,
                ),
                case(
                    "delete",
                    Some(ALICE),
                    "s3:DeleteObject",
                    Some("arn:aws:s3:::amzn-s3-demo-bucket/k"),
                    NONE,
                    Verdict::ExplicitDeny,
                ),
                case(
                    "other account reads",
                    Some(OTHER_ACCOUNT_USER),
                    "s3:GetObject",
                    Some("arn:aws:s3:::amzn-s3-demo-bucket/k"),
                    NONE,
                    Verdict::NoAllow,
                ),
                case(
                    "other bucket",
                    Some(ALICE),
                    "s3:GetObject",
                    Some("arn:aws:s3:::amzn-s3-demo-bucket2/k"),
                    NONE,
                    Verdict::NoAllow,
                ),
            ],
        );
    }

    #[test]
    fn verdict_precedence() {
        // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html
        // A Deny that may apply outranks an Allow that does.
        let policy = r#"{"Statement":[
            {"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"},
            {"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"StringNotEquals":{"aws:SourceVpce":"vpce-1"}}}]}"#;
        run(
            "denyallow",
            policy,
            &[
                case(
                    "deny unknown beats allow",
                    Some(ALICE),
                    "s3:GetObject",
                    Some("arn:aws:s3:::b/k"),
                    NONE,
                    Verdict::DependsOn,
                ),
                case(
                    "deny not met",
                    Some(ALICE),
                    "s3:GetObject",
                    Some("arn:aws:s3:::b/k"),
                    &[("aws:SourceVpce", &["vpce-1"])],
                    Verdict::Allowed,
                ),
                case(
                    "deny met",
                    Some(ALICE),
                    "s3:GetObject",
                    Some("arn:aws:s3:::b/k"),
                    &[("aws:SourceVpce", &["vpce-2"])],
                    Verdict::ExplicitDeny,
                ),
                case(
                    "no allow for PutObject",
                    Some(ALICE),
                    "s3:PutObject",
                    Some("arn:aws:s3:::b/k"),
                    &[("aws:SourceVpce", &["vpce-1"])],
                    Verdict::NoAllow,
                ),
            ],
        );
        // Only an Allow that depends on an unknown value.
        run(
            "denyallow",
            r#"{"Statement":{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"192.0.2.0/24"}}}}"#,
            &[case(
                "allow unknown",
                Some(ALICE),
                "s3:GetObject",
                Some("arn:aws:s3:::b/k"),
                NONE,
                Verdict::DependsOn,
            )],
        );
        run(
            "denyallow",
            r#"{"Statement":[]}"#,
            &[case(
                "no statements",
                Some(ALICE),
                "s3:GetObject",
                Some("arn:aws:s3:::b/k"),
                NONE,
                Verdict::NoAllow,
            )],
        );
    }

    // -- KMS key policies -----------------------------------------------------

    #[test]
    fn kms_default_key_policy() {
        // https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html
        // "Allows access to the AWS account and enables IAM policies": the
        // account root as principal covers every principal of the account.
        let policy = r#"{"Version":"2012-10-17","Id":"key-default-1","Statement":[{"Sid":"Enable IAM User Permissions",
            "Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"}]}"#;
        let key =
            Some("arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab");
        let mut cases = vec![
            case(
                "IAM user of the account",
                Some(ALICE),
                "kms:Decrypt",
                key,
                NONE,
                Verdict::Allowed,
            ),
            case(
                "role session of the account",
                Some("arn:aws:sts::111122223333:assumed-role/AppRole/i-0abc"),
                "kms:GenerateDataKey",
                key,
                NONE,
                Verdict::Allowed,
            ),
            case(
                "account root",
                Some("arn:aws:iam::111122223333:root"),
                "kms:PutKeyPolicy",
                key,
                NONE,
                Verdict::Allowed,
            ),
            case(
                "other account",
                Some(OTHER_ACCOUNT_USER),
                "kms:Decrypt",
                key,
                NONE,
                Verdict::NoAllow,
            ),
            case(
                "other partition",
                Some("arn:aws-cn:iam::111122223333:user/alice"),
                "kms:Decrypt",
                key,
                NONE,
                Verdict::NoAllow,
            ),
            case(
                "service principal",
                Some("s3.amazonaws.com"),
                "kms:Decrypt",
                key,
                NONE,
                Verdict::NoAllow,
            ),
            case(
                "caller unknown",
                None,
                "kms:Decrypt",
                key,
                NONE,
                Verdict::DependsOn,
            ),
        ];
        cases.push(Case {
            account: Some("111122223333"),
            ..case(
                "only the account known",
                None,
                "kms:Decrypt",
                key,
                NONE,
                Verdict::Allowed,
            )
        });
        cases.push(Case {
            account: Some("444455556666"),
            ..case(
                "only another account known",
                None,
                "kms:Decrypt",
                key,
                NONE,
                Verdict::NoAllow,
            )
        });
        run("key-policy-default.html", policy, &cases);

        // The root principal delegates to the account's IAM policies: the
        // explanation says so.
        let lines = eval_one(policy, Some(ALICE), "kms:Decrypt", key, NONE);
        assert!(
            lines
                .iter()
                .any(|l| l.ends_with("(whose own IAM policies must then allow it too)")),
            "{lines:#?}"
        );

        // Same page, "Allows key users to use the KMS key": a role named as
        // principal covers its sessions; wildcard actions.
        run(
            "key-policy-default.html",
            r#"{"Statement":[{"Sid":"Allow use of the key","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/ExampleUserRole"},
                "Action":["kms:Encrypt","kms:Decrypt","kms:ReEncrypt*","kms:GenerateDataKey*","kms:DescribeKey"],"Resource":"*"}]}"#,
            &[
                case(
                    "session re-encrypts",
                    Some("arn:aws:sts::111122223333:assumed-role/ExampleUserRole/s"),
                    "kms:ReEncryptFrom",
                    key,
                    NONE,
                    Verdict::Allowed,
                ),
                case(
                    "session data key",
                    Some("arn:aws:sts::111122223333:assumed-role/ExampleUserRole/s"),
                    "kms:GenerateDataKeyWithoutPlaintext",
                    key,
                    NONE,
                    Verdict::Allowed,
                ),
                case(
                    "session schedules deletion",
                    Some("arn:aws:sts::111122223333:assumed-role/ExampleUserRole/s"),
                    "kms:ScheduleKeyDeletion",
                    key,
                    NONE,
                    Verdict::NoAllow,
                ),
                case(
                    "user of the same account",
                    Some(ALICE),
                    "kms:Decrypt",
                    key,
                    NONE,
                    Verdict::NoAllow,
                ),
            ],
        );
    }

    // -- role trust policies ----------------------------------------------------

    #[test]
    fn trust_policy_allowing_a_role() {
        // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
        // "IAM role principals": naming a role covers the sessions of that
        // role (the session ARN has no path).
        run(
            "reference_policies_elements_principal.html",
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
                "Principal":{"AWS":"arn:aws:iam::111122223333:role/division_abc/subdivision_xyz/role-name"},"Action":"sts:AssumeRole"}]}"#,
            &[
                case(
                    "session of the role",
                    Some("arn:aws:sts::111122223333:assumed-role/role-name/my-session"),
                    "sts:AssumeRole",
                    Some("arn:aws:iam::111122223333:role/Target"),
                    NONE,
                    Verdict::Allowed,
                ),
                case(
                    "resource unknown: trust policies have none",
                    Some("arn:aws:sts::111122223333:assumed-role/role-name/s"),
                    "sts:AssumeRole",
                    None,
                    NONE,
                    Verdict::Allowed,
                ),
                case(
                    "session of another role",
                    Some("arn:aws:sts::111122223333:assumed-role/role-name-2/s"),
                    "sts:AssumeRole",
                    None,
                    NONE,
                    Verdict::NoAllow,
                ),
                case(
                    "same role name, other account",
                    Some("arn:aws:sts::444455556666:assumed-role/role-name/s"),
                    "sts:AssumeRole",
                    None,
                    NONE,
                    Verdict::NoAllow,
                ),
                case(
                    "user of the account",
                    Some(ALICE),
                    "sts:AssumeRole",
                    None,
                    NONE,
                    Verdict::NoAllow,
                ),
                case(
                    "account root",
                    Some("arn:aws:iam::111122223333:root"),
                    "sts:AssumeRole",
                    None,
                    NONE,
                    Verdict::NoAllow,
                ),
                case(
                    "role ARN itself",
                    Some("arn:aws:iam::111122223333:role/division_abc/subdivision_xyz/role-name"),
                    "sts:AssumeRole",
                    None,
                    NONE,
                    Verdict::Allowed,
                ),
                case(
                    "other action",
                    Some("arn:aws:sts::111122223333:assumed-role/role-name/s"),
                    "sts:TagSession",
                    None,
                    NONE,
                    Verdict::NoAllow,
                ),
                case(
                    "caller unknown",
                    None,
                    "sts:AssumeRole",
                    None,
                    NONE,
                    Verdict::DependsOn,
                ),
            ],
        );
        // Same page, "AWS account principals": the account ID alone.
        let mut cases = vec![
            case(
                "user of the account",
                Some(ALICE),
                "sts:AssumeRole",
                None,
                NONE,
                Verdict::Allowed,
            ),
            case(
                "session of the account",
                Some("arn:aws:sts::111122223333:assumed-role/Any/s"),
                "sts:AssumeRole",
                None,
                NONE,
                Verdict::Allowed,
            ),
            case(
                "other account",
                Some(OTHER_ACCOUNT_USER),
                "sts:AssumeRole",
                None,
                NONE,
                Verdict::NoAllow,
            ),
        ];
        cases.push(Case {
            account: Some("111122223333"),
            ..case(
                "arn unknown, account known",
                None,
                "sts:AssumeRole",
                None,
                NONE,
                Verdict::Allowed,
            )
        });
        run(
            "reference_policies_elements_principal.html",
            r#"{"Statement":{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"sts:AssumeRole"}}"#,
            &cases,
        );
        // A specific user, and an account known to differ from the user's.
        let mut cases = vec![
            case(
                "the user",
                Some("arn:aws:iam::111122223333:user/user-name"),
                "sts:AssumeRole",
                None,
                NONE,
                Verdict::Allowed,
            ),
            case(
                "another user",
                Some(ALICE),
                "sts:AssumeRole",
                None,
                NONE,
                Verdict::NoAllow,
            ),
        ];
        cases.push(Case {
            account: Some("444455556666"),
            ..case(
                "arn unknown, other account",
                None,
                "sts:AssumeRole",
                None,
                NONE,
                Verdict::NoAllow,
            )
        });
        cases.push(Case {
            account: Some("111122223333"),
            ..case(
                "arn unknown, same account",
                None,
                "sts:AssumeRole",
                None,
                NONE,
                Verdict::DependsOn,
            )
        });
        run(
            "reference_policies_elements_principal.html",
            r#"{"Statement":{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::111122223333:user/user-name"]},"Action":"sts:AssumeRole"}}"#,
            &cases,
        );
    }

    #[test]
    fn trust_policy_service_and_federated_principals() {
        // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
        // "AWS service principals": only the service itself matches.
        run(
            "reference_policies_elements_principal.html",
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
                "Principal":{"Service":["ecs.amazonaws.com","elasticloadbalancing.amazonaws.com"]},"Action":"sts:AssumeRole"}]}"#,
            &[
                case(
                    "ecs",
                    Some("ecs.amazonaws.com"),
                    "sts:AssumeRole",
                    None,
                    NONE,
                    Verdict::Allowed,
                ),
                case(
                    "elb",
                    Some("elasticloadbalancing.amazonaws.com"),
                    "sts:AssumeRole",
                    None,
                    NONE,
                    Verdict::Allowed,
                ),
                case(
                    "ec2",
                    Some("ec2.amazonaws.com"),
                    "sts:AssumeRole",
                    None,
                    NONE,
                    Verdict::NoAllow,
                ),
                case(
                    "an IAM user",
                    Some(ALICE),
                    "sts:AssumeRole",
                    None,
                    NONE,
                    Verdict::NoAllow,
                ),
            ],
        );
        // Same page, "OpenID Connect federated principals".
        run(
            "reference_policies_elements_principal.html",
            r#"{"Statement":{"Effect":"Allow","Principal":{"Federated":"cognito-identity.amazonaws.com"},"Action":"sts:AssumeRoleWithWebIdentity",
                "Condition":{"StringEquals":{"cognito-identity.amazonaws.com:aud":"us-east-2:12345678-abcd-abcd-abcd-123456"}}}}"#,
            &[
                case(
                    "cognito, right audience",
                    Some("cognito-identity.amazonaws.com"),
                    "sts:AssumeRoleWithWebIdentity",
                    None,
                    &[(
                        "cognito-identity.amazonaws.com:aud",
                        &["us-east-2:12345678-abcd-abcd-abcd-123456"],
                    )],
                    Verdict::Allowed,
                ),
                case(
                    "cognito, audience unknown",
                    Some("cognito-identity.amazonaws.com"),
                    "sts:AssumeRoleWithWebIdentity",
                    None,
                    NONE,
                    Verdict::DependsOn,
                ),
                case(
                    "other provider",
                    Some("accounts.google.com"),
                    "sts:AssumeRoleWithWebIdentity",
                    None,
                    NONE,
                    Verdict::NoAllow,
                ),
            ],
        );
    }

    #[test]
    fn trust_policy_with_external_id() {
        // https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-user_externalid.html
        // The third party's account may assume the role only with the
        // agreed external ID.
        let policy = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"999988887777"},
            "Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"12345"}}}}"#;
        let third_party = Some("arn:aws:sts::999988887777:assumed-role/ExampleCorpRole/s");
        run(
            "id_roles_create_for-user_externalid.html",
            policy,
            &[
                case(
                    "right external ID",
                    third_party,
                    "sts:AssumeRole",
                    None,
                    &[("sts:ExternalId", &["12345"])],
                    Verdict::Allowed,
                ),
                case(
                    "wrong external ID",
                    third_party,
                    "sts:AssumeRole",
                    None,
                    &[("sts:ExternalId", &["54321"])],
                    Verdict::NoAllow,
                ),
                case(
                    "no external ID",
                    third_party,
                    "sts:AssumeRole",
                    None,
                    &[("sts:ExternalId", &[])],
                    Verdict::NoAllow,
                ),
                case(
                    "external ID unknown",
                    third_party,
                    "sts:AssumeRole",
                    None,
                    NONE,
                    Verdict::DependsOn,
                ),
                case(
                    "other account",
                    Some(ALICE),
                    "sts:AssumeRole",
                    None,
                    &[("sts:ExternalId", &["12345"])],
                    Verdict::NoAllow,
                ),
            ],
        );
        // The Allow that failed its condition is reported, with the reason.
        let doc = parse(policy).expect("parses");
        let context = ctx(&[("sts:ExternalId", &[])]);
        let req = Request {
            principal: third_party,
            account: None,
            action: "sts:AssumeRole",
            resource: None,
            context: &context,
        };
        let eval = evaluate(&doc, &req);
        assert_eq!(eval.allows.len(), 1);
        assert_eq!(eval.allows[0].applies, Applies::No);
        assert!(eval.allows[0].explanation.contains(
            &"Allow only when sts:ExternalId is 12345 (the external ID passed to AssumeRole (--external-id)): not met (sts:ExternalId is not in the request)".to_string()
        ), "{:#?}", eval.allows[0].explanation);
    }

    // -- S3 bucket policies ----------------------------------------------------

    const SECURE_TRANSPORT: &str = r#"{"Id":"ExamplePolicy","Version":"2012-10-17","Statement":[{"Sid":"AllowSSLRequestsOnly",
        "Action":"s3:*","Effect":"Deny","Resource":["arn:aws:s3:::amzn-s3-demo-bucket","arn:aws:s3:::amzn-s3-demo-bucket/*"],
        "Condition":{"Bool":{"aws:SecureTransport":"false"}},"Principal":"*"}]}"#;

    #[test]
    fn secure_transport_deny() {
        // https://repost.aws/knowledge-center/s3-bucket-policy-for-config-rule
        // and https://docs.aws.amazon.com/AmazonS3/latest/userguide/example-bucket-policies.html
        // (HTTPS-only bucket policy).
        run(
            "s3-bucket-policy-for-config-rule",
            SECURE_TRANSPORT,
            &[
                case(
                    "HTTP",
                    Some(ALICE),
                    "s3:GetObject",
                    Some("arn:aws:s3:::amzn-s3-demo-bucket/k"),
                    &[("aws:SecureTransport", &["false"])],
                    Verdict::ExplicitDeny,
                ),
                case(
                    "HTTPS",
                    Some(ALICE),
                    "s3:GetObject",
                    Some("arn:aws:s3:::amzn-s3-demo-bucket/k"),
                    &[("aws:SecureTransport", &["true"])],
                    Verdict::NoAllow,
                ),
                case(
                    "transport unknown",
                    Some(ALICE),
                    "s3:GetObject",
                    Some("arn:aws:s3:::amzn-s3-demo-bucket/k"),
                    NONE,
                    Verdict::DependsOn,
                ),
                case(
                    "context keys ignore case",
                    Some(ALICE),
                    "s3:GetObject",
                    Some("arn:aws:s3:::amzn-s3-demo-bucket/k"),
                    &[("AWS:SECURETRANSPORT", &["FALSE"])],
                    Verdict::ExplicitDeny,
                ),
                case(
                    "anonymous caller over HTTP",
                    None,
                    "s3:GetObject",
                    Some("arn:aws:s3:::amzn-s3-demo-bucket/k"),
                    &[("aws:SecureTransport", &["false"])],
                    Verdict::ExplicitDeny,
                ),
                case(
                    "other bucket",
                    Some(ALICE),
                    "s3:GetObject",
                    Some("arn:aws:s3:::other/k"),
                    &[("aws:SecureTransport", &["false"])],
                    Verdict::NoAllow,
                ),
            ],
        );
        // The JSON boolean false is the same condition.
        run(
            "s3-bucket-policy-for-config-rule",
            &SECURE_TRANSPORT.replace("\"false\"", "false"),
            &[case(
                "HTTP, JSON boolean",
                Some(ALICE),
                "s3:PutObject",
                Some("arn:aws:s3:::amzn-s3-demo-bucket/k"),
                &[("aws:SecureTransport", &["false"])],
                Verdict::ExplicitDeny,
            )],
        );
    }

    #[test]
    fn secure_transport_explanation() {
        let lines = eval_one(
            SECURE_TRANSPORT,
            Some(ALICE),
            "s3:GetObject",
            Some("arn:aws:s3:::amzn-s3-demo-bucket/k"),
            NONE,
        );
        assert_eq!(lines, vec![
            "Deny statement #1 (Sid \"AllowSSLRequestsOnly\") applies only if aws:SecureTransport is false (request over HTTP); awsx cannot tell for this request".to_string(),
            "action s3:GetObject matches Action \"s3:*\"".to_string(),
            "resource arn:aws:s3:::amzn-s3-demo-bucket/k matches Resource \"arn:aws:s3:::amzn-s3-demo-bucket/*\"".to_string(),
            "Principal \"*\" covers everyone, anonymous callers included".to_string(),
            "Deny when aws:SecureTransport is false (request over HTTP): not known for this request".to_string(),
        ]);
        let lines = eval_one(
            SECURE_TRANSPORT,
            Some(ALICE),
            "s3:GetObject",
            Some("arn:aws:s3:::amzn-s3-demo-bucket/k"),
            &[("aws:SecureTransport", &["false"])],
        );
        assert!(lines[0].ends_with("applies to this request"), "{lines:#?}");
        assert_eq!(
            lines[4],
            "Deny when aws:SecureTransport is false (request over HTTP): met (request has aws:SecureTransport = false)"
        );
        let lines = eval_one(
            SECURE_TRANSPORT,
            Some(ALICE),
            "s3:GetObject",
            Some("arn:aws:s3:::amzn-s3-demo-bucket/k"),
            &[("aws:SecureTransport", &["true"])],
        );
        assert!(lines[0].contains("a condition is not met"), "{lines:#?}");
    }

    #[test]
    fn source_vpce_deny() {
        // https://docs.aws.amazon.com/AmazonS3/latest/userguide/example-bucket-policies-vpc-endpoint.html
        // "Restricting access to a specific VPC endpoint". StringNotEquals
        // holds when the key is absent, so requests over the internet are
        // denied too.
        run(
            "example-bucket-policies-vpc-endpoint.html",
            r#"{"Version":"2012-10-17","Id":"Policy1415115909152","Statement":[{"Sid":"Access-to-specific-VPCE-only","Principal":"*",
                "Action":"s3:*","Effect":"Deny","Resource":["arn:aws:s3:::awsexamplebucket1","arn:aws:s3:::awsexamplebucket1/*"],
                "Condition":{"StringNotEquals":{"aws:SourceVpce":"vpce-1a2b3c4d"}}}]}"#,
            &[
                case(
                    "through the endpoint",
                    Some(ALICE),
                    "s3:GetObject",
                    Some("arn:aws:s3:::awsexamplebucket1/k"),
                    &[("aws:SourceVpce", &["vpce-1a2b3c4d"])],
                    Verdict::NoAllow,
                ),
                case(
                    "another endpoint",
                    Some(ALICE),
                    "s3:GetObject",
                    Some("arn:aws:s3:::awsexamplebucket1/k"),
                    &[("aws:SourceVpce", &["vpce-99999999"])],
                    Verdict::ExplicitDeny,
                ),
                case(
                    "over the internet",
                    Some(ALICE),
                    "s3:GetObject",
                    Some("arn:aws:s3:::awsexamplebucket1/k"),
                    &[("aws:SourceVpce", &[])],
                    Verdict::ExplicitDeny,
                ),
                case(
                    "route unknown",
                    Some(ALICE),
                    "s3:ListBucket",
                    Some("arn:aws:s3:::awsexamplebucket1"),
                    NONE,
                    Verdict::DependsOn,
                ),
                case(
                    "values are case-sensitive",
                    Some(ALICE),
                    "s3:GetObject",
                    Some("arn:aws:s3:::awsexamplebucket1/k"),
                    &[("aws:SourceVpce", &["VPCE-1A2B3C4D"])],
                    Verdict::ExplicitDeny,
                ),
            ],
        );
        // Same page, "Restricting access to a specific VPC".
        run(
            "example-bucket-policies-vpc-endpoint.html",
            r#"{"Version":"2012-10-17","Id":"Policy1415115909153","Statement":[{"Sid":"Access-to-specific-VPC-only","Principal":"*",
                "Action":"s3:*","Effect":"Deny","Resource":["arn:aws:s3:::awsexamplebucket1","arn:aws:s3:::awsexamplebucket1/*"],
                "Condition":{"StringNotEquals":{"aws:SourceVpc":"vpc-111bbb22"}}}]}"#,
            &[
                case(
                    "from the VPC",
                    Some(ALICE),
                    "s3:GetObject",
                    Some("arn:aws:s3:::awsexamplebucket1/k"),
                    &[("aws:SourceVpc", &["vpc-111bbb22"])],
                    Verdict::NoAllow,
                ),
                case(
                    "from elsewhere",
                    Some(ALICE),
                    "s3:GetObject",
                    Some("arn:aws:s3:::awsexamplebucket1/k"),
                    &[("aws:SourceVpc", &[])],
                    Verdict::ExplicitDeny,
                ),
            ],
        );
    }

    #[test]
    fn source_ip_deny() {
        // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_examples_aws_deny-ip.html
        // "AWS: Denies access to AWS based on the source IP"; both conditions
        // must hold (AND), so one known false condition settles it.
        run(
            "reference_policies_examples_aws_deny-ip.html",
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"*","Resource":"*",
                "Condition":{"NotIpAddress":{"aws:SourceIp":["192.0.2.0/24","203.0.113.0/24"]},"Bool":{"aws:ViaAWSService":"false"}}}}"#,
            &[
                case(
                    "inside the range",
                    Some(ALICE),
                    "s3:GetObject",
                    Some("arn:aws:s3:::b/k"),
                    &[
                        ("aws:SourceIp", &["192.0.2.10"]),
                        ("aws:ViaAWSService", &["false"]),
                    ],
                    Verdict::NoAllow,
                ),
                case(
                    "outside the range",
                    Some(ALICE),
                    "s3:GetObject",
                    Some("arn:aws:s3:::b/k"),
                    &[
                        ("aws:SourceIp", &["198.51.100.7"]),
                        ("aws:ViaAWSService", &["false"]),
                    ],
                    Verdict::ExplicitDeny,
                ),
                case(
                    "via a service",
                    Some(ALICE),
                    "s3:GetObject",
                    Some("arn:aws:s3:::b/k"),
                    &[
                        ("aws:SourceIp", &["198.51.100.7"]),
                        ("aws:ViaAWSService", &["true"]),
                    ],
                    Verdict::NoAllow,
                ),
                case(
                    "service use unknown",
                    Some(ALICE),
                    "s3:GetObject",
                    Some("arn:aws:s3:::b/k"),
                    &[("aws:SourceIp", &["198.51.100.7"])],
                    Verdict::DependsOn,
                ),
                case(
                    "IP unknown, known false beats unknown",
                    Some(ALICE),
                    "s3:GetObject",
                    Some("arn:aws:s3:::b/k"),
                    &[("aws:ViaAWSService", &["true"])],
                    Verdict::NoAllow,
                ),
            ],
        );
        // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_IPAddress
        // IPv6 ranges.
        assert!(ip_in_cidr(
            "2001:DB8:1234:5678::/64",
            "2001:db8:1234:5678::1"
        ));
        assert!(!ip_in_cidr(
            "2001:DB8:1234:5678::/64",
            "2001:db8:1234:5679::1"
        ));
        assert!(ip_in_cidr("203.0.113.0/24", "203.0.113.255"));
        assert!(ip_in_cidr("203.0.113.7", "203.0.113.7"));
        assert!(ip_in_cidr("0.0.0.0/0", "8.8.8.8"));
        assert!(!ip_in_cidr("203.0.113.0/24", "203.0.114.1"));
        assert!(!ip_in_cidr("203.0.113.0/33", "203.0.113.1"));
        assert!(!ip_in_cidr("203.0.113.0/24", "2001:db8::1"));
        assert!(!ip_in_cidr("203.0.113.0/24", "not an ip"));
    }

    // -- condition operators -----------------------------------------------------

    #[test]
    fn if_exists() {
        // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_IfExists
        // With IfExists the statement also covers requests (other resource
        // types of RunInstances) that carry no ec2:InstanceType.
        let with_if_exists = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ec2:RunInstances","Resource":"*",
            "Condition":{"StringLikeIfExists":{"ec2:InstanceType":["t1.*","t2.*","m3.*"]}}}}"#;
        run(
            "reference_policies_elements_condition_operators.html#Conditions_IfExists",
            with_if_exists,
            &[
                case(
                    "t2.micro",
                    Some(ALICE),
                    "ec2:RunInstances",
                    Some("arn:aws:ec2:us-east-1::image/ami-1"),
                    &[("ec2:InstanceType", &["t2.micro"])],
                    Verdict::Allowed,
                ),
                case(
                    "m5.large",
                    Some(ALICE),
                    "ec2:RunInstances",
                    Some("arn:aws:ec2:us-east-1::image/ami-1"),
                    &[("ec2:InstanceType", &["m5.large"])],
                    Verdict::NoAllow,
                ),
                case(
                    "key absent",
                    Some(ALICE),
                    "ec2:RunInstances",
                    Some("arn:aws:ec2:us-east-1:111122223333:volume/*"),
                    &[("ec2:InstanceType", &[])],
                    Verdict::Allowed,
                ),
                case(
                    "key unknown",
                    Some(ALICE),
                    "ec2:RunInstances",
                    None,
                    NONE,
                    Verdict::DependsOn,
                ),
            ],
        );
        // Same page: without IfExists an absent key fails the condition.
        run(
            "reference_policies_elements_condition_operators.html#Conditions_IfExists",
            &with_if_exists.replace("StringLikeIfExists", "StringLike"),
            &[case(
                "key absent, no IfExists",
                Some(ALICE),
                "ec2:RunInstances",
                None,
                &[("ec2:InstanceType", &[])],
                Verdict::NoAllow,
            )],
        );
        // IfExists on a Deny: an absent key makes the Deny apply.
        run(
            "reference_policies_elements_condition_operators.html#Conditions_IfExists",
            r#"{"Statement":{"Effect":"Deny","Action":"s3:PutObject","Resource":"*","Condition":{"StringNotEqualsIfExists":{"s3:x-amz-server-side-encryption":"aws:kms"}}}}"#,
            &[
                case(
                    "no SSE header",
                    Some(ALICE),
                    "s3:PutObject",
                    Some("arn:aws:s3:::b/k"),
                    &[("s3:x-amz-server-side-encryption", &[])],
                    Verdict::ExplicitDeny,
                ),
                case(
                    "AES256",
                    Some(ALICE),
                    "s3:PutObject",
                    Some("arn:aws:s3:::b/k"),
                    &[("s3:x-amz-server-side-encryption", &["AES256"])],
                    Verdict::ExplicitDeny,
                ),
                case(
                    "aws:kms",
                    Some(ALICE),
                    "s3:PutObject",
                    Some("arn:aws:s3:::b/k"),
                    &[("s3:x-amz-server-side-encryption", &["aws:kms"])],
                    Verdict::NoAllow,
                ),
            ],
        );
    }

    #[test]
    fn multivalued_keys() {
        // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
        // ForAllValues: every request value must match; true when the key is
        // absent. ForAnyValue: one must match; false when absent.
        run(
            "reference_policies_condition-single-vs-multi-valued-context-keys.html",
            r#"{"Statement":{"Effect":"Allow","Action":"ec2:CreateTags","Resource":"*","Condition":{"ForAllValues:StringEquals":{"aws:TagKeys":["environment","cost-center"]}}}}"#,
            &[
                case(
                    "subset",
                    Some(ALICE),
                    "ec2:CreateTags",
                    None,
                    &[("aws:TagKeys", &["environment"])],
                    Verdict::Allowed,
                ),
                case(
                    "all",
                    Some(ALICE),
                    "ec2:CreateTags",
                    None,
                    &[("aws:TagKeys", &["environment", "cost-center"])],
                    Verdict::Allowed,
                ),
                case(
                    "one outside",
                    Some(ALICE),
                    "ec2:CreateTags",
                    None,
                    &[("aws:TagKeys", &["environment", "owner"])],
                    Verdict::NoAllow,
                ),
                case(
                    "absent",
                    Some(ALICE),
                    "ec2:CreateTags",
                    None,
                    &[("aws:TagKeys", &[])],
                    Verdict::Allowed,
                ),
            ],
        );
        run(
            "reference_policies_condition-single-vs-multi-valued-context-keys.html",
            r#"{"Statement":{"Effect":"Allow","Action":"ec2:CreateTags","Resource":"*","Condition":{"ForAnyValue:StringEquals":{"aws:TagKeys":["environment"]}}}}"#,
            &[
                case(
                    "one matches",
                    Some(ALICE),
                    "ec2:CreateTags",
                    None,
                    &[("aws:TagKeys", &["owner", "environment"])],
                    Verdict::Allowed,
                ),
                case(
                    "none matches",
                    Some(ALICE),
                    "ec2:CreateTags",
                    None,
                    &[("aws:TagKeys", &["owner"])],
                    Verdict::NoAllow,
                ),
                case(
                    "absent",
                    Some(ALICE),
                    "ec2:CreateTags",
                    None,
                    &[("aws:TagKeys", &[])],
                    Verdict::NoAllow,
                ),
            ],
        );
        // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-logic-multiple-context-keys-or-values.html
        // Negated operators NOR the values; ForAnyValue:StringNotLike needs
        // one request value outside the list.
        run(
            "reference_policies_condition-logic-multiple-context-keys-or-values.html",
            r#"{"Statement":{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"StringNotEquals":{"aws:RequestedRegion":["us-east-1","eu-west-1"]}}}}"#,
            &[
                case(
                    "listed region",
                    Some(ALICE),
                    "ec2:RunInstances",
                    None,
                    &[("aws:RequestedRegion", &["eu-west-1"])],
                    Verdict::NoAllow,
                ),
                case(
                    "other region",
                    Some(ALICE),
                    "ec2:RunInstances",
                    None,
                    &[("aws:RequestedRegion", &["ap-south-1"])],
                    Verdict::ExplicitDeny,
                ),
            ],
        );
        run(
            "reference_policies_condition-logic-multiple-context-keys-or-values.html",
            r#"{"Statement":{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"ForAnyValue:StringNotLike":{"aws:TagKeys":["team*"]}}}}"#,
            &[
                case(
                    "all team tags",
                    Some(ALICE),
                    "ec2:CreateTags",
                    None,
                    &[("aws:TagKeys", &["team", "team-name"])],
                    Verdict::NoAllow,
                ),
                case(
                    "one other tag",
                    Some(ALICE),
                    "ec2:CreateTags",
                    None,
                    &[("aws:TagKeys", &["team", "owner"])],
                    Verdict::ExplicitDeny,
                ),
            ],
        );
    }

    #[test]
    fn null_numeric_date_string_arn_operators() {
        // All from https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
        fn check(operator: &str, key: &str, values: &[&str], context: Ctx, want: Option<bool>) {
            let c = Condition {
                operator: operator.into(),
                key: key.into(),
                values: values.iter().map(|v| v.to_string()).collect(),
            };
            let context = ctx(context);
            let req = Request {
                principal: Some(ALICE),
                account: None,
                action: "s3:GetObject",
                resource: None,
                context: &context,
            };
            assert_eq!(
                eval_condition(&c, &req, true),
                want,
                "{operator} {key} {values:?} against {context:?}"
            );
        }
        // Null: "true" means the key must be absent.
        check(
            "Null",
            "aws:TokenIssueTime",
            &["true"],
            &[("aws:TokenIssueTime", &[])],
            Some(true),
        );
        check(
            "Null",
            "aws:TokenIssueTime",
            &["true"],
            &[("aws:TokenIssueTime", &["2024-01-01T00:00:00Z"])],
            Some(false),
        );
        check(
            "Null",
            "aws:TokenIssueTime",
            &["false"],
            &[("aws:TokenIssueTime", &["2024-01-01T00:00:00Z"])],
            Some(true),
        );
        check("Null", "aws:TokenIssueTime", &["false"], NONE, None);
        // Numeric (S3 TLS version deny).
        check(
            "NumericLessThan",
            "s3:TlsVersion",
            &["1.2"],
            &[("s3:TlsVersion", &["1.0"])],
            Some(true),
        );
        check(
            "NumericLessThan",
            "s3:TlsVersion",
            &["1.2"],
            &[("s3:TlsVersion", &["1.2"])],
            Some(false),
        );
        check(
            "NumericLessThanEquals",
            "s3:TlsVersion",
            &["1.2"],
            &[("s3:TlsVersion", &["1.2"])],
            Some(true),
        );
        check(
            "NumericGreaterThan",
            "aws:MultiFactorAuthAge",
            &["3600"],
            &[("aws:MultiFactorAuthAge", &["7200"])],
            Some(true),
        );
        check(
            "NumericGreaterThanEquals",
            "s3:max-keys",
            &["10"],
            &[("s3:max-keys", &["9"])],
            Some(false),
        );
        check(
            "NumericEquals",
            "s3:max-keys",
            &["10"],
            &[("s3:max-keys", &["10.0"])],
            Some(true),
        );
        check(
            "NumericNotEquals",
            "s3:max-keys",
            &["10"],
            &[("s3:max-keys", &["11"])],
            Some(true),
        );
        check(
            "NumericEquals",
            "s3:max-keys",
            &["10"],
            &[("s3:max-keys", &["ten"])],
            Some(false),
        );
        // Dates: ISO 8601 with zones, and epoch seconds.
        check(
            "DateGreaterThan",
            "aws:CurrentTime",
            &["2020-04-01T00:00:00Z"],
            &[("aws:CurrentTime", &["2020-05-01T12:00:00Z"])],
            Some(true),
        );
        check(
            "DateLessThan",
            "aws:CurrentTime",
            &["2020-06-30T23:59:59Z"],
            &[("aws:CurrentTime", &["2020-07-01T00:00:00Z"])],
            Some(false),
        );
        check(
            "DateLessThan",
            "aws:CurrentTime",
            &["2020-06-30T23:59:59Z"],
            &[("aws:CurrentTime", &["2020-07-01T01:00:00+02:00"])],
            Some(true),
        );
        check(
            "DateGreaterThanEquals",
            "aws:CurrentTime",
            &["2020-05-01T12:00:00Z"],
            &[("aws:CurrentTime", &["1588334400"])],
            Some(true),
        );
        check(
            "DateEquals",
            "aws:CurrentTime",
            &["2020-05-01"],
            &[("aws:CurrentTime", &["2020-05-01T00:00:00Z"])],
            Some(true),
        );
        check(
            "DateNotEquals",
            "aws:CurrentTime",
            &["2020-05-01"],
            &[("aws:CurrentTime", &["2020-05-02"])],
            Some(true),
        );
        check(
            "DateLessThanEquals",
            "aws:EpochTime",
            &["1588334400"],
            &[("aws:EpochTime", &["1588334399"])],
            Some(true),
        );
        // Strings.
        check(
            "StringEqualsIgnoreCase",
            "aws:PrincipalTag/team",
            &["Ops"],
            &[("aws:PrincipalTag/team", &["OPS"])],
            Some(true),
        );
        check(
            "StringNotEqualsIgnoreCase",
            "aws:PrincipalTag/team",
            &["Ops"],
            &[("aws:PrincipalTag/team", &["ops"])],
            Some(false),
        );
        check(
            "StringEquals",
            "aws:PrincipalTag/team",
            &["Ops"],
            &[("aws:PrincipalTag/team", &["ops"])],
            Some(false),
        );
        check(
            "StringLike",
            "s3:prefix",
            &["home/*", "", "?ublic"],
            &[("s3:prefix", &["public"])],
            Some(true),
        );
        check(
            "StringNotLike",
            "s3:prefix",
            &["home/*"],
            &[("s3:prefix", &["home/x"])],
            Some(false),
        );
        check(
            "StringNotLike",
            "s3:prefix",
            &["home/*"],
            &[("s3:prefix", &[])],
            Some(true),
        );
        check(
            "StringEquals",
            "s3:prefix",
            &["x"],
            &[("s3:prefix", &[])],
            Some(false),
        );
        check(
            "ForAnyValue:StringNotEquals",
            "aws:TagKeys",
            &["x"],
            &[("aws:TagKeys", &[])],
            Some(false),
        );
        // ARNs (confused deputy: aws:SourceArn / aws:SourceAccount).
        // https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html
        check(
            "ArnLike",
            "aws:SourceArn",
            &["arn:aws:config:*:111122223333:*"],
            &[(
                "aws:SourceArn",
                &["arn:aws:config:us-east-1:111122223333:config-rule/r"],
            )],
            Some(true),
        );
        check(
            "ArnLike",
            "aws:SourceArn",
            &["arn:aws:config:*:111122223333:*"],
            &[(
                "aws:SourceArn",
                &["arn:aws:config:us-east-1:444455556666:config-rule/111122223333:"],
            )],
            Some(false),
        );
        check(
            "ArnEquals",
            "aws:SourceArn",
            &["arn:aws:sns:us-east-1:111122223333:topic"],
            &[(
                "aws:SourceArn",
                &["arn:aws:sns:us-east-1:111122223333:topic"],
            )],
            Some(true),
        );
        check(
            "ArnNotLike",
            "aws:PrincipalArn",
            &["arn:aws:iam::*:role/Admin"],
            &[("aws:PrincipalArn", &["arn:aws:iam::111122223333:role/Dev"])],
            Some(true),
        );
        check(
            "ArnNotEqualsIfExists",
            "aws:SourceArn",
            &["arn:aws:s3:::b"],
            &[("aws:SourceArn", &[])],
            Some(true),
        );
        // Bool, Binary, unsupported operator, unknown key.
        check(
            "Bool",
            "aws:SecureTransport",
            &["true"],
            &[("aws:SecureTransport", &["True"])],
            Some(true),
        );
        check(
            "Bool",
            "aws:SecureTransport",
            &["true"],
            &[("aws:SecureTransport", &["yes"])],
            Some(false),
        );
        check(
            "BinaryEquals",
            "key",
            &["QmluYXJ5VmFsdWVJbkJhc2U2NA=="],
            &[("key", &["QmluYXJ5VmFsdWVJbkJhc2U2NA=="])],
            Some(true),
        );
        check(
            "StringSortaEquals",
            "aws:SourceVpce",
            &["x"],
            &[("aws:SourceVpce", &["x"])],
            None,
        );
        check("StringEquals", "aws:SourceVpce", &["x"], NONE, None);
        // Values derived from the caller.
        check(
            "StringEquals",
            "aws:PrincipalAccount",
            &["111122223333"],
            NONE,
            Some(true),
        );
        check(
            "StringEquals",
            "kms:CallerAccount",
            &["444455556666"],
            NONE,
            Some(false),
        );
        check("ArnEquals", "aws:PrincipalArn", &[ALICE], NONE, Some(true));
        check("StringEquals", "aws:username", &["alice"], NONE, Some(true));
    }

    #[test]
    fn date_parsing() {
        assert_eq!(parse_date("1970-01-01T00:00:00Z"), Some(0.0));
        assert_eq!(parse_date("2020-05-01T12:00:00Z"), Some(1_588_334_400.0));
        assert_eq!(
            parse_date("2020-05-01T14:00:00+0200"),
            Some(1_588_334_400.0)
        );
        assert_eq!(parse_date("2020-05-01T07:00-05:00"), Some(1_588_334_400.0));
        assert_eq!(parse_date("2000-02-29"), Some(951_782_400.0));
        assert_eq!(parse_date("2020-13-01"), None);
        assert_eq!(parse_date("yesterday"), None);
    }

    #[test]
    fn policy_variables() {
        // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
        // ${aws:username} in Resource: each user their own home folder.
        run(
            "reference_policies_variables.html",
            r#"{"Version":"2012-10-17","Statement":[{"Action":["s3:GetObject","s3:PutObject"],"Effect":"Allow",
                "Resource":["arn:aws:s3:::amzn-s3-demo-bucket/home/${aws:username}/*"]}]}"#,
            &[
                case(
                    "own folder",
                    Some(ALICE),
                    "s3:GetObject",
                    Some("arn:aws:s3:::amzn-s3-demo-bucket/home/alice/notes.txt"),
                    NONE,
                    Verdict::Allowed,
                ),
                case(
                    "someone else's",
                    Some(ALICE),
                    "s3:GetObject",
                    Some("arn:aws:s3:::amzn-s3-demo-bucket/home/bob/notes.txt"),
                    NONE,
                    Verdict::NoAllow,
                ),
                case(
                    "role session: no user name known",
                    Some("arn:aws:sts::111122223333:assumed-role/R/s"),
                    "s3:GetObject",
                    Some("arn:aws:s3:::amzn-s3-demo-bucket/home/R/x"),
                    NONE,
                    Verdict::DependsOn,
                ),
                case(
                    "user name absent",
                    Some("arn:aws:sts::111122223333:assumed-role/R/s"),
                    "s3:GetObject",
                    Some("arn:aws:s3:::amzn-s3-demo-bucket/home/R/x"),
                    &[("aws:username", &[])],
                    Verdict::NoAllow,
                ),
            ],
        );
        // Same page: default values and the special ${*} / ${?} / ${$}.
        run(
            "reference_policies_variables.html",
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*",
                "Condition":{"StringEquals":{"s3:prefix":"${aws:PrincipalTag/team, 'company-wide'}/${$}"}}}]}"#,
            &[
                case(
                    "tag absent: default",
                    Some(ALICE),
                    "s3:GetObject",
                    None,
                    &[
                        ("aws:PrincipalTag/team", &[]),
                        ("s3:prefix", &["company-wide/$"]),
                    ],
                    Verdict::Allowed,
                ),
                case(
                    "tag present",
                    Some(ALICE),
                    "s3:GetObject",
                    None,
                    &[
                        ("aws:PrincipalTag/team", &["ops"]),
                        ("s3:prefix", &["ops/$"]),
                    ],
                    Verdict::Allowed,
                ),
                case(
                    "tag present, other prefix",
                    Some(ALICE),
                    "s3:GetObject",
                    None,
                    &[
                        ("aws:PrincipalTag/team", &["ops"]),
                        ("s3:prefix", &["company-wide/$"]),
                    ],
                    Verdict::NoAllow,
                ),
            ],
        );
    }

    #[test]
    fn variables_need_version_2012_and_escapes_are_literal() {
        // reference_policies_variables.html: variables are substituted only under
        // "Version": "2012-10-17"; ${*} is a literal asterisk, not a wildcard.
        let object = Some("arn:aws:s3:::b/home/alice/x");
        for (version, want) in [
            ("2012-10-17", Verdict::Allowed),
            ("2008-10-17", Verdict::NoAllow),
        ] {
            run(
                "reference_policies_variables.html",
                &format!(
                    r#"{{"Version":"{version}","Statement":[{{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/home/${{aws:username}}/*"}}]}}"#
                ),
                &[case(
                    "version",
                    Some(ALICE),
                    "s3:GetObject",
                    object,
                    NONE,
                    want,
                )],
            );
        }
        run(
            "reference_policies_variables.html",
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*",
                "Condition":{"StringLike":{"aws:PrincipalTag/team":"a${*}"}}}]}"#,
            &[
                case(
                    "literal star",
                    Some(ALICE),
                    "s3:GetObject",
                    object,
                    &[("aws:PrincipalTag/team", &["a*"])],
                    Verdict::Allowed,
                ),
                case(
                    "not a wildcard",
                    Some(ALICE),
                    "s3:GetObject",
                    object,
                    &[("aws:PrincipalTag/team", &["ab"])],
                    Verdict::NoAllow,
                ),
            ],
        );
    }

    // -- explanations -------------------------------------------------------------

    #[test]
    fn explain_well_known_keys() {
        let c = |operator: &str, key: &str, values: &[&str]| Condition {
            operator: operator.into(),
            key: key.into(),
            values: values.iter().map(|v| v.to_string()).collect(),
        };
        for (cond, want) in [
            (
                c("Bool", "aws:SecureTransport", &["false"]),
                "aws:SecureTransport is false (request over HTTP)",
            ),
            (
                c("Bool", "aws:SecureTransport", &["true"]),
                "aws:SecureTransport is true (request over HTTPS)",
            ),
            (
                c(
                    "IpAddress",
                    "aws:SourceIp",
                    &["192.0.2.0/24", "203.0.113.0/24"],
                ),
                "aws:SourceIp is in [192.0.2.0/24, 203.0.113.0/24] (the caller's public IP address; requests through a VPC endpoint carry aws:VpcSourceIp instead)",
            ),
            (
                c("StringNotEquals", "aws:SourceVpce", &["vpce-1a2b3c4d"]),
                "aws:SourceVpce is not vpce-1a2b3c4d, or the key is absent (the VPC endpoint the request came through; absent when it did not use one)",
            ),
            (
                c("StringEquals", "aws:SourceVpc", &["vpc-111bbb22"]),
                "aws:SourceVpc is vpc-111bbb22 (the VPC the request came from through a VPC endpoint; absent otherwise)",
            ),
            (
                c("StringEquals", "aws:PrincipalOrgID", &["o-xxxxxxxxxx"]),
                "aws:PrincipalOrgID is o-xxxxxxxxxx (the AWS Organizations ID of the caller's account)",
            ),
            (
                c(
                    "ArnLike",
                    "aws:PrincipalArn",
                    &["arn:aws:iam::*:role/Admin"],
                ),
                "aws:PrincipalArn matches the ARN arn:aws:iam::*:role/Admin (the caller's ARN; for a role session, the role's ARN)",
            ),
            (
                c("StringEquals", "aws:PrincipalAccount", &["111122223333"]),
                "aws:PrincipalAccount is 111122223333 (the caller's account ID)",
            ),
            (
                c(
                    "StringNotEquals",
                    "aws:RequestedRegion",
                    &["us-east-1", "eu-west-1"],
                ),
                "aws:RequestedRegion is none of [us-east-1, eu-west-1], or the key is absent (the region the request was sent to)",
            ),
            (
                c("BoolIfExists", "aws:MultiFactorAuthPresent", &["false"]),
                "aws:MultiFactorAuthPresent is false, or the key is absent (credentials obtained without MFA)",
            ),
            (
                c(
                    "StringNotEquals",
                    "s3:x-amz-server-side-encryption",
                    &["aws:kms"],
                ),
                "s3:x-amz-server-side-encryption is not aws:kms, or the key is absent (the server-side encryption header sent with the upload: AES256, aws:kms or aws:kms:dsse)",
            ),
            (
                c(
                    "StringNotEqualsIfExists",
                    "s3:x-amz-server-side-encryption-aws-kms-key-id",
                    &["arn:aws:kms:us-east-1:111122223333:key/k"],
                ),
                "s3:x-amz-server-side-encryption-aws-kms-key-id is not arn:aws:kms:us-east-1:111122223333:key/k, or the key is absent (the KMS key named in the upload's server-side encryption header)",
            ),
            (
                c(
                    "StringEquals",
                    "s3:x-amz-acl",
                    &["bucket-owner-full-control"],
                ),
                "s3:x-amz-acl is bucket-owner-full-control (the canned ACL sent with the request, e.g. bucket-owner-full-control)",
            ),
            (
                c(
                    "StringEquals",
                    "kms:ViaService",
                    &["s3.us-east-1.amazonaws.com"],
                ),
                "kms:ViaService is s3.us-east-1.amazonaws.com (the AWS service that called KMS on the caller's behalf, e.g. s3.us-east-1.amazonaws.com)",
            ),
            (
                c("StringEquals", "kms:CallerAccount", &["111122223333"]),
                "kms:CallerAccount is 111122223333 (the caller's account ID)",
            ),
            (
                c("StringLikeIfExists", "ec2:InstanceType", &["t1.*", "t2.*"]),
                "ec2:InstanceType matches one of [t1.*, t2.*], or the key is absent (the instance type being launched)",
            ),
            (
                c("StringEquals", "aws:ResourceTag/Project", &["Alpha"]),
                "aws:ResourceTag/Project is Alpha (the value of tag Project on the resource)",
            ),
            (
                c("StringEquals", "aws:RequestTag/CostCenter", &["1234"]),
                "aws:RequestTag/CostCenter is 1234 (the value of tag CostCenter sent in the request)",
            ),
            (
                c(
                    "StringEquals",
                    "iam:PassedToService",
                    &["ec2.amazonaws.com"],
                ),
                "iam:PassedToService is ec2.amazonaws.com (the service the role is being passed to)",
            ),
            (
                c("StringEquals", "sts:ExternalId", &["12345"]),
                "sts:ExternalId is 12345 (the external ID passed to AssumeRole (--external-id))",
            ),
            (
                c("Null", "aws:SourceVpce", &["true"]),
                "aws:SourceVpce is absent from the request (the VPC endpoint the request came through; absent when it did not use one)",
            ),
            (
                c("ForAllValues:StringEquals", "aws:TagKeys", &["a", "b"]),
                "every value of aws:TagKeys is one of [a, b], or the key is absent or empty",
            ),
            (
                c("ForAnyValue:StringLike", "aws:TagKeys", &["team*"]),
                "any value of aws:TagKeys matches team*",
            ),
            (
                c("NumericLessThan", "s3:TlsVersion", &["1.2"]),
                "s3:TlsVersion is less than 1.2 (the TLS version the client used)",
            ),
            (
                c(
                    "DateGreaterThan",
                    "aws:CurrentTime",
                    &["2020-04-01T00:00:00Z"],
                ),
                "aws:CurrentTime is after 2020-04-01T00:00:00Z",
            ),
            (
                c("StringEqualsIgnoreCase", "aws:username", &["Alice"]),
                "aws:username is Alice (ignoring case)",
            ),
            (
                c("NotIpAddress", "aws:SourceIp", &["192.0.2.0/24"]),
                "aws:SourceIp is not in 192.0.2.0/24, or the key is absent (the caller's public IP address; requests through a VPC endpoint carry aws:VpcSourceIp instead)",
            ),
            (
                c("StringSortaEquals", "k", &["v"]),
                "k StringSortaEquals v (operator not evaluated by awsx)",
            ),
            (
                c(
                    "Principal",
                    "aws:PrincipalArn",
                    &["arn:aws:iam::111122223333:role/R"],
                ),
                "the caller is arn:aws:iam::111122223333:role/R (Principal element)",
            ),
            (
                c("NotResource", "resource", &["a", "b"]),
                "the resource is not [a, b] (NotResource element)",
            ),
        ] {
            assert_eq!(explain_condition(&cond), want);
        }
    }

    #[test]
    fn unknown_principal_and_resource_become_conditions() {
        let doc = parse(
            r#"{"Statement":{"Sid":"S","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/R"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}}"#,
        )
        .expect("parses");
        let context = BTreeMap::new();
        let req = Request {
            principal: None,
            account: None,
            action: "s3:GetObject",
            resource: None,
            context: &context,
        };
        let eval = evaluate(&doc, &req);
        assert_eq!(eval.verdict, Verdict::DependsOn);
        let Applies::DependsOn(pending) = &eval.allows[0].applies else {
            panic!("{eval:#?}");
        };
        let operators: Vec<&str> = pending.iter().map(|c| c.operator.as_str()).collect();
        assert_eq!(operators, ["Resource", "Principal"]);
        assert_eq!(
            eval.allows[0].explanation[0],
            "Allow statement #1 (Sid \"S\") applies only if the resource is arn:aws:s3:::b/* (Resource element) and the caller is arn:aws:iam::111122223333:role/R (Principal element); awsx cannot tell for this request"
        );
        // aws:PrincipalArn in the context stands in for the caller.
        let context = ctx(&[("aws:PrincipalArn", &["arn:aws:iam::111122223333:role/R"])]);
        let req = Request {
            principal: None,
            account: None,
            action: "s3:GetObject",
            resource: Some("arn:aws:s3:::b/k"),
            context: &context,
        };
        assert_eq!(evaluate(&doc, &req).verdict, Verdict::Allowed);
    }

    #[test]
    fn evaluation_serializes() {
        let doc = parse(SECURE_TRANSPORT).expect("parses");
        let context = ctx(&[("aws:SecureTransport", &["false"])]);
        let req = Request {
            principal: Some(ALICE),
            account: None,
            action: "s3:GetObject",
            resource: Some("arn:aws:s3:::amzn-s3-demo-bucket/k"),
            context: &context,
        };
        let json = serde_json::to_value(evaluate(&doc, &req)).expect("serializes");
        assert_eq!(json["verdict"], "ExplicitDeny");
        assert_eq!(json["denies"][0]["applies"], "Yes");
        assert_eq!(
            json["denies"][0]["statement"]["sid"],
            "AllowSSLRequestsOnly"
        );
        assert_eq!(json["denies"][0]["statement"]["principal"], "Any");
        assert!(serde_json::to_value(&doc).is_ok());
        assert!(serde_json::to_value(req).is_ok());
    }

    #[test]
    fn report_lines_one_per_statement() {
        // A bucket policy in the shape of the S3 User Guide's examples: an HTTPS-only Deny
        // and an Allow for one named user.
        let policy = r#"{"Version":"2012-10-17","Statement":[
            {"Sid":"DenyHttp","Effect":"Deny","Principal":"*","Action":"s3:*",
             "Resource":["arn:aws:s3:::b","arn:aws:s3:::b/*"],
             "Condition":{"Bool":{"aws:SecureTransport":"false"}}},
            {"Sid":"AllowBob","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/bob"},
             "Action":["s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::b","arn:aws:s3:::b/*"]},
            {"Effect":"Allow","NotPrincipal":{"AWS":["arn:aws:iam::111122223333:user/alice","arn:aws:iam::111122223333:root"]},
             "Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"},
            {"Sid":"OtherAction","Effect":"Allow","Principal":"*","Action":"s3:PutObject","Resource":"*"}]}"#;
        let doc = parse(policy).expect("parses");
        let lines = |context: &BTreeMap<String, Vec<String>>| {
            let req = Request {
                principal: Some(ALICE),
                account: None,
                action: "s3:GetObject",
                resource: Some("arn:aws:s3:::b/k"),
                context,
            };
            (
                report_lines(&evaluate(&doc, &req)),
                allowed_to_others(&doc, &req),
            )
        };
        // Over HTTP: the Deny applies, one line with its parts after the header.
        let (report, others) = lines(&ctx(&[("aws:SecureTransport", &["false"])]));
        assert_eq!(report.len(), 1, "{report:#?}");
        assert!(
            report[0].starts_with(
                "Deny statement #1 (Sid \"DenyHttp\") applies to this request: action s3:GetObject matches Action \"s3:*\"; "
            ),
            "{report:#?}"
        );
        assert!(
            report[0].ends_with(
                "Deny when aws:SecureTransport is false (request over HTTP): met (request has aws:SecureTransport = false)"
            ),
            "{report:#?}"
        );
        assert_eq!(
            others,
            vec![
                "Allow statement #2 (Sid \"AllowBob\") allows s3:GetObject only to arn:aws:iam::111122223333:user/bob".to_string(),
                "Allow statement #3 allows s3:GetObject only to everyone except [arn:aws:iam::111122223333:user/alice, arn:aws:iam::111122223333:root]".to_string(),
            ]
        );
        // Over HTTPS the Deny's condition does not hold: it is left out.
        let (report, _) = lines(&ctx(&[("aws:SecureTransport", &["true"])]));
        assert!(report.is_empty(), "{report:#?}");
        // Transport unknown: the Deny may apply and says on what.
        let (report, _) = lines(&ctx(NONE));
        assert_eq!(report.len(), 1, "{report:#?}");
        assert!(
            report[0].contains("applies only if aws:SecureTransport is false"),
            "{report:#?}"
        );
        // The caller named in the Allow: the Allow is reported, nobody else is "other".
        let context = ctx(&[("aws:SecureTransport", &["true"])]);
        let req = Request {
            principal: Some("arn:aws:iam::111122223333:user/bob"),
            account: None,
            action: "s3:GetObject",
            resource: Some("arn:aws:s3:::b/k"),
            context: &context,
        };
        let ev = evaluate(&doc, &req);
        assert_eq!(ev.verdict, Verdict::Allowed);
        let report = report_lines(&ev);
        assert_eq!(report.len(), 2, "{report:#?}");
        assert!(
            report[0]
                .starts_with("Allow statement #2 (Sid \"AllowBob\") applies to this request: ")
        );
        assert!(report[1].starts_with("Allow statement #3 applies to this request: "));
        assert!(allowed_to_others(&doc, &req).is_empty());
    }
}
