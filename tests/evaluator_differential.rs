//! Differential test of `awsx::evaluate` (every policy layer) against an IAM evaluator awsx
//! did not write: `@cloud-copilot/iam-simulate` (tests/oracle, test-only; see
//! tests/oracle/README.md).
//!
//! A seeded generator (deterministic: the same cases on every run) builds policy sets and
//! requests: identity policies, permissions boundaries, SCP allow-lists and denies over 1–3
//! levels, RCP denies, same-account and cross-account S3 bucket policies, KMS key policies,
//! role trust policies (`sts:AssumeRole`), SQS and EC2 requests without resource policies;
//! users, role sessions and service principals; every condition operator of the IAM
//! reference (String*, Numeric*, Date*, Bool, BinaryEquals, IpAddress/NotIpAddress, Arn*,
//! Null), `…IfExists`, `ForAnyValue:`/`ForAllValues:`, policy variables (with defaults, and
//! the `${*}`/`${?}`/`${$}` escapes), wildcards and case in actions, Action/NotAction,
//! Resource/NotResource, Principal/NotPrincipal. awsx's decision must equal the oracle's on
//! every case.
//!
//! Cases excluded by construction, because the oracle documents a gap or differs from the
//! AWS documentation (listed in docs/policy-matcher.md, "All layers"):
//!
//! - `Version` `2008-10-17` / missing with `${…}`: AWS reads the variable literally; the
//!   oracle substitutes it. Every generated policy has `2012-10-17`.
//! - SCPs for service-linked roles, service principals and the management account: AWS
//!   exempts them, the oracle applies whatever SCPs it is given. No SCPs are generated for
//!   service principals; no service-linked roles are generated.
//! - Context keys the oracle drops as not applying to the action (`ignoredContextKeys`): only
//!   global keys are used, and the test asserts nothing was dropped.
//! - `NotPrincipal` that lists only part of the caller's chain (the user but not its account,
//!   the session but not its role): AWS documents that the caller escapes only when every
//!   part is listed (awsx follows that); the oracle lets any listed part exclude the caller.
//!   Generated `NotPrincipal`s list the whole chain or none of it.
//! - A multivalued key (`aws:TagKeys`) under an operator without `ForAnyValue:` /
//!   `ForAllValues:`: the oracle always fails it, the AWS documentation leaves it undefined.
//! - A policy variable whose key is absent, without a default, under a negated operator: the
//!   oracle fails the condition, awsx (reading "Policy variables with no value" as "that value
//!   matches nothing") passes it.
//! - Variables in Numeric/Date/Bool/IP/Binary conditions (AWS allows them in string and ARN
//!   operators only), and in Arn* conditions: the oracle splits the policy ARN at every `:`,
//!   including the one inside `${aws:PrincipalAccount}`, so the variable never matches.
//! - Date conditions that compare epoch seconds with an ISO date (`aws:EpochTime` against
//!   `2020-01-01T00:00:00Z`, `aws:CurrentTime` against `1717243200`): the oracle compares the
//!   epoch number as seconds against the ISO date in milliseconds. awsx converts both to
//!   seconds, as the Condition operators page describes (epoch values are seconds).
//! - Request resources containing `*` or `?`, short (fewer than 6 parts) resource ARNs, and
//!   `Resource: "*"` requests.
//! - Session policies (not covered by the oracle's smoke test; awsx reports them unknown).

mod common;

use awsx::evaluate::{Decision, NamedPolicy, PolicySet, Request, evaluate};
use common::oracle::{self, OracleRequest, decision, ignored_context_keys};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

const A: &str = "111122223333";
const B: &str = "444455556666";

/// SplitMix64: small, seeded, reproducible.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    User,
    Session,
    Service,
}

struct Caller {
    arn: String,
    kind: Kind,
    account: &'static str,
    /// The role ARN of a session, the user ARN of a user.
    base: String,
}

