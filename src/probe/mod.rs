//! Asking AWS the follow-up questions. One file per question; this file builds the SDK
//! configuration the way the failed command saw it, and bounds everything by a deadline.
//!
//! Measured pitfalls handled here (docs/FACTS): the SDK has no default read or operation
//! timeout; standard retries cost seconds on unreachable endpoints; concurrent calls each
//! re-run a failing credential chain; `AWS_CA_BUNDLE` is ignored unless wired in; S3 needs
//! path style for a `localhost` endpoint; the `[services]` key for Service Quotas differs.

pub mod iam;
pub mod kms;
pub mod policies;
pub mod quotas;
pub mod s3;
pub mod sts;

use std::time::{Duration, Instant};

use aws_config::{BehaviorVersion, Region, SdkConfig, retry::RetryConfig, timeout::TimeoutConfig};
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;

use crate::findings::ProbeRecord;

/// Where and as whom the probes run: the failed command's settings.
#[derive(Debug, Clone, Default)]
pub struct Target {
    pub profile: Option<String>,
    pub region: Option<String>,
    pub endpoint_url: Option<String>,
    pub ca_bundle: Option<String>,
    pub no_verify_ssl: bool,
    /// The failed command's service as typed (`s3api`, `sts`, …): the one service its
    /// `--endpoint-url` is known to serve. None for awsx's own commands, whose
    /// `--endpoint-url` is given for the look-ups themselves.
    pub service: Option<String>,
}

impl Target {
    pub fn from_invocation(inv: &crate::invocation::Invocation) -> Target {
        Target {
            profile: inv.profile.clone(),
            region: inv.region.clone(),
            endpoint_url: inv.endpoint_url.clone(),
            ca_bundle: inv.ca_bundle.clone(),
            no_verify_ssl: inv.no_verify_ssl,
            service: inv.service.clone(),
        }
    }
}

/// The deadline for all probes together: `AWSX_TIMEOUT` seconds (default 4, at most 600;
/// an unusable value is reported once on stderr), read by `crate::config`.
pub fn deadline_from_env() -> Duration {
    crate::config::timeout().0
}

/// A ready SDK configuration with credentials resolved once.
pub struct Session {
    /// For the look-ups: the failed command's identity, or AWSX_DIAGNOSE_PROFILE's.
    pub conf: SdkConfig,
    /// The failed command's own identity (who was denied), for GetCallerIdentity.
    pub caller_conf: SdkConfig,
    pub target: Target,
    pub deadline: Instant,
    /// The profile used when AWSX_DIAGNOSE_PROFILE replaced the command's.
    pub diagnose_profile: Option<String>,
    /// Why AWSX_DIAGNOSE_PROFILE could not be used (the look-ups then ran as the command).
    pub diagnose_error: Option<String>,
    /// Which look-ups may go to the command's custom endpoint.
    pub routing: Routing,
}

/// Which look-ups may be sent to a custom `--endpoint-url` (issue 16): all of them when the
/// endpoint is loopback (an emulator, a test) or `AWSX_ENDPOINT_ALL_SERVICES=1`; otherwise
/// only those of the service the endpoint serves (an S3-compatible store gets S3 look-ups,
/// never a signed `sts:GetCallerIdentity`), and none signed with AWSX_DIAGNOSE_PROFILE's
/// credentials unless the host is AWS's. The others are not made, and say so.
#[derive(Debug, Clone, Default)]
pub struct Routing {
    restricted: Option<Restriction>,
}

#[derive(Debug, Clone)]
struct Restriction {
    host: String,
    /// The command's service as typed, and the look-up prefix it maps to; None when the
    /// endpoint was given for the look-ups (awsx's own commands).
    served: Option<(String, Option<&'static str>)>,
    aws_host: bool,
    diagnose_profile: bool,
}

/// The look-up prefix (`s3`, `sts`, …) of an aws CLI service name.
fn lookup_service(cli_service: &str) -> Option<&'static str> {
    Some(match cli_service {
        "s3" | "s3api" => "s3",
        "sts" => "sts",
        "iam" => "iam",
        "kms" => "kms",
        "service-quotas" => "servicequotas",
        "cloudwatch" => "cloudwatch",
        _ => return None,
    })
}

