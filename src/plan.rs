//! The pure middle of a diagnosis: `settle` works out who did what to which resource from
//! the failure and what the look-ups found so far; `plan` says which look-ups to make next,
//! as data. Neither touches the network, so "what would awsx ask AWS for this failure?" is a
//! table test (see the tests below); `diagnose::run_plan` executes the rounds.

use crate::failure::{Authorization, Category, Cause, Decision, Failure};
use crate::findings::Findings;

/// Who made the denied call, what it asked for and on what, settled once from the error
/// text, the decoded message and the caller. Advice, both reports and the planner read this
/// and never recompute it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Subject {
    /// The failure with the decoded message applied (principal, action, resource, decision,
    /// conditions, and the cause those imply).
    pub failure: Failure,
    /// The principal the text or the decoded message names, else the caller when the caller
    /// is known to have made the call. Never the reader's identity for someone else's error.
    pub principal: Option<String>,
    /// The principal's 12-digit account, else the caller's.
    pub account: Option<String>,
    pub action: Option<String>,
    /// The message's resource, else the S3 object or bucket the command line names.
    pub resource: Option<String>,
    /// The identity the look-ups run as made the failed call.
    pub subject_is_caller: bool,
    /// (the text's account, the caller's) when an `explain` text comes from another account:
    /// look-ups here would describe the wrong account.
    pub foreign_account: Option<(String, String)>,
}

/// The failure as the look-ups refined it, and the subject of the denial.
pub fn settle(f: &Failure, fx: &Findings) -> Subject {
    let mut failure = f.clone();
    if let (Some(d), Some(a)) = (&fx.decoded, failure.authorization.as_mut()) {
        apply_decoded(d, a, f.service.as_deref());
    }
    let auth = failure.authorization.clone().unwrap_or_default();
    let mut subject_is_caller = fx.subject_is_caller;
    let mut foreign_account = None;
    if let (Some(p), Some(c)) = (&auth.principal, &fx.caller)
        && !subject_is_caller
    {
        let text_account = p.split(':').nth(4).filter(|x| !x.is_empty());
        match text_account {
            Some(x) if x != c.account => {
                foreign_account = Some((x.to_string(), c.account.clone()));
            }
            _ => subject_is_caller = role_arn_for(p) == role_arn_for(&c.arn),
        }
    }
    let principal = auth.principal.clone().or_else(|| {
        fx.caller
            .as_ref()
            .filter(|_| subject_is_caller)
            .map(|c| c.arn.clone())
    });
    let account = principal
        .as_deref()
        .and_then(|p| p.split(':').nth(4))
        .filter(|a| a.len() == 12 && a.bytes().all(|c| c.is_ascii_digit()))
        .map(str::to_string)
        .or_else(|| fx.caller.as_ref().map(|c| c.account.clone()));
    let action = auth.action.clone();
    let s3_resource = f.context.bucket.as_ref().map(|b| match &f.context.key {
        Some(k) if action.as_deref() != Some("s3:ListBucket") => format!("arn:aws:s3:::{b}/{k}"),
        _ => format!("arn:aws:s3:::{b}"),
    });
    let resource = auth.resource.clone().or(s3_resource);
    Subject {
        failure,
        principal,
        account,
        action,
        resource,
        subject_is_caller,
        foreign_account,
    }
}

/// A decoded message names the principal, action, resource, decision and context that the
/// error text only carried encoded; the action it names implies the cause.
fn apply_decoded(d: &serde_json::Value, a: &mut Authorization, service: Option<&str>) {
    let prefix = service.map(crate::classify::codes::iam_prefix);
    crate::classify::decoded::apply(d, a, prefix.as_deref());
    if a.action
        .as_deref()
        .is_some_and(|x| x.eq_ignore_ascii_case("iam:PassRole"))
    {
        a.cause = Cause::Passrole;
    } else if a.action.as_deref().is_some_and(|x| x.starts_with("kms:")) {
        a.cause = Cause::Kms;
    } else if a.decision == Decision::ExplicitDeny
        && crate::classify::decoded_deny_has_conditions(Some(d))
    {
        a.cause = Cause::Condition;
    }
}

