//! Service Quotas and CloudWatch usage: the applied value, the default, current usage and
//! open increase requests of one quota.

use std::time::{SystemTime, UNIX_EPOCH};

use aws_sdk_servicequotas::types::ServiceQuota;

use crate::findings::{ProbeRecord, QuotaValues};

use super::Session;

fn sq_client(s: &Session) -> aws_sdk_servicequotas::Client {
    let mut b = aws_sdk_servicequotas::config::Builder::from(&s.conf);
    // botocore reads `[services]` key `service_quotas`, the Rust SDK `service-quotas`: honour
    // the CLI's spelling so both talk to the same endpoint.
    if s.target.endpoint_url.is_none()
        && std::env::var_os("AWS_ENDPOINT_URL_SERVICE_QUOTAS").is_none()
        && let Some(url) = super::services_endpoint(s.target.profile.as_deref(), "service_quotas")
    {
        b = b.endpoint_url(url);
    }
    aws_sdk_servicequotas::Client::from_conf(b.build())
}

fn apply(v: &mut QuotaValues, q: &ServiceQuota) {
    v.value = q.value();
    v.adjustable = Some(q.adjustable());
    v.unit = q.unit().map(str::to_string);
    v.name = q.quota_name().map(str::to_string);
}

/// Applied value (falling back to the AWS default), default, usage and pending requests.
pub async fn quota(
    s: &Session,
    service_code: &str,
    quota_code: &str,
) -> (QuotaValues, Vec<ProbeRecord>) {
    let client = sq_client(s);
    let mut v = QuotaValues::default();
    let mut records = Vec::new();
    let applied = s.call(
        "servicequotas:GetServiceQuota",
        client
            .get_service_quota()
            .service_code(service_code)
            .quota_code(quota_code)
            .send(),
    );
    let default = s.call(
        "servicequotas:GetAWSDefaultServiceQuota",
        client
            .get_aws_default_service_quota()
            .service_code(service_code)
            .quota_code(quota_code)
            .send(),
    );
    let history = s.call(
        "servicequotas:ListRequestedServiceQuotaChangeHistoryByQuota",
        client
            .list_requested_service_quota_change_history_by_quota()
            .service_code(service_code)
            .quota_code(quota_code)
            .send(),
    );
    let ((applied, r1), (default, r2), (history, r3)) = tokio::join!(applied, default, history);
    let mut metric = None;
    if let Some(q) = default.as_ref().and_then(|o| o.quota()) {
        v.default_value = q.value();
        apply(&mut v, q);
        metric = q.usage_metric().cloned();
    }
    if let Some(q) = applied.as_ref().and_then(|o| o.quota()) {
        let dv = v.default_value;
        apply(&mut v, q);
        v.default_value = dv;
        metric = q.usage_metric().cloned().or(metric);
    } else if r1.error_code.as_deref() == Some("NoSuchResourceException") && v.value.is_none() {
        // Never raised: the applied value is the default.
        v.value = v.default_value;
    }
    v.unmanaged = [&r1, &r2]
        .iter()
        .all(|r| r.error_code.as_deref() == Some("NoSuchResourceException"));
    if let Some(h) = history {
        v.pending = h
            .requested_quotas()
            .iter()
            .filter(|r| {
                r.status().is_some_and(|st| {
                    matches!(
                        st.as_str(),
                        "PENDING" | "CASE_OPENED" | "INVALID_REQUEST" | "NOT_APPROVED" | "APPROVED"
                    )
                })
            })
            .map(|r| {
                (
                    r.status()
                        .map(|st| st.as_str().to_string())
                        .unwrap_or_default(),
                    r.desired_value(),
                    r.created().map(|c| c.to_string()),
                )
            })
            .collect();
    }
    records.extend([r1, r2, r3]);
    if let Some(m) = metric {
        let (usage, rec) = usage(s, &m).await;
        v.usage = usage;
        records.push(rec);
    }
    (v, records)
}

