//! An IAM policy evaluator that awsx did not write, as a test oracle: `tests/oracle/simulate.mjs`
//! over the npm package `@cloud-copilot/iam-simulate` (test-only; see tests/oracle/README.md).
//!
//! One `node` process per batch: build the requests, call [`evaluate`] once, read each
//! result's [`decision`].
#![allow(dead_code)]

use serde::Serialize;
use serde_json::{Map, Value, json};
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

/// The oracle's folder (package.json, lock file, simulate.mjs, node_modules).
pub fn oracle_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/oracle")
}

/// One request to evaluate; serializes to the input shape of simulate.mjs.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OracleRequest {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<Value>,
    /// An IAM ARN (user, role, assumed-role session, account root), a service principal,
    /// or "anonymous".
    pub principal: String,
    pub action: String,
    pub resource: String,
    /// Request context keys: a string or an array of strings each.
    pub context: Map<String, Value>,
    pub identity_policies: Vec<Value>,
    /// None: no boundary. Some(vec![]) would be a boundary that allows nothing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub permission_boundaries: Option<Vec<Value>>,
    /// One entry per organization level, root first, account last.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scps: Option<Vec<Vec<Value>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rcps: Option<Vec<Vec<Value>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_policy: Option<Value>,
    /// The resource's account when the ARN names none (S3); defaults to the principal's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_account: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_policy: Option<Value>,
}

impl OracleRequest {
    pub fn new(principal: &str, action: &str, resource: &str) -> Self {
        OracleRequest {
            principal: principal.into(),
            action: action.into(),
            resource: resource.into(),
            ..Default::default()
        }
    }

    pub fn context(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.context.insert(key.into(), value.into());
        self
    }

    pub fn identity(mut self, policy: Value) -> Self {
        self.identity_policies.push(policy);
        self
    }

    pub fn boundary(mut self, policy: Value) -> Self {
        self.permission_boundaries
            .get_or_insert_with(Vec::new)
            .push(policy);
        self
    }

    /// Adds one organization level (root first) holding these SCPs.
    pub fn scp_level(mut self, policies: Vec<Value>) -> Self {
        self.scps.get_or_insert_with(Vec::new).push(policies);
        self
    }

    pub fn resource_policy(mut self, policy: Value) -> Self {
        self.resource_policy = Some(policy);
        self
    }

    pub fn resource_account(mut self, account: &str) -> Self {
        self.resource_account = Some(account.into());
        self
    }

    pub fn id(mut self, id: impl Into<Value>) -> Self {
        self.id = Some(id.into());
        self
    }

    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).expect("OracleRequest serializes")
    }
}

/// Evaluates a batch of requests (the simulate.mjs input shape) in one `node` process;
/// returns one result per request, in order.
pub fn evaluate(reqs: &[Value]) -> Vec<Value> {
    let dir = oracle_dir();
    assert!(
        dir.join("node_modules/@cloud-copilot/iam-simulate")
            .is_dir(),
        "the IAM oracle is not installed ({}/node_modules is missing): run scripts/install-oracle.sh",
        dir.display()
    );
    let input = serde_json::to_vec(&Value::Array(reqs.to_vec())).expect("requests serialize");
    let mut child = Command::new("node")
        .arg(dir.join("simulate.mjs"))
        .current_dir(&dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("cannot run node for the IAM oracle ({e}); Node 20+ is required, then run scripts/install-oracle.sh")
        });
    let mut stdin = child.stdin.take().expect("piped stdin");
    // Write from a thread: a large batch would otherwise fill both pipes and deadlock.
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let out = child.wait_with_output().expect("wait for node");
    writer
        .join()
        .expect("stdin writer")
        .expect("write the batch to node");
    assert!(
        out.status.success(),
        "tests/oracle/simulate.mjs failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let results: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "simulate.mjs printed no JSON array ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    assert_eq!(
        results.len(),
        reqs.len(),
        "simulate.mjs returned {} results for {} requests",
        results.len(),
        reqs.len()
    );
    results
}

/// [`evaluate`] for typed requests.
pub fn evaluate_requests(reqs: &[OracleRequest]) -> Vec<Value> {
    evaluate(&reqs.iter().map(OracleRequest::to_value).collect::<Vec<_>>())
}

/// One request in its own process (prefer batches).
pub fn evaluate_one(req: &OracleRequest) -> Value {
    evaluate(&[req.to_value()]).remove(0)
}

/// "Allowed", "ImplicitlyDenied", "ExplicitlyDenied" or "Error".
pub fn decision(v: &Value) -> &str {
    v["result"]
        .as_str()
        .unwrap_or_else(|| panic!("oracle result without a \"result\": {v}"))
}

/// Context keys the library dropped because they do not apply to the action/resource type:
/// conditions on them were evaluated as if the key were absent.
pub fn ignored_context_keys(v: &Value) -> Vec<&str> {
    v["ignoredContextKeys"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

/// A policy document with these statements.
pub fn policy(statements: Value) -> Value {
    let statements = match statements {
        Value::Array(a) => a,
        one => vec![one],
    };
    json!({ "Version": "2012-10-17", "Statement": statements })
}
