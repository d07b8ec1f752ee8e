//! Finding the error statement in a text, whichever tool printed it.
//!
//! Each reader recognises one producer's wording and returns a [`Headline`]; the
//! classifier keeps the last one found (in a log the final error is the one that stopped
//! the run) and prefers richer readers at the same place.

use std::sync::LazyLock;

use regex::Regex;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Headline {
    pub code: Option<String>,
    pub operation: Option<String>,
    /// A service id as the producer names it ("EC2", "Amazon S3", "AmazonEC2").
    pub service: Option<String>,
    pub message: String,
    pub format: &'static str,
    pub http_status: Option<u16>,
    pub retries: Option<u32>,
    pub request_id: Option<String>,
    /// Byte offset of the match, to choose the last error of a log.
    pub at: usize,
    /// Client-side problem with no AWS code.
    pub problem: Option<&'static str>,
}

fn re(s: &str) -> Regex {
    super::pattern::re(s)
}

static CLI: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?:An error occurred|A client error) \(([^)\s]{1,100})\)(?: occurred)?(?:\s+when\s+calling\s+the\s+(\w+)\s+operation)?(?: \(reached max retries: (\d+)\))?:? ?([^\n]*)",
    )
});
static GO2: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"operation error ([\w .-]+?): (\w+), (?:exceeded maximum number of attempts, (\d+), )?(?:failed to [^,]*, )?https response error StatusCode: (\d+), RequestID: ([^,]*), (?:api error )?([\w.:-]+): ([^\n]*)",
    )
});
static GO2_NOSTATUS: LazyLock<Regex> =
    LazyLock::new(|| re(r"operation error ([\w .-]+?): (\w+), ([^\n]*)"));
