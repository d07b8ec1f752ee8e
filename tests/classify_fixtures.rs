//! Every real error text in tests/fixtures/texts against the expectations written for it
//! in tests/fixtures/expect.json (only the fields the text states or implies).

use std::path::Path;

use awsx::classify::classify;
use serde_json::{Value, json};

fn fixtures() -> (Vec<(String, String)>, serde_json::Map<String, Value>) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let expect: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("expect.json")).unwrap()).unwrap();
    let mut texts = Vec::new();
    for e in std::fs::read_dir(dir.join("texts")).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        let bytes = std::fs::read(&p).unwrap();
        texts.push((name, String::from_utf8_lossy(&bytes).into_owned()));
    }
    texts.sort();
    (texts, expect.as_object().unwrap().clone())
}

/// The classifier's answer in the expectation vocabulary.
fn observed(text: &str) -> Value {
    let f = classify(text, None);
    let report = serde_json::to_value(&f).unwrap();
    let auth = &report["authorization"];
    json!({
        "category": report["category"],
        "error_code": report["error_code"],
        "operation": report["operation"],
        "service": report["service"],
        "action": auth["action"],
        "principal": auth["principal"],
        "resource": auth["resource"],
        "decision": auth["decision"],
        "policy_layer": auth["policy_layer"],
        "policy_arn": auth["policy_arn"],
        "cause": auth["cause"],
        "encoded": auth["encoded_message"].is_string(),
        "quota_code": report["quota"]["quota_code"],
    })
}

#[test]
fn every_fixture_has_an_expectation() {
    let (texts, expect) = fixtures();
    assert!(texts.len() >= 100, "only {} fixtures", texts.len());
    for (name, _) in &texts {
        assert!(
            expect.contains_key(name),
            "{name} has no expectation in expect.json"
        );
    }
}

#[test]
fn fixtures_classify_as_expected() {
    let (texts, expect) = fixtures();
    let mut failures = Vec::new();
    let mut checked = 0;
    for (name, text) in &texts {
        let Some(Value::Object(want)) = expect.get(name) else {
            continue;
        };
        let got = observed(text);
        for (key, want_v) in want {
            if key.starts_with('_') {
                continue;
            }
            let got_v = got.get(key).cloned().unwrap_or(Value::Null);
            // `null` expected: the field must be absent; for enums that means "unknown".
            let ok = match (want_v, &got_v) {
                (Value::Null, Value::Null) => true,
                (Value::Null, Value::String(s)) => s == "unknown",
                (Value::Bool(false), Value::Bool(false)) => true,
                (w, g) => w == g,
            };
            checked += 1;
            if !ok {
                failures.push(format!("{name}: {key}: want {want_v}, got {got_v}"));
            }
        }
    }
    assert!(checked > 500, "only {checked} expectations checked");
    assert!(
        failures.is_empty(),
        "{} of {checked} expectations failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_fixture_report_validates_against_the_schema() {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/report.schema.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let (texts, _) = fixtures();
    for (name, text) in &texts {
        let f = classify(text, None);
        let fx = awsx::findings::Findings::default();
        let advice = awsx::advise::advise(&f, &fx);
        let mut report = awsx::report::json(&f, &fx, &advice);
        // As `awsx explain --json` prints it: with the run's fields.
        awsx::report::add_run_fields(&mut report, &Default::default(), &fx);
        let errors: Vec<String> = validator
            .iter_errors(&report)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{name}: {errors:?}");
        assert!(!advice.headline.is_empty(), "{name}: empty headline");
    }
}

#[test]
fn limits_never_advise_a_quota_increase_for_capacity_or_throttling() {
    let (texts, _) = fixtures();
    for (name, text) in &texts {
        let f = classify(text, None);
        let advice = awsx::advise::advise(&f, &awsx::findings::Findings::default());
        let increase = advice.next_steps.iter().any(|s| {
            s.command
                .as_deref()
                .is_some_and(|c| c.contains("request-service-quota-increase"))
        });
        match f.category {
            awsx::failure::Category::Capacity | awsx::failure::Category::Throttling => {
                assert!(!increase, "{name}: a quota increase for {:?}", f.category)
            }
            awsx::failure::Category::Quota if f.quota.as_ref().is_some_and(|q| q.managed) => {
                // Without a value to reason from, the step names the command in its text
                // instead of printing one with a made-up number.
                let named = advice.next_steps.iter().any(|s| {
                    s.command.is_none() && s.text.contains("request-service-quota-increase")
                });
                assert!(
                    increase || named,
                    "{name}: no increase step for a managed quota"
                )
            }
            _ => {}
        }
    }
}

#[test]
fn after_a_wrapped_command_the_final_cli_error_is_the_headline() {
    // `aws --debug`: a retried throttling body is logged before the final error line.
    let text = "2026-11-30 10:00:00,001 - MainThread - botocore.parsers - DEBUG - Response body:\nb'<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors></Response>'\n\
        An error occurred (RequestLimitExceeded) when calling the RunInstances operation (reached max retries: 4): Request limit exceeded.\n\
        2026-11-30 10:00:05,001 - MainThread - botocore.hooks - DEBUG - Event needs-retry\n\
        \nAn error occurred (UnauthorizedOperation) when calling the RunInstances operation: You are not authorized to perform this operation.\n";
    let args: Vec<std::ffi::OsString> = ["--debug", "ec2", "run-instances", "--image-id", "ami-1"]
        .iter()
        .map(Into::into)
        .collect();
    let inv = awsx::invocation::Invocation::parse(&args);
    let wrapped = classify(text, Some(&inv));
    assert_eq!(wrapped.error_code.as_deref(), Some("UnauthorizedOperation"));
    assert_eq!(wrapped.category, awsx::failure::Category::Authorization);
    // A pasted text keeps the first error as the headline (later ones are consequences).
    let pasted = classify(text, None);
    assert_eq!(pasted.error_code.as_deref(), Some("RequestLimitExceeded"));
}