/// Current usage from the quota's AWS/Usage metric (the latest datapoint of the last hour).
pub async fn usage(
    s: &Session,
    m: &aws_sdk_servicequotas::types::MetricInfo,
) -> (Option<f64>, ProbeRecord) {
    use aws_sdk_cloudwatch::types::{Dimension, Metric, MetricDataQuery, MetricStat};
    let client = aws_sdk_cloudwatch::Client::new(&s.conf);
    let mut metric = Metric::builder()
        .set_namespace(m.metric_namespace().map(str::to_string))
        .set_metric_name(m.metric_name().map(str::to_string));
    if let Some(dims) = m.metric_dimensions() {
        for (k, val) in dims {
            metric = metric.dimensions(Dimension::builder().name(k).value(val).build());
        }
    }
    let stat = m
        .metric_statistic_recommendation()
        .unwrap_or("Maximum")
        .to_string();
    let query = MetricDataQuery::builder()
        .id("usage")
        .metric_stat(
            MetricStat::builder()
                .metric(metric.build())
                .period(300)
                .stat(stat)
                .build(),
        )
        .return_data(true)
        .build();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let (out, rec) = s
        .call(
            "cloudwatch:GetMetricData",
            client
                .get_metric_data()
                .metric_data_queries(query)
                .start_time(aws_smithy_types::DateTime::from_secs(now - 3600))
                .end_time(aws_smithy_types::DateTime::from_secs(now))
                .send(),
        )
        .await;
    let value = out.and_then(|o| {
        o.metric_data_results()
            .iter()
            .find(|r| r.id() == Some("usage"))
            .and_then(|r| r.values().first().copied())
    });
    (value, rec)
}

/// One row of `awsx quota`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct QuotaRow {
    pub quota_code: String,
    pub quota_name: String,
    pub value: Option<f64>,
    pub default_value: Option<f64>,
    pub usage: Option<f64>,
    pub adjustable: Option<bool>,
    pub unit: Option<String>,
    pub global: bool,
    #[serde(skip)]
    pub metric: Option<aws_sdk_servicequotas::types::MetricInfo>,
}

fn row(q: &ServiceQuota) -> QuotaRow {
    QuotaRow {
        quota_code: q.quota_code().unwrap_or_default().to_string(),
        quota_name: q.quota_name().unwrap_or_default().to_string(),
        value: q.value(),
        default_value: None,
        usage: None,
        adjustable: Some(q.adjustable()),
        unit: q.unit().map(str::to_string),
        global: q.global_quota(),
        metric: q.usage_metric().cloned(),
    }
}

/// Pages through ListServiceQuotas and ListAWSDefaultServiceQuotas concurrently and merges
/// them: a quota never raised appears only in the defaults.
pub async fn list(s: &Session, service_code: &str) -> (Vec<QuotaRow>, Vec<ProbeRecord>) {
    let client = sq_client(s);
    let applied = async {
        let mut rows = Vec::new();
        let mut token: Option<String> = None;
        let mut last: Option<ProbeRecord>;
        loop {
            let (out, rec) = s
                .call(
                    "servicequotas:ListServiceQuotas",
                    client
                        .list_service_quotas()
                        .service_code(service_code)
                        .set_next_token(token.clone())
                        .max_results(100)
                        .send(),
                )
                .await;
            last = Some(rec);
            let Some(o) = out else { break };
            rows.extend(o.quotas().iter().map(row));
            token = o.next_token().map(str::to_string);
            if token.is_none() {
                break;
            }
        }
        (rows, last)
    };
    let defaults = async {
        let mut rows = Vec::new();
        let mut token: Option<String> = None;
        let mut last: Option<ProbeRecord>;
        loop {
            let (out, rec) = s
                .call(
                    "servicequotas:ListAWSDefaultServiceQuotas",
                    client
                        .list_aws_default_service_quotas()
                        .service_code(service_code)
                        .set_next_token(token.clone())
                        .max_results(100)
                        .send(),
                )
                .await;
            last = Some(rec);
            let Some(o) = out else { break };
            rows.extend(o.quotas().iter().map(row));
            token = o.next_token().map(str::to_string);
            if token.is_none() {
                break;
            }
        }
        (rows, last)
    };
    let ((applied, r1), (defaults, r2)) = tokio::join!(applied, defaults);
    let mut merged: Vec<QuotaRow> = defaults
        .iter()
        .map(|d| {
            let mut r = d.clone();
            r.default_value = d.value;
            if let Some(a) = applied.iter().find(|a| a.quota_code == d.quota_code) {
                r.value = a.value;
                r.adjustable = a.adjustable;
                r.metric = a.metric.clone().or(r.metric);
            }
            r
        })
        .collect();
    for a in &applied {
        if !merged.iter().any(|m| m.quota_code == a.quota_code) {
            merged.push(a.clone());
        }
    }
    merged.sort_by(|a, b| a.quota_name.cmp(&b.quota_name));
    (merged, r1.into_iter().chain(r2).collect())
}
