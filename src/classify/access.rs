//! Reading AccessDenied wordings: who, what, on which resource, which policy layer, and
//! the encoded authorization message.

use std::sync::LazyLock;

use regex::Regex;

use crate::failure::{Decision, Layer};

#[derive(Debug, Default, Clone, PartialEq)]
pub struct Denial {
    pub principal: Option<String>,
    pub action: Option<String>,
    pub resource: Option<String>,
    pub decision: Decision,
    pub layer: Layer,
    pub policy_arn: Option<String>,
}

fn re(s: &str) -> Regex {
    super::pattern::re(s)
}

static WHO_WHAT: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?:User|Principal|Caller|Role|user|principal): ?(\S+) is not authorized to perform:? ?([\w*-]+:[\w*-]+|[\w*-]+)(?: on (?:resource: ?(.+)|this resource))?",
    )
});
static ACTION_ONLY: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i:not authorized\s+to\s+perform):? ?(?:the )?(?:action )?([a-z0-9-]+:[A-Za-z*]+|[A-Z][A-Za-z]+)",
    )
});
static S3_LAMBDA: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"denied by S3, please make sure your request credentials have permission to (\w+) for (\S+)",
    )
});
static API_ACTION: LazyLock<Regex> = LazyLock::new(|| re(r"\bAPI: ([a-z0-9-]+:\w+)"));
static BECAUSE_NO: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)because no (identity-based|resource-based|permissions boundary|session|sessions|service control|resource control|VPC endpoint|role trust|trust)(?: polic(?:y|ies))? allows?",
    )
});
static EXPLICIT: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)with an explicit deny(?: in (?:an? |the )?(identity-based|resource-based|permissions boundary|session|sessions|service control|resource control|VPC endpoint|role trust|trust)(?: policy)?(?::? ?(arn:aws[\w-]*:[\w-]+::?[\w:/+=,.@*-]*[\w*/]))?)?",
    )
});
static TRANSITIVE: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)transitively through"));
static POLICY_ARN: LazyLock<Regex> =
    LazyLock::new(|| re(r"arn:aws[\w-]*:(?:organizations|iam)::\d*:(?:policy/[\w/+=,.@-]+)"));

fn layer_from(word: &str) -> Layer {
    match word.to_ascii_lowercase().as_str() {
        "identity-based" => Layer::Identity,
        "resource-based" => Layer::Resource,
        "permissions boundary" => Layer::Boundary,
        "session" | "sessions" => Layer::Session,
        "service control" => Layer::Scp,
        "resource control" => Layer::Rcp,
        "vpc endpoint" => Layer::Vpce,
        "role trust" | "trust" => Layer::Trust,
        _ => Layer::Unknown,
    }
}

/// The resource of "on resource: …": an ARN is one token; other names ("policy p") run to
/// the reason that follows.
fn clean_resource(rest: &str) -> Option<String> {
    let mut r = rest;
    for stop in [
        " because ",
        " with an explicit ",
        " transitively ",
        ". Encoded",
        " Encoded authorization",
    ] {
        if let Some(i) = r.find(stop) {
            r = &r[..i];
        }
    }
    let r = r.trim().trim_start_matches(['"', '\\', '\'']);
    let r = if r.starts_with("arn:") || r.split_whitespace().count() > 3 {
        r.split_whitespace().next().unwrap_or("")
    } else {
        r
    };
    let r = r.trim_end_matches(['"', '\\', '\'', ',', ';', ')']);
    let r = if r.ends_with('.') && !r.ends_with("...") {
        r.trim_end_matches('.')
    } else {
        r
    };
    Some(r.to_string()).filter(|r| !r.is_empty())
}

/// Reads the enhanced (and the older) AccessDenied wordings.
pub fn read_denial(message: &str) -> Denial {
    // Logs wrap these messages over lines and box-drawing prefixes.
    let message = message.replace('│', " ");
    let message = message.split_whitespace().collect::<Vec<_>>().join(" ");
    let message = message.as_str();
    let mut d = Denial::default();
    if let Some(c) = WHO_WHAT.captures(message) {
        d.principal = c.get(1).map(|m| m.as_str().to_string());
        d.action = c.get(2).map(|m| m.as_str().to_string());
        d.resource = c.get(3).and_then(|m| clean_resource(m.as_str()));
    } else if let Some(c) = ACTION_ONLY.captures(message) {
        d.action = c.get(1).map(|m| m.as_str().to_string());
    } else if let Some(c) = API_ACTION.captures(message) {
        d.action = c.get(1).map(|m| m.as_str().to_string());
    } else if let Some(c) = S3_LAMBDA.captures(message) {
        // Lambda's wording for its code bucket: "… permission to GetObject for b/key."
        d.action = c.get(1).map(|m| format!("s3:{}", m.as_str()));
        d.resource = c
            .get(2)
            .map(|m| m.as_str().trim_end_matches('.').to_string());
    }
    // IAM action prefixes are lowercase; some messages print `SNS:Publish`.
    if let Some(a) = &mut d.action
        && let Some((svc, act)) = a.split_once(':')
    {
        *a = format!("{}:{act}", svc.to_ascii_lowercase());
    }
    if let Some(c) = EXPLICIT.captures(message) {
        d.decision = Decision::ExplicitDeny;
        d.layer = c.get(1).map_or(Layer::Unknown, |m| layer_from(m.as_str()));
        d.policy_arn = c.get(2).map(|m| m.as_str().to_string());
    } else if let Some(c) = BECAUSE_NO.captures(message) {
        d.decision = Decision::ImplicitDeny;
        d.layer = c.get(1).map_or(Layer::Unknown, |m| layer_from(m.as_str()));
    }
    if d.policy_arn.is_none() && d.decision != Decision::Unknown {
        d.policy_arn = POLICY_ARN.find(message).map(|m| m.as_str().to_string());
    }
    // "… in a VPC endpoint policy transitively through a service control policy": the
    // deny lives in the SCP.
    if TRANSITIVE.is_match(message)
        && (d.layer == Layer::Unknown
            || message.contains("transitively through a service control policy"))
    {
        d.layer = Layer::Scp;
    }
    if d.layer == Layer::Unknown && message.contains("no resource-based policies allow access") {
        d.layer = Layer::Resource;
    }
    d
}