fn caller(rng: &mut Rng, allow_service: bool) -> Caller {
    let account = if rng.chance(70) { A } else { B };
    let roll = rng.below(100);
    if allow_service && roll < 8 {
        return Caller {
            arn: "lambda.amazonaws.com".into(),
            kind: Kind::Service,
            account: "",
            base: String::new(),
        };
    }
    if roll < 55 {
        let arn = format!("arn:aws:iam::{account}:user/alice");
        Caller {
            base: arn.clone(),
            arn,
            kind: Kind::User,
            account,
        }
    } else {
        Caller {
            arn: format!("arn:aws:sts::{account}:assumed-role/deployer/ci"),
            base: format!("arn:aws:iam::{account}:role/deployer"),
            kind: Kind::Session,
            account,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Target {
    S3,
    Kms,
    Sts,
    Sqs,
    Ec2,
}

const OBJECT_HOME: &str = "arn:aws:s3:::team-bucket/home/alice/notes.txt";
const OBJECT_DATA: &str = "arn:aws:s3:::team-bucket/data/report.csv";

fn target_action_resource(rng: &mut Rng, t: Target) -> (&'static str, String) {
    match t {
        Target::S3 => (
            *rng.pick(&["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]),
            rng.pick(&[OBJECT_HOME, OBJECT_DATA]).to_string(),
        ),
        Target::Kms => (
            *rng.pick(&["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"]),
            format!("arn:aws:kms:us-east-1:{A}:key/1234abcd-12ab-34cd-56ef-1234567890ab"),
        ),
        Target::Sts => ("sts:AssumeRole", format!("arn:aws:iam::{A}:role/target")),
        Target::Sqs => (
            *rng.pick(&["sqs:SendMessage", "sqs:ReceiveMessage"]),
            format!("arn:aws:sqs:us-east-1:{A}:jobs"),
        ),
        Target::Ec2 => (
            *rng.pick(&["ec2:StartInstances", "ec2:StopInstances"]),
            format!("arn:aws:ec2:us-east-1:{A}:instance/i-0123456789abcdef0"),
        ),
    }
}

// ---------------------------------------------------------------------------
// Context
// ---------------------------------------------------------------------------

/// The request context: key -> values; `None` = absent. Multivalued: aws:TagKeys only.
struct Ctx {
    keys: Vec<(&'static str, Option<Vec<String>>)>,
}

fn context(rng: &mut Rng, c: &Caller) -> Ctx {
    let mut keys: Vec<(&'static str, Option<Vec<String>>)> = Vec::new();
    let mut maybe = |rng: &mut Rng, key: &'static str, pool: &[&str]| {
        let v = if rng.chance(80) {
            Some(vec![rng.pick(pool).to_string()])
        } else {
            None
        };
        keys.push((key, v));
    };
    maybe(
        rng,
        "aws:SourceIp",
        &["10.0.0.5", "192.168.1.20", "203.0.113.9", "2001:db8::1"],
    );
    maybe(
        rng,
        "aws:CurrentTime",
        &[
            "2024-06-01T12:00:00Z",
            "2019-12-31T23:59:59Z",
            "2030-01-01T00:00:00Z",
        ],
    );
    maybe(
        rng,
        "aws:EpochTime",
        &["1717243200", "1500000000", "2000000000"],
    );
    maybe(rng, "aws:SecureTransport", &["true", "false"]);
    maybe(rng, "aws:MultiFactorAuthAge", &["300", "7200", "3600.5"]);
    maybe(
        rng,
        "aws:PrincipalTag/team",
        &["ops", "dev", "OPS", "a*", "ab"],
    );
    maybe(rng, "aws:PrincipalTag/blob", &["QmluYXJ5", "T3RoZXI="]);
    maybe(rng, "aws:RequestedRegion", &["us-east-1", "eu-west-1"]);
    maybe(
        rng,
        "aws:SourceArn",
        &[
            "arn:aws:sns:us-east-1:111122223333:topic",
            "arn:aws:sqs:eu-west-1:444455556666:q",
        ],
    );
    let tags = if rng.chance(75) {
        let pool = ["env", "team", "cost", "Owner"];
        let n = 1 + rng.below(3);
        let mut v: Vec<String> = Vec::new();
        for _ in 0..n {
            let t = rng.pick(&pool).to_string();
            if !v.contains(&t) {
                v.push(t);
            }
        }
        Some(v)
    } else {
        None
    };
    keys.push(("aws:TagKeys", tags));
    // Keys awsx derives from the caller are given to both, with the same values.
    match c.kind {
        Kind::User => {
            keys.push(("aws:username", Some(vec!["alice".into()])));
            keys.push(("aws:PrincipalArn", Some(vec![c.arn.clone()])));
            keys.push(("aws:PrincipalAccount", Some(vec![c.account.into()])));
        }
        Kind::Session => {
            keys.push(("aws:username", None));
            keys.push(("aws:PrincipalArn", Some(vec![c.base.clone()])));
            keys.push(("aws:PrincipalAccount", Some(vec![c.account.into()])));
        }
        Kind::Service => {
            keys.push(("aws:username", None));
            keys.push(("aws:PrincipalArn", None));
            keys.push(("aws:PrincipalAccount", None));
        }
    }
    Ctx { keys }
}

impl Ctx {
    fn present(&self, key: &str) -> bool {
        self.keys.iter().any(|(k, v)| *k == key && v.is_some())
    }
    fn for_awsx(&self) -> BTreeMap<String, Vec<String>> {
        self.keys
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone().unwrap_or_default()))
            .collect()
    }
    fn for_oracle(&self) -> Map<String, Value> {
        self.keys
            .iter()
            .filter_map(|(k, v)| {
                let v = v.as_ref()?;
                let value = if *k == "aws:TagKeys" {
                    json!(v)
                } else {
                    json!(v[0])
                };
                Some((k.to_string(), value))
            })
            .collect()
    }
}

// ---------------------------------------------------------------------------
// Conditions
// ---------------------------------------------------------------------------

fn condition(rng: &mut Rng, ctx: &Ctx) -> Value {
    let kind = rng.below(12);
    let (op, key, values): (String, &str, Vec<String>) = match kind {
        0..=2 => {
            let op = rng
                .pick(&[
                    "StringEquals",
                    "StringNotEquals",
                    "StringEqualsIgnoreCase",
                    "StringNotEqualsIgnoreCase",
                    "StringLike",
                    "StringNotLike",
                ])
                .to_string();
            let negated = op.contains("Not");
            let key = *rng.pick(&[
                "aws:PrincipalTag/team",
                "aws:RequestedRegion",
                "aws:username",
                "aws:PrincipalAccount",
            ]);
            let mut pool: Vec<&str> = match key {
                "aws:PrincipalTag/team" => vec!["ops", "Ops", "dev", "o*", "d?v", "a${*}"],
                "aws:RequestedRegion" => vec!["us-east-1", "US-EAST-1", "eu-*", "*-1"],
                "aws:username" => vec!["alice", "bob", "al*"],
                _ => vec![A, B, "1111*", "${aws:PrincipalAccount}"],
            };
            if key == "aws:PrincipalTag/team" {
                pool.push("${aws:RequestedRegion, 'ops'}");
                // A variable whose key may be absent, without a default, only when positive.
                if !negated || ctx.present("aws:username") {
                    pool.push("${aws:username}");
                }
            }
            let n = 1 + rng.below(2);
            let values = (0..n).map(|_| rng.pick(&pool).to_string()).collect();
            (op, key, values)
        }
        3 => {
            let op = rng
                .pick(&[
                    "NumericEquals",
                    "NumericNotEquals",
                    "NumericLessThan",
                    "NumericLessThanEquals",
                    "NumericGreaterThan",
                    "NumericGreaterThanEquals",
                ])
                .to_string();
            let values = vec![rng.pick(&["300", "3600", "3600.5", "7200"]).to_string()];
            (op, "aws:MultiFactorAuthAge", values)
        }
        4 => {
            let op = rng
                .pick(&[
                    "DateEquals",
                    "DateNotEquals",
                    "DateLessThan",
                    "DateLessThanEquals",
                    "DateGreaterThan",
                    "DateGreaterThanEquals",
                ])
                .to_string();
            // ISO dates against aws:CurrentTime, epoch seconds against aws:EpochTime (the
            // oracle compares epoch seconds with ISO dates in milliseconds: excluded).
            let key = *rng.pick(&["aws:CurrentTime", "aws:EpochTime"]);
            let pool: &[&str] = if key == "aws:CurrentTime" {
                &["2024-06-01T12:00:00Z", "2020-01-01T00:00:00Z", "2025-01-01"]
            } else {
                &["1717243200", "1600000000", "1500000000"]
            };
            let values = vec![rng.pick(pool).to_string()];
            (op, key, values)
        }
        5 => (
            "Bool".into(),
            "aws:SecureTransport",
            vec![rng.pick(&["true", "false", "True"]).to_string()],
        ),
        6 => (
            "BinaryEquals".into(),
            "aws:PrincipalTag/blob",
            vec![rng.pick(&["QmluYXJ5", "T3RoZXI="]).to_string()],
        ),
        7 => {
            let op = rng.pick(&["IpAddress", "NotIpAddress"]).to_string();
            let n = 1 + rng.below(2);
            let values = (0..n)
                .map(|_| {
                    rng.pick(&[
                        "10.0.0.0/8",
                        "192.168.1.0/24",
                        "203.0.113.9/32",
                        "203.0.113.9",
                        "2001:db8::/32",
                    ])
                    .to_string()
                })
                .collect();
            (op, "aws:SourceIp", values)
        }
        8 => {
            let op = rng
                .pick(&["ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike"])
                .to_string();
            let values = vec![
                rng.pick(&[
                    "arn:aws:sns:us-east-1:111122223333:topic",
                    "arn:aws:sns:*:111122223333:*",
                    "arn:aws:sqs:*:*:*",
                    "arn:aws:*:*:444455556666:*",
                ])
                .to_string(),
            ];
            (op, "aws:SourceArn", values)
        }
        9 => {
            let key = *rng.pick(&[
                "aws:SourceIp",
                "aws:PrincipalTag/team",
                "aws:TagKeys",
                "aws:MultiFactorAuthAge",
            ]);
            (
                "Null".into(),
                key,
                vec![rng.pick(&["true", "false"]).to_string()],
            )
        }
        _ => {
            // Set operators over the multivalued aws:TagKeys (and single-valued keys).
            let set = rng.pick(&["ForAnyValue:", "ForAllValues:"]);
            let base = rng.pick(&[
                "StringEquals",
                "StringNotEquals",
                "StringLike",
                "StringEqualsIgnoreCase",
            ]);
            let key = if rng.chance(80) {
                "aws:TagKeys"
            } else {
                "aws:RequestedRegion"
            };
            let n = 1 + rng.below(3);
            let values = (0..n)
                .map(|_| {
                    rng.pick(&["env", "team", "owner", "c*", "us-east-1"])
                        .to_string()
                })
                .collect();
            (format!("{set}{base}"), key, values)
        }
    };
    let op = if op != "Null" && rng.chance(20) {
        format!("{op}IfExists")
    } else {
        op
    };
    json!({ op: { key: values } })
}

fn conditions(rng: &mut Rng, ctx: &Ctx, percent: u64) -> Option<Value> {
    if !rng.chance(percent) {
        return None;
    }
    let mut block = Map::new();
    for _ in 0..1 + rng.below(2) {
        let c = condition(rng, ctx);
        for (op, keys) in c.as_object().expect("object") {
            let entry = block.entry(op.clone()).or_insert_with(|| json!({}));
            for (k, v) in keys.as_object().expect("object") {
                entry[k] = v.clone();
            }
        }
    }
    Some(Value::Object(block))
}

// ---------------------------------------------------------------------------
// Statements and policies
// ---------------------------------------------------------------------------

fn action_patterns(action: &str) -> Vec<String> {
    let (svc, name) = action.split_once(':').expect("service:action");
    let mut name_q = name.to_string();
    name_q.replace_range(0..1, "?");
    vec![
        action.to_string(),
        action.to_lowercase(),
        format!("{svc}:*"),
        format!("{svc}:{}*", &name[..3]),
        format!("{svc}:{name_q}"),
        "*".to_string(),
        "iam:*".to_string(),
        "s3:ListBucket".to_string(),
        "kms:Describe*".to_string(),
        "sts:AssumeRole".to_string(),
        "ec2:StartInstances".to_string(),
    ]
}

fn resource_patterns(t: Target, resource: &str, account: &str) -> Vec<String> {
    let mut v = vec!["*".to_string(), resource.to_string()];
    match t {
        Target::S3 => v.extend(
            [
                "arn:aws:s3:::team-bucket/*",
                "arn:aws:s3:::team-bucket/home/*",
                "arn:aws:s3:::team-bucket/home/${aws:username}/*",
                "arn:aws:s3:::team-bucket/data/*.csv",
                "arn:aws:s3:::other-bucket/*",
                "arn:aws:s3:::team-bucket",
                "arn:aws:s3:::team-?ucket/*",
            ]
            .map(String::from),
        ),
        Target::Kms => v.extend([
            format!("arn:aws:kms:*:{account}:key/*"),
            format!("arn:aws:kms:us-east-1:{account}:alias/*"),
            "arn:aws:kms:eu-west-1:*:key/*".to_string(),
        ]),
        Target::Sts => v.extend([
            format!("arn:aws:iam::{account}:role/*"),
            format!("arn:aws:iam::{account}:role/other"),
            "arn:aws:iam::*:role/t*".to_string(),
        ]),
        Target::Sqs => v.extend([
            format!("arn:aws:sqs:*:{account}:*"),
            format!("arn:aws:sqs:us-east-1:{account}:other"),
        ]),
        Target::Ec2 => v.extend([
            format!("arn:aws:ec2:*:{account}:instance/*"),
            format!("arn:aws:ec2:us-east-1:{account}:volume/*"),
        ]),
    }
    v
}

struct Gen<'a> {
    target: Target,
    action: &'a str,
    resource: &'a str,
    resource_account: &'a str,
    ctx: &'a Ctx,
}

impl Gen<'_> {
    /// An identity-side statement (identity policy, boundary, SCP).
    fn statement(&self, rng: &mut Rng, deny_percent: u64, cond_percent: u64) -> Value {
        let mut st = Map::new();
        let effect = if rng.chance(deny_percent) {
            "Deny"
        } else {
            "Allow"
        };
        st.insert("Effect".into(), json!(effect));
        if rng.chance(30) {
            st.insert("Sid".into(), json!(format!("S{}", rng.below(1000))));
        }
        let acts = action_patterns(self.action);
        let n = 1 + rng.below(2);
        let chosen: Vec<&String> = (0..n).map(|_| rng.pick(&acts)).collect();
        if rng.chance(12) {
            st.insert("NotAction".into(), json!(chosen));
        } else if n == 1 && rng.chance(50) {
            st.insert("Action".into(), json!(chosen[0]));
        } else {
            st.insert("Action".into(), json!(chosen));
        }
        let res = resource_patterns(self.target, self.resource, self.resource_account);
        let n = 1 + rng.below(2);
        let chosen: Vec<&String> = (0..n).map(|_| rng.pick(&res)).collect();
        if rng.chance(12) && chosen.iter().all(|r| *r != "*") {
            st.insert("NotResource".into(), json!(chosen));
        } else {
            st.insert("Resource".into(), json!(chosen));
        }
        if let Some(c) = conditions(rng, self.ctx, cond_percent) {
            st.insert("Condition".into(), c);
        }
        Value::Object(st)
    }

    fn policy(&self, rng: &mut Rng, deny_percent: u64, cond_percent: u64) -> Value {
        let n = 1 + rng.below(3);
        let sts: Vec<Value> = (0..n)
            .map(|_| self.statement(rng, deny_percent, cond_percent))
            .collect();
        json!({"Version": "2012-10-17", "Statement": sts})
    }

    fn principal(&self, rng: &mut Rng, c: &Caller) -> Value {
        let other_user = format!("arn:aws:iam::{B}:user/mallory");
        let pool: Vec<Value> = match c.kind {
            Kind::Service => vec![
                json!({"Service": "lambda.amazonaws.com"}),
                json!({"Service": "ec2.amazonaws.com"}),
                json!("*"),
            ],
            _ => vec![
                json!({"AWS": c.arn}),
                json!({"AWS": c.base}),
                json!({"AWS": format!("arn:aws:iam::{}:root", c.account)}),
                json!({"AWS": c.account}),
                json!({"AWS": format!("arn:aws:iam::{}:root", self.resource_account)}),
                json!("*"),
                json!({"AWS": "*"}),
                json!({"AWS": other_user}),
                json!({"AWS": [other_user, c.arn]}),
                json!({"Service": "ec2.amazonaws.com"}),
            ],
        };
        rng.pick(&pool).clone()
    }

    /// NotPrincipal listing the caller's whole chain, or none of it (see the doc comment).
    fn not_principal(&self, rng: &mut Rng, c: &Caller) -> Value {
        if c.kind != Kind::Service && rng.chance(50) {
            let root = format!("arn:aws:iam::{}:root", c.account);
            match c.kind {
                Kind::User => json!({"AWS": [root, c.arn]}),
                _ => json!({"AWS": [root, c.base, c.arn]}),
            }
        } else {
            json!({"AWS": [format!("arn:aws:iam::{B}:user/mallory"), "arn:aws:iam::999988887777:root"]})
        }
    }

    fn resource_statement(&self, rng: &mut Rng, c: &Caller, deny_percent: u64) -> Value {
        let mut st = Map::new();
        let deny = rng.chance(deny_percent);
        st.insert("Effect".into(), json!(if deny { "Deny" } else { "Allow" }));
        if rng.chance(40) {
            st.insert("Sid".into(), json!(format!("R{}", rng.below(1000))));
        }
        if deny && rng.chance(30) {
            st.insert("NotPrincipal".into(), self.not_principal(rng, c));
        } else {
            st.insert("Principal".into(), self.principal(rng, c));
        }
        let acts = action_patterns(self.action);
        let a = rng.pick(&acts).clone();
        if rng.chance(10) {
            st.insert("NotAction".into(), json!(a));
        } else {
            st.insert("Action".into(), json!(a));
        }
        match self.target {
            Target::Sts => {}
            Target::Kms => {
                st.insert("Resource".into(), json!("*"));
            }
            _ => {
                let res = resource_patterns(self.target, self.resource, self.resource_account);
                st.insert("Resource".into(), json!(rng.pick(&res)));
            }
        }
        if let Some(cond) = conditions(rng, self.ctx, 30) {
            st.insert("Condition".into(), cond);
        }
        Value::Object(st)
    }
}

fn scp_level(rng: &mut Rng, g: &Gen) -> Vec<Value> {
    let full = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]});
    let mut level = Vec::new();
    match rng.below(4) {
        0 | 1 => level.push(full),
        2 => {
            // An allow-list.
            let acts = action_patterns(g.action);
            let list: Vec<&String> = (0..1 + rng.below(3)).map(|_| rng.pick(&acts)).collect();
            level.push(json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": list, "Resource": "*"}]}));
        }
        _ => level.push(g.policy(rng, 30, 40)),
    }
    if rng.chance(35) {
        level.push(g.policy(rng, 80, 60));
    }
    level
}