static GO1: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?m)\b([A-Z][\w.]{2,80}): ([^\n]*)\n\s*status code: (\d+), request id: ([\w-]*)")
});
static JAVA: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"([^\n]*?) ?\(Service:\s*([^;,)]+)[;,]\s*Status\s+Code:\s*(\d+)[;,]\s*Error\s+Code:\s*([^;,)]+)[;,]\s*Request\s+ID:\s*([^;,)]*)",
    )
});
static JAVA_NOCODE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"([^\n]*?) ?\(Service:\s*([^;,)]+)[;,]\s*Status\s+Code:\s*(\d+)[;,]\s*Request\s+ID:\s*([^;,)]*)",
    )
});
static CFN_HANDLER: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r#"Resource\s+handler\s+returned\s+message:\s*"((?:[^"\\]|\\.)*)"[^\n]*?HandlerErrorCode:\s*(\w+)"#,
    )
});
static XML: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?s)<Code>([^<]{1,100})</Code>\s*<Message>([^<]*)</Message>"));
static JSON_CODE: LazyLock<Regex> = LazyLock::new(|| {
    re(r#""(?:Code|code|__type|name|errorCode|errorType|error)"\s*:\s*"([^"]{1,120})""#)
});
static JSON_MESSAGE: LazyLock<Regex> =
    LazyLock::new(|| re(r#""(?:Message|message|errorMessage)"\s*:\s*"((?:[^"\\]|\\.)*)""#));

/// Client-side problems the CLI and SDKs report without an AWS error code.
struct ClientProblem {
    re: Regex,
    problem: &'static str,
}

static CLIENT: LazyLock<Vec<ClientProblem>> = LazyLock::new(|| {
    let table: &[(&str, &str)] = &[
        (
            r"Unable to locate credentials|NoCredentialProviders|no valid credential sources|Partial credentials found|failed to refresh cached credentials, no EC2 IMDS role found|no EC2 IMDS role found|Could not load credentials from any providers|CredentialsProviderError|no credentials found in chain|Unable to load AWS credentials from any provider",
            "no-credentials",
        ),
        (
            r"You must specify a region|NoRegionError|MissingRegion|Missing Region|could not find region configuration|Region is missing|A region must be set",
            "no-region",
        ),
        (
            r"The config profile \([^)]*\) could not be found|ProfileNotFound|failed to get shared config profile|profile '[^']*' was not defined|could not find profile|SharedConfigProfileNotExist",
            "profile-not-found",
        ),
        (
            // `aws login` (console credentials, v2 >= 2.32) and `login_session` profiles.
            r"Error loading login session token|reauthenticate (?:with|using) (?:your new password using )?'aws login'|refreshing a login session profile|Unable to (?:create or )?refresh login credentials|Error loading or redeeming a login authorization code|signin:CreateOAuth2Token",
            "login-expired",
        ),
        (
            r"(?i)Token has expired and refresh failed|The SSO session associated with this profile has expired|SSO session[^\n]*(?:expired|invalid)|Error loading SSO Token|sso token[^\n]*expired|UnauthorizedSSOTokenError|Error when retrieving token from sso|Missing the following required SSO configuration|failed to refresh cached credentials, refresh cached SSO token failed|The SSO token provided is expired|InvalidGrantException|aws sso login",
            "sso-expired",
        ),
        (
            r"Could not connect to the endpoint URL|EndpointConnectionError|dial tcp[^\n]*(?:no such host|connection refused|i/o timeout)|getaddrinfo ENOTFOUND|UnknownEndpoint|Name or service not known|Temporary failure in name resolution|Failed to resolve|Connection refused|ECONNREFUSED|Unable to execute HTTP request",
            "cannot-connect",
        ),
        (
            r"Connect timeout on endpoint URL|Read timeout on endpoint URL|ConnectTimeoutError|ReadTimeoutError|TimeoutError|timed out|ETIMEDOUT|context deadline exceeded|Client.Timeout exceeded|RequestTimeout",
            "timeout",
        ),
        (
            r"SSL validation failed|CERTIFICATE_VERIFY_FAILED|certificate verify failed|x509: certificate|SSLError|unable to get local issuer certificate|self[- ]signed certificate|invalid peer certificate",
            "tls",
        ),
        (
            r"Failed to connect to proxy URL|ProxyConnectionError|proxyconnect tcp|Unable to connect to proxy",
            "proxy",
        ),
        (
            r"Parameter validation failed|ParamValidationError|Invalid type for parameter|Missing required parameter|Unknown parameter in input|Invalid length for parameter|Invalid range for parameter",
            "parameter-validation",
        ),
        (
            r"(?m)^aws: error: |^aws: \[ERROR\]: (?:argument|the following arguments|Found invalid choice|invalid choice)|^usage: (?:aws|Note: AWS CLI version 2)|argument [\w-]+: Invalid choice|Invalid choice: |the following arguments are required|Unknown options: |is not a valid choice|error: argument ",
            "usage",
        ),
        (
            r"The user-provided path [^\n]* does not exist",
            "local-path",
        ),
        (
            r"Unable to parse response|invalid XML received|Unable to parse config file",
            "unparseable-response",
        ),
        (
            r"Error when retrieving credentials from (?:cert|Ec2InstanceMetadata|container-role|custom-process)|Error retrieving credentials|credential_process|Error loading credential_process",
            "credential-source-failed",
        ),
    ];
    table
        .iter()
        .map(|(r, p)| ClientProblem {
            re: re(r),
            problem: p,
        })
        .collect()
});

/// The CLI's message: the rest of the line, and the lines after it up to a blank line
/// (enhanced AccessDenied messages and pasted logs wrap).
fn cli_message(text: &str, m: Option<regex::Match<'_>>) -> String {
    let Some(m) = m else { return String::new() };
    let mut msg = m.as_str().trim().to_string();
    // v2's enhanced format appends modeled fields; they are not the message.
    if let Some(i) = msg.find(" Additional error details:") {
        msg.truncate(i);
    }
    let mut rest = &text[m.end()..];
    // The message continues on the next lines only when its first line is empty or
    // unfinished (a pasted, wrapped message); otherwise later lines are the log's, not AWS's.
    if !(msg.is_empty() || msg.ends_with(':') || msg.ends_with(',')) {
        return msg;
    }
    while msg.len() < 4000 {
        let Some(after_nl) = rest
            .strip_prefix('\n')
            .or_else(|| rest.strip_prefix("\r\n"))
        else {
            break;
        };
        let line_end = after_nl.find('\n').unwrap_or(after_nl.len());
        let line = after_nl[..line_end].trim();
        if line.is_empty()
            || line.contains("An error occurred (")
            || line.starts_with("Additional error details")
        {
            break;
        }
        if !msg.is_empty() {
            msg.push(' ');
        }
        msg.push_str(line);
        rest = &after_nl[line_end..];
    }
    msg
}

/// Among `Word: ` tokens on a line, the one that is an AWS error code: a known code, or
/// the last code-shaped word (wrappers put their own words first: "Error: creating X: Code: …").
fn best_code(line: &str) -> Option<(String, usize)> {
    static TOKEN: LazyLock<Regex> =
        LazyLock::new(|| re(r"\b([A-Z][A-Za-z0-9]+(?:\.[A-Za-z0-9]+)*): "));
    let mut candidates: Vec<(String, usize)> = Vec::new();
    for c in TOKEN.captures_iter(line) {
        let m = c.get(1).expect("group");
        let w = m.as_str();
        if matches!(
            w,
            "Error"
                | "ERROR"
                | "Warning"
                | "WARN"
                | "INFO"
                | "User"
                | "Caused"
                | "Cause"
                | "Resolution"
                | "Description"
                | "Status"
                | "Reason"
                | "Message"
                | "Code"
                | "Details"
                | "Note"
                | "Exception"
                | "Principal"
        ) {
            continue;
        }
        candidates.push((w.to_string(), m.start()));
    }
    candidates
        .iter()
        .find(|(w, _)| super::codes::category_of(w).is_some())
        .or_else(|| candidates.iter().rev().find(|(w, _)| looks_like_code(w)))
        .cloned()
}

fn looks_like_code(w: &str) -> bool {
    let suffixes = [
        "Exception",
        "Error",
        "Fault",
        "Denied",
        "Exceeded",
        "NotFound",
        "Expired",
        "Invalid",
        "Unavailable",
        "Malformed",
        "Capacity",
        "InvalidState",
    ];
    suffixes.iter().any(|s| w.ends_with(s))
        || w.contains('.')
        || super::codes::category_of(w).is_some()
}

fn opt(m: Option<regex::Match<'_>>) -> Option<String> {
    m.map(|m| m.as_str().trim().to_string())
        .filter(|s| !s.is_empty())
}

fn unescape_json_string(s: &str) -> String {
    serde_json::from_str::<String>(&format!("\"{s}\"")).unwrap_or_else(|_| s.to_string())
}

/// The lines around each occurrence of `needle` (`before` lines before it, one after),
/// merged where they overlap: (offset, slice), each slice starting at a line start.
fn windows<'t>(text: &'t str, needle: &str, before: usize) -> Vec<(usize, &'t str)> {
    let mut spans: Vec<(usize, usize)> = Vec::new();
    for pos in memchr::memmem::find_iter(text.as_bytes(), needle.as_bytes()) {
        let mut start = text[..pos].rfind('\n').map_or(0, |i| i + 1);
        for _ in 0..before {
            if start == 0 {
                break;
            }
            start = text[..start - 1].rfind('\n').map_or(0, |i| i + 1);
        }
        let line_end = text[pos..].find('\n').map_or(text.len(), |i| pos + i);
        let end = if line_end < text.len() {
            text[line_end + 1..]
                .find('\n')
                .map_or(text.len(), |i| line_end + 1 + i)
        } else {
            line_end
        };
        match spans.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => spans.push((start, end)),
        }
    }
    spans.into_iter().map(|(a, b)| (a, &text[a..b])).collect()
}

/// Every headline the readers find, in no particular order.
pub fn headlines(text: &str) -> Vec<Headline> {
    let mut out = Vec::new();
    for c in CLI.captures_iter(text) {
        let whole = c.get(0).map_or(0, |m| m.start());
        let prefix_start = text[..whole].rfind('\n').map_or(0, |i| i + 1);
        let line_prefix = &text[prefix_start..whole];
        let format = if line_prefix.contains("aws: [ERROR]") {
            "cli-v2"
        } else if line_prefix.contains("ClientError") || line_prefix.contains("botocore") {
            "boto3"
        } else if line_prefix.contains("failed:") || line_prefix.contains("fatal error") {
            "cli-s3-transfer"
        } else {
            "cli"
        };
        out.push(Headline {
            code: opt(c.get(1)),
            operation: opt(c.get(2)),
            retries: c.get(3).and_then(|m| m.as_str().parse().ok()),
            message: cli_message(text, c.get(4)),
            format,
            at: whole,
            ..Headline::default()
        });
    }
    for c in GO2.captures_iter(text) {
        out.push(Headline {
            service: opt(c.get(1)),
            operation: opt(c.get(2)),
            retries: c.get(3).and_then(|m| m.as_str().parse::<u32>().ok()),
            http_status: c.get(4).and_then(|m| m.as_str().parse().ok()),
            request_id: opt(c.get(5)),
            code: opt(c.get(6)),
            message: c
                .get(7)
                .map_or_else(String::new, |m| m.as_str().trim().to_string()),
            format: "go-sdk-v2",
            at: c.get(0).map_or(0, |m| m.start()),
            ..Headline::default()
        });
    }
    if out.iter().all(|h| h.format != "go-sdk-v2") {
        for c in GO2_NOSTATUS.captures_iter(text) {
            out.push(Headline {
                service: opt(c.get(1)),
                operation: opt(c.get(2)),
                message: c
                    .get(3)
                    .map_or_else(String::new, |m| m.as_str().trim().to_string()),
                format: "go-sdk-v2",
                at: c.get(0).map_or(0, |m| m.start()),
                ..Headline::default()
            });
        }
    }
    // GO1 and the Java readers begin with a class, not a literal: scan only the lines
    // around their anchors instead of the whole (possibly huge) text.
    for (off, text) in windows(text, "status code:", 1) {
        for c in GO1.captures_iter(text) {
            let whole = c.get(0).map_or(0, |m| m.start());
            let line_start = text[..whole].rfind('\n').map_or(0, |i| i + 1);
            let line_end = c.get(2).map_or(whole, |m| m.end());
            let line = &text[line_start..line_end];
            let (code, message) = match best_code(line) {
                Some((code, at)) => {
                    let msg = line[at + code.len()..]
                        .trim_start_matches(':')
                        .trim()
                        .to_string();
                    (Some(code), msg)
                }
                None => (
                    opt(c.get(1)),
                    c.get(2)
                        .map_or_else(String::new, |m| m.as_str().trim().to_string()),
                ),
            };
            out.push(Headline {
                code,
                message,
                http_status: c.get(3).and_then(|m| m.as_str().parse().ok()),
                request_id: opt(c.get(4)),
                format: "go-sdk-v1",
                at: off + c.get(0).map_or(0, |m| m.start()),
                ..Headline::default()
            });
        }
    }
    for (off, text) in windows(text, "(Service:", 0) {
        let java: Vec<_> = JAVA.captures_iter(text).collect();
        for (i, c) in java.iter().enumerate() {
            // Nested Java errors print the inner service first; the call was the outer one.
            let same_line_later = java[i + 1..].iter().rev().find(|n| {
                let (a, b) = (
                    c.get(0).map_or(0, |m| m.end()),
                    n.get(0).map_or(0, |m| m.start()),
                );
                b >= a && !text[a..b].contains('\n')
            });
            let service = same_line_later
                .and_then(|n| opt(n.get(2)))
                .or_else(|| opt(c.get(2)));
            out.push(Headline {
                message: c
                    .get(1)
                    .map_or_else(String::new, |m| m.as_str().trim().to_string()),
                service,
                http_status: c.get(3).and_then(|m| m.as_str().parse().ok()),
                code: opt(c.get(4)),
                request_id: opt(c.get(5)),
                format: "java-sdk",
                at: off + c.get(0).map_or(0, |m| m.start()),
                ..Headline::default()
            });
        }
        if !out
            .iter()
            .any(|h| h.format == "java-sdk" && h.at >= off && h.at < off + text.len())
        {
            for c in JAVA_NOCODE.captures_iter(text) {
                out.push(Headline {
                    message: c
                        .get(1)
                        .map_or_else(String::new, |m| m.as_str().trim().to_string()),
                    service: opt(c.get(2)),
                    http_status: c.get(3).and_then(|m| m.as_str().parse().ok()),
                    request_id: opt(c.get(4)),
                    format: "java-sdk",
                    at: off + c.get(0).map_or(0, |m| m.start()),
                    ..Headline::default()
                });
            }
        }
    }
    for c in CFN_HANDLER.captures_iter(text) {
        out.push(Headline {
            message: unescape_json_string(c.get(1).map_or("", |m| m.as_str())),
            code: opt(c.get(2)),
            format: "cloudformation-handler",
            at: c.get(0).map_or(0, |m| m.start()),
            ..Headline::default()
        });
    }
    for c in XML.captures_iter(text) {
        out.push(Headline {
            code: opt(c.get(1)),
            message: c
                .get(2)
                .map_or_else(String::new, |m| m.as_str().trim().to_string()),
            format: "xml",
            at: c.get(0).map_or(0, |m| m.start()),
            ..Headline::default()
        });
    }
    out.extend(json_headlines(text));
    // `--cli-error-format yaml`: `Code:` then `Message:` lines.
    for (off, win) in windows(text, "Message: ", 1) {
        for c in YAML.captures_iter(win) {
            let start = off + c.get(0).map_or(0, |m| m.start());
            let first = c.get(2).map_or("", |m| m.as_str());
            let after = off + c.get(2).map_or(0, |m| m.end());
            out.push(Headline {
                code: opt(c.get(1)),
                message: yaml_scalar(first, &text[after..]),
                format: "cli-yaml",
                at: start,
                ..Headline::default()
            });
        }
    }
    out.extend(cli_text_headlines(text));
    out.extend(cli_table_headlines(text));
    if out.is_empty() {
        out.extend(loose_headlines(text));
    }
    if out.is_empty() {
        // A code alone on its line ("Kinesis.KMS.AccessDeniedException"), as consoles show it.
        for (i, line) in text.lines().enumerate() {
            let t = line.trim();
            if t.len() > 3
                && t.len() < 80
                && !t.contains(' ')
                && t.chars().next().is_some_and(|c| c.is_ascii_uppercase())
                && looks_like_code(t)
                && t.chars().all(|c| c.is_ascii_alphanumeric() || c == '.')
            {
                out.push(Headline {
                    code: Some(t.to_string()),
                    format: "code-line",
                    at: i,
                    ..Headline::default()
                });
            }
        }
    }
    out
}

/// A YAML scalar as ruamel writes the CLI's error object: the first line, then the lines
/// indented under the key that fold into it (one space each), single or double quoted or
/// plain.
fn yaml_scalar(first: &str, rest: &str) -> String {
    let mut v = first.trim().to_string();
    for line in rest.strip_prefix('\n').unwrap_or("").lines() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if !(line.starts_with("  ") || line.starts_with('\t')) || line.trim().is_empty() {
            break;
        }
        v.push(' ');
        v.push_str(line.trim());
        if v.len() > 8000 {
            break;
        }
    }
    if v.len() >= 2 && v.starts_with('\'') && v.ends_with('\'') {
        v[1..v.len() - 1].replace("''", "'")
    } else if v.len() >= 2 && v.starts_with('"') && v.ends_with('"') {
        unescape_json_string(&v[1..v.len() - 1])
    } else {
        v.trim_matches(['"', '\'']).to_string()
    }
}

