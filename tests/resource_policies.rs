//! Resource policies (issue 6): what the bucket and the KMS key say about a denial.
//!
//! Real aws CLI v1 and v2 against moto with IAM enforcement switched on at runtime. Setup
//! (enforcement off): IAM users `admin` (Action "*"), `noperm` (nothing) and `lister`;
//! bucket `pol-bkt` with a bucket policy (Deny when aws:SecureTransport is false, Allow for
//! `lister`); bucket `pab-bkt` with Block Public Access and BucketOwnerEnforced; bucket
//! `kms-bkt` with default SSE-KMS under a key whose policy lets only the account root
//! administer it and only `lister` use it; bucket `eu-bkt` in eu-west-1. The failed commands run as `noperm` (keys in the
//! environment), with `AWSX_DIAGNOSE_PROFILE=admin` (keys in ~/.aws/credentials) so that
//! awsx may read the bucket and the key, and once without it.
//!
//! moto facts (FACTS.md §4): identity policies are evaluated against actions only; moto 5
//! also refuses object requests (GET, HEAD, PUT) on a bucket whose policy has a statement
//! with a condition it cannot evaluate, with a bare 403 — so on `pol-bkt` object commands
//! fail whoever asks. `s3 ls s3://b` (delimiter=/) fails with SignatureDoesNotMatch under
//! enforcement, hence `s3 ls --recursive`. moto answers `?policyStatus` with an object
//! listing: awsx must say so, not fail.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::*;
use serde_json::Value;

const ACCOUNT: &str = "123456789012";
const NOPERM_ARN: &str = "arn:aws:iam::123456789012:user/noperm";
const LISTER_ARN: &str = "arn:aws:iam::123456789012:user/lister";

const BUCKET_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[
 {"Sid":"DenyInsecureTransport","Effect":"Deny","Principal":"*","Action":"s3:*",
  "Resource":["arn:aws:s3:::pol-bkt","arn:aws:s3:::pol-bkt/*"],
  "Condition":{"Bool":{"aws:SecureTransport":"false"}}},
 {"Sid":"AllowLister","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user/lister"},
  "Action":["s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::pol-bkt","arn:aws:s3:::pol-bkt/*"]}]}"#;

const KEY_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[
 {"Sid":"KeyAdministration","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},
  "Action":["kms:Create*","kms:Describe*","kms:Enable*","kms:List*","kms:Put*","kms:Update*",
            "kms:Revoke*","kms:Disable*","kms:Get*","kms:Delete*","kms:ScheduleKeyDeletion",
            "kms:CancelKeyDeletion"],"Resource":"*"},
 {"Sid":"AllowListerToUseTheKey","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user/lister"},
  "Action":["kms:Decrypt","kms:GenerateDataKey"],"Resource":"*"}]}"#;

struct Keys {
    id: String,
    secret: String,
}

/// moto with the users, buckets and key in place and enforcement on.
struct World {
    moto: Server,
    _dir: tempfile::TempDir,
    home: PathBuf,
    work: PathBuf,
    noperm: Keys,
    admin: Keys,
    key_id: String,
}

impl World {
    /// The secrets awsx must never print.
    fn secrets(&self) -> [&str; 3] {
        [&self.noperm.secret, &self.admin.secret, SECRET]
    }
}

