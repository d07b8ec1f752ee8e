//! Next steps that work when pasted, proved with parts awsx did not write:
//!
//! - every grant awsx prints for the real error texts in tests/fixtures is evaluated by an
//!   independent IAM evaluator (`@cloud-copilot/iam-simulate`, tests/oracle): the denied
//!   request, and a request on every resource the grant names, must be Allowed;
//! - an explicit deny never gets a grant, and the "request that passes" awsx describes does
//!   pass the Deny (the oracle again);
//! - every command awsx prints for those texts is accepted by the real aws CLI v1 and v2
//!   (no usage or parameter error) against a loopback endpoint;
//! - the command builder quotes hostile values so that a real shell passes them as one word.

mod common;

use std::path::Path;

use awsx::advise::advise;
use awsx::classify::classify;
use awsx::findings::Findings;
use common::oracle::{OracleRequest, decision, evaluate};
use common::*;
use serde_json::{Value, json};

struct Case {
    name: String,
    failure: awsx::failure::Failure,
    advice: awsx::advise::Advice,
}

/// Every fixture text through the offline flow (classify → advise, no look-ups).
fn cases() -> Vec<Case> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/texts");
    let mut out = Vec::new();
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    for p in names {
        let text = String::from_utf8_lossy(&std::fs::read(&p).unwrap()).into_owned();
        let failure = classify(&text, None);
        let fx = Findings::default();
        let advice = advise(&failure, &fx);
        out.push(Case {
            name: p.file_name().unwrap().to_string_lossy().into_owned(),
            failure: awsx::plan::settle(&failure, &fx).failure,
            advice,
        });
    }
    out
}

/// The resource policy the denied resource has in the ordinary case, for the services where
/// an identity grant alone cannot allow: a KMS key's default policy (the account may use
/// IAM policies), a role trust policy that trusts the caller. The grant is the identity
/// half; these are the other half, stated.
fn other_half(action: &str, principal: &str, resource: &str) -> Option<Value> {
    let account = resource.split(':').nth(4).filter(|a| a.len() == 12)?;
    if action.starts_with("kms:") {
        return Some(
            json!({"Version":"2012-10-17","Statement":[{"Sid":"Enable IAM User Permissions",
            "Effect":"Allow","Principal":{"AWS": format!("arn:aws:iam::{account}:root")},"Action":"kms:*","Resource":"*"}]}),
        );
    }
    if action.eq_ignore_ascii_case("sts:AssumeRole") {
        return Some(
            json!({"Version":"2012-10-17","Statement":[{"Effect":"Allow",
            "Principal":{"AWS": principal},"Action":"sts:AssumeRole"}]}),
        );
    }
    None
}

/// An ARN with its wildcards replaced by concrete values of the right shape: the request
/// a real call would make on a resource the grant covers.
fn concrete(arn: &str) -> String {
    let mut parts: Vec<String> = arn.splitn(6, ':').map(str::to_string).collect();
    if parts.len() == 6 {
        if parts[3] == "*" {
            parts[3] = "us-east-1".into();
        }
        if parts[4] == "*" {
            parts[4] = "123456789012".into();
        }
    }
    parts.join(":")
}

fn principal_or_default(p: Option<&str>) -> String {
    p.filter(|p| p.starts_with("arn:"))
        .unwrap_or("arn:aws:iam::123456789012:user/awsx-test")
        .to_string()
}