/// `--cli-error-format text`: the error object's scalar values on one tab-separated line,
/// in key order (so modeled fields such as `BucketName` may come before `Code`; `Message`
/// follows `Code` unless a modeled field sorts between them).
fn cli_text_headlines(text: &str) -> Vec<Headline> {
    let mut out = Vec::new();
    for (off, win) in windows(text, "\t", 0) {
        let mut at = off;
        for line in win.split_inclusive('\n') {
            let start = at;
            at += line.len();
            let line = line.trim_end_matches(['\r', '\n']);
            let fields: Vec<&str> = line.split('\t').collect();
            if fields.len() < 2 || fields.len() > 12 {
                continue;
            }
            // aws prints the error last (or alone): there any code-shaped word followed by a
            // sentence is the code; elsewhere in a log only a known or code-like one.
            let edge = text[..start].trim().is_empty() || text[at..].trim().is_empty();
            let Some(i) = (0..fields.len() - 1).find(|&i| {
                let f = fields[i];
                !f.is_empty()
                    && f.len() <= 100
                    && f.chars().next().is_some_and(|c| c.is_ascii_uppercase())
                    && f.chars().all(|c| c.is_ascii_alphanumeric() || c == '.')
                    && (super::codes::category_of(f).is_some()
                        || looks_like_code(f)
                        || (edge && fields[i + 1].trim().contains(' ')))
            }) else {
                continue;
            };
            let message = fields[i + 1];
            out.push(Headline {
                code: Some(fields[i].to_string()),
                message: message.trim().to_string(),
                format: "cli-text",
                at: start,
                ..Headline::default()
            });
        }
    }
    out
}