/// One setup call with the test's fixed credentials (enforcement is still off).
fn setup(cli: &Path, home: &Path, moto: &Server, args: &[&str]) -> Value {
    let mut full = vec!["--endpoint-url", moto.url.as_str(), "--output", "json"];
    full.extend_from_slice(args);
    let out = run(&mut aws(cli, home, &full));
    assert!(
        out.status.success(),
        "setup {args:?} failed: {}",
        text(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or(Value::Null)
}

fn world() -> World {
    let moto = moto();
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let work = dir.path().join("work");
    std::fs::create_dir_all(home.join(".aws")).unwrap();
    std::fs::create_dir_all(&work).unwrap();
    std::fs::write(work.join("hello.txt"), "hello\n").unwrap();
    std::fs::write(work.join("up.txt"), "up\n").unwrap();
    let hello = work.join("hello.txt");
    let hello = hello.to_str().unwrap();
    // v1 starts faster than v2; the setup is not what is under test.
    let cli = aws_v1();
    let s = |args: &[&str]| setup(&cli, &home, &moto, args);

    let keys = |user: &str| {
        s(&["iam", "create-user", "--user-name", user]);
        let k = s(&["iam", "create-access-key", "--user-name", user]);
        Keys {
            id: k["AccessKey"]["AccessKeyId"].as_str().unwrap().to_string(),
            secret: k["AccessKey"]["SecretAccessKey"]
                .as_str()
                .unwrap()
                .to_string(),
        }
    };
    let admin = keys("admin");
    let noperm = keys("noperm");
    s(&["iam", "create-user", "--user-name", "lister"]);
    s(&[
        "iam",
        "put-user-policy",
        "--user-name",
        "admin",
        "--policy-name",
        "all",
        "--policy-document",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
    ]);
    s(&[
        "iam",
        "put-user-policy",
        "--user-name",
        "lister",
        "--policy-name",
        "list",
        "--policy-document",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:ListBucket","s3:ListAllMyBuckets"],"Resource":"*"}]}"#,
    ]);

    // The object goes in before the policy: moto refuses object requests afterwards.
    s(&["s3api", "create-bucket", "--bucket", "pol-bkt"]);
    s(&[
        "s3api",
        "put-object",
        "--bucket",
        "pol-bkt",
        "--key",
        "hello.txt",
        "--body",
        hello,
    ]);
    s(&[
        "s3api",
        "put-bucket-policy",
        "--bucket",
        "pol-bkt",
        "--policy",
        BUCKET_POLICY,
    ]);

    s(&["s3api", "create-bucket", "--bucket", "pab-bkt"]);
    s(&[
        "s3api",
        "put-object",
        "--bucket",
        "pab-bkt",
        "--key",
        "hello.txt",
        "--body",
        hello,
    ]);
    s(&[
        "s3api",
        "put-public-access-block",
        "--bucket",
        "pab-bkt",
        "--public-access-block-configuration",
        "BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true",
    ]);
    s(&[
        "s3api",
        "put-bucket-ownership-controls",
        "--bucket",
        "pab-bkt",
        "--ownership-controls",
        "Rules=[{ObjectOwnership=BucketOwnerEnforced}]",
    ]);

    let key = s(&[
        "kms",
        "create-key",
        "--description",
        "kms-bkt default key",
        "--policy",
        KEY_POLICY,
    ]);
    let key_id = key["KeyMetadata"]["KeyId"].as_str().unwrap().to_string();
    s(&["s3api", "create-bucket", "--bucket", "kms-bkt"]);
    let encryption = format!(
        r#"{{"Rules":[{{"ApplyServerSideEncryptionByDefault":{{"SSEAlgorithm":"aws:kms","KMSMasterKeyID":"{key_id}"}}}}]}}"#
    );
    s(&[
        "s3api",
        "put-bucket-encryption",
        "--bucket",
        "kms-bkt",
        "--server-side-encryption-configuration",
        &encryption,
    ]);
    s(&[
        "s3api",
        "put-object",
        "--bucket",
        "kms-bkt",
        "--key",
        "hello.txt",
        "--body",
        hello,
    ]);

    s(&[
        "s3api",
        "create-bucket",
        "--bucket",
        "eu-bkt",
        "--region",
        "eu-west-1",
        "--create-bucket-configuration",
        "LocationConstraint=eu-west-1",
    ]);

    // The profile awsx may use for its look-ups; the failed commands use noperm's keys
    // from the environment.
    std::fs::write(
        home.join(".aws/credentials"),
        format!(
            "[admin]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
            admin.id, admin.secret
        ),
    )
    .unwrap();
    enforce(&moto);
    World {
        moto,
        _dir: dir,
        home,
        work,
        noperm,
        admin,
        key_id,
    }
}

/// Both runs of one command: straight to aws, then through awsx.
struct Runs {
    aws: Output,
    /// awsx's text report (what it appended to aws's stderr).
    report: String,
    /// The same report as JSON (AWSX_REPORT_FILE).
    json: Value,
    /// Everything awsx wrote, to look for secrets.
    everything: String,
}

fn as_noperm(cmd: &mut Command, w: &World) {
    cmd.current_dir(&w.work)
        .env("AWS_ACCESS_KEY_ID", &w.noperm.id)
        .env("AWS_SECRET_ACCESS_KEY", &w.noperm.secret);
}

/// The transfer rate in `s3 cp` progress lines differs from run to run.
fn mask_rate(b: &[u8]) -> String {
    let re = regex::Regex::new(r"\([0-9.]+ [KMGT]?i?B(ytes)?/s\)").unwrap();
    re.replace_all(&text(b), "(RATE)").into_owned()
}

fn both(w: &World, cli: &Path, diagnose_profile: Option<&str>, args: &[&str]) -> Runs {
    let mut full = vec!["--endpoint-url", w.moto.url.as_str()];
    full.extend_from_slice(args);

    let mut direct = aws(cli, &w.home, &full);
    as_noperm(&mut direct, w);
    let aws_out = run(&mut direct);

    let report_file = w.work.join("report.json");
    let _ = std::fs::remove_file(&report_file);
    let mut wrapped = awsx(cli, &w.home, &full);
    as_noperm(&mut wrapped, w);
    wrapped
        .env("AWSX_REPORT_FILE", &report_file)
        .env("AWSX_TIMEOUT", "30")
        .env("NO_COLOR", "1");
    if let Some(p) = diagnose_profile {
        wrapped.env("AWSX_DIAGNOSE_PROFILE", p);
    }
    let awsx_out = run(&mut wrapped);

    let what = format!("{args:?} ({})", cli.display());
    assert_eq!(
        awsx_out.status.code(),
        aws_out.status.code(),
        "{what}: exit codes differ; aws said {}",
        text(&aws_out.stderr)
    );
    assert!(
        !aws_out.status.success(),
        "{what}: aws succeeded, the scenario needs a denial"
    );
    assert_eq!(
        mask_rate(&awsx_out.stdout),
        mask_rate(&aws_out.stdout),
        "{what}: stdout differs"
    );
    let report = text(appended(&awsx_out.stderr, &aws_out.stderr));
    let file = std::fs::read_to_string(&report_file)
        .unwrap_or_else(|e| panic!("{what}: no report file: {e}; stderr: {report}"));
    let json: Value = serde_json::from_str(&file).unwrap();
    let everything = format!("{}{}{file}", text(&awsx_out.stdout), text(&awsx_out.stderr));
    for secret in w.secrets() {
        assert!(
            !everything.contains(secret),
            "{what}: a secret access key appears in awsx's output"
        );
    }
    Runs {
        aws: aws_out,
        report,
        json,
        everything,
    }
}

/// The values of the facts with this label.
fn facts<'a>(j: &'a Value, label: &str) -> Vec<&'a str> {
    j["facts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["label"] == label)
        .filter_map(|f| f["value"].as_str())
        .collect()
}

fn fact_with<'a>(j: &'a Value, label: &str, needle: &str) -> &'a str {
    facts(j, label)
        .into_iter()
        .find(|v| v.contains(needle))
        .unwrap_or_else(|| panic!("no {label} fact with {needle:?} in {:#}", j["facts"]))
}

