//! Client-side failures: credentials, connectivity, validation, and the rest.

use super::*;

pub(super) fn credentials(b: &mut Builder) -> String {
    let f = b.f;
    let scope = b.scope();
    let profile = f.context.profile.clone();
    let code = f.error_code.clone().unwrap_or_default();
    let problem = f.problem.clone().unwrap_or_default();
    let p = profile
        .as_deref()
        .map(|p| format!(" --profile {}", sh(p)))
        .unwrap_or_default();

    // `aws login` (console credentials, aws CLI v2 >= 2.32): the failed CLI names it, or the
    // profile is a `login_session` one.
    let login_profile = login_session_profile(f);
    let names_login = f
        .message
        .as_deref()
        .is_some_and(|m| m.contains("aws login"));
    match (code.as_str(), problem.as_str()) {
        (_, "login-expired") => {
            let msg = f.message.as_deref().unwrap_or("");
            if msg.contains("signin:CreateOAuth2Token") {
                b.step(
                    "The console identity may not create CLI credentials: it needs `signin:CreateOAuth2Token` (and `signin:AuthorizeOAuth2Access`) in its policy. Then sign in again (aws CLI v2 2.32 or later):",
                    Some(format!("aws login{p}")),
                );
                return "Console sign-in (aws login) lacks signin:CreateOAuth2Token".to_string();
            }
            b.step(
                "The console sign-in session (aws login) has expired, is missing, or cannot be refreshed. Sign in again (aws CLI v2 2.32 or later; --remote on a machine without a browser):",
                Some(format!("aws login{p}")),
            );
            "Console sign-in session (aws login) expired or missing: sign in again".to_string()
        }
        ("ExpiredToken" | "ExpiredTokenException" | "InvalidToken", _) if login_profile => {
            b.step(
                "The profile gets its credentials from `aws login` (login_session): sign in again (aws CLI v2 2.32 or later):",
                Some(format!("aws login{p}")),
            );
            "Credentials expired: the console sign-in session (aws login) needs a new sign-in"
                .to_string()
        }
        (_, "sso-expired") | ("UnauthorizedSSOTokenError" | "TokenRefreshRequired", _) => {
            b.step(
                "Your SSO session has expired. Log in again (aws CLI v2):",
                Some(format!("aws sso login{p}")),
            );
            "SSO session expired: log in again".to_string()
        }
        ("ExpiredToken" | "ExpiredTokenException" | "RequestExpired" | "InvalidToken", _)
            if !f
                .message
                .as_deref()
                .unwrap_or("")
                .contains("Signature expired")
                && code != "RequestExpired" =>
        {
            b.step("The temporary credentials have expired. Refresh them (SSO login with aws CLI v2, re-assume the role, or re-export from your credential tool):", Some(format!("aws sso login{p}")));
            b.step(
                "Check which credentials the CLI uses:",
                Some(format!("aws configure list{p}")),
            );
            "Credentials expired: the session token is no longer valid".to_string()
        }
        ("RequestExpired" | "InvalidSignatureException" | "SignatureDoesNotMatch", _)
            if f.message
                .as_deref()
                .unwrap_or("")
                .to_ascii_lowercase()
                .contains("expired")
                || code == "RequestExpired" =>
        {
            b.step("The request's timestamp was rejected: check the system clock (it must be within 5 minutes of AWS time).", Some("date -u; timedatectl status".into()));
            "Request signature expired: the system clock is probably off".to_string()
        }
        (
            "InvalidClientTokenId"
            | "InvalidAccessKeyId"
            | "UnrecognizedClientException"
            | "AuthFailure",
            _,
        ) => {
            b.step("The access key is not valid in this partition/account (deleted, deactivated, or for another region like China/GovCloud). Check which key the CLI uses:", Some(format!("aws configure list{p}")));
            b.step(
                "Check the key's identity:",
                Some(format!("aws sts get-caller-identity{p}{scope}")),
            );
            "Invalid credentials: AWS does not recognise this access key or token".to_string()
        }
        ("SignatureDoesNotMatch" | "IncompleteSignature", _) => {
            b.step("The secret key does not match the access key (a stale or mistyped secret, or a mixed-up profile). Check:", Some(format!("aws configure list{p}")));
            "Signature mismatch: the secret access key is wrong for this access key".to_string()
        }
        (_, "no-credentials") => {
            if names_login || login_profile {
                b.step(
                    "No credentials were found. Sign in with your AWS console credentials (aws CLI v2 2.32 or later; --remote on a machine without a browser):",
                    Some(format!("aws login{p}")),
                );
                b.step("or configure access keys:", Some("aws configure".into()));
            } else {
                b.step("No credentials were found. Configure a profile, log in with SSO, or export credentials:", Some("aws configure".into()));
            }
            b.step("or for SSO (aws CLI v2):", Some("aws configure sso".into()));
            "No credentials: the CLI found none in env, config files, SSO cache or instance role"
                .to_string()
        }
        (_, "no-region") => {
            b.step(
                format!("Name a region: add --region REGION to the command (for example --region us-east-1), or set the profile's default with `aws configure set region REGION{p}`."),
                None,
            );
            "No region configured".to_string()
        }
        (_, "profile-not-found") => {
            b.step(
                "The profile does not exist in ~/.aws/config or ~/.aws/credentials. List profiles (aws CLI v2; with v1, read those two files):",
                Some("aws configure list-profiles".into()),
            );
            format!(
                "Profile not found{}",
                profile.map(|p| format!(": {p}")).unwrap_or_default()
            )
        }
        (_, "credential-source-failed") => {
            b.step("The configured credential source (credential_process, container or instance role) failed; run it by hand or check with:", Some(format!("aws configure list{p}")));
            "The credential source failed".to_string()
        }
        ("OptInRequired" | "SubscriptionRequiredException", _) => {
            b.step("The account is not subscribed to this service or the region is not enabled (opt-in regions):", Some("aws account list-regions --region-opt-status-contains ENABLED DISABLED".into()));
            "Not subscribed / region not enabled".to_string()
        }
        _ => {
            b.step(
                "Check which identity the CLI uses:",
                Some(format!("aws sts get-caller-identity{p}{scope}")),
            );
            format!(
                "Credential problem: {}",
                if code.is_empty() {
                    f.message.clone().unwrap_or_default()
                } else {
                    code
                }
            )
        }
    }
}

