//! The IAM oracle (tests/oracle, over @cloud-copilot/iam-simulate) discriminates: it denies
//! what AWS denies, so a test that asks it "does awsx's printed grant allow this request?"
//! cannot pass because the oracle says Allowed to everything. Each case states what AWS's
//! documented evaluation logic decides; tests/oracle/README.md lists where the library differs.
mod common;

use common::oracle::{
    OracleRequest, decision, evaluate, evaluate_requests, ignored_context_keys, policy,
};
use serde_json::{Value, json};

const ACCOUNT: &str = "123456789012";
const OTHER: &str = "210987654321";
const ALICE: &str = "arn:aws:iam::123456789012:user/alice";
const BOB: &str = "arn:aws:iam::210987654321:user/bob";
const INSTANCE: &str = "arn:aws:ec2:us-east-1:123456789012:instance/i-0123456789abcdef0";
const INSTANCES: &str = "arn:aws:ec2:us-east-1:123456789012:instance/*";
const OBJECT: &str = "arn:aws:s3:::team-bucket/reports/q1.csv";
const ROLE: &str = "arn:aws:iam::123456789012:role/deployer";
const KEY: &str = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";

fn allow(action: &str, resource: &str) -> Value {
    policy(json!({"Effect": "Allow", "Action": action, "Resource": resource}))
}

fn allow_all() -> Value {
    allow("*", "*")
}

fn bucket_policy(principal: &str) -> Value {
    policy(json!({
        "Effect": "Allow",
        "Principal": {"AWS": principal},
        "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::team-bucket/*"
    }))
}

