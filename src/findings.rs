//! What the probes learned from AWS: plain data for `advise` and the report.

use serde::Serialize;
use serde_json::Value;

/// One probe's outcome, as listed in the JSON report's `findings`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ProbeRecord {
    /// The AWS API asked, e.g. `sts:DecodeAuthorizationMessage`.
    pub probe: String,
    pub ok: bool,
    /// One line: what it answered, or why it could not (denied, timed out, no credentials).
    pub summary: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    /// The probe was refused for lack of permission (so AWSX_DIAGNOSE_PROFILE may help).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub denied: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub timed_out: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ms: Option<u64>,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Caller {
    pub arn: String,
    pub account: String,
    pub user_id: String,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Simulation {
    pub action: String,
    pub resource: String,
    /// allowed | explicitDeny | implicitDeny
    pub decision: String,
    /// (policy id, policy type) of matched statements.
    pub matched: Vec<(String, String)>,
    pub boundary_allows: Option<bool>,
    pub organizations_allows: Option<bool>,
    pub missing_context: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct RoleInfo {
    pub name: String,
    pub arn: Option<String>,
    pub exists: Option<bool>,
    pub trust_policy: Option<Value>,
    /// `/aws-service-role/…/` for service-linked roles.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The CloudFormation stack that manages the role (`aws:cloudformation:stack-name`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stack: Option<String>,
}

/// One policy document and where it came from (an ARN, or `user/NAME inline POLICY`).
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct PolicyDoc {
    pub id: String,
    pub document: Value,
}

/// The denied principal's identity policies and boundary, as read from IAM.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct IdentityPolicies {
    pub principal: String,
    pub policies: Vec<PolicyDoc>,
    /// The boundary's document, when it could be read.
    pub boundary: Option<PolicyDoc>,
    /// The principal has a boundary (even if its document could not be read).
    pub has_boundary: bool,
    /// Every list and document was read (no call failed, no page left).
    pub complete: bool,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct QuotaValues {
    pub value: Option<f64>,
    pub default_value: Option<f64>,
    pub usage: Option<f64>,
    pub adjustable: Option<bool>,
    pub unit: Option<String>,
    pub name: Option<String>,
    /// Pending or open increase requests: (status, desired value, created).
    pub pending: Vec<(String, Option<f64>, Option<String>)>,
    /// Service Quotas does not manage this quota (NoSuchResource).
    pub unmanaged: bool,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct BucketFacts {
    pub bucket: String,
    pub exists: Option<bool>,
    pub region: Option<String>,
    pub policy: Option<Value>,
    pub policy_denied: bool,
    pub no_policy: bool,
    pub is_public: Option<bool>,
    pub public_access_block: Option<Value>,
    pub ownership: Option<String>,
    pub encryption: Option<Value>,
    pub kms_key: Option<String>,
    /// Policy analysis lines for the denied principal/action/resource.
    pub analysis: Vec<String>,
    pub verdict: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct KeyFacts {
    pub key: String,
    pub arn: Option<String>,
    pub account: Option<String>,
    pub state: Option<String>,
    pub manager: Option<String>,
    pub policy: Option<Value>,
    pub analysis: Vec<String>,
    pub verdict: Option<String>,
    pub grants: Option<usize>,
}

/// How a look-up ended, read from its record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    /// This identity may not make the call (so `AWSX_DIAGNOSE_PROFILE` may help).
    Denied,
    /// No answer before the deadline.
    TimedOut,
    /// The endpoint (an emulator, an S3-compatible service) does not implement the call.
    NotImplemented,
    /// Anything else: no credentials, a network error, an unexpected answer.
    Failed,
}

impl ProbeRecord {
    pub fn outcome(&self) -> Outcome {
        if self.ok {
            Outcome::Ok
        } else if self.denied {
            Outcome::Denied
        } else if self.timed_out {
            Outcome::TimedOut
        } else if matches!(
            self.error_code.as_deref(),
            Some("NotImplemented" | "InvalidAction" | "UnknownOperationException")
        ) {
            Outcome::NotImplemented
        } else {
            Outcome::Failed
        }
    }

    /// The AWS action the look-up was refused or failed on: the record's own name, or for
    /// a look-up that makes several calls (`iam:identity-policies`) the call its summary
    /// names first (`iam:ListUserPolicies: denied …`).
    pub fn action(&self) -> &str {
        fn named(s: &str) -> Option<&str> {
            let (svc, op) = s.split_once(':')?;
            (!svc.is_empty()
                && svc
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && op.starts_with(|c: char| c.is_ascii_uppercase())
                && op.bytes().all(|b| b.is_ascii_alphanumeric()))
            .then_some(s)
        }
        named(&self.probe)
            .or_else(|| self.summary.split(": ").next().and_then(named))
            .unwrap_or(&self.probe)
    }
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Findings {
    pub records: Vec<ProbeRecord>,
    pub caller: Option<Caller>,
    pub decoded: Option<Value>,
    pub simulation: Option<Simulation>,
    pub role: Option<RoleInfo>,
    /// The denied principal's own role (for an assumed-role session): where a grant goes.
    pub principal_role: Option<RoleInfo>,
    /// The denied principal's own policy documents (for awsx's own evaluation).
    pub identity_policies: Option<IdentityPolicies>,
    pub quota: Option<QuotaValues>,
    pub bucket: Option<BucketFacts>,
    pub key: Option<KeyFacts>,
    /// The profile the probes ran with, when not the failed command's (AWSX_DIAGNOSE_PROFILE).
    pub diagnose_profile: Option<String>,
    /// The region the look-ups resolved (from the command, the environment or the profile),
    /// so that suggested commands name it even when the command line did not.
    pub region: Option<String>,
    /// The caller the look-ups ran as is the identity that made the failed call (wrap mode;
    /// an `explain` text whose principal is the caller). Otherwise the caller is only the
    /// reader, and nothing is attributed to it.
    pub subject_is_caller: bool,
    /// What to re-run for a fuller diagnosis when look-ups were denied: awsx's own
    /// arguments (the aws command line in wrap mode), and the profile the look-ups used.
    #[serde(skip)]
    pub rerun: Option<Rerun>,
}

/// How to run the same diagnosis again with `AWSX_DIAGNOSE_PROFILE` (see `advise`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rerun {
    /// awsx's arguments, exactly as given (never shown when they hold a credential).
    pub argv: Vec<String>,
    /// The profile the look-ups ran as (`default` when none was named).
    pub profile: String,
    /// The profiles configured on this machine (`config::profiles_here`).
    pub profiles: Vec<String>,
}

impl Findings {
    pub fn denied_probes(&self) -> impl Iterator<Item = &ProbeRecord> {
        self.records.iter().filter(|r| r.denied)
    }
}
