//! What an aws command line says: global options, service, operation and the parameters
//! diagnosis cares about. Parsed by hand: the command line belongs to aws, and awsx only
//! reads it after aws has run it.

use std::collections::BTreeMap;
use std::ffi::OsString;

/// aws global options that take a value.
const VALUED_GLOBALS: [&str; 11] = [
    "--profile",
    "--region",
    "--endpoint-url",
    "--output",
    "--query",
    "--ca-bundle",
    "--cli-read-timeout",
    "--cli-connect-timeout",
    "--color",
    "--cli-binary-format",
    "--cli-error-format",
];

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Invocation {
    pub profile: Option<String>,
    pub region: Option<String>,
    pub endpoint_url: Option<String>,
    pub ca_bundle: Option<String>,
    pub no_verify_ssl: bool,
    pub no_sign_request: bool,
    pub debug: bool,
    /// `ec2`, `s3`, `s3api`, …
    pub service: Option<String>,
    /// The CLI operation name as typed: `run-instances`, `cp`.
    pub operation: Option<String>,
    /// Operation parameters: `--bucket` → values (flags without value map to empty).
    pub params: BTreeMap<String, Vec<String>>,
    /// Positional arguments after the operation (`s3://b/k`, local paths).
    pub positionals: Vec<String>,
}