/// The IAM role behind an assumed-role session ARN (`arn:aws:sts::A:assumed-role/R/s` →
/// `arn:aws:iam::A:role/R`); any other ARN as it is.
pub fn role_arn_for(p: &str) -> String {
    let parts: Vec<&str> = p.split(':').collect();
    if parts.len() == 6
        && parts[2] == "sts"
        && let Some(rest) = parts[5].strip_prefix("assumed-role/")
    {
        let role = rest.split('/').next().unwrap_or(rest);
        return format!("arn:{}:iam::{}:role/{role}", parts[1], parts[4]);
    }
    p.to_string()
}

/// The role name behind `arn:…:assumed-role/NAME/session` or `arn:…:role/path/NAME`.
pub fn principal_role_name(p: &str) -> Option<String> {
    let rest = p.split(':').nth(5)?;
    if let Some(r) = rest.strip_prefix("assumed-role/") {
        return r.split('/').next().map(str::to_string);
    }
    rest.strip_prefix("role/")
        .and_then(|r| r.rsplit('/').next())
        .map(str::to_string)
}

/// One look-up awsx can make, with everything it needs, as data.
#[derive(Debug, Clone, PartialEq)]
pub enum Lookup {
    /// Who the look-ups run as.
    Caller,
    /// The encoded authorization failure message.
    Decode { blob: String },
    /// The applied and default value, usage and pending requests of a quota.
    Quota {
        service_code: String,
        quota_code: String,
    },
    /// A role the failure is about: the one passed (PassRole) or assumed (trust).
    Role { role: String },
    /// IAM's own simulation of the denied call, per layer.
    Simulate {
        source: String,
        action: String,
        resource: Option<String>,
        conditions: Vec<(String, Vec<String>)>,
    },
    /// The bucket's policy, public access block, ownership, encryption and region, matched
    /// against the denied call.
    Bucket {
        bucket: String,
        principal: Option<String>,
        account: Option<String>,
        action: Option<String>,
        resource: Option<String>,
    },
    /// The denied principal's own role: where a grant would go, and who owns it.
    OwnRole { name: String },
    /// The denied principal's identity policies and boundary, for awsx's own evaluation.
    IdentityPolicies { principal: String },
    /// The KMS key: state, owner, key policy and grants, matched against the action.
    Key {
        key: String,
        principal: Option<String>,
        account: Option<String>,
        action: String,
    },
}

/// The kinds of look-up, for `awsx doctor` and the tests: every kind with the AWS actions
/// its code calls (declared here, next to the plan that makes it) and what they enable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Caller,
    Decode,
    Quota,
    Role,
    Simulate,
    Bucket,
    OwnRole,
    IdentityPolicies,
    Key,
}

impl Kind {
    pub const ALL: [Kind; 9] = [
        Kind::Caller,
        Kind::Decode,
        Kind::Quota,
        Kind::Role,
        Kind::Simulate,
        Kind::Bucket,
        Kind::OwnRole,
        Kind::IdentityPolicies,
        Kind::Key,
    ];

    /// The AWS actions this look-up calls.
    pub fn actions(self) -> &'static [&'static str] {
        match self {
            Kind::Caller => &["sts:GetCallerIdentity"],
            Kind::Decode => &["sts:DecodeAuthorizationMessage"],
            Kind::Quota => &[
                "servicequotas:GetServiceQuota",
                "servicequotas:GetAWSDefaultServiceQuota",
                "servicequotas:ListRequestedServiceQuotaChangeHistoryByQuota",
                "cloudwatch:GetMetricData",
            ],
            Kind::Role | Kind::OwnRole => &["iam:GetRole"],
            Kind::Simulate => &["iam:SimulatePrincipalPolicy"],
            Kind::Bucket => &[
                "s3:HeadBucket",
                "s3:GetBucketPolicy",
                "s3:GetBucketPolicyStatus",
                "s3:GetPublicAccessBlock",
                "s3:GetBucketOwnershipControls",
                "s3:GetBucketEncryption",
                "s3:GetBucketLocation",
            ],
            Kind::IdentityPolicies => &crate::probe::policies::ACTIONS,
            Kind::Key => &["kms:DescribeKey", "kms:GetKeyPolicy", "kms:ListGrants"],
        }
    }

    /// What the look-up lets awsx tell (doctor's line for a missing permission).
    pub fn purpose(self) -> &'static str {
        match self {
            Kind::Caller => "tell who the look-ups run as",
            Kind::Decode => "decode encoded authorization messages",
            Kind::Quota => "read applied quota values, usage and pending requests",
            Kind::Role => "read trust policies and passed roles",
            Kind::Simulate => "find which policy layer denied a call",
            Kind::Bucket => "read bucket policies and settings",
            Kind::OwnRole => "find where a grant goes and who owns the role",
            Kind::IdentityPolicies => {
                "read the denied principal's own policies (awsx's evaluation of every layer)"
            }
            Kind::Key => "read key state, key policies and grants",
        }
    }
}