#[test]
fn every_printed_grant_allows_the_denied_request() {
    let cases = cases();
    let mut reqs = Vec::new();
    let mut labels = Vec::new();
    let mut grants = 0;
    for c in &cases {
        let Some(a) = &c.failure.authorization else {
            continue;
        };
        for step in &c.advice.next_steps {
            let Some(g) = &step.grant else { continue };
            grants += 1;
            let policy = g["policy"].clone();
            let principal = principal_or_default(g["principal"].as_str());
            let action = g["action"].as_str().unwrap().to_string();
            let mut context = serde_json::Map::new();
            for st in policy["Statement"].as_array().unwrap() {
                // The grant's own conditions (PassedToService, CreateAction) hold for the
                // call it was written for; the context says so, and a second request with
                // another value proves the condition is live (below).
                if let Some(cond) = st.get("Condition") {
                    for (_, kv) in cond.as_object().unwrap() {
                        for (k, v) in kv.as_object().unwrap() {
                            context.insert(k.clone(), v.clone());
                        }
                    }
                }
            }
            // The denied request as AWS stated it.
            let star_only = g["resources"].as_array().is_none_or(|v| v.is_empty());
            if let Some(r) = a
                .resource
                .as_deref()
                .filter(|r| r.starts_with("arn:") && !star_only)
            {
                let mut req = OracleRequest::new(&principal, &action, &concrete(r));
                req.context = context.clone();
                req.resource_policy = other_half(&action, &principal, &concrete(r));
                reqs.push(req.identity(policy.clone()));
                labels.push(format!("{}: {action} on {r} (stated)", c.name));
            }
            // And every resource the grant names for the action.
            for res in g["resources"].as_array().unwrap() {
                let arn = res["arn"].as_str().unwrap();
                if arn == "*" {
                    continue;
                }
                let mut req = OracleRequest::new(&principal, &action, &concrete(arn));
                req.context = context.clone();
                req.resource_policy = other_half(&action, &principal, &concrete(arn));
                reqs.push(req.identity(policy.clone()));
                labels.push(format!("{}: {action} on {arn} ({})", c.name, res["type"]));
            }
            // The condition is live: the same grant with the condition's value changed denies.
            if !context.is_empty() {
                let r = g["resources"][0]["arn"].as_str().unwrap_or("*");
                let mut req = OracleRequest::new(&principal, &action, &concrete(r));
                req.resource_policy = other_half(&action, &principal, &concrete(r));
                for k in context.keys() {
                    req = req.context(k, "other.amazonaws.com-or-action");
                }
                reqs.push(req.identity(policy.clone()));
                labels.push(format!(
                    "{}: NEGATIVE {action} with other condition values",
                    c.name
                ));
            }
        }
    }
    assert!(grants >= 20, "only {grants} grants in the fixtures");
    let values: Vec<Value> = reqs
        .iter()
        .map(|r| serde_json::to_value(r).unwrap())
        .collect();
    let results = evaluate(&values);
    let mut bad = Vec::new();
    let mut unevaluable = Vec::new();
    for ((label, r), req) in labels.iter().zip(&results).zip(&values) {
        // A stated resource the oracle's data cannot type (AWS's own message named
        // `deploymentgroup:*`): the oracle cannot judge it, so it is listed, not counted.
        if r["error"]["message"] == "no.resource.types" && !label.contains("NEGATIVE") {
            unevaluable.push(label.clone());
            continue;
        }
        let want = if label.contains("NEGATIVE") {
            "ImplicitlyDenied"
        } else {
            "Allowed"
        };
        if decision(r) != want {
            bad.push(format!(
                "{label}: {} (want {want})\n  request {req}\n  oracle {r}",
                decision(r)
            ));
        }
    }
    assert!(
        bad.is_empty(),
        "{} of {} oracle checks failed:\n{}",
        bad.len(),
        values.len(),
        bad.join("\n")
    );
    assert!(
        unevaluable.len() <= 3,
        "too many requests the oracle cannot type: {unevaluable:?}"
    );
    eprintln!(
        "{} grants, {} oracle requests, all as expected; not evaluable by the oracle: {unevaluable:?}",
        grants,
        values.len()
    );
}

#[test]
fn explicit_denies_get_no_grant() {
    for c in cases() {
        let Some(a) = &c.failure.authorization else {
            continue;
        };
        if a.decision == awsx::failure::Decision::ExplicitDeny {
            for s in &c.advice.next_steps {
                assert!(
                    s.grant.is_none() && s.command.as_deref().is_none_or(|c| !c.contains("put-")),
                    "{}: an Allow cannot out-grant a Deny, yet: {s:?}",
                    c.name
                );
            }
        }
    }
}