/// The failed command's profile is an `aws login` one (`login_session` in ~/.aws/config).
/// Only after a command awsx ran: a pasted text's profile is not this machine's.
fn login_session_profile(f: &Failure) -> bool {
    if f.context.cli_command.is_none() {
        return false;
    }
    let profile = f
        .context
        .profile
        .clone()
        .or_else(|| std::env::var("AWS_PROFILE").ok().filter(|p| !p.is_empty()))
        .unwrap_or_else(|| "default".into());
    let Some(path) = std::env::var_os("AWS_CONFIG_FILE")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| std::path::Path::new(&h).join(".aws/config")))
    else {
        return false;
    };
    let Ok(text) = std::fs::read_to_string(path) else {
        return false;
    };
    let wanted = format!("[profile {profile}]");
    let mut inside = false;
    for line in text.lines() {
        let l = line.trim();
        if l.starts_with('[') {
            inside = l == wanted || (profile == "default" && l == "[default]");
            continue;
        }
        if inside
            && let Some((k, v)) = l.split_once('=')
            && k.trim() == "login_session"
            && !v.trim().is_empty()
        {
            return true;
        }
    }
    false
}

pub(super) fn connectivity(b: &mut Builder) -> String {
    let f = b.f;
    let msg = f.message.clone().unwrap_or_default();
    match f.problem.as_deref() {
        Some("tls") => {
            b.step("TLS verification failed: a proxy or corporate CA intercepts traffic. Point the CLI at the CA bundle:", Some("export AWS_CA_BUNDLE=/path/to/corporate-ca.pem".into()));
            "TLS certificate validation failed".into()
        }
        Some("proxy") => {
            b.step(
                "The proxy could not be reached; check HTTPS_PROXY/HTTP_PROXY/NO_PROXY:",
                Some("env | grep -i _proxy".into()),
            );
            "Could not connect to the proxy".into()
        }
        Some("timeout") => {
            b.step("The endpoint did not answer in time; check the network path (VPC endpoints, security groups, proxy) and the region.", None);
            b.step(
                "Raise the CLI's timeouts if the call is slow by nature: add --cli-read-timeout 120 --cli-connect-timeout 30 to the command.",
                None,
            );
            "Timed out talking to AWS".into()
        }
        _ => {
            b.step(
                "Check the region (a typo gives an unknown host) and the endpoint URL:",
                Some(format!(
                    "aws configure get region{}",
                    f.context
                        .profile
                        .as_deref()
                        .map(|p| format!(" --profile {}", sh(p)))
                        .unwrap_or_default()
                )),
            );
            b.step(
                "Check DNS and the network path to the endpoint (proxy, VPN, VPC endpoint).",
                None,
            );
            format!(
                "Could not connect to the endpoint{}",
                endpoint_in(&msg)
                    .map(|e| format!(" {e}"))
                    .unwrap_or_default()
            )
        }
    }
}