/// `--cli-error-format table`: a table titled `error`, either one row per key
/// (`|  Code   |  X  |`, `|  Message|  Y  |`) or a header row naming the keys and a row of
/// values under it.
fn cli_table_headlines(text: &str) -> Vec<Headline> {
    static TITLE: LazyLock<Regex> = LazyLock::new(|| re(r"(?m)^\|[ \t]+error[ \t]+\|[ \t]*\r?$"));
    let mut out = Vec::new();
    for t in TITLE.find_iter(text) {
        let rows: Vec<Vec<String>> = text[t.end()..]
            .lines()
            .skip_while(|l| l.trim().is_empty())
            .take_while(|l| l.starts_with('|') || l.starts_with('+') || l.starts_with('-'))
            .take(40)
            .filter(|l| l.starts_with('|'))
            .map(|l| {
                let l = l.trim_end().trim_start_matches('|');
                let l = l.strip_suffix('|').unwrap_or(l);
                l.split('|').map(|c| c.trim().to_string()).collect()
            })
            .collect();
        let mut code = None;
        let mut message = None;
        for (i, r) in rows.iter().enumerate() {
            let ci = r.iter().position(|c| c == "Code");
            let mi = r.iter().position(|c| c == "Message");
            if let (Some(ci), Some(mi), Some(next)) = (ci, mi, rows.get(i + 1)) {
                // The header row of the horizontal layout: values in the next row.
                code = next.get(ci).cloned();
                message = next.get(mi).cloned();
                break;
            }
            match r.as_slice() {
                [k, v] if k == "Code" && code.is_none() => code = Some(v.clone()),
                [k, v] if k == "Message" && message.is_none() => message = Some(v.clone()),
                _ => {}
            }
        }
        let Some(code) = code.filter(|c| !c.is_empty() && !c.contains(' ')) else {
            continue;
        };
        out.push(Headline {
            code: Some(code),
            message: message.unwrap_or_default(),
            format: "cli-table",
            at: t.start(),
            ..Headline::default()
        });
    }
    out
}