/// The fixture with a decoded Deny on `ec2:InstanceType`: the request awsx says would pass
/// is Allowed by the oracle under that Deny, and the original is ExplicitlyDenied.
#[test]
fn the_request_that_passes_an_explicit_deny_does_pass() {
    let c = cases()
        .into_iter()
        .find(|c| c.name.starts_with("115-"))
        .unwrap();
    let a = c.failure.authorization.as_ref().unwrap();
    let st = &a.matched_statements[0];
    let (key, want) = &st.conditions[0];
    let advice_text: String = c.advice.next_steps.iter().map(|s| s.text.clone()).collect();
    assert!(
        advice_text.contains(&format!("a request with {key} {}", want[0])),
        "{advice_text}"
    );
    let principal = a.principal.clone().unwrap();
    // The Deny as IAM holds it ("deny unless"), an Allow for the action, two requests.
    let deny = json!({"Version":"2012-10-17","Statement":[
        {"Sid": st.sid, "Effect":"Deny","Action": st.actions, "Resource": st.resources,
         "Condition":{"StringNotEquals":{key: want}}},
        {"Effect":"Allow","Action":"ec2:RunInstances","Resource":"*"}]});
    let resource = concrete(a.resource.as_deref().unwrap());
    let request_value = a
        .conditions
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v[0].clone())
        .unwrap();
    let reqs: Vec<Value> = [request_value.as_str(), want[0].as_str()]
        .iter()
        .map(|v| {
            serde_json::to_value(
                OracleRequest::new(&principal, "ec2:RunInstances", &resource)
                    .context(key, *v)
                    .identity(deny.clone()),
            )
            .unwrap()
        })
        .collect();
    let r = evaluate(&reqs);
    assert_eq!(decision(&r[0]), "ExplicitlyDenied", "{:?}", r[0]);
    assert_eq!(decision(&r[1]), "Allowed", "{:?}", r[1]);
}