/// The encoded authorization failure message, joined when a log wrapped it, and whether it
/// looks cut short.
pub fn encoded_message(text: &str) -> Option<(String, bool)> {
    const MARK: &str = "Encoded authorization failure message:";
    let start = text.rfind(MARK).or_else(|| {
        let lower = text.to_ascii_lowercase();
        lower.rfind(&MARK.to_ascii_lowercase())
    })? + MARK.len();
    let rest = &text[start..];
    let is_blob = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    let mut blob = String::new();
    let mut chars = rest.char_indices().peekable();
    // Skip spaces before the blob.
    while let Some(&(_, c)) = chars.peek() {
        if c == ' ' || c == '\t' || (blob.is_empty() && (c == '\n' || c == '\r')) {
            chars.next();
        } else {
            break;
        }
    }
    let mut end = rest.len();
    while let Some((i, c)) = chars.next() {
        if is_blob(c) {
            blob.push(c);
            continue;
        }
        // A wrap: newline (and indentation, and log prefixes like "│ ") followed by more blob.
        if c == '\n' || c == '\r' {
            let mut j = i + 1;
            let bytes = rest.as_bytes();
            while j < rest.len() && matches!(bytes[j], b' ' | b'\t' | b'\r') {
                j += 1;
            }
            if rest[j..].starts_with('│') {
                j += '│'.len_utf8();
                while j < rest.len() && matches!(bytes[j], b' ' | b'\t') {
                    j += 1;
                }
            }
            let next_run: String = rest[j..].chars().take_while(|&c| is_blob(c)).collect();
            let after = rest[j + next_run.len()..].chars().next();
            // A continuation is a run of blob characters that fills the rest of its line.
            if blob.len() >= 40
                && next_run.len() >= 8
                && matches!(after, None | Some('\n' | '\r' | '"' | '.' | ' '))
            {
                // Skip to j and keep consuming.
                while let Some(&(k, _)) = chars.peek() {
                    if k < j {
                        chars.next();
                    } else {
                        break;
                    }
                }
                continue;
            }
        }
        end = i;
        break;
    }
    if blob.len() < 8 {
        return None;
    }
    let tail = rest[end.min(rest.len())..].trim_start_matches([' ', '"']);
    let truncated = tail.starts_with("...")
        || tail.starts_with('…')
        || tail.starts_with("[truncated")
        || tail.starts_with("(truncated");
    Some((blob, truncated))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enhanced_scp() {
        let d = read_denial(
            "User: arn:aws:iam::777788889999:user/JohnDoe is not authorized to perform: codecommit:ListRepositories because no identity-based policy allows the codecommit:ListRepositories action",
        );
        assert_eq!(d.decision, Decision::ImplicitDeny);
        assert_eq!(d.layer, Layer::Identity);
        assert_eq!(d.action.as_deref(), Some("codecommit:ListRepositories"));
        let d = read_denial(
            "User: arn:aws:sts::111:assumed-role/R/s is not authorized to perform: iam:ListRoles on resource: arn:aws:iam::111:role/ with an explicit deny in a service control policy: arn:aws:organizations::222:policy/o-abc/service_control_policy/p-xyz",
        );
        assert_eq!(d.layer, Layer::Scp);
        assert_eq!(d.decision, Decision::ExplicitDeny);
        assert_eq!(
            d.policy_arn.as_deref(),
            Some("arn:aws:organizations::222:policy/o-abc/service_control_policy/p-xyz")
        );
        assert_eq!(d.resource.as_deref(), Some("arn:aws:iam::111:role/"));
    }

    #[test]
    fn wrapped_blob_is_joined() {
        let blob1 = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AbCdEfGhIjKlMn";
        let t = format!(
            "Encoded authorization failure message: {blob1}\n        QrStUvWxYz0123456789\n\nnext"
        );
        let (b, cut) = encoded_message(&t).unwrap();
        assert_eq!(b, format!("{blob1}QrStUvWxYz0123456789"));
        assert!(!cut);
        let (_, cut) =
            encoded_message("Encoded authorization failure message: AbCdEfGh1234...").unwrap();
        assert!(cut);
    }
}