/// The host of an endpoint URL, lowercased, without userinfo, port or IPv6 brackets.
pub fn endpoint_host(url: &str) -> Option<String> {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next()?;
    let hostport = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if let Some(v6) = hostport.strip_prefix('[') {
        v6.split(']').next()?
    } else {
        hostport.split(':').next()?
    };
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    (!host.is_empty()).then_some(host)
}

/// 127.0.0.0/8, ::1 (also IPv4-mapped), `localhost` and names under it.
pub fn is_loopback_host(host: &str) -> bool {
    if host == "localhost" || host.ends_with(".localhost") {
        return true;
    }
    match host.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(a)) => a.is_loopback(),
        Ok(std::net::IpAddr::V6(a)) => {
            a.is_loopback() || a.to_ipv4_mapped().is_some_and(|m| m.is_loopback())
        }
        Err(_) => false,
    }
}

/// A host in AWS's own domains (regional, FIPS, dual-stack, VPC endpoints, China).
pub fn is_aws_host(host: &str) -> bool {
    ["amazonaws.com", "amazonaws.com.cn", "api.aws"]
        .iter()
        .any(|d| host == *d || host.ends_with(&format!(".{d}")))
}

impl Routing {
    pub fn new(target: &Target, diagnose_profile: bool) -> Routing {
        let Some(url) = &target.endpoint_url else {
            return Routing::default();
        };
        let host = endpoint_host(url).unwrap_or_else(|| url.clone());
        if is_loopback_host(&host) || crate::config::endpoint_all_services() {
            return Routing::default();
        }
        Routing {
            restricted: Some(Restriction {
                aws_host: is_aws_host(&host),
                served: target
                    .service
                    .as_ref()
                    .map(|s| (s.clone(), lookup_service(s))),
                host,
                diagnose_profile,
            }),
        }
    }

    /// Whether the look-up `probe` (`sts:GetCallerIdentity`) may be sent; why not otherwise.
    pub fn check(&self, probe: &str) -> Result<(), String> {
        let Some(r) = &self.restricted else {
            return Ok(());
        };
        let service = probe.split(':').next().unwrap_or(probe);
        let host = crate::sanitize::inert_line(&r.host);
        if r.diagnose_profile && !r.aws_host {
            return Err(format!(
                "not sent to {host}: look-ups signed with AWSX_DIAGNOSE_PROFILE's credentials go only to AWS or loopback endpoints (AWSX_ENDPOINT_ALL_SERVICES=1 allows it)"
            ));
        }
        let (typed, served) = match &r.served {
            None => return Ok(()),
            Some(s) => s,
        };
        if *served == Some(service) {
            return Ok(());
        }
        // quotas.rs sends these to their own endpoint variable when one is set.
        let own_var = match service {
            "servicequotas" => Some("AWS_ENDPOINT_URL_SERVICE_QUOTAS"),
            "cloudwatch" => Some("AWS_ENDPOINT_URL_CLOUDWATCH"),
            _ => None,
        };
        let ignored = std::env::var("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")
            .is_ok_and(|v| v.trim().eq_ignore_ascii_case("true"));
        if own_var.is_some_and(|v| !ignored && std::env::var(v).is_ok_and(|u| !u.trim().is_empty()))
        {
            return Ok(());
        }
        Err(format!(
            "not sent to {host}: the command's --endpoint-url is for {}, not {service} (AWSX_ENDPOINT_ALL_SERVICES=1 sends every look-up there)",
            crate::sanitize::inert_line(typed)
        ))
    }
}

/// Reads the CA bundle the CLI would use: `--ca-bundle`, `AWS_CA_BUNDLE`, the profile's
/// `ca_bundle` (the SDK ignores all three).
fn ca_bundle(target: &Target) -> Option<String> {
    target
        .ca_bundle
        .clone()
        .or_else(|| {
            std::env::var("AWS_CA_BUNDLE")
                .ok()
                .filter(|v| !v.is_empty())
        })
        .or_else(|| profile_setting(target.profile.as_deref(), "ca_bundle"))
}

/// The shared config file the CLI reads: `AWS_CONFIG_FILE` or ~/.aws/config.
fn config_path() -> Option<std::path::PathBuf> {
    std::env::var_os("AWS_CONFIG_FILE")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| std::path::Path::new(&h).join(".aws/config")))
}