fn has_fact(j: &Value, label: &str, needle: &str) -> bool {
    facts(j, label).iter().any(|v| v.contains(needle))
}

/// The next step whose text or command contains `needle`.
fn step_with<'a>(j: &'a Value, needle: &str) -> &'a Value {
    j["next_steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| {
            s["text"].as_str().is_some_and(|t| t.contains(needle))
                || s["command"].as_str().is_some_and(|c| c.contains(needle))
        })
        .unwrap_or_else(|| panic!("no next step with {needle:?} in {:#}", j["next_steps"]))
}

fn probe<'a>(j: &'a Value, name: &str) -> &'a Value {
    j["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["probe"] == name)
        .unwrap_or_else(|| panic!("no look-up {name} in {:#}", j["findings"]))
}

/// The re-run command awsx prints when look-ups were denied: a profile configured here, the
/// same arguments.
const HINT: &str = "AWSX_DIAGNOSE_PROFILE=admin awsx --endpoint-url ";

fn scenarios(label: &str, cli: &Path) {
    let w = world();
    let rc_service = if label == "v1" { 255 } else { 254 };

    // 1. Listing a bucket whose policy denies plain-HTTP requests.
    let r = both(
        &w,
        cli,
        Some("admin"),
        &["s3", "ls", "--recursive", "s3://pol-bkt"],
    );
    assert_eq!(r.aws.status.code(), Some(rc_service));
    assert!(
        text(&r.aws.stderr).contains("(AccessDenied) when calling the ListObjectsV2 operation")
    );
    let j = &r.json;
    assert_eq!(j["category"], "authorization", "{j:#}");
    assert_eq!(fact_with(j, "Bucket", "pol-bkt"), "pol-bkt");
    assert_eq!(fact_with(j, "Principal", "noperm"), NOPERM_ARN);
    let deny = fact_with(j, "Bucket policy", "Sid \"DenyInsecureTransport\"");
    assert!(
        deny.starts_with(
            "Deny statement #1 (Sid \"DenyInsecureTransport\") applies to this request"
        ),
        "{deny}"
    );
    assert!(
        deny.contains("aws:SecureTransport is false (request over HTTP): met"),
        "{deny}"
    );
    assert!(
        deny.contains("action s3:ListBucket matches Action \"s3:*\""),
        "{deny}"
    );
    let why = fact_with(
        j,
        "Bucket policy",
        "aws:SecureTransport is false for this request",
    );
    assert!(
        why.contains(&format!("{} is plain HTTP", w.moto.url)),
        "{why}"
    );
    assert!(has_fact(
        j,
        "Bucket policy",
        "an explicit Deny in the bucket policy refuses s3:ListBucket"
    ));
    assert!(
        j["headline"].as_str().unwrap().contains("explicit deny"),
        "{}",
        j["headline"]
    );
    assert!(
        step_with(j, "refuses requests sent over plain HTTP")["text"]
            .as_str()
            .unwrap()
            .contains("use an https:// endpoint")
    );
    assert_eq!(
        step_with(j, "get-bucket-policy")["command"],
        // The region the look-ups resolved (AWS_DEFAULT_REGION) is filled in; an owner-side
        // read runs as the diagnose profile, at the emulator the command used.
        format!(
            "aws s3api get-bucket-policy --bucket pol-bkt --query Policy --output text --profile admin --region us-east-1 --endpoint-url {}",
            w.moto.url
        )
    );
    assert_eq!(probe(j, "s3:GetBucketPolicy")["ok"], true);
    // moto does not implement GetBucketPolicyStatus: said plainly, not as a crash.
    let status = probe(j, "s3:GetBucketPolicyStatus");
    assert!(
        status["summary"]
            .as_str()
            .unwrap()
            .contains("does not seem to implement GetBucketPolicyStatus"),
        "{status}"
    );
    // The look-ups ran as admin: no hint to use a diagnose profile.
    assert!(!r.everything.contains(HINT));
    // The text report says the same, in order.
    let t = &r.report;
    assert_eq!(
        headline(t),
        "awsx: Access denied: user/noperm (123456789012) may not s3:ListBucket on arn:aws:s3:::pol-bkt (explicit deny in resource policy) [authorization]",
        "{t}"
    );
    let ft = flat(t);
    assert!(ft.contains(" Bucket policy Deny statement #1 (Sid \"DenyInsecureTransport\") applies to this request: "), "{t}");
    assert!(ft.contains("Deny when aws:SecureTransport is false (request over HTTP): met (request has aws:SecureTransport = false) (fetched)"), "{t}");
    assert!(
        t.contains(
            &format!("\n       aws s3api get-bucket-policy --bucket pol-bkt --query Policy --output text --profile admin --region us-east-1 --endpoint-url {}\n", w.moto.url)
        ),
        "{t}"
    );

    // 2. The same as noperm alone: every bucket look-up is denied, and said so.
    let r = both(&w, cli, None, &["s3", "ls", "--recursive", "s3://pol-bkt"]);
    let j = &r.json;
    assert_eq!(
        fact_with(j, "Bucket policy", "may not read"),
        "you may not read it (ask the bucket owner)"
    );
    let rec = probe(j, "s3:GetBucketPolicy");
    assert_eq!(rec["denied"], true, "{rec}");
    assert!(
        rec["summary"]
            .as_str()
            .unwrap()
            .contains("ask the bucket owner")
    );
    let hint = step_with(j, "AWSX_DIAGNOSE_PROFILE");
    let rerun = format!(
        "AWSX_DIAGNOSE_PROFILE=admin awsx --endpoint-url {} s3 ls --recursive s3://pol-bkt",
        w.moto.url
    );
    assert_eq!(hint["command"], rerun.as_str());
    assert!(
        flat(&r.report).contains("Not looked up denied to this identity: ")
            && flat(&r.report).contains(" s3:GetBucketPolicy,"),
        "{}",
        r.report
    );
    assert!(
        r.report.contains(&format!("\n       {rerun}\n")),
        "{}",
        r.report
    );
    // Without the policy, the step is to read it.
    step_with(j, "aws s3api get-bucket-policy --bucket pol-bkt");

    // 2b. A diagnose profile that does not exist is reported, not silently ignored.
    if label == "v1" {
        let r = both(
            &w,
            cli,
            Some("nosuch"),
            &["s3", "ls", "--recursive", "s3://pol-bkt"],
        );
        let rec = probe(&r.json, "credentials (AWSX_DIAGNOSE_PROFILE)");
        assert!(
            rec["summary"]
                .as_str()
                .unwrap()
                .contains("profile `nosuch` was not defined"),
            "{rec}"
        );
        assert_eq!(probe(&r.json, "s3:GetBucketPolicy")["denied"], true);
    }

    // 3. Downloading from the SSE-KMS bucket: HeadObject 403, exit code 1.
    let r = both(
        &w,
        cli,
        Some("admin"),
        &["s3", "cp", "s3://kms-bkt/hello.txt", "."],
    );
    assert_eq!(r.aws.status.code(), Some(1));
    assert!(text(&r.aws.stderr).contains("(403) when calling the HeadObject operation"));
    // Nothing was downloaded over the local file of the same name.
    assert_eq!(
        std::fs::read_to_string(w.work.join("hello.txt")).unwrap(),
        "hello\n"
    );
    let j = &r.json;
    let key_arn = format!("arn:aws:kms:us-east-1:{ACCOUNT}:key/{}", w.key_id);
    assert!(fact_with(j, "Default encryption", &w.key_id).starts_with("SSE-KMS with "));
    assert_eq!(
        fact_with(j, "KMS key", &key_arn),
        format!("{key_arn} (state Enabled, customer-managed)")
    );
    assert_eq!(
        fact_with(j, "Key policy", "AllowListerToUseTheKey"),
        format!(
            "Allow statement #2 (Sid \"AllowListerToUseTheKey\") allows kms:Decrypt only to {LISTER_ARN}"
        )
    );
    assert!(has_fact(
        j,
        "Key policy",
        "no statement of the key policy allows kms:Decrypt for this principal"
    ));
    assert_eq!(fact_with(j, "Bucket policy", "none"), "none");
    assert_eq!(
        step_with(j, "aws kms get-key-policy")["command"],
        format!(
            "aws kms get-key-policy --key-id {key_arn} --policy-name default --query Policy --output text --profile admin --region us-east-1 --endpoint-url {}",
            w.moto.url
        )
    );
    // The key policy fix is the fetched policy plus the caller: the administrators and
    // lister keep their statements (put-key-policy replaces the whole policy).
    let put = step_with(j, "kms put-key-policy")["command"]
        .as_str()
        .unwrap();
    assert!(put.contains(&format!("--key-id {key_arn}")), "{put}");
    let policy = put
        .split_once("--policy '")
        .and_then(|(_, rest)| rest.split_once('\''))
        .map(|(doc, _)| doc)
        .unwrap();
    let policy: Value = serde_json::from_str(policy).unwrap();
    let sids: Vec<&str> = policy["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["Sid"].as_str())
        .collect();
    assert_eq!(
        sids,
        [
            "KeyAdministration",
            "AllowListerToUseTheKey",
            "AllowCallerToUseTheKey"
        ]
    );
    let add = &policy["Statement"][2];
    assert_eq!(add["Principal"]["AWS"], NOPERM_ARN);
    assert_eq!(add["Action"], "kms:Decrypt");
    for p in ["kms:DescribeKey", "kms:GetKeyPolicy", "kms:ListGrants"] {
        assert_eq!(probe(j, p)["ok"], true, "{p}");
    }

    // 4. s3api get-object on the bucket with Block Public Access.
    let r = both(
        &w,
        cli,
        Some("admin"),
        &[
            "s3api",
            "get-object",
            "--bucket",
            "pab-bkt",
            "--key",
            "hello.txt",
            "out.txt",
        ],
    );
    assert_eq!(r.aws.status.code(), Some(rc_service));
    assert!(text(&r.aws.stderr).contains("(AccessDenied) when calling the GetObject operation"));
    let j = &r.json;
    assert_eq!(fact_with(j, "Bucket", "pab-bkt"), "pab-bkt");
    let bpa = fact_with(j, "Block Public Access", "BlockPublicAcls");
    assert!(
        bpa.starts_with(
            "BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy, RestrictPublicBuckets: "
        ),
        "{bpa}"
    );
    assert!(bpa.contains("named principals are not affected"), "{bpa}");
    assert!(fact_with(j, "Object ownership", "BucketOwnerEnforced").contains("ACLs are disabled"));
    assert_eq!(fact_with(j, "Bucket policy", "none"), "none");
    assert_eq!(fact_with(j, "Bucket region", "us-east-1"), "us-east-1");
    assert!(flat(&r.report).contains(" Block Public Access BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy, RestrictPublicBuckets"), "{}", r.report);

    // 5. Uploading into the SSE-KMS bucket: the key policy is read for kms:GenerateDataKey.
    let r = both(
        &w,
        cli,
        Some("admin"),
        &["s3", "cp", "up.txt", "s3://kms-bkt/up.txt"],
    );
    assert_eq!(r.aws.status.code(), Some(1));
    assert!(text(&r.aws.stderr).contains("upload failed: ./up.txt to s3://kms-bkt/up.txt"));
    let j = &r.json;
    assert!(has_fact(
        j,
        "Key policy",
        "no statement of the key policy allows kms:GenerateDataKey for this principal"
    ));
    assert_eq!(
        fact_with(j, "Key policy", "AllowListerToUseTheKey"),
        format!(
            "Allow statement #2 (Sid \"AllowListerToUseTheKey\") allows kms:GenerateDataKey only to {LISTER_ARN}"
        )
    );
    assert_eq!(fact_with(j, "Action", "s3:"), "s3:PutObject");

    // 6. Uploading into the HTTPS-only bucket: moto refuses it with a bare 403 (the bucket
    //    policy); the report names the Deny that applies.
    let r = both(
        &w,
        cli,
        Some("admin"),
        &["s3", "cp", "up.txt", "s3://pol-bkt/up.txt"],
    );
    assert_eq!(r.aws.status.code(), Some(1));
    let j = &r.json;
    let deny = fact_with(j, "Bucket policy", "Sid \"DenyInsecureTransport\"");
    assert!(deny.contains("applies to this request"), "{deny}");
    assert!(
        deny.contains(
            "resource arn:aws:s3:::pol-bkt/up.txt matches Resource \"arn:aws:s3:::pol-bkt/*\""
        ),
        "{deny}"
    );
    assert!(has_fact(
        j,
        "Bucket policy",
        "an explicit Deny in the bucket policy refuses s3:PutObject"
    ));
    assert!(!has_fact(j, "Key policy", ""), "no KMS key on pol-bkt");

    // 7. A bucket in another region than the command's.
    let r = both(
        &w,
        cli,
        Some("admin"),
        &[
            "s3api",
            "get-object",
            "--bucket",
            "eu-bkt",
            "--key",
            "hello.txt",
            "out.txt",
            "--region",
            "us-east-1",
        ],
    );
    assert_eq!(r.aws.status.code(), Some(rc_service));
    assert_eq!(
        fact_with(&r.json, "Bucket region", "eu-west-1"),
        "eu-west-1 (the command used us-east-1: a region mismatch)"
    );
}

#[test]
fn v1_against_moto() {
    scenarios("v1", &aws_v1());
}

#[test]
fn v2_against_moto() {
    scenarios("v2", &aws_v2());
}

#[test]
fn v2_latest_against_moto() {
    scenarios("v2.36", &aws_v2_latest());
}
