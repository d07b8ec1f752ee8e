//! Every aws command awsx prints, built from parts: each value quoted for a POSIX shell,
//! scoped to the right profile and region, global services without `--region`, and owner-side
//! reads marked as such. A printed command is a promise, so no step builds a command by
//! string concatenation.

/// Services whose API is global (one endpoint; `--region` is meaningless or misleading).
const GLOBAL_SERVICES: [&str; 4] = ["iam", "organizations", "route53", "cloudfront"];

/// Who runs the command: the identity of the failed call, or the owner of the resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The failed command's identity (its `--profile`).
    Caller,
    /// The resource's owner or an administrator: not the denied `--profile` (that identity was
    /// just refused); the diagnose profile when one is set.
    Owner,
}

/// The profile and region the failed command ran with, as suggested commands should use.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Scope {
    pub profile: Option<String>,
    pub region: Option<String>,
    /// `AWSX_DIAGNOSE_PROFILE`: an identity that may read what the caller may not.
    pub diagnose_profile: Option<String>,
    /// The failed command's `--endpoint-url` and CLI service: a command for that service
    /// goes to the same endpoint (an emulator, a proxy), and so does every command when the
    /// endpoint is on loopback (an emulator serving all services). Never real AWS by accident.
    pub endpoint_url: Option<String>,
    pub endpoint_service: Option<String>,
}

