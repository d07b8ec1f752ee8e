//! The one statement builder: the IAM policy statement that grants a denied request, with
//! every resource type the action requires (from the Service Authorization Reference), ARNs
//! filled from the decoded message, the command line and the caller's account, and the
//! dependent permissions the same call needs. A wildcard appears only where a value cannot
//! be known, and then the grant says which and why.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::knowledge::iam_reference as iamref;

/// What is known about the denied request.
#[derive(Debug, Clone, Default)]
pub struct Request<'a> {
    /// `service:Action` as IAM spells it.
    pub action: &'a str,
    /// The ARN AWS named (decoded message or error text), if any.
    pub resource: Option<&'a str>,
    pub partition: Option<&'a str>,
    pub account: Option<&'a str>,
    pub region: Option<&'a str>,
    /// The failed command line's parameters (`--image-id` → values).
    pub params: Option<&'a BTreeMap<String, Vec<String>>>,
    /// The CLI service of the failed command (`ec2`, `lambda`), for PassRole's target.
    pub cli_service: Option<&'a str>,
    pub bucket: Option<&'a str>,
    pub key: Option<&'a str>,
}

/// A resource the grant names, and how it was found.
#[derive(Debug, Clone, PartialEq)]
pub struct GrantResource {
    pub resource_type: String,
    pub arn: String,
    pub required: bool,
    /// Template variables that could not be known (they are `*` in the ARN).
    pub unknown: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Grant {
    pub action: String,
    pub resources: Vec<GrantResource>,
    pub statements: Vec<Value>,
    /// Plain-language notes: wildcards and why, dependent permissions added.
    pub notes: Vec<String>,
    /// The action is listed in the Service Authorization Reference.
    pub known_action: bool,
    /// Why this grant must not be pasted as it is (an ARN from the text that was redacted
    /// or is not an ARN of this partition), if so.
    pub suspect: Option<String>,
}

impl Grant {
    pub fn document(&self) -> Value {
        json!({"Version": "2012-10-17", "Statement": self.statements})
    }

    /// An inline-policy name derived from the content: a different grant never overwrites
    /// this one, and pasting the same grant twice is idempotent.
    pub fn policy_name(&self) -> String {
        let slug: String = self
            .action
            .replace(':', "-")
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect();
        format!(
            "awsx-{}-{:08x}",
            slug.to_ascii_lowercase(),
            fnv1a(&self.document().to_string()) as u32
        )
    }
}

/// FNV-1a: a stable hash for names (std's hasher is randomised per process).
fn fnv1a(s: &str) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in s.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    h
}

/// The AWS service that receives a role passed by this CLI service (`iam:PassedToService`).
pub fn passed_to_service(cli_service: &str) -> &'static str {
    match cli_service {
        "ecs" => "ecs-tasks.amazonaws.com",
        "lambda" => "lambda.amazonaws.com",
        "batch" => "batch.amazonaws.com",
        "cloudformation" => "cloudformation.amazonaws.com",
        "states" | "stepfunctions" => "states.amazonaws.com",
        "glue" => "glue.amazonaws.com",
        "sagemaker" => "sagemaker.amazonaws.com",
        "backup" => "backup.amazonaws.com",
        "bedrock" => "bedrock.amazonaws.com",
        "codebuild" => "codebuild.amazonaws.com",
        "events" => "events.amazonaws.com",
        "scheduler" => "scheduler.amazonaws.com",
        "apigateway" => "apigateway.amazonaws.com",
        "eks" => "eks.amazonaws.com",
        "rds" => "rds.amazonaws.com",
        "firehose" => "firehose.amazonaws.com",
        "datasync" => "datasync.amazonaws.com",
        "emr" => "elasticmapreduce.amazonaws.com",
        _ => "ec2.amazonaws.com",
    }
}