/// The lines a user would paste: commands for `aws` (awsx's own and environment lines are
/// checked elsewhere).
fn printed_aws_commands() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for c in cases() {
        for s in &c.advice.next_steps {
            if let Some(cmd) = &s.command
                && cmd.starts_with("aws ")
            {
                out.push((c.name.clone(), cmd.clone()));
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// One command per shape (service, operation and flag names): the CLI's parser takes the
/// same path for every command of a shape, and each run of the real CLI costs 0.3-1 s.
fn one_per_shape(cmds: Vec<(String, String)>) -> Vec<(String, String)> {
    let mut seen = std::collections::BTreeSet::new();
    cmds.into_iter()
        .filter(|(_, c)| {
            let words: Vec<&str> = c.split(' ').collect();
            let mut shape: Vec<&str> = words.iter().take(3).copied().collect();
            let mut flags: Vec<&str> = words
                .iter()
                .skip(3)
                .copied()
                .filter(|w| w.starts_with("--"))
                .collect();
            flags.sort();
            shape.extend(flags);
            seen.insert(shape.join(" "))
        })
        .collect()
}

#[test]
fn printed_commands_have_no_placeholders() {
    for (name, cmd) in printed_aws_commands() {
        assert!(
            !cmd.contains("<") && !cmd.contains("REGION") && !cmd.contains("ACCT"),
            "{name}: a placeholder cannot be pasted: {cmd}"
        );
    }
}

/// Runs one printed line in a real shell, with `aws` resolving to `cli` and every call sent
/// to `endpoint`. Returns (exit code, stderr).
fn paste(line: &str, cli: &Path, home: &Path, endpoint: &str) -> (i32, String) {
    let script = format!(
        "aws() {{ \"$AWSX_TEST_CLI\" \"$@\" --endpoint-url \"$AWSX_TEST_ENDPOINT\"; }}\n{line}\n"
    );
    let mut cmd = std::process::Command::new("sh");
    clean_env(&mut cmd, home);
    cmd.arg("-c")
        .arg(script)
        .env("AWSX_TEST_CLI", cli)
        .env("AWSX_TEST_ENDPOINT", endpoint);
    let out = run(cmd);
    (out.status.code().unwrap_or(-1), text(&out.stderr))
}

/// What the CLIs print when awsx built the command wrong (rather than the call failing).
fn parameter_error(stderr: &str, rc: i32) -> bool {
    rc == 252
        || rc == 2
        || [
            "Parameter validation failed",
            "Unknown options",
            "usage: aws",
            "Invalid choice",
            "the following arguments are required",
            "Error parsing parameter",
            "MalformedPolicyDocument",
            "Invalid JSON",
        ]
        .iter()
        .any(|m| stderr.contains(m))
}

#[test]
fn every_printed_command_is_accepted_by_aws_v1_and_v2() {
    let all = printed_aws_commands();
    assert!(all.len() >= 30, "only {} commands", all.len());
    let cmds = one_per_shape(all.clone());
    eprintln!(
        "{} distinct printed aws commands, {} shapes run",
        all.len(),
        cmds.len()
    );
    let moto = moto();
    let home = tempfile::tempdir().unwrap();
    for (cli_name, cli) in both_clis() {
        let mut bad = Vec::new();
        for (name, line) in &cmds {
            // The steps that name aws CLI v2 in their text (SSO login, profile listing):
            // v1 has no such commands, and the step says so.
            let v2_only = [
                "aws sso login",
                "aws configure sso",
                "aws configure list-profiles",
            ];
            if cli_name == "v1" && v2_only.iter().any(|c| line.starts_with(c)) {
                continue;
            }
            // `aws login` exists from v2 2.32 (the step says so): not in v1 or Debian's 2.9.
            // On 2.36 it is pasted with --remote, so that it asks for the code on stdin
            // (closed: it ends) instead of waiting for a browser.
            let is_login = line == "aws login" || line.starts_with("aws login ");
            if is_login && cli_name != "v2.36" {
                continue;
            }
            let line = &if is_login {
                format!("{line} --remote")
            } else {
                line.clone()
            };
            let (rc, err) = paste(line, &cli, home.path(), &moto.url);
            if parameter_error(&err, rc) {
                bad.push(format!("{name}: rc {rc}: {line}\n  {}", err.trim()));
            }
        }
        assert!(
            bad.is_empty(),
            "{cli_name}: {} of {} printed commands were refused:\n{}",
            bad.len(),
            cmds.len(),
            bad.join("\n")
        );
    }
}

mod quoting {
    use awsx::command::{Cmd, Scope};
    use proptest::prelude::*;

    /// What a real shell makes of a rendered line: the words `aws` receives.
    fn words(shell: &str, line: &str) -> Vec<String> {
        let script = format!("aws() {{ printf '%s\\0' \"$@\"; }}\n{line}\n");
        let out = std::process::Command::new(shell)
            .arg("-c")
            .arg(script)
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .output()
            .unwrap();
        assert!(out.status.success(), "{shell}: {line}: {:?}", out);
        String::from_utf8_lossy(&out.stdout)
            .split('\0')
            .filter(|w| !w.is_empty())
            .map(str::to_string)
            .collect()
    }

    fn hostile() -> impl Strategy<Value = String> {
        prop_oneof![
            "[ -~]{1,24}",
            Just("$(touch /tmp/awsx-pwned)".to_string()),
            Just("`id`".to_string()),
            Just("a'b\"c\\d".to_string()),
            Just("x; rm -rf ~ #".to_string()),
            Just("=cmd".to_string()),
            Just("~root".to_string()),
            Just("a\nb\tc".to_string()),
            Just("*".to_string()),
            Just("!!".to_string()),
            "\\PC{1,12}",
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        #[test]
        fn a_hostile_value_is_one_word_in_sh_and_bash(
            name in hostile(), doc_value in hostile(), profile in hostile()
        ) {
            let doc = serde_json::json!({"Statement": [{"Resource": doc_value}]});
            let cmd = Cmd::aws("iam", "put-role-policy")
                .arg("--role-name", &name)
                .json("--policy-document", &doc)
                .owner();
            let scope = Scope { diagnose_profile: Some(profile.clone()), ..Scope::default() };
            let line = cmd.render(&scope);
            let shown = |s: &str| s.chars().map(|c| if c.is_control() { '?' } else { c }).collect::<String>();
            let want: Vec<String> = vec![
                "iam".into(), "put-role-policy".into(), "--role-name".into(), shown(&name),
                "--policy-document".into(), doc.to_string(), "--profile".into(), shown(&profile),
            ];
            for shell in ["sh", "bash"] {
                prop_assert_eq!(&words(shell, &line), &want, "{} {}", shell, line);
            }
            prop_assert!(!line.contains('\n'));
        }
    }
}

/// RunInstances is authorized against several resources at once. The grant for a real
/// command line must allow each of them as AWS would name them (the list below is written
/// from the EC2 User Guide's launch example, not from awsx's data), and nothing broader
/// than the command asked for (another image stays denied).
#[test]
fn a_run_instances_grant_allows_every_resource_the_launch_touches() {
    let args: Vec<std::ffi::OsString> = "ec2 run-instances --region us-east-1 --image-id ami-0abc1234 --instance-type t3.micro --subnet-id subnet-0aa11 --security-group-ids sg-0bb22 --key-name ops-key"
        .split(' ')
        .map(Into::into)
        .collect();
    let inv = awsx::invocation::Invocation::parse(&args);
    let text = "\nAn error occurred (UnauthorizedOperation) when calling the RunInstances operation: You are not authorized to perform this operation. User: arn:aws:iam::123456789012:user/alice is not authorized to perform: ec2:RunInstances on resource: arn:aws:ec2:us-east-1:123456789012:instance/* because no identity-based policy allows the ec2:RunInstances action.";
    let f = classify(text, Some(&inv));
    let fx = Findings {
        subject_is_caller: true,
        ..Findings::default()
    };
    let advice = advise(&f, &fx);
    let g = advice
        .next_steps
        .iter()
        .find_map(|s| s.grant.clone())
        .unwrap_or_else(|| panic!("no grant: {:#?}", advice.next_steps));
    let p = "arn:aws:iam::123456789012:user/alice";
    let touched = [
        "arn:aws:ec2:us-east-1::image/ami-0abc1234",
        "arn:aws:ec2:us-east-1:123456789012:instance/*",
        "arn:aws:ec2:us-east-1:123456789012:network-interface/*",
        "arn:aws:ec2:us-east-1:123456789012:security-group/sg-0bb22",
        "arn:aws:ec2:us-east-1:123456789012:subnet/subnet-0aa11",
        "arn:aws:ec2:us-east-1:123456789012:volume/*",
        "arn:aws:ec2:us-east-1:123456789012:key-pair/ops-key",
    ];
    let outside = [
        "arn:aws:ec2:us-east-1::image/ami-0other",
        "arn:aws:ec2:us-east-1:123456789012:subnet/subnet-0other",
        "arn:aws:ec2:eu-west-1:123456789012:instance/*",
    ];
    let reqs: Vec<Value> = touched
        .iter()
        .chain(outside.iter())
        .map(|r| {
            serde_json::to_value(
                OracleRequest::new(p, "ec2:RunInstances", r).identity(g["policy"].clone()),
            )
            .unwrap()
        })
        .collect();
    let results = evaluate(&reqs);
    for (r, res) in touched.iter().zip(&results) {
        assert_eq!(
            decision(res),
            "Allowed",
            "{r}: {res}\npolicy {}",
            g["policy"]
        );
    }
    for (r, res) in outside.iter().zip(&results[touched.len()..]) {
        assert_eq!(
            decision(res),
            "ImplicitlyDenied",
            "{r} is outside the command: {res}"
        );
    }
    // The same command, pasted: a named policy, the admin side, IAM without a region.
    let cmd = advice
        .next_steps
        .iter()
        .find_map(|s| s.command.clone().filter(|c| c.contains("put-user-policy")))
        .unwrap();
    assert!(
        cmd.contains("--user-name alice --policy-name awsx-ec2-runinstances-"),
        "{cmd}"
    );
    assert!(!cmd.contains("--region"), "{cmd}");
}

/// Every action a printed grant names exists in the IAM reference, and every condition key
/// it uses is valid for that action.
#[test]
fn grants_name_real_actions_and_valid_condition_keys() {
    use awsx::knowledge::iam_reference as iamref;
    let mut checked = 0;
    for c in cases() {
        for s in &c.advice.next_steps {
            let Some(g) = &s.grant else { continue };
            for st in g["policy"]["Statement"].as_array().unwrap() {
                let action = st["Action"].as_str().unwrap();
                assert!(
                    iamref::action(action).is_some(),
                    "{}: {action} is not an IAM action",
                    c.name
                );
                if let Some(cond) = st.get("Condition").and_then(Value::as_object) {
                    for (_, kv) in cond {
                        for key in kv.as_object().unwrap().keys() {
                            assert!(
                                iamref::condition_key_valid(action, key),
                                "{}: {key} is not a condition key of {action}",
                                c.name
                            );
                        }
                    }
                }
                checked += 1;
            }
        }
    }
    assert!(checked >= 20, "{checked}");
}