/// Whether a URL's host is this machine.
pub fn is_loopback(url: &str) -> bool {
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    let host_port = rest.split(['/', '?']).next().unwrap_or("");
    let host = if let Some(h) = host_port.strip_prefix('[') {
        h.split(']').next().unwrap_or("")
    } else {
        host_port
            .rsplit_once(':')
            .map(|(h, _)| h)
            .unwrap_or(host_port)
    };
    host.eq_ignore_ascii_case("localhost")
        || host == "::1"
        || host
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// `s3api` and `s3` talk to the same endpoint.
fn same_service(a: &str, b: &str) -> bool {
    let norm = |s: &str| if s == "s3api" { "s3" } else { s }.to_string();
    norm(a) == norm(b)
}

#[derive(Debug, Clone, PartialEq)]
pub struct Cmd {
    program: &'static str,
    service: String,
    operation: String,
    args: Vec<String>,
    side: Side,
    /// The region this command must use whatever the caller's (a quota's home region).
    region: Option<String>,
    no_scope: bool,
}

impl Cmd {
    pub fn aws(service: &str, operation: &str) -> Cmd {
        Cmd {
            program: "aws",
            service: service.to_string(),
            operation: operation.to_string(),
            args: Vec::new(),
            side: Side::Caller,
            region: None,
            no_scope: false,
        }
    }

    /// One of awsx's own commands (`awsx decode …`).
    pub fn awsx(subcommand: &str) -> Cmd {
        Cmd {
            program: "awsx",
            service: subcommand.to_string(),
            operation: String::new(),
            args: Vec::new(),
            side: Side::Caller,
            region: None,
            no_scope: true,
        }
    }

    /// `--name value` (the value is quoted as needed).
    pub fn arg(mut self, name: &str, value: impl AsRef<str>) -> Cmd {
        self.args.push(name.to_string());
        self.args.push(value.as_ref().to_string());
        self
    }

    /// `--name=value`, for values that may start with `-` (an encoded message).
    pub fn arg_eq(mut self, name: &str, value: impl AsRef<str>) -> Cmd {
        self.args.push(format!("{name}={}", value.as_ref()));
        self
    }

    /// `--name v1 v2 …`.
    pub fn args<S: AsRef<str>>(mut self, name: &str, values: &[S]) -> Cmd {
        self.args.push(name.to_string());
        self.args
            .extend(values.iter().map(|v| v.as_ref().to_string()));
        self
    }

    /// A positional value or a bare flag.
    pub fn word(mut self, w: impl AsRef<str>) -> Cmd {
        self.args.push(w.as_ref().to_string());
        self
    }

    /// `--name '<compact JSON>'`.
    pub fn json(self, name: &str, doc: &serde_json::Value) -> Cmd {
        let text = doc.to_string();
        self.arg(name, text)
    }

    pub fn owner(mut self) -> Cmd {
        self.side = Side::Owner;
        self
    }

    /// Always this region (global quotas live in one home region).
    pub fn region(mut self, r: &str) -> Cmd {
        self.region = Some(r.to_string());
        self
    }

    /// No `--profile`/`--region` (the command takes them in its own words).
    pub fn unscoped(mut self) -> Cmd {
        self.no_scope = true;
        self
    }

    pub fn side(&self) -> Side {
        self.side
    }

    pub fn service(&self) -> &str {
        &self.service
    }

    pub fn operation(&self) -> &str {
        &self.operation
    }

    pub fn is_global(&self) -> bool {
        GLOBAL_SERVICES.contains(&self.service.as_str())
    }

    /// The argument vector as the shell will pass it (for tests and comparisons).
    pub fn argv(&self, scope: &Scope) -> Vec<String> {
        let mut v = vec![self.program.to_string()];
        if !self.service.is_empty() {
            v.push(self.service.clone());
        }
        if !self.operation.is_empty() {
            v.push(self.operation.clone());
        }
        v.extend(self.args.iter().cloned());
        if self.no_scope {
            return v;
        }
        let profile = match self.side {
            Side::Caller => scope.profile.as_ref(),
            Side::Owner => scope.diagnose_profile.as_ref(),
        };
        if let Some(p) = profile {
            v.push("--profile".into());
            v.push(p.clone());
        }
        if !self.is_global()
            && let Some(r) = self.region.as_ref().or(scope.region.as_ref())
        {
            v.push("--region".into());
            v.push(r.clone());
        }
        if let Some(e) = &scope.endpoint_url
            && (is_loopback(e)
                || scope
                    .endpoint_service
                    .as_deref()
                    .is_some_and(|s| same_service(s, &self.service)))
        {
            v.push("--endpoint-url".into());
            v.push(e.clone());
        }
        v
    }

    /// One line to paste into a POSIX shell (bash, zsh, sh).
    pub fn render(&self, scope: &Scope) -> String {
        self.argv(scope)
            .iter()
            .map(|w| sh(w))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Quotes a word for a POSIX shell. Plain words (letters, digits and `-_./:=@,+%`) stay as
/// they are; everything else is single-quoted, where nothing is special but `'` itself
/// (written `'\''`). Control characters become `?`: inside quotes they would be inert, but a
/// pasted line that carries a newline or an escape is easy to mangle and hard to review, and
/// no AWS name contains one.
pub fn sh(v: &str) -> String {
    let v: String = v
        .chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    if !v.is_empty()
        && !v.starts_with('=')
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=@,+%".contains(c))
    {
        v
    } else {
        format!("'{}'", v.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope() -> Scope {
        Scope {
            profile: Some("dev".into()),
            region: Some("eu-west-1".into()),
            ..Scope::default()
        }
    }

    #[test]
    fn global_services_get_no_region() {
        let c = Cmd::aws("iam", "get-role").arg("--role-name", "r");
        assert_eq!(
            c.render(&scope()),
            "aws iam get-role --role-name r --profile dev"
        );
        let c = Cmd::aws("ec2", "describe-images").args("--image-ids", &["ami-1"]);
        assert_eq!(
            c.render(&scope()),
            "aws ec2 describe-images --image-ids ami-1 --profile dev --region eu-west-1"
        );
    }

    #[test]
    fn owner_side_never_uses_the_denied_profile() {
        let c = Cmd::aws("s3api", "get-bucket-policy")
            .arg("--bucket", "b")
            .owner();
        assert_eq!(
            c.render(&scope()),
            "aws s3api get-bucket-policy --bucket b --region eu-west-1"
        );
        let mut s = scope();
        s.diagnose_profile = Some("admin".into());
        assert_eq!(
            c.render(&s),
            "aws s3api get-bucket-policy --bucket b --profile admin --region eu-west-1"
        );
    }

    #[test]
    fn endpoints_follow_the_service_or_loopback() {
        let mut s = scope();
        s.endpoint_url = Some("https://minio.example.com".into());
        s.endpoint_service = Some("s3".into());
        let get = Cmd::aws("s3api", "get-bucket-policy").arg("--bucket", "b");
        assert!(
            get.render(&s)
                .ends_with("--endpoint-url https://minio.example.com")
        );
        let iam = Cmd::aws("iam", "get-role").arg("--role-name", "r");
        assert!(!iam.render(&s).contains("--endpoint-url"));
        s.endpoint_url = Some("http://127.0.0.1:4566".into());
        assert!(
            iam.render(&s)
                .ends_with("--endpoint-url http://127.0.0.1:4566")
        );
        assert!(is_loopback("http://localhost:5000/x"));
        assert!(is_loopback("http://[::1]:80"));
        assert!(!is_loopback("https://s3.amazonaws.com"));
    }

    #[test]
    fn quoting() {
        assert_eq!(sh("plain-Name_1.x"), "plain-Name_1.x");
        assert_eq!(sh("a b"), "'a b'");
        assert_eq!(sh("it's"), r"'it'\''s'");
        assert_eq!(sh(""), "''");
        assert_eq!(sh("$(rm -rf ~)"), "'$(rm -rf ~)'");
        assert_eq!(sh("a\nb"), "'a?b'");
        assert_eq!(sh("=x"), "'=x'");
    }
}