/// The command-line flags that may carry a template variable's value.
fn flags_for(var: &str) -> Vec<String> {
    let alias: &[&str] = match var {
        "BucketName" => &["--bucket"],
        "ObjectName" => &["--key"],
        "SecurityGroupId" => &["--security-group-ids", "--group-id"],
        "KeyPairName" => &["--key-name"],
        "LaunchTemplateId" => &["--launch-template-id"],
        "InstanceId" => &["--instance-id", "--instance-ids"],
        "VolumeId" => &["--volume-id"],
        "SnapshotId" => &["--snapshot-id"],
        "RoleNameWithPath" => &["--role-name"],
        "UserNameWithPath" => &["--user-name"],
        "GroupNameWithPath" => &["--group-name"],
        "KeyId" => &["--key-id"],
        "TableName" => &["--table-name"],
        "FunctionName" => &["--function-name"],
        "SecretId" => &["--secret-id"],
        "RepositoryName" => &["--repository-name"],
        "StreamName" => &["--stream-name"],
        "ClusterName" => &["--cluster", "--cluster-name"],
        _ => &[],
    };
    let mut v: Vec<String> = alias.iter().map(|s| s.to_string()).collect();
    v.push(kebab_flag(var));
    v
}

/// `SubnetId` → `--subnet-id`.
fn kebab_flag(var: &str) -> String {
    let mut s = String::from("--");
    for (i, c) in var.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            s.push('-');
        }
        s.push(c.to_ascii_lowercase());
    }
    s
}

/// Values a command-line parameter holds for a variable (shorthand `Key=value` unwrapped).
fn param_values(params: &BTreeMap<String, Vec<String>>, var: &str) -> Vec<String> {
    if var == "LaunchTemplateId"
        && let Some(v) = params.get("--launch-template").and_then(|v| v.first())
    {
        // Shorthand `LaunchTemplateId=lt-…,Version=…` or JSON.
        if let Some(id) = v
            .split([',', '"', ' ', '{', '}', ':', '='])
            .find(|w| w.starts_with("lt-"))
        {
            return vec![id.to_string()];
        }
    }
    for f in flags_for(var) {
        if let Some(vs) = params.get(&f) {
            let vs: Vec<String> = vs
                .iter()
                .flat_map(|v| v.split(',').map(str::trim).map(str::to_string))
                .filter(|v| !v.is_empty() && !v.contains('='))
                .collect();
            if !vs.is_empty() {
                return vs;
            }
        }
    }
    Vec::new()
}

/// Fills one ARN template; returns the ARN and the variables that stayed unknown.
fn fill(template: &str, req: &Request, var_value: Option<(&str, &str)>) -> (String, Vec<String>) {
    let lookup = |v: &str| -> Option<String> {
        if let Some((name, value)) = var_value
            && name == v
        {
            return Some(value.to_string());
        }
        match v {
            "Partition" => Some(req.partition.unwrap_or("aws").to_string()),
            "Region" => req.region.map(str::to_string),
            "Account" => req.account.map(str::to_string),
            "BucketName" => req.bucket.map(str::to_string),
            "ObjectName" => req.key.map(str::to_string),
            _ => None,
        }
    };
    iamref::fill_arn(template, &lookup)
}

/// The resource-specific variables of a template (not Partition/Region/Account).
fn template_vars(template: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(i) = rest.find("${") {
        let Some(j) = rest[i..].find('}') else { break };
        let name = &rest[i + 2..i + j];
        if !matches!(name, "Partition" | "Region" | "Account") {
            out.push(name.to_string());
        }
        rest = &rest[i + j + 1..];
    }
    out
}

/// Whether `arn` names the same service and resource type as `template` (the fixed text
/// before the template's first variable in the resource part, when there is one).
fn same_resource_type(arn: &str, template: &str) -> bool {
    let a: Vec<&str> = arn.splitn(6, ':').collect();
    let t: Vec<&str> = template.splitn(6, ':').collect();
    if a.len() < 6 || t.len() < 6 || !a[2].eq_ignore_ascii_case(t[2]) {
        return false;
    }
    let fixed = t[5].split("${").next().unwrap_or("");
    !fixed.is_empty() && a[5].starts_with(fixed)
}