impl Lookup {
    pub fn kind(&self) -> Kind {
        match self {
            Lookup::Caller => Kind::Caller,
            Lookup::Decode { .. } => Kind::Decode,
            Lookup::Quota { .. } => Kind::Quota,
            Lookup::Role { .. } => Kind::Role,
            Lookup::Simulate { .. } => Kind::Simulate,
            Lookup::Bucket { .. } => Kind::Bucket,
            Lookup::OwnRole { .. } => Kind::OwnRole,
            Lookup::IdentityPolicies { .. } => Kind::IdentityPolicies,
            Lookup::Key { .. } => Kind::Key,
        }
    }
}

/// The look-ups run in rounds: each round's look-ups run concurrently, and a later round
/// reads what the earlier ones found (the decoded message names the principal; the bucket
/// names its default key).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Round {
    /// What the text alone asks for: the caller, the decoded message, the quota, the role.
    Text,
    /// What the decoded message and the caller point at: simulation, documents, the
    /// principal's role, the bucket.
    Subject,
    /// The KMS key (named on the command line, in the error, or the bucket's default).
    Key,
}

impl Round {
    pub const ALL: [Round; 3] = [Round::Text, Round::Subject, Round::Key];
}

/// One round's look-ups, or why the rest was not made.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Plan {
    pub lookups: Vec<Lookup>,
    /// Set when the look-ups stop here, with the one line that says why.
    pub stop: Option<String>,
}

/// Whether asking AWS can add anything to what the text says.
pub fn worth_probing(f: &Failure) -> bool {
    match f.category {
        Category::Authorization | Category::Trust => true,
        Category::Quota => f.quota.as_ref().is_some_and(|q| q.managed),
        _ => false,
    }
}

/// The look-ups of `round`, given the failure and what earlier rounds found.
pub fn plan(f: &Failure, fx: &Findings, round: Round) -> Plan {
    let is_auth = matches!(f.category, Category::Authorization | Category::Trust);
    match round {
        Round::Text => Plan {
            lookups: text_round(f, is_auth),
            stop: None,
        },
        _ if !is_auth => Plan::default(),
        Round::Subject => {
            let s = settle(f, fx);
            if let Some((text, caller)) = &s.foreign_account {
                return Plan {
                    lookups: Vec::new(),
                    stop: Some(format!(
                        "not made: the text's principal is in account {text}, these credentials are in {caller}; look-ups here would describe this account, not the one that failed"
                    )),
                };
            }
            Plan {
                lookups: subject_round(f, &s),
                stop: None,
            }
        }
        Round::Key => {
            let s = settle(f, fx);
            if s.foreign_account.is_some() {
                return Plan::default();
            }
            Plan {
                lookups: key_round(f, fx, &s).into_iter().collect(),
                stop: None,
            }
        }
    }
}

fn text_round(f: &Failure, is_auth: bool) -> Vec<Lookup> {
    let auth = f.authorization.clone().unwrap_or_default();
    let mut out = vec![Lookup::Caller];
    if let (Some(blob), false, None, true) = (
        &auth.encoded_message,
        auth.encoded_truncated,
        &auth.decoded,
        is_auth,
    ) {
        out.push(Lookup::Decode { blob: blob.clone() });
    }
    if let Some(q) = f.quota.as_ref().filter(|q| q.managed) {
        out.push(Lookup::Quota {
            service_code: q.service_code.clone(),
            quota_code: q.quota_code.clone(),
        });
    }
    if is_auth && (auth.cause == Cause::Passrole || f.category == Category::Trust) {
        // The role the message names beats the command line's instance profile name.
        let role = auth
            .resource
            .clone()
            .filter(|r| r.contains(":role/"))
            .or_else(|| f.context.role_arn.clone());
        if let Some(role) = role {
            out.push(Lookup::Role { role });
        }
    }
    out
}