impl Invocation {
    pub fn parse(args: &[OsString]) -> Invocation {
        let args: Vec<String> = args
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        let mut inv = Invocation::default();
        let mut i = 0;
        let mut current_flag: Option<String> = None;
        while i < args.len() {
            let a = &args[i];
            i += 1;
            if let Some(flag) = a.strip_prefix("--").filter(|f| !f.is_empty()) {
                let (name, inline) = match flag.split_once('=') {
                    Some((n, v)) => (format!("--{n}"), Some(v.to_string())),
                    None => (format!("--{flag}"), None),
                };
                if VALUED_GLOBALS.contains(&name.as_str()) {
                    let value = inline.or_else(|| {
                        let v = args.get(i).cloned();
                        i += 1;
                        v
                    });
                    match name.as_str() {
                        "--profile" => inv.profile = value,
                        "--region" => inv.region = value,
                        "--endpoint-url" => inv.endpoint_url = value,
                        "--ca-bundle" => inv.ca_bundle = value,
                        _ => {}
                    }
                    current_flag = None;
                    continue;
                }
                match name.as_str() {
                    "--debug" => inv.debug = true,
                    "--no-verify-ssl" => inv.no_verify_ssl = true,
                    "--no-sign-request" => inv.no_sign_request = true,
                    _ => {}
                }
                let entry = inv.params.entry(name.clone()).or_default();
                if let Some(v) = inline {
                    entry.push(v);
                    current_flag = None;
                } else {
                    current_flag = Some(name);
                }
                continue;
            }
            if let Some(flag) = &current_flag {
                // A value of the previous option (options may take several: --instance-ids a b).
                if inv.service.is_some() && inv.operation.is_some() {
                    inv.params.entry(flag.clone()).or_default().push(a.clone());
                    continue;
                }
            }
            current_flag = None;
            if inv.service.is_none() {
                inv.service = Some(a.clone());
            } else if inv.operation.is_none() {
                inv.operation = Some(a.clone());
            } else {
                inv.positionals.push(a.clone());
            }
        }
        inv
    }

    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .get(name)
            .and_then(|v| v.first())
            .map(String::as_str)
    }

    /// All s3:// URLs on the command line (positionals and flag values), in order.
    fn s3_urls(&self) -> Vec<&str> {
        let mut urls: Vec<&str> = self
            .positionals
            .iter()
            .chain(self.params.values().flatten())
            .map(String::as_str)
            .filter(|s| s.starts_with("s3://"))
            .collect();
        urls.dedup();
        urls
    }

    /// Bucket and key of `s3://bucket/key` (an access point ARN counts as the bucket).
    fn split_s3_url(url: &str) -> (Option<String>, Option<String>) {
        let rest = &url["s3://".len()..];
        let (bucket, key) = if rest.starts_with("arn:") {
            // s3://arn:aws:s3:region:acct:accesspoint/NAME/key…
            let mut parts = rest.splitn(3, '/');
            let head = parts.next().unwrap_or("");
            let name = parts.next().unwrap_or("");
            (
                format!("{head}/{name}"),
                parts.next().unwrap_or("").to_string(),
            )
        } else {
            match rest.split_once('/') {
                Some((b, k)) => (b.to_string(), k.to_string()),
                None => (rest.to_string(), String::new()),
            }
        };
        (
            Some(bucket).filter(|b| !b.is_empty() && !b.ends_with('/')),
            Some(key).filter(|k| !k.is_empty()),
        )
    }

    /// The bucket and key the failed call was about: `--bucket`/`--key`, else the first
    /// s3:// location, or the last one for a write (`s3 cp a s3://dest/k`).
    pub fn s3_target(&self, write: bool) -> (Option<String>, Option<String>) {
        if let Some(b) = self.param("--bucket") {
            return (Some(b.to_string()), self.param("--key").map(str::to_string));
        }
        let urls = self.s3_urls();
        let url = if write { urls.last() } else { urls.first() };
        url.map(|u| Self::split_s3_url(u)).unwrap_or((None, None))
    }

    pub fn bucket(&self) -> Option<String> {
        self.s3_target(false).0
    }

    pub fn key(&self) -> Option<String> {
        self.s3_target(false).1
    }

    /// `--count N` or `N:M` (the larger), or `--max-count`/`--min-count`.
    pub fn count(&self) -> Option<u32> {
        let parse = |v: &str| {
            v.split(':')
                .filter_map(|n| n.trim().parse::<u32>().ok())
                .max()
        };
        self.param("--count")
            .and_then(parse)
            .or_else(|| self.param("--max-count").and_then(parse))
            .or_else(|| self.param("--min-count").and_then(parse))
    }

    pub fn instance_type(&self) -> Option<String> {
        self.param("--instance-type")
            .map(str::to_string)
            .or_else(|| {
                // --launch-template-data / --cli-input-json carry it inside JSON.
                self.params.values().flatten().find_map(|v| {
                    let i = v.find("InstanceType")?;
                    let rest = &v[i..];
                    let start = rest.find(':')? + 1;
                    let val = rest[start..].trim_start().trim_start_matches(['"', '=']);
                    let end =
                        val.find(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '-'))?;
                    Some(val[..end].to_string()).filter(|s| !s.is_empty())
                })
            })
    }

    /// Spot capacity was asked for: the spot operations, or `MarketType` spot in
    /// `--instance-market-options` (shorthand or JSON). Not any value that says "spot"
    /// (a tag `spotify-etl` is not a Spot request).
    pub fn spot(&self) -> bool {
        matches!(
            self.operation.as_deref(),
            Some("request-spot-instances" | "request-spot-fleet")
        ) || self
            .params
            .get("--instance-market-options")
            .is_some_and(|vs| {
                vs.iter().any(|v| {
                    let l = v.to_ascii_lowercase().replace([' ', '"'], "");
                    l.contains("markettype=spot") || l.contains("markettype:spot")
                })
            })
            || self.params.contains_key("--spot-price")
    }

    pub fn kms_key(&self) -> Option<String> {
        [
            "--key-id",
            "--sse-kms-key-id",
            "--ssekms-key-id",
            "--kms-key-id",
        ]
        .iter()
        .find_map(|f| self.param(f))
        .map(str::to_string)
    }

    pub fn role_arn(&self) -> Option<String> {
        [
            "--role-arn",
            "--role",
            "--iam-instance-profile",
            "--execution-role-arn",
            "--task-role-arn",
            "--service-role",
        ]
        .iter()
        .find_map(|f| self.param(f))
        // Shorthand `Name=x` / `Arn=arn:…:instance-profile/x`.
        .map(|v| {
            v.strip_prefix("Name=")
                .or_else(|| v.strip_prefix("Arn="))
                .unwrap_or(v)
                .to_string()
        })
    }

    pub fn image_id(&self) -> Option<String> {
        self.param("--image-id").map(str::to_string)
    }

    /// The CLI service as IAM and the error tables know it (`s3api` is `s3`).
    pub fn service_name(&self) -> Option<String> {
        self.service.as_deref().map(|s| {
            if s == "s3api" {
                "s3".to_string()
            } else {
                s.to_string()
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Invocation {
        let v: Vec<OsString> = s.split_whitespace().map(OsString::from).collect();
        Invocation::parse(&v)
    }

    #[test]
    fn globals_anywhere() {
        let i = parse(
            "--profile dev ec2 run-instances --region=eu-west-1 --image-id ami-1 --instance-type p3.2xlarge --endpoint-url http://127.0.0.1:1 --debug",
        );
        assert_eq!(i.profile.as_deref(), Some("dev"));
        assert_eq!(i.region.as_deref(), Some("eu-west-1"));
        assert_eq!(i.endpoint_url.as_deref(), Some("http://127.0.0.1:1"));
        assert_eq!(i.service.as_deref(), Some("ec2"));
        assert_eq!(i.operation.as_deref(), Some("run-instances"));
        assert_eq!(i.instance_type().as_deref(), Some("p3.2xlarge"));
        assert_eq!(i.image_id().as_deref(), Some("ami-1"));
        assert!(i.debug);
    }

    #[test]
    fn s3_paths() {
        let i = parse("s3 cp s3://my-bkt/a/b.txt ./x --recursive");
        assert_eq!(i.bucket().as_deref(), Some("my-bkt"));
        assert_eq!(i.key().as_deref(), Some("a/b.txt"));
        let i = parse("s3 ls --recursive s3://probe-bkt");
        assert_eq!(i.bucket().as_deref(), Some("probe-bkt"));
        assert_eq!(i.key(), None);
        let i = parse("s3 cp s3://src-bkt/a s3://dst-bkt/b");
        assert_eq!(
            i.s3_target(true),
            (Some("dst-bkt".into()), Some("b".into()))
        );
        assert_eq!(
            i.s3_target(false),
            (Some("src-bkt".into()), Some("a".into()))
        );
        let i = parse("s3 cp s3://arn:aws:s3:us-west-2:123456789012:accesspoint/myap/dir/k .");
        assert_eq!(
            i.bucket().as_deref(),
            Some("arn:aws:s3:us-west-2:123456789012:accesspoint/myap")
        );
        assert_eq!(i.key().as_deref(), Some("dir/k"));
        let i = parse(
            "ec2 run-instances --count 2:10 --tag-specifications ResourceType=instance,Tags=[{Key=app,Value=spotify-etl}]",
        );
        assert_eq!(i.count(), Some(10));
        assert!(!i.spot());
        let i = parse("ec2 run-instances --instance-market-options MarketType=spot");
        assert!(i.spot());
        let i = parse("s3api get-object --bucket b --key k out.txt");
        assert_eq!(i.bucket().as_deref(), Some("b"));
        assert_eq!(i.key().as_deref(), Some("k"));
        assert_eq!(i.service_name().as_deref(), Some("s3"));
    }
}