/// One key of the active profile in ~/.aws/config (enough for `ca_bundle`; the SDK reads
/// everything else itself).
fn profile_setting(profile: Option<&str>, key: &str) -> Option<String> {
    let text = std::fs::read_to_string(config_path()?).ok()?;
    let profile = profile
        .map(str::to_string)
        .or_else(|| std::env::var("AWS_PROFILE").ok())
        .unwrap_or_else(|| "default".into());
    let wanted = if profile == "default" {
        "[default]".to_string()
    } else {
        format!("[profile {profile}]")
    };
    let mut inside = false;
    for line in text.lines() {
        let l = line.trim();
        if l.starts_with('[') {
            inside = l == wanted || (profile == "default" && l == "[profile default]");
            continue;
        }
        if inside
            && let Some((k, v)) = l.split_once('=')
            && k.trim() == key
        {
            return Some(v.trim().to_string());
        }
    }
    None
}

fn http_client(
    target: &Target,
) -> Result<aws_smithy_runtime_api::client::http::SharedHttpClient, String> {
    use aws_smithy_http_client::tls::{
        Provider, TlsContext, TrustStore, rustls_provider::CryptoMode,
    };
    let mut trust = TrustStore::default();
    if let Some(path) = ca_bundle(target) {
        let pem = std::fs::read(&path).map_err(|e| format!("cannot read CA bundle {path}: {e}"))?;
        trust = trust.with_pem_certificate(pem);
    }
    let ctx = TlsContext::builder()
        .with_trust_store(trust)
        .build()
        .map_err(|e| e.to_string())?;
    Ok(aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .tls_context(ctx)
        .build_https())
}

/// Loads configuration and resolves credentials once, within the deadline.
/// Loads one configuration for `profile` and resolves its credentials once.
async fn load(
    target: &Target,
    profile: Option<&str>,
    deadline: Instant,
) -> Result<SdkConfig, String> {
    let remaining = deadline.saturating_duration_since(Instant::now());
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(remaining.min(Duration::from_secs(2)))
        .read_timeout(remaining)
        .operation_timeout(remaining)
        .operation_attempt_timeout(remaining)
        .build();
    let http = http_client(target)?;
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .http_client(http.clone())
        .timeout_config(timeouts)
        .retry_config(RetryConfig::standard().with_max_attempts(1));
    if let Some(p) = profile {
        loader = loader.profile_name(p);
    }
    if let Some(r) = &target.region {
        loader = loader.region(Region::new(r.clone()));
    }
    if let Some(u) = &target.endpoint_url {
        loader = loader.endpoint_url(u);
    }
    if let Some(p) = profile {
        // A named profile beats environment credentials, as `aws --profile` does (the SDK's
        // default chain would take AWS_ACCESS_KEY_ID first). The provider needs the HTTP
        // client explicitly: without the SDK's default client it would have none.
        let pc = aws_config::provider_config::ProviderConfig::without_region()
            .with_http_client(http)
            .with_region(target.region.clone().map(Region::new));
        loader = loader.credentials_provider(
            aws_config::profile::ProfileFileCredentialsProvider::builder()
                .configure(&pc)
                .profile_name(p)
                .build(),
        );
    }
    let conf = tokio::time::timeout(remaining, loader.load())
        .await
        .map_err(|_| "loading the AWS configuration did not finish in time".to_string())?;
    let provider = conf
        .credentials_provider()
        .ok_or("no credentials provider configured")?;
    let remaining = deadline.saturating_duration_since(Instant::now());
    let creds = tokio::time::timeout(remaining, provider.provide_credentials())
        .await
        .map_err(|_| "resolving credentials did not finish in time".to_string())?
        .map_err(|e| {
            let who = profile
                .map(|p| format!(" for profile {p}"))
                .unwrap_or_default();
            format!(
                "no usable credentials{who}: {}",
                first_line(&error_chain(&e))
            )
        })?;
    let has_region = conf.region().is_some();
    let mut builder = conf
        .to_builder()
        .credentials_provider(SharedCredentialsProvider::new(creds));
    if !has_region {
        // Global services still need a signing region; the CLI would have failed first
        // for regional ones.
        builder.set_region(Some(Region::new("us-east-1")));
    }
    Ok(builder.build())
}

/// An error and its sources, `: `-separated.
pub fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![e.to_string()];
    let mut cur = e.source();
    while let Some(s) = cur {
        let t = s.to_string();
        if !parts.iter().any(|p| p.contains(&t)) {
            parts.push(t);
        }
        cur = s.source();
    }
    parts.join(": ")
}