static RUST_META: LazyLock<Regex> =
    LazyLock::new(|| re(r#"code: Some\("([^"]+)"\), message: Some\("((?:[^"\\]|\\.)*)"\)"#));
static YAML: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?m)^[ \t]*Code: ([A-Za-z][A-Za-z0-9.]*)[ \t]*\r?\n[ \t]*Message: ([^\n]*)")
});
static CODE_TOKEN: LazyLock<Regex> =
    LazyLock::new(|| re(r"\b[A-Z][A-Za-z0-9]+(?:\.[A-Za-z0-9]+)*: "));
static DASHED: LazyLock<Regex> =
    LazyLock::new(|| re(r"\b([A-Z][A-Za-z0-9]+(?:\.[A-Za-z0-9]+)*) - ([^\n]*)"));
static PAREN_FAULT: LazyLock<Regex> = LazyLock::new(|| {
    re(r"\b([A-Z][A-Za-z0-9]+(?:\.[A-Za-z0-9]+)*) \((?:client|server)\): ([^\n]*)")
});

/// Wordings without a fixed frame: `Code: message` on any line (JS SDK, Terraform, Ansible),
/// `Code - message`, PHP's `Code (client): message`, Rust's ErrorMetadata debug output.
fn loose_headlines(text: &str) -> Vec<Headline> {
    let mut out = Vec::new();
    for c in RUST_META.captures_iter(text) {
        out.push(Headline {
            code: opt(c.get(1)),
            message: c
                .get(2)
                .map_or_else(String::new, |m| m.as_str().to_string()),
            format: "rust-sdk",
            at: c.get(0).map_or(0, |m| m.start()),
            ..Headline::default()
        });
    }
    for c in PAREN_FAULT.captures_iter(text) {
        out.push(Headline {
            code: opt(c.get(1)),
            message: c
                .get(2)
                .map_or_else(String::new, |m| m.as_str().trim().to_string()),
            format: "php-sdk",
            at: c.get(0).map_or(0, |m| m.start()),
            ..Headline::default()
        });
    }
    // Only lines that hold a code-shaped `Word: ` are read in full.
    let mut last_line = usize::MAX;
    let mut coded_lines = Vec::new();
    for m in CODE_TOKEN.find_iter(text) {
        let word = m.as_str().trim_end_matches([':', ' ']);
        if !looks_like_code(word) {
            continue;
        }
        let start = text[..m.start()].rfind('\n').map_or(0, |i| i + 1);
        if start == last_line {
            continue;
        }
        last_line = start;
        let end = text[m.start()..]
            .find('\n')
            .map_or(text.len(), |i| m.start() + i);
        coded_lines.push((start, end));
        if let Some((code, pos)) = best_code(&text[start..end])
            && looks_like_code(&code)
        {
            let line = &text[start..end];
            out.push(Headline {
                message: line[pos + code.len()..]
                    .trim_start_matches(':')
                    .trim()
                    .to_string(),
                code: Some(code),
                format: "code-colon",
                at: start + pos,
                ..Headline::default()
            });
        }
    }
    for c in DASHED.captures_iter(text) {
        let code = c.get(1).map_or("", |m| m.as_str());
        let at = c.get(0).map_or(0, |m| m.start());
        let on_coded_line = coded_lines.iter().any(|&(a, b)| at >= a && at < b);
        if !on_coded_line && super::codes::category_of(code).is_some() {
            out.push(Headline {
                code: Some(code.to_string()),
                message: c
                    .get(2)
                    .map_or_else(String::new, |m| m.as_str().trim().to_string()),
                format: "code-dash",
                at,
                ..Headline::default()
            });
        }
    }
    out
}