fn subject_round(f: &Failure, s: &Subject) -> Vec<Lookup> {
    let trust = f.category == Category::Trust;
    let a = s.failure.authorization.clone().unwrap_or_default();
    let mut out = Vec::new();
    if let Some(p) = s.principal.as_ref().filter(|_| !trust) {
        out.push(Lookup::IdentityPolicies {
            principal: p.clone(),
        });
    }
    if let (Some(p), Some(action)) = (&s.principal, &s.action)
        && p.starts_with("arn:")
        && !trust
    {
        out.push(Lookup::Simulate {
            source: role_arn_for(p),
            action: action.clone(),
            resource: s.resource.clone(),
            conditions: a.conditions.clone(),
        });
    }
    if let Some(name) = s.principal.as_deref().and_then(principal_role_name)
        && !trust
        && !name.starts_with("AWSReservedSSO_")
    {
        out.push(Lookup::OwnRole { name });
    }
    if let Some(bucket) = &f.context.bucket {
        out.push(Lookup::Bucket {
            bucket: bucket.clone(),
            principal: s.principal.clone(),
            account: s.account.clone(),
            action: s.action.clone(),
            resource: s.resource.clone(),
        });
    }
    out
}

fn key_round(f: &Failure, fx: &Findings, s: &Subject) -> Option<Lookup> {
    let cause = s.failure.authorization.as_ref().map(|a| a.cause);
    let bucket_key = fx.bucket.as_ref().and_then(|b| b.kms_key.clone());
    if cause != Some(Cause::Kms) && bucket_key.is_none() {
        return None;
    }
    let key = f
        .context
        .kms_key
        .clone()
        .or_else(|| s.resource.clone().filter(|r| r.contains(":kms:")))
        .or(bucket_key)?;
    let action = s
        .action
        .clone()
        .filter(|x| x.starts_with("kms:"))
        .unwrap_or_else(|| {
            let writes = f
                .operation
                .as_deref()
                .is_some_and(|o| o.starts_with("Put") || o.contains("Upload"));
            if writes {
                "kms:GenerateDataKey"
            } else {
                "kms:Decrypt"
            }
            .to_string()
        });
    Some(Lookup::Key {
        key,
        principal: s.principal.clone(),
        account: s.account.clone(),
        action,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::classify;
    use crate::findings::{BucketFacts, Caller};

    fn kinds(p: &Plan) -> Vec<Kind> {
        p.lookups.iter().map(Lookup::kind).collect()
    }

    fn caller(arn: &str) -> Findings {
        Findings {
            subject_is_caller: true,
            caller: Some(Caller {
                arn: arn.into(),
                account: arn.split(':').nth(4).unwrap().into(),
                user_id: "AIDA".into(),
            }),
            ..Findings::default()
        }
    }

    const S3_DENY: &str = "An error occurred (AccessDenied) when calling the PutObject operation: User: arn:aws:iam::111122223333:user/ana is not authorized to perform: s3:PutObject on resource: \"arn:aws:s3:::bkt/k\" because no identity-based policy allows the s3:PutObject action";

    /// Every category: what the first round asks for from the text alone.
    #[test]
    fn the_text_round_per_category() {
        use Kind::*;
        let cases: &[(&str, &[Kind])] = &[
            (S3_DENY, &[Caller]),
            (
                "An error occurred (UnauthorizedOperation) when calling the RunInstances operation: You are not authorized to perform this operation. Encoded authorization failure message: AbCdEf0123456789AbCdEf0123456789AbCdEf0123456789",
                &[Caller, Decode],
            ),
            (
                "An error occurred (AccessDenied) when calling the AssumeRole operation: User: arn:aws:iam::111122223333:user/ana is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::111122223333:role/Deploy",
                &[Caller, Role],
            ),
            (
                "An error occurred (AddressLimitExceeded) when calling the AllocateAddress operation: The maximum number of addresses has been reached.",
                &[Caller, Quota],
            ),
        ];
        for (text, want) in cases {
            let f = classify(text, None);
            let p = plan(&f, &Findings::default(), Round::Text);
            assert_eq!(&kinds(&p), want, "{text}");
        }
        // Categories that the look-ups cannot add to are not probed at all.
        for text in [
            "An error occurred (Throttling) when calling the DescribeInstances operation: Rate exceeded",
            "An error occurred (InsufficientInstanceCapacity) when calling the RunInstances operation: We currently do not have sufficient p4d.24xlarge capacity in the Availability Zone you requested (us-east-1a).",
            "An error occurred (ExpiredToken) when calling the GetCallerIdentity operation: The security token included in the request is expired",
            "Could not connect to the endpoint URL: \"https://ec2.us-east-1.amazonaws.com/\"",
            "An error occurred (ValidationError) when calling the CreateStack operation: Template format error",
        ] {
            let f = classify(text, None);
            assert!(!worth_probing(&f), "{text}");
            let p = plan(&f, &Findings::default(), Round::Subject);
            assert!(p.lookups.is_empty(), "{text}");
        }
    }

    #[test]
    fn the_subject_round_reads_the_principal_and_the_bucket() {
        let mut f = classify(S3_DENY, None);
        f.context.bucket = Some("bkt".into());
        f.context.key = Some("k".into());
        let p = plan(
            &f,
            &caller("arn:aws:iam::111122223333:user/me"),
            Round::Subject,
        );
        assert_eq!(
            kinds(&p),
            [Kind::IdentityPolicies, Kind::Simulate, Kind::Bucket]
        );
        let Lookup::Simulate {
            source,
            action,
            resource,
            ..
        } = &p.lookups[1]
        else {
            unreachable!()
        };
        assert_eq!(source, "arn:aws:iam::111122223333:user/ana");
        assert_eq!(action, "s3:PutObject");
        assert_eq!(resource.as_deref(), Some("arn:aws:s3:::bkt/k"));
        // No KMS key anywhere: no third round.
        assert!(
            plan(&f, &Findings::default(), Round::Key)
                .lookups
                .is_empty()
        );
        // The bucket's default key makes one.
        let fx = Findings {
            bucket: Some(BucketFacts {
                kms_key: Some("arn:aws:kms:us-east-1:111122223333:key/abc".into()),
                ..BucketFacts::default()
            }),
            ..caller("arn:aws:iam::111122223333:user/ana")
        };
        let p = plan(&f, &fx, Round::Key);
        assert_eq!(
            p.lookups,
            [Lookup::Key {
                key: "arn:aws:kms:us-east-1:111122223333:key/abc".into(),
                principal: Some("arn:aws:iam::111122223333:user/ana".into()),
                account: Some("111122223333".into()),
                action: "kms:GenerateDataKey".into(),
            }]
        );
    }

    #[test]
    fn an_assumed_role_gets_its_role_read_unless_sso_owns_it() {
        let text = "An error occurred (AccessDeniedException) when calling the Invoke operation: User: arn:aws:sts::111122223333:assumed-role/App/i-0abc is not authorized to perform: lambda:InvokeFunction on resource: arn:aws:lambda:us-east-1:111122223333:function:f";
        let f = classify(text, None);
        let p = plan(&f, &Findings::default(), Round::Subject);
        assert_eq!(
            kinds(&p),
            [Kind::IdentityPolicies, Kind::Simulate, Kind::OwnRole]
        );
        assert!(p.lookups.contains(&Lookup::OwnRole { name: "App".into() }));
        let sso = text.replace("assumed-role/App", "assumed-role/AWSReservedSSO_Dev_0123");
        let p = plan(&classify(&sso, None), &Findings::default(), Round::Subject);
        assert_eq!(kinds(&p), [Kind::IdentityPolicies, Kind::Simulate]);
    }

    /// In `explain`, the caller is only the reader: without a principal in the text nothing
    /// is attributed to it, and a text from another account stops the look-ups.
    #[test]
    fn the_reader_is_not_the_subject() {
        let text = "An error occurred (AccessDenied) when calling the ListBuckets operation: Access Denied";
        let f = classify(text, None);
        let mut fx = caller("arn:aws:iam::111122223333:user/reader");
        fx.subject_is_caller = false;
        let s = settle(&f, &fx);
        assert_eq!(s.principal, None);
        assert!(!s.subject_is_caller);
        fx.subject_is_caller = true;
        assert_eq!(
            settle(&f, &fx).principal.as_deref(),
            Some("arn:aws:iam::111122223333:user/reader")
        );

        let f = classify(S3_DENY, None);
        let mut fx = caller("arn:aws:iam::999999999999:user/reader");
        fx.subject_is_caller = false;
        let p = plan(&f, &fx, Round::Subject);
        assert!(p.lookups.is_empty());
        assert!(p.stop.unwrap().contains("account 111122223333"));
        assert!(plan(&f, &fx, Round::Key).lookups.is_empty());
        // Same account, same role: the reader is the subject.
        let mut fx = caller("arn:aws:iam::111122223333:user/ana");
        fx.subject_is_caller = false;
        assert!(settle(&f, &fx).subject_is_caller);
    }

    #[test]
    fn a_decoded_message_settles_action_principal_and_cause() {
        let f = classify(
            "An error occurred (UnauthorizedOperation) when calling the RunInstances operation: You are not authorized to perform this operation. Encoded authorization failure message: AbCdEf0123456789AbCdEf0123456789AbCdEf0123456789",
            None,
        );
        let fx = Findings {
            decoded: Some(serde_json::json!({
                "allowed": false, "explicitDeny": false,
                "context": {
                    "principal": {"arn": "arn:aws:sts::111122223333:assumed-role/Dev/ana"},
                    "action": "iam:PassRole",
                    "resource": "arn:aws:iam::111122223333:role/Ec2App",
                    "conditions": {"items": []}
                }
            })),
            ..Findings::default()
        };
        let s = settle(&f, &fx);
        let a = s.failure.authorization.as_ref().unwrap();
        assert_eq!(a.cause, Cause::Passrole);
        assert_eq!(s.action.as_deref(), Some("iam:PassRole"));
        assert_eq!(s.account.as_deref(), Some("111122223333"));
        let p = plan(&f, &fx, Round::Subject);
        assert_eq!(
            kinds(&p),
            [Kind::IdentityPolicies, Kind::Simulate, Kind::OwnRole]
        );
    }

    /// Every AWS action the look-up code calls is declared by a kind (what doctor checks),
    /// and every declared action is called: adding a call without its row fails here.
    #[test]
    fn declared_actions_match_the_calls_in_the_code() {
        let sources = [
            include_str!("probe/sts.rs"),
            include_str!("probe/iam.rs"),
            include_str!("probe/kms.rs"),
            include_str!("probe/s3.rs"),
            include_str!("probe/quotas.rs"),
            include_str!("probe/policies.rs"),
        ]
        .concat();
        // The first argument of every `call(` is the action it makes.
        let called: std::collections::BTreeSet<&str> = sources
            .match_indices("call(")
            .filter_map(|(i, _)| {
                let rest = sources[i + 5..].trim_start().strip_prefix('"')?;
                rest.split('"').next()
            })
            .collect();
        assert!(called.len() > 20, "{called:?}");
        let declared: std::collections::BTreeSet<&str> = Kind::ALL
            .iter()
            .flat_map(|k| k.actions().iter().copied())
            .collect();
        let undeclared: Vec<_> = called.difference(&declared).collect();
        assert!(
            undeclared.is_empty(),
            "called but not declared: {undeclared:?}"
        );
        for a in &declared {
            assert!(
                sources.contains(&format!("\"{a}\"")),
                "declared, never called: {a}"
            );
        }
    }

    #[test]
    fn role_names_and_arns() {
        assert_eq!(
            role_arn_for("arn:aws:sts::123:assumed-role/Dev/alice"),
            "arn:aws:iam::123:role/Dev"
        );
        assert_eq!(
            principal_role_name("arn:aws:iam::1:role/path/to/R").as_deref(),
            Some("R")
        );
        assert_eq!(principal_role_name("arn:aws:iam::1:user/u"), None);
    }
}
