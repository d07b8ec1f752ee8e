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
    Regex::new(s).expect("static regex")
}

static CLI: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?:An error occurred|A client error) \(([^)\s]{1,100})\)(?: occurred)? when calling the (\w+) operation(?: \(reached max retries: (\d+)\))?:? ?([^\n]*)")
});
static GO2: LazyLock<Regex> = LazyLock::new(|| {
    re(r"operation error ([\w .-]+?): (\w+), (?:exceeded maximum number of attempts, (\d+), )?(?:failed to [^,]*, )?https response error StatusCode: (\d+), RequestID: ([^,]*), (?:api error )?([\w.:-]+): ([^\n]*)")
});
static GO2_NOSTATUS: LazyLock<Regex> =
    LazyLock::new(|| re(r"operation error ([\w .-]+?): (\w+), ([^\n]*)"));
static GO1: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?m)\b([A-Z][\w.]{2,80}): ([^\n]*)\n\s*status code: (\d+), request id: ([\w-]*)")
});
static JAVA: LazyLock<Regex> = LazyLock::new(|| {
    re(r"([^\n]*?) ?\(Service: ([^;,)]+)[;,] Status Code: (\d+)[;,] Error Code: ([^;,)]+)[;,] Request ID: ([^;,)]*)")
});
static JAVA_NOCODE: LazyLock<Regex> = LazyLock::new(|| {
    re(r"([^\n]*?) ?\(Service: ([^;,)]+)[;,] Status Code: (\d+)[;,] Request ID: ([^;,)]*)")
});
static CFN_HANDLER: LazyLock<Regex> = LazyLock::new(|| {
    re(r#"Resource handler returned message: "((?:[^"\\]|\\.)*)"[^\n]*?HandlerErrorCode: (\w+)"#)
});
static XML: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?s)<Code>([^<]{1,100})</Code>\s*<Message>([^<]*)</Message>")
});
static JSON_CODE: LazyLock<Regex> = LazyLock::new(|| {
    re(r#""(?:Code|code|__type|name)"\s*:\s*"([^"]{1,120})""#)
});
static JSON_MESSAGE: LazyLock<Regex> = LazyLock::new(|| {
    re(r#""(?:Message|message)"\s*:\s*"((?:[^"\\]|\\.)*)""#)
});
static CODE_COLON: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?m)(?:^|[\s:\[(])((?:[A-Z][a-z0-9]+)+(?:Exception|Error|Fault|Denied|Exceeded|Capacity|Throttling|Expired|Token|Operation|NotFound|Limit|Unavailable)|Throttling|AccessDenied|UnauthorizedOperation|InvalidClientTokenId|SignatureDoesNotMatch|SlowDown|(?:Invalid\w+\.(?:NotFound|Unavailable|Malformed))): ([^\n]*)")
});

/// Client-side problems the CLI and SDKs report without an AWS error code.
struct ClientProblem {
    re: Regex,
    problem: &'static str,
}

static CLIENT: LazyLock<Vec<ClientProblem>> = LazyLock::new(|| {
    let table: &[(&str, &str)] = &[
        (r"Unable to locate credentials|NoCredentialProviders|no valid credential sources|Partial credentials found|failed to refresh cached credentials, no EC2 IMDS role found|no EC2 IMDS role found|Could not load credentials from any providers|CredentialsProviderError|no credentials found in chain|Unable to load AWS credentials from any provider", "no-credentials"),
        (r"You must specify a region|NoRegionError|MissingRegion|Missing Region|could not find region configuration|Region is missing|A region must be set", "no-region"),
        (r"The config profile \([^)]*\) could not be found|ProfileNotFound|failed to get shared config profile|profile '[^']*' was not defined|could not find profile|SharedConfigProfileNotExist", "profile-not-found"),
        (r"(?i)Token has expired and refresh failed|The SSO session associated with this profile has expired|SSO session[^\n]*(?:expired|invalid)|Error loading SSO Token|sso token[^\n]*expired|UnauthorizedSSOTokenError|Error when retrieving token from sso|failed to refresh cached credentials, refresh cached SSO token failed|The SSO token provided is expired|InvalidGrantException|aws sso login", "sso-expired"),
        (r"Could not connect to the endpoint URL|EndpointConnectionError|dial tcp[^\n]*(?:no such host|connection refused|i/o timeout)|getaddrinfo ENOTFOUND|UnknownEndpoint|Name or service not known|Temporary failure in name resolution|Failed to resolve|Connection refused|ECONNREFUSED|Unable to execute HTTP request", "cannot-connect"),
        (r"Connect timeout on endpoint URL|Read timeout on endpoint URL|ConnectTimeoutError|ReadTimeoutError|TimeoutError|timed out|ETIMEDOUT|context deadline exceeded|Client.Timeout exceeded|RequestTimeout", "timeout"),
        (r"SSL validation failed|CERTIFICATE_VERIFY_FAILED|certificate verify failed|x509: certificate|SSLError|unable to get local issuer certificate|self[- ]signed certificate|invalid peer certificate", "tls"),
        (r"Failed to connect to proxy URL|ProxyConnectionError|proxyconnect tcp|Unable to connect to proxy", "proxy"),
        (r"Parameter validation failed|ParamValidationError|Invalid type for parameter|Missing required parameter|Unknown parameter in input|Invalid length for parameter|Invalid range for parameter", "parameter-validation"),
        (r"(?m)^aws: error: |^aws: \[ERROR\]: (?:argument|the following arguments|Found invalid choice|invalid choice)|^usage: (?:aws|Note: AWS CLI version 2)|argument [\w-]+: Invalid choice|Invalid choice: |the following arguments are required|Unknown options: |is not a valid choice|error: argument ", "usage"),
        (r"The user-provided path [^\n]* does not exist", "local-path"),
        (r"Unable to parse response|invalid XML received|Unable to parse config file", "unparseable-response"),
        (r"Error when retrieving credentials from (?:cert|Ec2InstanceMetadata|container-role|custom-process)|Error retrieving credentials|credential_process|Error loading credential_process", "credential-source-failed"),
    ];
    table
        .iter()
        .map(|(r, p)| ClientProblem { re: re(r), problem: p })
        .collect()
});

fn opt(m: Option<regex::Match<'_>>) -> Option<String> {
    m.map(|m| m.as_str().trim().to_string()).filter(|s| !s.is_empty())
}

fn unescape_json_string(s: &str) -> String {
    serde_json::from_str::<String>(&format!("\"{s}\"")).unwrap_or_else(|_| s.to_string())
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
            message: c.get(4).map_or_else(String::new, |m| m.as_str().trim().to_string()),
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
            message: c.get(7).map_or_else(String::new, |m| m.as_str().trim().to_string()),
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
                message: c.get(3).map_or_else(String::new, |m| m.as_str().trim().to_string()),
                format: "go-sdk-v2",
                at: c.get(0).map_or(0, |m| m.start()),
                ..Headline::default()
            });
        }
    }
    for c in GO1.captures_iter(text) {
        out.push(Headline {
            code: opt(c.get(1)),
            message: c.get(2).map_or_else(String::new, |m| m.as_str().trim().to_string()),
            http_status: c.get(3).and_then(|m| m.as_str().parse().ok()),
            request_id: opt(c.get(4)),
            format: "go-sdk-v1",
            at: c.get(0).map_or(0, |m| m.start()),
            ..Headline::default()
        });
    }
    for c in JAVA.captures_iter(text) {
        out.push(Headline {
            message: c.get(1).map_or_else(String::new, |m| m.as_str().trim().to_string()),
            service: opt(c.get(2)),
            http_status: c.get(3).and_then(|m| m.as_str().parse().ok()),
            code: opt(c.get(4)),
            request_id: opt(c.get(5)),
            format: "java-sdk",
            at: c.get(0).map_or(0, |m| m.start()),
            ..Headline::default()
        });
    }
    if out.iter().all(|h| h.format != "java-sdk") {
        for c in JAVA_NOCODE.captures_iter(text) {
            out.push(Headline {
                message: c.get(1).map_or_else(String::new, |m| m.as_str().trim().to_string()),
                service: opt(c.get(2)),
                http_status: c.get(3).and_then(|m| m.as_str().parse().ok()),
                request_id: opt(c.get(4)),
                format: "java-sdk",
                at: c.get(0).map_or(0, |m| m.start()),
                ..Headline::default()
            });
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
            message: c.get(2).map_or_else(String::new, |m| m.as_str().trim().to_string()),
            format: "xml",
            at: c.get(0).map_or(0, |m| m.start()),
            ..Headline::default()
        });
    }
    out.extend(json_headlines(text));
    if out.is_empty() {
        for c in CODE_COLON.captures_iter(text) {
            out.push(Headline {
                code: opt(c.get(1)),
                message: c.get(2).map_or_else(String::new, |m| m.as_str().trim().to_string()),
                format: "code-colon",
                at: c.get(1).map_or(0, |m| m.start()),
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
        if !code.chars().next().is_some_and(|ch| ch.is_ascii_uppercase()) || code.contains(' ') {
            continue;
        }
        let window_end = (m.end() + 4000).min(text.len());
        let window_start = m.start().saturating_sub(4000);
        let window_end = (window_end..=text.len()).find(|&i| text.is_char_boundary(i)).unwrap_or(text.len());
        let window_start = (0..=window_start).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
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
    let mut best: Option<(&'static str, String, usize)> = None;
    for p in CLIENT.iter() {
        if let Some(m) = p.re.find(text) {
            let line_start = text[..m.start()].rfind('\n').map_or(0, |i| i + 1);
            let line_end = text[m.end()..].find('\n').map_or(text.len(), |i| m.end() + i);
            let line = text[line_start..line_end].trim().to_string();
            if best.is_none() {
                best = Some((p.problem, line, m.start()));
            }
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_line() {
        let h = headlines("\nAn error occurred (VcpuLimitExceeded) when calling the RunInstances operation (reached max retries: 4): You have requested more\n");
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
