//! STS: who made the call, and what the encoded authorization message says.

use crate::findings::{Caller, ProbeRecord};

use super::Session;

/// The identity the failed command used (not AWSX_DIAGNOSE_PROFILE's).
pub async fn caller(s: &Session) -> (Option<Caller>, ProbeRecord) {
    let client = aws_sdk_sts::Client::new(&s.caller_conf);
    let (out, rec) = s
        .call("sts:GetCallerIdentity", client.get_caller_identity().send())
        .await;
    let caller = out.map(|o| Caller {
        arn: o.arn().unwrap_or_default().to_string(),
        account: o.account().unwrap_or_default().to_string(),
        user_id: o.user_id().unwrap_or_default().to_string(),
    });
    (caller, rec)
}

/// Decodes through the SDK: a blob that starts with `-` breaks the CLI's argument parser.
pub async fn decode(s: &Session, blob: &str) -> (Option<serde_json::Value>, ProbeRecord) {
    let client = aws_sdk_sts::Client::new(&s.conf);
    let (out, mut rec) = s
        .call(
            "sts:DecodeAuthorizationMessage",
            client
                .decode_authorization_message()
                .encoded_message(blob)
                .send(),
        )
        .await;
    if rec.error_code.as_deref() == Some("InvalidAuthorizationMessageException") {
        rec.summary = "STS rejected the message: it is cut short, expired, or from another account (decode with credentials of the account that got the error)".into();
    }
    let decoded = out
        .and_then(|o| o.decoded_message().map(str::to_string))
        .and_then(|m| serde_json::from_str(&m).ok());
    (decoded, rec)
}