/// Loads configuration and resolves credentials once per identity, within the deadline.
pub async fn session(target: &Target, deadline: Instant) -> Result<Session, String> {
    if target.no_verify_ssl {
        return Err(
            "the command used --no-verify-ssl; awsx does not make unverified TLS calls".into(),
        );
    }
    let diagnose_profile = std::env::var("AWSX_DIAGNOSE_PROFILE")
        .ok()
        .filter(|p| !p.is_empty());
    let own = load(target, target.profile.as_deref(), deadline);
    let mut diagnose_error = None;
    let (caller_conf, conf, used) = match &diagnose_profile {
        None => {
            let c = own.await?;
            (c.clone(), c, None)
        }
        Some(p) => match tokio::join!(own, load(target, Some(p), deadline)) {
            // Without the command's own credentials, the caller is looked up as the profile.
            (own, Ok(diag)) => (own.unwrap_or_else(|_| diag.clone()), diag, Some(p.clone())),
            // A broken diagnosis profile: say so, and look up as the command did.
            (Ok(own), Err(e)) => {
                diagnose_error = Some(format!("AWSX_DIAGNOSE_PROFILE={p}: {e}"));
                (own.clone(), own, None)
            }
            (Err(_), Err(e)) => return Err(format!("AWSX_DIAGNOSE_PROFILE={p}: {e}")),
        },
    };
    let routing = Routing::new(target, used.is_some());
    Ok(Session {
        conf,
        caller_conf,
        target: target.clone(),
        deadline,
        diagnose_profile: used,
        diagnose_error,
        routing,
    })
}

pub fn first_line(s: &str) -> String {
    crate::sanitize::inert_line(s.lines().next().unwrap_or(""))
}

impl Session {
    pub fn remaining(&self) -> Duration {
        self.deadline.saturating_duration_since(Instant::now())
    }

    /// Runs one SDK call under the deadline and turns its result into a record.
    pub async fn call<T, E, F>(&self, probe: &str, fut: F) -> (Option<T>, ProbeRecord)
    where
        F: std::future::Future<Output = Result<T, SdkError<E, HttpResponse>>>,
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        let start = Instant::now();
        let mut rec = ProbeRecord {
            probe: probe.to_string(),
            ok: false,
            summary: String::new(),
            error_code: None,
            denied: false,
            timed_out: false,
            ms: None,
        };
        if let Err(why) = self.routing.check(probe) {
            // The future is dropped unpolled: no request is built or sent.
            drop(fut);
            rec.summary = why;
            return (None, rec);
        }
        let res = tokio::time::timeout(self.remaining(), fut).await;
        rec.ms = Some(start.elapsed().as_millis() as u64);
        match res {
            Err(_) => {
                rec.timed_out = true;
                rec.summary = "no answer within the deadline (AWSX_TIMEOUT)".to_string();
                (None, rec)
            }
            Ok(Ok(v)) => {
                rec.ok = true;
                rec.summary = "ok".into();
                (Some(v), rec)
            }
            Ok(Err(e)) => {
                let (code, msg) = describe_sdk_error(&e);
                rec.denied = code.as_deref().is_some_and(is_denied_code);
                rec.timed_out = matches!(e, SdkError::TimeoutError(_))
                    || msg.contains("timeout")
                    || msg.contains("timed out");
                rec.summary = match &code {
                    Some(c) if rec.denied => {
                        format!("denied ({c}): this identity may not call {probe}")
                    }
                    Some(c) => format!("{c}: {msg}"),
                    None => msg,
                };
                rec.error_code = code;
                (None, rec)
            }
        }
    }
}

pub fn is_denied_code(code: &str) -> bool {
    matches!(
        code,
        "AccessDenied" | "AccessDeniedException" | "UnauthorizedOperation" | "Forbidden" | "403"
    )
}

