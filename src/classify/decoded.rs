//! DecodedMessage: what `sts decode-authorization-message` returns, raw or as the
//! JSON-in-JSON the CLI prints.

use serde_json::Value;

use crate::failure::{Authorization, Decision, MatchedStatement};

/// Finds a decoded authorization message in a text and parses it.
pub fn find(text: &str) -> Option<Value> {
    // JSON-in-JSON: {"DecodedMessage": "{\"allowed\":false,...}"}
    if let Some(pos) = text.find("\"DecodedMessage\"") {
        let from = text[..pos].rfind('{').unwrap_or(pos);
        if let Some(v) = first_json_object(&text[from..])
            && let Some(inner) = v.get("DecodedMessage").and_then(Value::as_str)
            && let Ok(parsed) = serde_json::from_str::<Value>(inner)
        {
            return Some(parsed);
        }
    }
    // A bare `"DecodedMessage": "{…}"` line without its enclosing object.
    if let Some(pos) = text.find("\"DecodedMessage\"") {
        let after = text[pos + "\"DecodedMessage\"".len()..]
            .trim_start()
            .trim_start_matches(':')
            .trim_start();
        let mut de = serde_json::Deserializer::from_str(after).into_iter::<String>();
        if let Some(Ok(inner)) = de.next()
            && let Ok(parsed) = serde_json::from_str::<Value>(&inner)
        {
            return Some(parsed);
        }
    }
    // Raw: {"allowed":false,"explicitDeny":...}
    let pos = text.find("\"allowed\"")?;
    let mut from = text[..pos].rfind('{')?;
    loop {
        if let Some(v) = first_json_object(&text[from..])
            && (v.get("allowed").is_some() || v.get("context").is_some())
        {
            return Some(v);
        }
        from = text[..from].rfind('{')?;
    }
}

fn first_json_object(text: &str) -> Option<Value> {
    let mut de = serde_json::Deserializer::from_str(text).into_iter::<Value>();
    match de.next() {
        Some(Ok(v)) if v.is_object() => Some(v),
        _ => None,
    }
}

fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Object(o)) => strings(o.get("items")),
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|x| match x {
                Value::String(s) => Some(s.clone()),
                Value::Object(o) => o.get("value").and_then(Value::as_str).map(str::to_string),
                _ => None,
            })
            .collect(),
        Some(Value::String(s)) => vec![s.clone()],
        _ => vec![],
    }
}

/// Fills an Authorization from a decoded message. Bare actions (EC2 writes
/// `RunInstances`) get the prefix of `service` (default ec2, the service whose denials
/// carry encoded messages).
pub fn apply(decoded: &Value, auth: &mut Authorization, service_prefix: Option<&str>) {
    let allowed = decoded.get("allowed").and_then(Value::as_bool);
    let explicit = decoded.get("explicitDeny").and_then(Value::as_bool);
    auth.decision = match (allowed, explicit) {
        (_, Some(true)) => Decision::ExplicitDeny,
        (Some(false), Some(false)) => Decision::ImplicitDeny,
        _ => auth.decision,
    };
    let ctx = decoded.get("context");
    if let Some(p) = ctx
        .and_then(|c| c.get("principal"))
        .and_then(|p| p.get("arn"))
        .and_then(Value::as_str)
    {
        auth.principal = Some(p.to_string());
    }
    if let Some(a) = ctx.and_then(|c| c.get("action")).and_then(Value::as_str) {
        auth.action = Some(if a.contains(':') {
            a.to_string()
        } else {
            format!("{}:{a}", service_prefix.unwrap_or("ec2"))
        });
    }
    if let Some(r) = ctx.and_then(|c| c.get("resource")).and_then(Value::as_str) {
        auth.resource = Some(r.to_string());
    }
    auth.conditions = condition_items(ctx.and_then(|c| c.get("conditions")));
    auth.matched_statements = decoded
        .get("matchedStatements")
        .and_then(|m| m.get("items"))
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .map(|s| MatchedStatement {
                    sid: s
                        .get("statementId")
                        .and_then(Value::as_str)
                        .map(str::to_string),
                    effect: s.get("effect").and_then(Value::as_str).map(str::to_string),
                    actions: strings(s.get("actions"))
                        .into_iter()
                        .chain(action_objects(s.get("actions")))
                        .collect(),
                    resources: strings(s.get("resources"))
                        .into_iter()
                        .chain(action_objects(s.get("resources")))
                        .collect(),
                    conditions: condition_items(s.get("conditions")),
                })
                .collect()
        })
        .unwrap_or_default();
    auth.decoded = Some(decoded.clone());
}

/// `{"items":[{"key":K,"values":{"items":[{"value":V}]}}]}` → (K, [V…]).
fn condition_items(c: Option<&Value>) -> Vec<(String, Vec<String>)> {
    c.and_then(|c| c.get("items"))
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|i| {
                    let key = i.get("key")?.as_str()?.to_string();
                    Some((key, strings(i.get("values"))))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The decoded format nests actions as {"items":[{"value":"ec2:RunInstances"}]} or as
/// objects with `action`/`resource` keys.
fn action_objects(v: Option<&Value>) -> Vec<String> {
    v.and_then(|v| v.get("items"))
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|x| {
                    x.get("action")
                        .or_else(|| x.get("resource"))
                        .and_then(Value::as_str)
                        .map(str::to_string)
                })
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_in_json() {
        let t = r#"{
    "DecodedMessage": "{\"allowed\":false,\"explicitDeny\":true,\"matchedStatements\":{\"items\":[{\"statementId\":\"VisualEditor0\",\"effect\":\"DENY\"}]},\"context\":{\"principal\":{\"id\":\"AIDA\",\"arn\":\"arn:aws:iam::1:user/u\"},\"action\":\"RunInstances\",\"resource\":\"arn:aws:ec2:us-east-1:1:instance/*\",\"conditions\":{\"items\":[{\"key\":\"ec2:InstanceType\",\"values\":{\"items\":[{\"value\":\"t2.micro\"}]}}]}}}"
}"#;
        let v = find(t).unwrap();
        let mut a = Authorization::default();
        apply(&v, &mut a, None);
        assert_eq!(a.decision, Decision::ExplicitDeny);
        assert_eq!(a.action.as_deref(), Some("ec2:RunInstances"));
        assert_eq!(
            a.conditions,
            vec![("ec2:InstanceType".to_string(), vec!["t2.micro".to_string()])]
        );
        assert_eq!(
            a.matched_statements[0].sid.as_deref(),
            Some("VisualEditor0")
        );
    }
}