fn trust_policy(principal: Value) -> Value {
    policy(json!({"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}))
}

/// Allow RunInstances, but deny any instance type other than t3.micro.
fn only_micro() -> Value {
    policy(json!([
        {"Effect": "Allow", "Action": "ec2:RunInstances", "Resource": "*"},
        {
            "Sid": "OnlyMicro",
            "Effect": "Deny",
            "Action": "ec2:RunInstances",
            "Resource": "*",
            "Condition": {"StringNotEquals": {"ec2:InstanceType": "t3.micro"}}
        }
    ]))
}

fn deny_insecure_transport() -> Value {
    policy(json!([
        {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
        {
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Action": "*",
            "Resource": "*",
            "Condition": {"Bool": {"aws:SecureTransport": "false"}}
        }
    ]))
}

fn get_object(principal: &str) -> OracleRequest {
    OracleRequest::new(principal, "s3:GetObject", OBJECT)
}

fn run_micro(instance_type: Option<&str>) -> OracleRequest {
    let r = OracleRequest::new(ALICE, "ec2:RunInstances", INSTANCES).identity(only_micro());
    match instance_type {
        Some(t) => r.context("ec2:InstanceType", t),
        None => r,
    }
}

fn cases() -> Vec<(&'static str, OracleRequest, &'static str)> {
    vec![
        // Identity policies: the exact action and resource, and nothing more.
        (
            "identity allow on exactly the action and resource",
            OracleRequest::new(ALICE, "ec2:StartInstances", INSTANCE)
                .identity(allow("ec2:StartInstances", INSTANCE)),
            "Allowed",
        ),
        (
            "identity allow on another resource",
            OracleRequest::new(
                ALICE,
                "ec2:StartInstances",
                "arn:aws:ec2:us-east-1:123456789012:instance/i-0fffffffffffffff0",
            )
            .identity(allow("ec2:StartInstances", INSTANCE)),
            "ImplicitlyDenied",
        ),
        (
            "identity allow on another action",
            OracleRequest::new(ALICE, "ec2:StopInstances", INSTANCE)
                .identity(allow("ec2:StartInstances", INSTANCE)),
            "ImplicitlyDenied",
        ),
        (
            "no policy at all",
            OracleRequest::new(ALICE, "ec2:StartInstances", INSTANCE),
            "ImplicitlyDenied",
        ),
        (
            "action wildcard in the policy",
            OracleRequest::new(ALICE, "ec2:StartInstances", INSTANCE)
                .identity(allow("ec2:Start*", "arn:aws:ec2:*:123456789012:instance/*")),
            "Allowed",
        ),
        // A request's '*' is literal (RunInstances' instance/*): a grant on one instance
        // does not cover it, a grant on instance/* does.
        (
            "RunInstances instance/* against a grant on one instance",
            OracleRequest::new(ALICE, "ec2:RunInstances", INSTANCES)
                .identity(allow("ec2:RunInstances", INSTANCE)),
            "ImplicitlyDenied",
        ),
        (
            "RunInstances instance/* against a grant on instance/*",
            OracleRequest::new(ALICE, "ec2:RunInstances", INSTANCES)
                .identity(allow("ec2:RunInstances", INSTANCES)),
            "Allowed",
        ),
        // Conditions.
        (
            "StringNotEquals t3.micro deny, p3.2xlarge requested",
            run_micro(Some("p3.2xlarge")),
            "ExplicitlyDenied",
        ),
        (
            "StringNotEquals t3.micro deny, t3.micro requested",
            run_micro(Some("t3.micro")),
            "Allowed",
        ),
        (
            "StringNotEquals deny matches when the key is absent",
            run_micro(None),
            "ExplicitlyDenied",
        ),
        (
            "aws:SecureTransport false deny, over HTTP",
            get_object(ALICE)
                .identity(deny_insecure_transport())
                .context("aws:SecureTransport", "false"),
            "ExplicitlyDenied",
        ),
        (
            "aws:SecureTransport false deny, over TLS",
            get_object(ALICE)
                .identity(deny_insecure_transport())
                .context("aws:SecureTransport", "true"),
            "Allowed",
        ),
        (
            "IfExists allow with the key absent",
            OracleRequest::new(ALICE, "ec2:RunInstances", INSTANCES).identity(policy(json!({
                "Effect": "Allow",
                "Action": "ec2:RunInstances",
                "Resource": "*",
                "Condition": {"StringEqualsIfExists": {"ec2:InstanceType": "t3.micro"}}
            }))),
            "Allowed",
        ),
        (
            "iam:PassedToService condition names another service",
            OracleRequest::new(ALICE, "iam:PassRole", ROLE)
                .context("iam:PassedToService", "ec2.amazonaws.com")
                .identity(policy(json!({
                    "Effect": "Allow",
                    "Action": "iam:PassRole",
                    "Resource": ROLE,
                    "Condition": {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}
                }))),
            "ImplicitlyDenied",
        ),
        (
            "policy variable ${aws:username} in the resource",
            OracleRequest::new(ALICE, "s3:GetObject", "arn:aws:s3:::home/alice/notes.txt")
                .context("aws:username", "alice")
                .identity(allow("s3:GetObject", "arn:aws:s3:::home/${aws:username}/*")),
            "Allowed",
        ),
        // NotAction.
        (
            "Allow NotAction iam:*, s3 request",
            get_object(ALICE).identity(policy(
                json!({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}),
            )),
            "Allowed",
        ),
        (
            "Allow NotAction iam:*, iam request",
            OracleRequest::new(ALICE, "iam:GetUser", ALICE).identity(policy(
                json!({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}),
            )),
            "ImplicitlyDenied",
        ),
        (
            "Deny NotAction iam:* over allow-all, s3 request",
            get_object(ALICE).identity(allow_all()).identity(policy(
                json!({"Effect": "Deny", "NotAction": "iam:*", "Resource": "*"}),
            )),
            "ExplicitlyDenied",
        ),
        // Permissions boundaries.
        (
            "boundary lacks the action, identity allows everything",
            get_object(ALICE)
                .identity(allow_all())
                .boundary(allow("ec2:*", "*")),
            "ImplicitlyDenied",
        ),
        (
            "boundary has the action",
            get_object(ALICE)
                .identity(allow_all())
                .boundary(allow("s3:GetObject", "*")),
            "Allowed",
        ),
        (
            "boundary limits a same-account bucket grant to the role (not the session)",
            get_object("arn:aws:sts::123456789012:assumed-role/deployer/ci")
                .resource_policy(bucket_policy(ROLE))
                .boundary(allow("ec2:*", "*")),
            "ImplicitlyDenied",
        ),
        // Resource policies, same account and cross-account.
        (
            "same-account bucket policy names the user, no identity policy",
            get_object(ALICE).resource_policy(bucket_policy(ALICE)),
            "Allowed",
        ),
        (
            "same-account bucket policy names only the account, no identity policy",
            get_object(ALICE).resource_policy(bucket_policy("arn:aws:iam::123456789012:root")),
            "ImplicitlyDenied",
        ),
        (
            "cross-account: bucket policy alone",
            get_object(BOB)
                .resource_account(ACCOUNT)
                .resource_policy(bucket_policy(BOB)),
            "ImplicitlyDenied",
        ),
        (
            "cross-account: identity policy alone",
            get_object(BOB)
                .resource_account(ACCOUNT)
                .identity(allow("s3:GetObject", "*")),
            "ImplicitlyDenied",
        ),
        (
            "cross-account: identity policy and bucket policy",
            get_object(BOB)
                .resource_account(ACCOUNT)
                .identity(allow("s3:GetObject", "*"))
                .resource_policy(bucket_policy(BOB)),
            "Allowed",
        ),
        (
            "bucket policy explicit deny over identity allow",
            get_object(ALICE)
                .identity(allow_all())
                .resource_policy(policy(json!({
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "s3:GetObject",
                    "Resource": "arn:aws:s3:::team-bucket/*"
                }))),
            "ExplicitlyDenied",
        ),
        (
            "KMS key policy does not trust the account: identity allow is not enough",
            OracleRequest::new(ALICE, "kms:Decrypt", KEY)
                .identity(allow("kms:Decrypt", "*"))
                .resource_policy(policy(json!({
                    "Effect": "Allow",
                    "Principal": {"AWS": "arn:aws:iam::123456789012:user/admin"},
                    "Action": "kms:*",
                    "Resource": "*"
                }))),
            "ImplicitlyDenied",
        ),
        (
            "KMS key policy trusts the account root, identity allows",
            OracleRequest::new(ALICE, "kms:Decrypt", KEY)
                .identity(allow("kms:Decrypt", "*"))
                .resource_policy(policy(json!({
                    "Effect": "Allow",
                    "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
                    "Action": "kms:*",
                    "Resource": "*"
                }))),
            "Allowed",
        ),
        // SCPs: every level must allow; a deny anywhere wins.
        (
            "SCP allow-list lacks the action",
            get_object(ALICE)
                .identity(allow_all())
                .scp_level(vec![allow_all()])
                .scp_level(vec![allow("ec2:*", "*")]),
            "ImplicitlyDenied",
        ),
        (
            "SCP allow-list has the action at every level",
            get_object(ALICE)
                .identity(allow_all())
                .scp_level(vec![allow_all()])
                .scp_level(vec![allow("s3:GetObject", "*")]),
            "Allowed",
        ),
        (
            "SCP deny",
            get_object(ALICE).identity(allow_all()).scp_level(vec![
                allow_all(),
                policy(json!({"Effect": "Deny", "Action": "s3:*", "Resource": "*"})),
            ]),
            "ExplicitlyDenied",
        ),
        (
            "SCP allows but grants nothing by itself",
            get_object(ALICE).scp_level(vec![allow_all()]),
            "ImplicitlyDenied",
        ),
        // Role trust policies (sts:AssumeRole with the trust policy as the resource policy).
        (
            "cross-account AssumeRole: trust names the account, identity allows",
            OracleRequest::new(BOB, "sts:AssumeRole", ROLE)
                .identity(allow("sts:AssumeRole", ROLE))
                .resource_policy(trust_policy(
                    json!({"AWS": format!("arn:aws:iam::{OTHER}:root")}),
                )),
            "Allowed",
        ),
        (
            "cross-account AssumeRole: trust alone",
            OracleRequest::new(BOB, "sts:AssumeRole", ROLE).resource_policy(trust_policy(
                json!({"AWS": format!("arn:aws:iam::{OTHER}:root")}),
            )),
            "ImplicitlyDenied",
        ),
        (
            "same-account AssumeRole: trust names the user, no identity policy",
            OracleRequest::new(ALICE, "sts:AssumeRole", ROLE)
                .resource_policy(trust_policy(json!({"AWS": ALICE}))),
            "Allowed",
        ),
        (
            "same-account AssumeRole: identity allows, trust names only a service",
            OracleRequest::new(ALICE, "sts:AssumeRole", ROLE)
                .identity(allow("sts:AssumeRole", "*"))
                .resource_policy(trust_policy(json!({"Service": "ec2.amazonaws.com"}))),
            "ImplicitlyDenied",
        ),
        (
            "service principal in the trust policy",
            OracleRequest::new("lambda.amazonaws.com", "sts:AssumeRole", ROLE)
                .resource_policy(trust_policy(json!({"Service": "lambda.amazonaws.com"}))),
            "Allowed",
        ),
    ]
}

#[test]
fn oracle_discriminates() {
    let cases = cases();
    let reqs: Vec<OracleRequest> = cases.iter().map(|(_, r, _)| r.clone()).collect();
    let results = evaluate_requests(&reqs);
    let mut wrong = Vec::new();
    for ((name, req, want), got) in cases.iter().zip(&results) {
        if decision(got) != *want {
            wrong.push(format!(
                "{name}: want {want}, oracle says {got}\n  request: {}",
                req.to_value()
            ));
        }
        // Every context key given must have reached the evaluation.
        let ignored = ignored_context_keys(got);
        if !ignored.is_empty() {
            wrong.push(format!("{name}: context keys ignored: {ignored:?}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    for want in ["Allowed", "ImplicitlyDenied", "ExplicitlyDenied"] {
        assert!(
            results.iter().any(|r| decision(r) == want),
            "no case gave {want}"
        );
    }
}

/// What the library itself does with a '*' in the request's resource (`"pattern"`): allowed
/// if any resource it covers is. The oracle's default (`"literal"`) is AWS's string match.
#[test]
fn request_wildcards_literal_by_default_pattern_on_request() {
    let narrow = OracleRequest::new(ALICE, "ec2:RunInstances", INSTANCES)
        .identity(allow("ec2:RunInstances", INSTANCE))
        .to_value();
    let mut pattern = narrow.clone();
    pattern["resourceWildcards"] = json!("pattern");
    let out = evaluate(&[narrow, pattern]);
    assert_eq!(decision(&out[0]), "ImplicitlyDenied", "{}", out[0]);
    assert_eq!(decision(&out[1]), "Allowed", "{}", out[1]);
    assert_eq!(out[1]["details"]["resultType"], "wildcard", "{}", out[1]);
}

/// Bad input is an "Error" result, not a crash or a verdict; the rest of the batch still runs.
#[test]
fn invalid_requests_are_errors() {
    let ok = get_object(ALICE).identity(allow_all()).to_value();
    let mut unknown_field = ok.clone();
    unknown_field["identity"] = json!([]);
    let reqs = vec![
        OracleRequest::new(ALICE, "ec2:LaunchRocket", "*")
            .identity(allow_all())
            .to_value(),
        // GetObject acts on objects, not buckets.
        OracleRequest::new(ALICE, "s3:GetObject", "arn:aws:s3:::team-bucket")
            .identity(allow_all())
            .to_value(),
        OracleRequest::new(ALICE, "s3:GetObject", OBJECT)
            .identity(json!({"Statement": [{"Effect": "Alow", "Action": "s3:*", "Resource": "*"}]}))
            .to_value(),
        OracleRequest::new(ALICE, "s3:GetObject", OBJECT)
            .identity(json!("{not json"))
            .to_value(),
        unknown_field,
        ok,
    ];
    let out = evaluate(&reqs);
    let messages: Vec<&str> = out
        .iter()
        .map(|r| r["error"]["message"].as_str().unwrap_or("-"))
        .collect();
    assert_eq!(
        messages,
        [
            "invalid.action",
            "no.resource.types",
            "policy.errors",
            "invalid.input",
            "invalid.input",
            "-"
        ],
        "{out:?}"
    );
    assert!(out[..5].iter().all(|r| decision(r) == "Error"), "{out:?}");
    assert_eq!(decision(&out[5]), "Allowed", "{}", out[5]);
}

/// A key that does not apply to the action is dropped by the library and reported, so a test
/// can tell "the condition failed" from "the condition never saw the key".
#[test]
fn inapplicable_context_keys_are_reported() {
    let out = evaluate_requests(&[get_object(ALICE)
        .identity(allow_all())
        .context("ec2:InstanceType", "t3.micro")]);
    assert_eq!(decision(&out[0]), "Allowed", "{}", out[0]);
    assert_eq!(ignored_context_keys(&out[0]), ["ec2:InstanceType"]);
}

/// Hundreds of requests go through one node process, in order.
#[test]
fn batch_keeps_order() {
    let reqs: Vec<Value> = (0..300)
        .map(|i| {
            let t = if i % 3 == 0 { "t3.micro" } else { "m5.large" };
            run_micro(Some(t)).id(i).to_value()
        })
        .collect();
    let out = evaluate(&reqs);
    for (i, r) in out.iter().enumerate() {
        assert_eq!(r["id"], json!(i), "{r}");
        let want = if i % 3 == 0 {
            "Allowed"
        } else {
            "ExplicitlyDenied"
        };
        assert_eq!(decision(r), want, "request {i}: {r}");
    }
}