/// (error code, one-line message) for an SDK error.
pub fn describe_sdk_error<E: ProvideErrorMetadata + std::error::Error + 'static>(
    e: &SdkError<E, HttpResponse>,
) -> (Option<String>, String) {
    match e {
        SdkError::ServiceError(se) => {
            let err = se.err();
            let status = se.raw().status().as_u16();
            // Codes are AWS-provided text too.
            let code = err
                .code()
                .map(crate::sanitize::inert_line)
                .or_else(|| (status == 403).then(|| "403".to_string()));
            let msg = err
                .message()
                .map(first_line)
                .unwrap_or_else(|| format!("HTTP {status}"));
            (code, msg)
        }
        SdkError::TimeoutError(_) => (None, "timed out".into()),
        other => {
            let full = aws_smithy_types::error::display::DisplayErrorContext(other).to_string();
            // Keep the readable chain, drop the Debug dump the SDK appends in parentheses.
            let line = first_line(&full);
            let line = match line
                .find(" (DispatchFailure(")
                .or_else(|| line.find(" (ConstructionFailure("))
            {
                Some(i) => line[..i].to_string(),
                None => line,
            };
            (None, line)
        }
    }
}

/// The endpoint a `[services NAME]` section gives one service in the CLI's spelling
/// (`service_quotas`), which the Rust SDK does not read.
pub fn services_endpoint(profile: Option<&str>, cli_key: &str) -> Option<String> {
    let services = profile_setting(profile, "services")?;
    let text = std::fs::read_to_string(config_path()?).ok()?;
    let header = format!("[services {services}]");
    let mut inside = false;
    let mut in_key = false;
    for line in text.lines() {
        let l = line.trim();
        if l.starts_with('[') {
            inside = l == header;
            in_key = false;
            continue;
        }
        if !inside || l.is_empty() {
            continue;
        }
        let indented = line.starts_with([' ', '\t']);
        let (k, v) = l.split_once('=').map(|(k, v)| (k.trim(), v.trim()))?;
        if !indented {
            in_key = k == cli_key;
        } else if in_key && k == "endpoint_url" {
            return Some(v.to_string());
        }
    }
    None
}

#[cfg(test)]
mod routing_tests {
    use super::*;

    fn target(url: &str, service: Option<&str>) -> Target {
        Target {
            endpoint_url: Some(url.into()),
            service: service.map(str::to_string),
            ..Default::default()
        }
    }

    #[test]
    fn hosts() {
        assert_eq!(
            endpoint_host("https://user:pw@MinIO.example.com:9000/x").as_deref(),
            Some("minio.example.com")
        );
        assert_eq!(endpoint_host("http://[::1]:4566").as_deref(), Some("::1"));
        for h in [
            "127.0.0.1",
            "127.9.8.7",
            "::1",
            "localhost",
            "s3.localhost",
            "::ffff:127.0.0.1",
        ] {
            assert!(is_loopback_host(h), "{h}");
        }
        for h in [
            "192.0.2.2",
            "localhost.example.com",
            "10.0.0.1",
            "128.0.0.1",
        ] {
            assert!(!is_loopback_host(h), "{h}");
        }
        assert!(is_aws_host(
            "bucket.vpce-1a2b.s3.us-east-1.vpce.amazonaws.com"
        ));
        assert!(!is_aws_host("amazonaws.com.evil.example"));
        assert!(!is_aws_host("notamazonaws.com"));
    }

    #[test]
    fn an_s3_endpoint_gets_only_s3_look_ups() {
        let r = Routing::new(
            &target("https://minio.example.com:9000", Some("s3api")),
            false,
        );
        assert!(r.check("s3:HeadBucket").is_ok());
        for p in [
            "sts:GetCallerIdentity",
            "iam:SimulatePrincipalPolicy",
            "kms:DescribeKey",
        ] {
            let e = r.check(p).unwrap_err();
            assert!(e.starts_with("not sent to minio.example.com: "), "{e}");
        }
        // Loopback: everything (emulators, tests).
        let r = Routing::new(&target("http://127.0.0.1:5000", Some("s3api")), false);
        assert!(r.check("sts:GetCallerIdentity").is_ok());
        // The diagnosis profile's signatures never go to a non-AWS host.
        let r = Routing::new(&target("https://minio.example.com", Some("s3")), true);
        assert!(r.check("s3:HeadBucket").is_err());
        let r = Routing::new(
            &target("https://s3.eu-west-1.amazonaws.com", Some("s3")),
            true,
        );
        assert!(r.check("s3:HeadBucket").is_ok());
        assert!(r.check("sts:GetCallerIdentity").is_err());
        // awsx's own --endpoint-url is for the look-ups.
        let r = Routing::new(&target("https://proxy.example.com", None), false);
        assert!(r.check("sts:GetCallerIdentity").is_ok());
    }
}