pub(super) fn endpoint_in(msg: &str) -> Option<String> {
    let start = msg.find("\"http")? + 1;
    let end = msg[start..].find('"')? + start;
    Some(crate::sanitize::inert_line(&msg[start..end]))
}

pub(super) fn validation(b: &mut Builder) -> String {
    let f = b.f;
    let svc = f.service.clone();
    let op = f.operation.clone();
    if f.problem.as_deref() == Some("usage") {
        if let Some(s) = &svc {
            b.step("See the command's synopsis:", Some(format!("aws {s} help")));
        }
        return "The aws command line was rejected (usage error)".into();
    }
    if f.problem.as_deref() == Some("local-path") {
        return "A local path on the command line does not exist".into();
    }
    if let (Some(s), Some(o)) = (&svc, &op) {
        b.step(
            "Check the parameters against the API reference:",
            Some(format!("aws {s} {} help", kebab(o))),
        );
    }
    if f.error_code.as_deref() == Some("DryRunOperation") {
        return "Dry run: the request would have succeeded".into();
    }
    let client_side = f.message.as_deref().is_some_and(|m| {
        m.starts_with("Parameter validation failed") || m.contains("Invalid type for parameter")
    });
    if client_side {
        // botocore refused the parameters before sending: the service never saw the call.
        return format!(
            "Invalid parameters{}: the aws CLI refused them before sending the request",
            op.map(|o| format!(" for {o}")).unwrap_or_default()
        );
    }
    format!(
        "Invalid request{}: the service rejected a parameter",
        op.map(|o| format!(" to {o}")).unwrap_or_default()
    )
}

pub(super) fn other(b: &mut Builder) -> String {
    let f = b.f;
    let code = f.error_code.clone().unwrap_or_default();
    if code.starts_with("NoSuch")
        || code.ends_with(".NotFound")
        || code == "ResourceNotFoundException"
        || code == "404"
    {
        b.step("The resource does not exist here: check its name and the region/account the command used.", None);
        if let Some(r) = &f.context.region {
            b.fact("Region used", r.clone(), Evidence::Stated);
        }
    }
    if f.problem.as_deref() == Some("unparseable-response") {
        b.step("The endpoint did not answer like AWS (a proxy, captive portal or emulator error page). Check --endpoint-url and proxies.", None);
        return "The response could not be parsed".into();
    }
    match (code.is_empty(), &f.message) {
        (false, Some(m)) => format!("{code}: {m}"),
        (false, None) => code,
        (true, Some(m)) => m.clone(),
        (true, None) => "No AWS error recognised in the text".into(),
    }
}