/// Whether `arn` is an instance of `template` (variables match any non-empty text).
pub fn arn_matches_template(arn: &str, template: &str) -> bool {
    let mut pattern = String::new();
    let mut rest = template;
    while let Some(i) = rest.find("${") {
        pattern.push_str(&rest[..i]);
        let Some(j) = rest[i..].find('}') else { break };
        pattern.push('*');
        rest = &rest[i + j + 1..];
    }
    pattern.push_str(rest);
    crate::policy::wildcard_match(&pattern, arn)
}

/// The resources of `action` this request touches: every required type, and the optional
/// ones the command line names (`--key-name` → key-pair).
fn resources_for(action: &iamref::Action, req: &Request) -> (Vec<GrantResource>, Vec<String>) {
    let mut out: Vec<GrantResource> = Vec::new();
    let mut notes = Vec::new();
    let prefix = action.prefix.to_string();
    let is_run_instances = action.prefix.eq_ignore_ascii_case("ec2")
        && action.name.eq_ignore_ascii_case("RunInstances");
    // Some actions are authorized against different resource sets per scenario
    // (RunInstances: EBS-backed in a subnet needs volume and subnet too). The scenario that
    // requires the most is the one that covers every case: its required types count.
    let scenario_required: Vec<&str> = action
        .scenarios
        .iter()
        .max_by_key(|sc| sc.resources.iter().filter(|r| r.required).count())
        .map(|sc| {
            sc.resources
                .iter()
                .filter(|r| r.required)
                .map(|r| r.resource_type)
                .collect()
        })
        .unwrap_or_default();
    // Types that are all optional ("one of these applies"): the one whose ARN the command
    // line fills completely, if any.
    let none_required =
        action.resources.iter().all(|r| !r.required) && scenario_required.is_empty();
    for ru in action.resources.iter() {
        let rt_name = ru.resource_type.to_string();
        let Some(rt) = iamref::resource_type(&prefix, &rt_name) else {
            continue;
        };
        let templates: Vec<String> = rt.arn_templates.iter().map(|t| t.to_string()).collect();
        let Some(template) = templates.first() else {
            continue;
        };
        // The ARN AWS named for this type beats anything awsx would build: it is the string
        // IAM evaluated, even where it is shorter than the template (`deploymentgroup:*`).
        if let Some(r) = req.resource
            && templates
                .iter()
                .any(|t| arn_matches_template(r, t) || same_resource_type(r, t))
        {
            out.push(GrantResource {
                resource_type: rt_name,
                arn: r.to_string(),
                required: ru.required,
                unknown: Vec::new(),
            });
            continue;
        }
        let vars = template_vars(template);
        let values: Vec<String> = match (req.params, vars.last()) {
            (Some(p), Some(v)) => param_values(p, v),
            _ => Vec::new(),
        };
        let required = ru.required || scenario_required.contains(&ru.resource_type);
        if none_required {
            // Only a type whose every variable is known (S3 object from bucket and key).
            let (arn, unknown) = fill(template, req, None);
            if unknown
                .iter()
                .any(|u| !matches!(u.as_str(), "Region" | "Account"))
                || req.resource.is_some()
            {
                continue;
            }
            out.push(GrantResource {
                resource_type: rt_name,
                arn,
                required: false,
                unknown,
            });
            continue;
        }
        if !required && values.is_empty() {
            continue;
        }
        if values.is_empty() {
            let (arn, unknown) = fill(template, req, None);
            out.push(GrantResource {
                resource_type: rt_name,
                arn,
                required,
                unknown,
            });
        } else {
            for value in values {
                // A full ARN on the command line is already the resource.
                let (arn, unknown) = if value.starts_with("arn:") {
                    (value.clone(), Vec::new())
                } else {
                    let var = vars.last().map(String::as_str).unwrap_or("");
                    fill(template, req, Some((var, &value)))
                };
                out.push(GrantResource {
                    resource_type: rt_name.clone(),
                    arn,
                    required,
                    unknown,
                });
            }
        }
    }
    if let Some(r) = req.resource
        && !action.resources.is_empty()
        && !out.iter().any(|g| g.arn == r)
    {
        // AWS named a resource that is none of this action's resource types (a user ARN
        // given to sts:AssumeRole): the fix is the command's argument, not a grant.
        notes.push(format!(
            "MISMATCH {r} is not a resource type that {}:{} acts on ({})",
            action.prefix,
            action.name,
            action
                .resources
                .iter()
                .map(|u| u.resource_type)
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let mut wildcards: Vec<String> = Vec::new();
    for r in &out {
        let ids: Vec<&String> = r
            .unknown
            .iter()
            .filter(|u| !matches!(u.as_str(), "Region" | "Account" | "Partition"))
            .collect();
        if !ids.is_empty() {
            let why = if is_run_instances
                && matches!(
                    r.resource_type.as_str(),
                    "instance" | "network-interface" | "volume"
                ) {
                "created by the call".to_string()
            } else {
                let flags: Vec<String> = ids
                    .iter()
                    .filter_map(|v| flags_for(v).into_iter().next())
                    .collect();
                if flags.is_empty() {
                    "not on the command line".to_string()
                } else {
                    format!("{} not given", flags.join(", "))
                }
            };
            // One note for all of them: the ARNs are in the printed statement, so the resource
            // part (`volume/*`) is enough to say which one and why.
            let tail = r.arn.rsplit(':').next().unwrap_or(&r.arn);
            let ids: Vec<&str> = ids.iter().map(|s| s.as_str()).collect();
            wildcards.push(format!("{tail} ({} {why})", ids.join(", ")));
        }
        if r.unknown.iter().any(|u| u == "Account" || u == "Region") {
            notes.push(format!(
                "{} has a wildcard for the {} (not known from the text)",
                r.arn,
                r.unknown
                    .iter()
                    .filter(|u| matches!(u.as_str(), "Region" | "Account"))
                    .map(|s| s.to_ascii_lowercase())
                    .collect::<Vec<_>>()
                    .join(" and ")
            ));
        }
    }
    match wildcards.len() {
        0 => {}
        1 => notes.push(format!("scoped wildcard {}", wildcards[0])),
        _ => notes.push(format!("scoped wildcards {}", wildcards.join("; "))),
    }
    (out, notes)
}

/// The statement(s) that grant `req`, or `None` when the action is not IAM-shaped.
pub fn build(req: &Request) -> Option<Grant> {
    let (prefix, name) = req.action.split_once(':')?;
    if prefix.is_empty() || name.is_empty() || name.contains('*') {
        return None;
    }
    // Only an ARN is a Resource; an S3 `bucket/key` from a log becomes one, anything else
    // (an API path, a bare name) is not used.
    let normalised = req.resource.and_then(|r| {
        if r.starts_with("arn:") {
            Some(r.to_string())
        } else if prefix.eq_ignore_ascii_case("s3") && !r.contains(' ') && !r.is_empty() {
            Some(format!("arn:{}:s3:::{r}", req.partition.unwrap_or("aws")))
        } else {
            None
        }
    });
    let req = &Request {
        resource: normalised.as_deref(),
        ..req.clone()
    };
    let reference = iamref::action(req.action);
    let action = reference
        .map(|a| format!("{}:{}", a.prefix, a.name))
        .unwrap_or_else(|| req.action.to_string());
    let (resources, mut notes) = match reference {
        Some(a) => resources_for(a, req),
        None => (
            req.resource
                .map(|r| {
                    vec![GrantResource {
                        resource_type: String::new(),
                        arn: r.to_string(),
                        required: true,
                        unknown: Vec::new(),
                    }]
                })
                .unwrap_or_default(),
            Vec::new(),
        ),
    };
    let arns: Vec<String> = if resources.is_empty() {
        match reference {
            // The reference lists no resource types: the action only accepts `*`.
            Some(a) if a.resources.is_empty() => notes.push(format!(
                "{action} does not support resource-level permissions: Resource must be \"*\""
            )),
            _ => notes.push(format!(
                "the resource {action} was denied on is not known from the text: Resource is \"*\", narrow it before granting"
            )),
        }
        vec!["*".to_string()]
    } else {
        let mut v: Vec<String> = resources.iter().map(|r| r.arn.clone()).collect();
        v.dedup();
        v
    };
    let resource_value = if arns.len() == 1 {
        json!(arns[0])
    } else {
        json!(arns)
    };
    let mut main = json!({"Effect": "Allow", "Action": action, "Resource": resource_value});
    if action.eq_ignore_ascii_case("iam:PassRole") {
        let to = passed_to_service(req.cli_service.unwrap_or("ec2"));
        main["Condition"] = json!({"StringEquals": {"iam:PassedToService": to}});
    }
    let mut statements = vec![main];
    statements.extend(dependent_statements(&action, req, &mut notes));
    let mismatch = notes
        .iter()
        .position(|n| n.starts_with("MISMATCH "))
        .map(|i| notes.remove(i).trim_start_matches("MISMATCH ").to_string());
    let suspect = if let Some(m) = mismatch {
        Some(m)
    } else if reference.is_none() {
        Some(format!(
            "{action} is not an IAM action in the Service Authorization Reference (data {})",
            iamref::DATA_VERSION
        ))
    } else {
        resources.iter().find_map(|r| arn_problem(&r.arn))
    };
    Some(Grant {
        action,
        resources,
        statements,
        notes,
        known_action: reference.is_some(),
        suspect,
    })
}

/// What is wrong with an ARN taken from a text: redacted parts, a malformed account.
pub fn arn_problem(arn: &str) -> Option<String> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    if parts.len() < 6 || parts[0] != "arn" || !parts[1].starts_with("aws") {
        return Some(format!("{arn} is not an ARN"));
    }
    let account = parts[4];
    let account_ok = account.is_empty()
        || account == "*"
        || account == "aws"
        || (account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()));
    if !account_ok {
        return Some(format!(
            "the account in {arn} is not a 12-digit account ID (redacted in the text?)"
        ));
    }
    if arn.contains(['<', '>', '[', ']', '{', '}']) || arn.contains("***") || arn.contains("...") {
        return Some(format!("{arn} looks redacted"));
    }
    None
}

/// Permissions the same command needs besides the denied action: passing an instance
/// profile's role, tagging on create.
fn dependent_statements(action: &str, req: &Request, notes: &mut Vec<String>) -> Vec<Value> {
    let mut out = Vec::new();
    let Some(params) = req.params else {
        return out;
    };
    let partition = req.partition.unwrap_or("aws");
    let account = req.account.unwrap_or("*");
    if action == "ec2:RunInstances" && params.contains_key("--iam-instance-profile") {
        out.push(json!({
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": format!("arn:{partition}:iam::{account}:role/*"),
            "Condition": {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}},
        }));
        notes.push("--iam-instance-profile also needs iam:PassRole on the profile's role (its name is not on the command line, so the statement names role/* limited to EC2 by iam:PassedToService; narrow it to the role `aws iam get-instance-profile` shows)".to_string());
    }
    if action.starts_with("ec2:") && params.contains_key("--tag-specifications") {
        let op = action.trim_start_matches("ec2:");
        let region = req.region.unwrap_or("*");
        out.push(json!({
            "Effect": "Allow",
            "Action": "ec2:CreateTags",
            "Resource": format!("arn:{partition}:ec2:{region}:{account}:*/*"),
            "Condition": {"StringEquals": {"ec2:CreateAction": op}},
        }));
        notes.push(format!(
            "--tag-specifications also needs ec2:CreateTags, allowed only while creating (ec2:CreateAction = {op})"
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(s: &[(&str, &str)]) -> BTreeMap<String, Vec<String>> {
        let mut m = BTreeMap::new();
        for (k, v) in s {
            m.entry(k.to_string())
                .or_insert_with(Vec::new)
                .push(v.to_string());
        }
        m
    }

    #[test]
    fn run_instances_names_every_required_resource() {
        let p = params(&[
            ("--image-id", "ami-0abc"),
            ("--subnet-id", "subnet-1"),
            ("--security-group-ids", "sg-1"),
            ("--key-name", "ops"),
        ]);
        let g = build(&Request {
            action: "ec2:RunInstances",
            resource: Some("arn:aws:ec2:us-east-1:123456789012:instance/*"),
            account: Some("123456789012"),
            region: Some("us-east-1"),
            params: Some(&p),
            ..Default::default()
        })
        .unwrap();
        let arns: Vec<&str> = g.resources.iter().map(|r| r.arn.as_str()).collect();
        for want in [
            "arn:aws:ec2:us-east-1::image/ami-0abc",
            "arn:aws:ec2:us-east-1:123456789012:instance/*",
            "arn:aws:ec2:us-east-1:123456789012:network-interface/*",
            "arn:aws:ec2:us-east-1:123456789012:security-group/sg-1",
            "arn:aws:ec2:us-east-1:123456789012:subnet/subnet-1",
            "arn:aws:ec2:us-east-1:123456789012:volume/*",
            "arn:aws:ec2:us-east-1:123456789012:key-pair/ops",
        ] {
            assert!(arns.contains(&want), "{want} missing from {arns:?}");
        }
        assert!(g.known_action);
        assert!(g.policy_name().starts_with("awsx-ec2-runinstances-"));
    }

    #[test]
    fn unknown_ids_are_scoped_wildcards_and_said() {
        let g = build(&Request {
            action: "ec2:RunInstances",
            account: Some("123456789012"),
            region: Some("us-east-1"),
            params: Some(&BTreeMap::new()),
            ..Default::default()
        })
        .unwrap();
        assert!(
            g.resources
                .iter()
                .any(|r| r.arn == "arn:aws:ec2:us-east-1:123456789012:subnet/*")
        );
        assert!(g.notes.iter().any(|n| n.contains("--subnet-id")));
    }

    #[test]
    fn names_differ_by_content() {
        let a = build(&Request {
            action: "s3:GetObject",
            resource: Some("arn:aws:s3:::b/k1"),
            ..Default::default()
        })
        .unwrap();
        let b = build(&Request {
            action: "s3:GetObject",
            resource: Some("arn:aws:s3:::b/k2"),
            ..Default::default()
        })
        .unwrap();
        assert_ne!(a.policy_name(), b.policy_name());
        assert_eq!(a.action, "s3:GetObject");
        assert_eq!(a.statements[0]["Resource"], "arn:aws:s3:::b/k1");
    }

    #[test]
    fn passrole_is_limited_to_the_service() {
        let g = build(&Request {
            action: "iam:PassRole",
            resource: Some("arn:aws:iam::1:role/task"),
            cli_service: Some("ecs"),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(
            g.statements[0]["Condition"]["StringEquals"]["iam:PassedToService"],
            "ecs-tasks.amazonaws.com"
        );
    }

    #[test]
    fn dependent_permissions() {
        let p = params(&[
            ("--image-id", "ami-1"),
            ("--iam-instance-profile", "Name=web"),
            (
                "--tag-specifications",
                "ResourceType=instance,Tags=[{Key=a,Value=b}]",
            ),
        ]);
        let g = build(&Request {
            action: "ec2:RunInstances",
            account: Some("1"),
            region: Some("us-east-1"),
            params: Some(&p),
            ..Default::default()
        })
        .unwrap();
        let actions: Vec<&str> = g
            .statements
            .iter()
            .filter_map(|s| s["Action"].as_str())
            .collect();
        assert_eq!(
            actions,
            ["ec2:RunInstances", "iam:PassRole", "ec2:CreateTags"]
        );
    }
}
