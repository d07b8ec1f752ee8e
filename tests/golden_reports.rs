//! Golden text reports (insta snapshots under tests/snapshots/): the whole offline report
//! (`classify` + `advise` + `report::text`, colour off) for real error texts of every
//! category, from aws CLI v1 and v2 and from SDKs, so that a wording change is reviewed as
//! a diff. Update after a deliberate change: `INSTA_UPDATE=always cargo test --test
//! golden_reports`, then read `git diff tests/snapshots/`.

use awsx::advise::advise;
use awsx::classify::classify;
use awsx::findings::Findings;
use awsx::report;

/// (snapshot name, fixture): at least one per category, both CLI majors where the fixtures
/// have them.
const GOLDEN: &[(&str, &str)] = &[
    (
        "authorization_implicit_cli_v1",
        "13-lambda-s3-getobject-no-identity-policy.txt",
    ),
    (
        "authorization_implicit_cli_v2",
        "103-cliv2-new-aws-error-prefix-kafka-no-identity-policy.txt",
    ),
    (
        "authorization_explicit_decoded",
        "01-decoded-explicit-deny-runinstances.txt",
    ),
    (
        "authorization_explicit_cli_v2",
        "217-cliv2-aws-error-iam-createuser-explicit-deny-identity-policy-arn.txt",
    ),
    (
        "authorization_encoded_terraform",
        "06-tf-launch-instance-encoded.txt",
    ),
    (
        "trust_implicit",
        "230-doc-role-trust-policy-implicit-deny-assumerole.txt",
    ),
    (
        "trust_boto3",
        "82-boto3-assumerole-user-to-role-accessdenied.txt",
    ),
    (
        "quota_vcpu_cli",
        "247-cli-run-instances-t2-nano-vcpulimitexceeded-32.txt",
    ),
    (
        "quota_tags_cli_v2",
        "222-cliv2-aws-error-ec2-createtags-taglimitexceeded.txt",
    ),
    (
        "capacity_boto3",
        "58-boto3-insufficientinstancecapacity-max-retries.txt",
    ),
    (
        "throttling_boto3",
        "285-boto3-ecs-listclusters-throttlingexception-max-retries-4.txt",
    ),
    (
        "throttling_ec2",
        "62-docker-machine-requestlimitexceeded-503.txt",
    ),
    (
        "credentials_sso_cli_v2",
        "219-cliv2-aws-error-sso-token-expired-refresh-failed.txt",
    ),
    (
        "credentials_profile_cli",
        "208-cli-config-profile-not-found.txt",
    ),
    (
        "connectivity_timeout_cli",
        "211-cli-connect-timeout-endpoint-events.txt",
    ),
    (
        "connectivity_tls_boto3",
        "214-boto3-ssl-validation-failed-eof.txt",
    ),
    (
        "validation_cli",
        "215-cli-ssm-create-document-parameter-validation-failed.txt",
    ),
    (
        "other_s3_cli",
        "204-cli-s3-make-bucket-failed-bucketalreadyexists.txt",
    ),
    (
        "other_cfn_cli_v2",
        "223-cliv2-aws-error-cfn-describestacks-validationerror-not-exist.txt",
    ),
];

/// One test (so the environment can be made neutral safely): every golden report.
#[test]
fn golden_text_reports() {
    // The advice reads a few variables (the profile, ~/.aws/config) and the redaction the
    // secret ones: make them the same on every machine. Safe: this binary's only test.
    let home = tempfile::tempdir().unwrap();
    unsafe {
        for v in [
            "AWS_PROFILE",
            "AWS_DEFAULT_PROFILE",
            "AWS_REGION",
            "AWS_DEFAULT_REGION",
            "AWS_CONFIG_FILE",
            "AWS_SHARED_CREDENTIALS_FILE",
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_SESSION_TOKEN",
            "AWS_SECURITY_TOKEN",
            "AWSX_DIAGNOSE_PROFILE",
            "AWSX_DIAGNOSE",
        ] {
            std::env::remove_var(v);
        }
        std::env::set_var("HOME", home.path());
    }
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/texts");
    let mut categories = std::collections::BTreeSet::new();
    for (name, fixture) in GOLDEN {
        let bytes = std::fs::read(dir.join(fixture)).unwrap();
        let t = String::from_utf8_lossy(&bytes);
        let f = classify(&t, None);
        categories.insert(f.category.as_str());
        let advice = advise(&f, &Findings::default());
        let text = report::text(&f, &advice, report::Style::PLAIN);
        // Prose is wrapped to the width; commands and documents are not (a wrapped command
        // no longer pastes), nor is a word longer than the line (an ARN stays whole).
        for width in [60, 80, 120] {
            let styled = report::text(
                &f,
                &advice,
                report::Style {
                    colour: false,
                    width,
                },
            );
            for line in styled.lines() {
                let command = line.starts_with("       ") && !line.trim_start().starts_with('(');
                let one_word = line
                    .split_whitespace()
                    .any(|w| w.chars().count() > width / 2);
                assert!(
                    command || one_word || line.chars().count() <= width,
                    "{fixture} at {width} columns: {line:?}"
                );
            }
        }
        insta::with_settings!({
            description => *fixture,
            omit_expression => true,
            prepend_module_to_snapshot => false,
        }, {
            insta::assert_snapshot!(*name, text);
        });
    }
    // Every category has its golden report.
    for c in [
        "authorization",
        "trust",
        "quota",
        "capacity",
        "throttling",
        "credentials",
        "connectivity",
        "validation",
        "other",
    ] {
        assert!(categories.contains(c), "no golden report for {c}");
    }
}