fn rcp_level(rng: &mut Rng, g: &Gen, c: &Caller) -> Vec<Value> {
    let mut st = match g.resource_statement(rng, c, 100) {
        Value::Object(m) => m,
        _ => unreachable!(),
    };
    // RCPs take Principal "*" only, and a Resource.
    st.remove("NotPrincipal");
    if let Some(a) = st.remove("NotAction") {
        st.insert("Action".into(), a);
    }
    if st["Action"] == "*" {
        st.insert("Action".into(), json!(g.action));
    }
    st.insert("Principal".into(), json!("*"));
    st.entry("Resource").or_insert(json!("*"));
    vec![json!({"Version": "2012-10-17", "Statement": [Value::Object(st)]})]
}

struct Case {
    set: PolicySet,
    oracle: OracleRequest,
    principal: String,
    action: String,
    resource: String,
    resource_account: String,
    context: BTreeMap<String, Vec<String>>,
    what: String,
}

fn named(prefix: &str, docs: &[Value]) -> Vec<NamedPolicy> {
    docs.iter()
        .enumerate()
        .map(|(i, d)| NamedPolicy::new(format!("{prefix}-{i}"), d.clone()))
        .collect()
}

fn generate(rng: &mut Rng) -> Case {
    let target = *rng.pick(&[
        Target::S3,
        Target::S3,
        Target::S3,
        Target::Kms,
        Target::Kms,
        Target::Sts,
        Target::Sts,
        Target::Sqs,
        Target::Ec2,
    ]);
    let c = caller(rng, matches!(target, Target::Sts | Target::S3));
    let (action, resource) = target_action_resource(rng, target);
    let ctx = context(rng, &c);
    let g = Gen {
        target,
        action,
        resource: &resource,
        resource_account: A,
        ctx: &ctx,
    };
    let mut what = vec![format!("{target:?}"), format!("{:?}", c.kind)];
    if c.account == B {
        what.push("cross-account".into());
    }
    let mut identity = Vec::new();
    let mut boundary = None;
    let mut scps: Vec<Vec<Value>> = Vec::new();
    let mut rcps: Vec<Vec<Value>> = Vec::new();
    if c.kind != Kind::Service {
        for _ in 0..rng.below(4) {
            identity.push(g.policy(rng, 20, 45));
        }
        if rng.chance(30) {
            boundary = Some(g.policy(rng, 15, 30));
            what.push("boundary".into());
        }
        if rng.chance(40) {
            for _ in 0..1 + rng.below(3) {
                scps.push(scp_level(rng, &g));
            }
            what.push(format!("scp x{}", scps.len()));
        }
        if matches!(target, Target::S3 | Target::Kms | Target::Sts | Target::Sqs) && rng.chance(20)
        {
            for _ in 0..1 + rng.below(2) {
                rcps.push(rcp_level(rng, &g, &c));
            }
            what.push(format!("rcp x{}", rcps.len()));
        }
    }
    let resource_policy = match target {
        Target::Kms | Target::Sts => true,
        Target::S3 | Target::Sqs => rng.chance(65),
        Target::Ec2 => false,
    }
    .then(|| {
        let n = 1 + rng.below(3);
        let sts: Vec<Value> = (0..n).map(|_| g.resource_statement(rng, &c, 25)).collect();
        json!({"Version": "2012-10-17", "Statement": sts})
    });
    if resource_policy.is_some() {
        what.push("resource policy".into());
    }

    let mut oracle = OracleRequest::new(&c.arn, action, &resource).resource_account(A);
    oracle.context = ctx.for_oracle();
    oracle.identity_policies = identity.clone();
    oracle.permission_boundaries = boundary.clone().map(|b| vec![b]);
    if !scps.is_empty() {
        oracle.scps = Some(scps.clone());
    }
    if !rcps.is_empty() {
        oracle.rcps = Some(rcps.clone());
    }
    oracle.resource_policy = resource_policy.clone();
    let set = PolicySet {
        identity: named("identity", &identity),
        boundary: boundary.map(|b| NamedPolicy::new("boundary", b)),
        scps: Some(scps.iter().map(|l| named("scp", l)).collect()),
        rcps: Some(rcps.iter().map(|l| named("rcp", l)).collect()),
        resource_policy: resource_policy.map(|p| NamedPolicy::new("resource", p)),
        ..Default::default()
    };
    Case {
        set,
        oracle,
        principal: c.arn.clone(),
        action: action.to_string(),
        resource,
        resource_account: A.to_string(),
        context: ctx.for_awsx(),
        what: what.join(", "),
    }
}