/// `--cli-error-format json` objects, JS SDK dumps and other JSON carrying Code + Message.
fn json_headlines(text: &str) -> Vec<Headline> {
    let mut out = Vec::new();
    for c in JSON_CODE.captures_iter(text) {
        let Some(m) = c.get(1) else { continue };
        let code = m.as_str();
        // `name` is only a code in JS SDK dumps when it looks like one.
        if !code
            .chars()
            .next()
            .is_some_and(|ch| ch.is_ascii_uppercase())
            || code.contains(' ')
        {
            continue;
        }
        let window_end = (m.end() + 4000).min(text.len());
        let window_start = m.start().saturating_sub(4000);
        let window_end = (window_end..=text.len())
            .find(|&i| text.is_char_boundary(i))
            .unwrap_or(text.len());
        let window_start = (0..=window_start)
            .rev()
            .find(|&i| text.is_char_boundary(i))
            .unwrap_or(0);
        let near = &text[window_start..window_end];
        let message = JSON_MESSAGE
            .captures(near)
            .and_then(|mc| mc.get(1))
            .map(|mm| unescape_json_string(mm.as_str()))
            .unwrap_or_default();
        if message.is_empty() && category_hint(code).is_none() {
            continue;
        }
        let code = code.rsplit('#').next().unwrap_or(code).to_string();
        out.push(Headline {
            code: Some(code),
            message,
            format: "json",
            at: m.start(),
            ..Headline::default()
        });
    }
    out
}

