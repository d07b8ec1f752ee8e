//! What a failed AWS call says about itself: the classifier's output, plain data.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    Authorization,
    Trust,
    Quota,
    Capacity,
    Throttling,
    Credentials,
    Connectivity,
    Validation,
    #[default]
    Other,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Authorization => "authorization",
            Category::Trust => "trust",
            Category::Quota => "quota",
            Category::Capacity => "capacity",
            Category::Throttling => "throttling",
            Category::Credentials => "credentials",
            Category::Connectivity => "connectivity",
            Category::Validation => "validation",
            Category::Other => "other",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Decision {
    ExplicitDeny,
    ImplicitDeny,
    #[default]
    Unknown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Layer {
    Identity,
    Boundary,
    Scp,
    Rcp,
    Session,
    Resource,
    Vpce,
    Trust,
    #[default]
    Unknown,
}

impl Layer {
    pub fn describe(self) -> &'static str {
        match self {
            Layer::Identity => "identity-based policy (the caller's user/role policies)",
            Layer::Boundary => "permissions boundary",
            Layer::Scp => "service control policy (AWS Organizations)",
            Layer::Rcp => "resource control policy (AWS Organizations)",
            Layer::Session => "session policy (passed when the role session was created)",
            Layer::Resource => {
                "resource-based policy (bucket, key, queue or other resource policy)"
            }
            Layer::Vpce => "VPC endpoint policy",
            Layer::Trust => "role trust policy",
            Layer::Unknown => "unknown",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Cause {
    Passrole,
    Kms,
    Condition,
    ResourceSharing,
    ServiceAction,
    #[default]
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Authorization {
    pub action: Option<String>,
    pub resource: Option<String>,
    pub principal: Option<String>,
    pub decision: Decision,
    pub policy_layer: Layer,
    pub policy_arn: Option<String>,
    pub cause: Cause,
    pub encoded_message: Option<String>,
    /// The blob looked cut short (an ellipsis, a truncated log line).
    pub encoded_truncated: bool,
    /// The decoded authorization message, when the text carried one or STS decoded it.
    pub decoded: Option<serde_json::Value>,
    /// Condition keys and values from the decoded context.
    pub conditions: Vec<(String, Vec<String>)>,
    /// Statements the decoded message says matched.
    pub matched_statements: Vec<MatchedStatement>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct MatchedStatement {
    pub sid: Option<String>,
    pub effect: Option<String>,
    pub actions: Vec<String>,
    pub resources: Vec<String>,
    /// The statement's condition keys and values (the decoded message gives no operator).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<(String, Vec<String>)>,
}

/// The quota a limit error points at, from the knowledge table (values come from probes).
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct QuotaRef {
    pub service_code: String,
    pub quota_code: String,
    pub quota_name: String,
    pub default_value: Option<f64>,
    /// False when Service Quotas does not manage this limit.
    pub managed: bool,
    pub note: Option<String>,
    /// The limit the message itself states ("your current vCPU limit of 32").
    pub stated_limit: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Failure {
    pub category: Category,
    pub error_code: Option<String>,
    pub operation: Option<String>,
    pub service: Option<String>,
    pub message: Option<String>,
    /// Which producer's wording the text was in: cli, cli-json, go-sdk-v2, java-sdk, ….
    pub format: Option<String>,
    /// A client-side problem with no AWS error code (no-credentials, no-region, …).
    pub problem: Option<String>,
    pub http_status: Option<u16>,
    pub retries: Option<u32>,
    pub request_id: Option<String>,
    pub authorization: Option<Authorization>,
    pub quota: Option<QuotaRef>,
    /// Facts read from the command line or text that the advice uses (bucket, key id, …).
    #[serde(skip_serializing_if = "Context::is_empty")]
    pub context: Context,
}

#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Context {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bucket: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kms_key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance_type: Option<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub spot: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role_arn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_id: Option<String>,
    /// Instances the command asked for (`--count N[:M]`, `--min-count`/`--max-count`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count: Option<u32>,
    /// The command line's operation parameters (`--subnet-id` → values), for grants that
    /// name every resource the call touches. Not in the report: values may be secrets.
    #[serde(skip)]
    pub params: std::collections::BTreeMap<String, Vec<String>>,
    /// The CLI service and operation as typed (`ec2`, `run-instances`): no step may repeat
    /// the call that just failed.
    #[serde(skip)]
    pub cli_command: Option<(String, String)>,
    /// `--endpoint-url` of the failed command: suggested commands for the same service (or
    /// any service of a loopback emulator) must go there too, never to real AWS.
    #[serde(skip)]
    pub endpoint_url: Option<String>,
}

impl Context {
    pub fn is_empty(&self) -> bool {
        *self == Context::default()
    }
}

impl Failure {
    /// Why this "error" is a success in disguise, if it is: `DryRunOperation` ("Request
    /// would have succeeded, but DryRun flag is set", EC2 and the services that copy its
    /// `--dry-run`) says the permissions and parameters were fine and nothing was changed.
    /// Wrap mode reports nothing for it (aws's output and exit status stand); `explain`
    /// says so in one line.
    pub fn success_shaped(&self) -> Option<&'static str> {
        let code = self.error_code.as_deref().map(|c| {
            c.trim_start_matches("Client.")
                .trim_start_matches("Server.")
        });
        let said = self
            .message
            .as_deref()
            .is_some_and(|m| m.contains("Request would have succeeded, but DryRun flag is set"));
        (code == Some("DryRunOperation") || (code.is_none() && said))
            .then_some("a successful dry run, not a failure: the request would have succeeded (the DryRun flag was set, so nothing was changed)")
    }
}