fn awsx_decision(d: Decision) -> &'static str {
    match d {
        Decision::Allowed => "Allowed",
        Decision::ExplicitDeny => "ExplicitlyDenied",
        Decision::ImplicitDeny => "ImplicitlyDenied",
        Decision::Denied => "Denied (explicit unknown)",
        Decision::Unknown => "Unknown",
    }
}

const CASES: usize = 1200;
const SEED: u64 = 0x5EED_0012;

#[test]
fn awsx_agrees_with_the_oracle() {
    let mut rng = Rng(SEED);
    let cases: Vec<Case> = (0..CASES).map(|_| generate(&mut rng)).collect();
    let reqs: Vec<OracleRequest> = cases.iter().map(|c| c.oracle.clone()).collect();
    let results = oracle::evaluate_requests(&reqs);
    let mut wrong = Vec::new();
    let mut tally: BTreeMap<String, usize> = BTreeMap::new();
    let mut compared = 0;
    for (i, (case, got)) in cases.iter().zip(&results).enumerate() {
        let want = decision(got);
        if want == "Error" {
            wrong.push(format!("case {i}: the oracle could not evaluate it: {got}"));
            continue;
        }
        let ignored = ignored_context_keys(got);
        assert!(
            ignored.is_empty(),
            "case {i}: oracle ignored {ignored:?}: {got}"
        );
        let req = Request {
            principal: &case.principal,
            action: &case.action,
            resource: &case.resource,
            resource_account: Some(&case.resource_account),
            context: &case.context,
        };
        let ev = evaluate(&case.set, &req);
        let mine = awsx_decision(ev.decision);
        compared += 1;
        *tally.entry(want.to_string()).or_default() += 1;
        if mine != want {
            wrong.push(format!(
                "case {i} ({}): awsx {mine}, oracle {want}\n  oracle details: {}\n  awsx: {}\n  request: {}",
                case.what,
                got["details"],
                serde_json::to_string(&ev).unwrap(),
                case.oracle.to_value()
            ));
        }
    }
    let dump = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("evaluator_differential.txt");
    std::fs::write(&dump, wrong.join("\n\n")).expect("write the disagreements");
    println!("disagreements written to {}", dump.display());
    println!(
        "differential: {compared} cases compared, {} disagreements; oracle decisions {tally:?}",
        wrong.len()
    );
    assert!(
        wrong.is_empty(),
        "{} of {compared} cases disagree:\n{}",
        wrong.len(),
        wrong.iter().take(8).cloned().collect::<Vec<_>>().join("\n")
    );
    assert!(compared >= 500, "only {compared} cases compared");
    for d in ["Allowed", "ImplicitlyDenied", "ExplicitlyDenied"] {
        assert!(
            tally.get(d).copied().unwrap_or(0) >= 50,
            "too few {d} cases: {tally:?}"
        );
    }
}