fn category_hint(code: &str) -> Option<crate::failure::Category> {
    super::codes::category_of(code)
}

/// The client-side problem a text reports, if any (first match in table order).
pub fn client_problem(text: &str) -> Option<(&'static str, String, usize)> {
    // One pass over the text for all wordings; only the matching ones run again for a position.
    static SET: LazyLock<regex::RegexSet> = LazyLock::new(|| {
        regex::RegexSet::new(CLIENT.iter().map(|p| p.re.as_str())).expect("static regex set")
    });
    let first = SET.matches(text).into_iter().next()?;
    let p = &CLIENT[first];
    let m = p.re.find(text)?;
    let line_start = text[..m.start()].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[m.end()..]
        .find('\n')
        .map_or(text.len(), |i| m.end() + i);
    Some((
        p.problem,
        text[line_start..line_end].trim().to_string(),
        m.start(),
    ))
}

/// Error names SDKs print by their own shapes, read when no headline reader named a code:
/// Ruby `Aws::Route53::Errors::Throttling`, Swift `AWSBedrockRuntime.ThrottlingException`,
/// .NET `Amazon.SecretsManager.Model.AccessDeniedException`, Rust/Haskell/Clojure
/// `code = X` / `code: "X"` / `:__type "...#X"`, HTTP `x-amzn-ErrorType: X:...`, Java's
/// `Error Code: X`. The code must be one the tables or service models know: (service, code).
pub fn shape_reading(text: &str) -> Option<(Option<String>, String)> {
    static SHAPES: LazyLock<Vec<(Regex, bool)>> = LazyLock::new(|| {
        [
            (r"\b(?:Aws|AWS)::(\w+)::Errors::(\w+)", true),
            (r"\bAWS(\w+)\.(\w+(?:Exception|Error|Fault))\b", true),
            (
                r"\bAmazon\.(\w+)\.(?:Model\.)?(\w+(?:Exception|Fault))\b",
                true,
            ),
            (r"(?i)\bx-amzn-ErrorType:\s*(\w+)", false),
            (r#"__type"?\s*:?\s*"(?:[\w.]+#)?(\w+)""#, false),
            (r"\bError Code: (\w+)", false),
            (
                r#"\b[Cc]ode\s*(?:[:=]|=>)\s*"?([A-Z][A-Za-z0-9]+(?:\.[A-Za-z0-9]+)?)\b"#,
                false,
            ),
        ]
        .iter()
        .map(|(p, s)| (re(p), *s))
        .collect()
    });
    static SERVICE_KV: LazyLock<Regex> =
        LazyLock::new(|| re(r#"(?m)\bservice\s*(?:[:=]|=>)\s*"?([A-Za-z][\w ]*?)"?\s*$"#));
    let known = |c: &str| {
        super::codes::category_of(c).is_some()
            || crate::knowledge::service_models::error(c, None).is_some()
            || !crate::knowledge::service_models::services_of_code(c).is_empty()
    };
    for (p, with_service) in SHAPES.iter() {
        for c in p.captures_iter(text) {
            let (svc, code) = if *with_service {
                (Some(c[1].to_string()), c[2].to_string())
            } else {
                (None, c[1].to_string())
            };
            if code.starts_with("Amazon") || !known(&code) {
                continue;
            }
            let svc = svc.or_else(|| SERVICE_KV.captures(text).map(|m| m[1].trim().to_string()));
            return Some((svc, code));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_line() {
        let h = headlines(
            "\nAn error occurred (VcpuLimitExceeded) when calling the RunInstances operation (reached max retries: 4): You have requested more\n",
        );
        assert_eq!(h.len(), 1);
        assert_eq!(h[0].code.as_deref(), Some("VcpuLimitExceeded"));
        assert_eq!(h[0].operation.as_deref(), Some("RunInstances"));
        assert_eq!(h[0].retries, Some(4));
        assert_eq!(h[0].message, "You have requested more");
    }

    #[test]
    fn go_v2() {
        let t = "Error: creating EC2 Instance: operation error EC2: RunInstances, https response error StatusCode: 403, RequestID: abc-1, api error UnauthorizedOperation: You are not authorized to perform this operation.";
        let h = headlines(t);
        let g = h.iter().find(|h| h.format == "go-sdk-v2").unwrap();
        assert_eq!(g.service.as_deref(), Some("EC2"));
        assert_eq!(g.code.as_deref(), Some("UnauthorizedOperation"));
        assert_eq!(g.http_status, Some(403));
    }

    #[test]
    fn java() {
        let t = "User: x is not authorized (Service: AmazonKinesis; Status Code: 400; Error Code: KMSAccessDeniedException; Request ID: r1)";
        let h = headlines(t);
        assert_eq!(h[0].code.as_deref(), Some("KMSAccessDeniedException"));
        assert_eq!(h[0].service.as_deref(), Some("AmazonKinesis"));
    }
}
