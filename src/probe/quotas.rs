//! Service Quotas and CloudWatch usage: the applied value, the default, current usage and
//! open increase requests of one quota; and the whole list of a service for `awsx quota`.

use std::time::{SystemTime, UNIX_EPOCH};

use aws_sdk_servicequotas::types::{MetricInfo, ServiceQuota};

use crate::findings::{ProbeRecord, QuotaValues};

use super::Session;

/// A service-specific endpoint variable (`AWS_ENDPOINT_URL_SERVICE_QUOTAS`), unless
/// `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` turns configured endpoints off.
fn env_endpoint(var: &str) -> Option<String> {
    if endpoints_ignored() {
        return None;
    }
    std::env::var(var).ok().filter(|v| !v.trim().is_empty())
}

fn endpoints_ignored() -> bool {
    std::env::var("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")
        .is_ok_and(|v| v.trim().eq_ignore_ascii_case("true"))
}

/// The failed command's `--endpoint-url` names *its* service's endpoint (an emulator for
/// everything, usually); an explicit per-service variable for Service Quotas or CloudWatch
/// is more specific and wins for those calls. The SDK would let the loader's endpoint win.
fn service_endpoint(s: &Session, env_var: &str, cli_key: &str) -> Option<String> {
    if let Some(url) = env_endpoint(env_var) {
        return Some(url);
    }
    if s.target.endpoint_url.is_none() && !endpoints_ignored() {
        // botocore reads `[services]` key `service_quotas`, the Rust SDK `service-quotas`:
        // honour the CLI's spelling so both talk to the same endpoint.
        return super::services_endpoint(s.target.profile.as_deref(), cli_key);
    }
    None
}

fn sq_client(s: &Session) -> aws_sdk_servicequotas::Client {
    let mut b = aws_sdk_servicequotas::config::Builder::from(&s.conf);
    if let Some(url) = service_endpoint(s, "AWS_ENDPOINT_URL_SERVICE_QUOTAS", "service_quotas") {
        b = b.endpoint_url(url);
    }
    aws_sdk_servicequotas::Client::from_conf(b.build())
}

fn cw_client(s: &Session) -> aws_sdk_cloudwatch::Client {
    let mut b = aws_sdk_cloudwatch::config::Builder::from(&s.conf);
    if let Some(url) = env_endpoint("AWS_ENDPOINT_URL_CLOUDWATCH") {
        b = b.endpoint_url(url);
    }
    aws_sdk_cloudwatch::Client::from_conf(b.build())
}

fn apply(v: &mut QuotaValues, q: &ServiceQuota) {
    v.value = q.value();
    v.adjustable = Some(q.adjustable());
    v.unit = q.unit().map(str::to_string);
    v.name = q.quota_name().map(str::to_string);
}

/// Increase requests still being worked on. AWS refuses a second request for a quota while
/// one of these is open, so the advice must mention them.
pub fn is_open_request(status: &str) -> bool {
    matches!(status, "PENDING" | "CASE_OPENED")
}

/// Applied value (falling back to the AWS default), default, usage and pending requests.
///
/// The three Service Quotas calls run concurrently; CloudWatch follows when the quota has a
/// usage metric. A quota that neither GetServiceQuota nor GetAWSDefaultServiceQuota knows
/// (both `NoSuchResourceException`) is reported as not managed by Service Quotas.
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
        apply(&mut v, q);
        v.default_value = q.value();
        metric = q.usage_metric().cloned();
    }
    if let Some(q) = applied.as_ref().and_then(|o| o.quota()) {
        let dv = v.default_value;
        apply(&mut v, q);
        v.default_value = dv;
        metric = q.usage_metric().cloned().or(metric);
    } else if r1.error_code.as_deref() == Some("NoSuchResourceException") {
        // No applied value: the quota was never raised, so the default applies.
        v.value = v.default_value;
    }
    let no_such = |r: &ProbeRecord| r.error_code.as_deref() == Some("NoSuchResourceException");
    // "This service is not available in the current Region" / "the specified service does
    // not exist" are about the service code or region, not this quota.
    let service_level = |r: &ProbeRecord| {
        let m = r.summary.to_ascii_lowercase();
        m.contains("service is not available") || m.contains("specified service does not exist")
    };
    v.unmanaged = no_such(&r1) && no_such(&r2) && !service_level(&r1) && !service_level(&r2);
    if let Some(h) = history {
        v.pending = h
            .requested_quotas()
            .iter()
            .filter(|r| r.status().is_some_and(|st| is_open_request(st.as_str())))
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
    if let Some(m) = metric.filter(has_metric) {
        let (usage, rec) = usage(s, &m).await;
        v.usage = usage;
        records.push(rec);
    }
    (v, records)
}

fn has_metric(m: &MetricInfo) -> bool {
    m.metric_namespace().is_some_and(|n| !n.is_empty())
        && m.metric_name().is_some_and(|n| !n.is_empty())
}

fn metric_query(id: String, m: &MetricInfo) -> aws_sdk_cloudwatch::types::MetricDataQuery {
    use aws_sdk_cloudwatch::types::{Dimension, Metric, MetricDataQuery, MetricStat};
    let mut metric = Metric::builder()
        .set_namespace(m.metric_namespace().map(str::to_string))
        .set_metric_name(m.metric_name().map(str::to_string));
    if let Some(dims) = m.metric_dimensions() {
        let mut dims: Vec<_> = dims.iter().collect();
        dims.sort();
        for (k, val) in dims {
            metric = metric.dimensions(Dimension::builder().name(k).value(val).build());
        }
    }
    let stat = m
        .metric_statistic_recommendation()
        .filter(|s| !s.is_empty())
        .unwrap_or("Maximum")
        .to_string();
    MetricDataQuery::builder()
        .id(id)
        .metric_stat(
            MetricStat::builder()
                .metric(metric.build())
                .period(300)
                .stat(stat)
                .build(),
        )
        .return_data(true)
        .build()
}

/// Current usage from the quota's AWS/Usage metric (the latest datapoint of the last hour).
pub async fn usage(s: &Session, m: &MetricInfo) -> (Option<f64>, ProbeRecord) {
    let (values, rec) = usages(s, std::slice::from_ref(m)).await;
    (values.into_iter().next().flatten(), rec)
}

/// GetMetricData takes at most 500 queries per call.
const QUERIES_PER_CALL: usize = 500;

/// Current usage of many metrics in as few GetMetricData calls as possible (one per 500
/// metrics): `awsx quota ec2` needs one round trip for all of them, not one per quota.
pub async fn usages(s: &Session, metrics: &[MetricInfo]) -> (Vec<Option<f64>>, ProbeRecord) {
    let client = cw_client(s);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let mut values = vec![None; metrics.len()];
    let mut last = None;
    for (chunk_no, chunk) in metrics.chunks(QUERIES_PER_CALL).enumerate() {
        let base = chunk_no * QUERIES_PER_CALL;
        let queries = chunk
            .iter()
            .enumerate()
            .map(|(i, m)| metric_query(format!("q{}", base + i), m))
            .collect::<Vec<_>>();
        let mut token: Option<String> = None;
        loop {
            let (out, rec) = s
                .call(
                    "cloudwatch:GetMetricData",
                    client
                        .get_metric_data()
                        .set_metric_data_queries(Some(queries.clone()))
                        .start_time(aws_smithy_types::DateTime::from_secs(now - 3600))
                        .end_time(aws_smithy_types::DateTime::from_secs(now))
                        .set_next_token(token.clone())
                        .send(),
                )
                .await;
            last = Some(rec);
            let Some(o) = out else { break };
            for r in o.metric_data_results() {
                // Values come newest first (the default ScanBy TimestampDescending).
                let idx = r
                    .id()
                    .and_then(|id| id.strip_prefix('q'))
                    .and_then(|n| n.parse::<usize>().ok());
                if let (Some(i), Some(first)) = (idx, r.values().first())
                    && i < values.len()
                    && values[i].is_none()
                {
                    values[i] = Some(*first);
                }
            }
            token = o.next_token().map(str::to_string);
            if token.is_none() {
                break;
            }
        }
    }
    let rec = last.unwrap_or_else(|| ProbeRecord {
        probe: "cloudwatch:GetMetricData".into(),
        ok: true,
        summary: "no usage metrics to read".into(),
        error_code: None,
        denied: false,
        timed_out: false,
        ms: Some(0),
    });
    (values, rec)
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
    pub metric: Option<MetricInfo>,
}

impl QuotaRow {
    /// What a filter word is matched against: name, code, unit and the usage metric's
    /// dimensions (`vcpu` finds the EC2 vCPU quotas, whose names do not say vCPU).
    pub fn haystack(&self) -> String {
        let mut h = format!(
            "{} {} {}",
            self.quota_name,
            self.quota_code,
            self.unit.as_deref().unwrap_or("")
        );
        if let Some(dims) = self.metric.as_ref().and_then(|m| m.metric_dimensions()) {
            for (k, v) in dims {
                h.push(' ');
                h.push_str(k);
                h.push('=');
                h.push_str(v);
            }
        }
        h.to_ascii_lowercase()
    }
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
        metric: q.usage_metric().cloned().filter(has_metric),
    }
}

/// Every page of a list call; the record is the first failure (a later page's success
/// must not hide it), else the last success.
async fn all_pages<O, E, Fut>(
    s: &Session,
    probe: &str,
    mut fetch: impl FnMut(Option<String>) -> Fut,
    rows_of: impl Fn(&O) -> (Vec<QuotaRow>, Option<String>),
) -> (Vec<QuotaRow>, Option<ProbeRecord>)
where
    Fut: std::future::Future<
            Output = Result<
                O,
                aws_smithy_runtime_api::client::result::SdkError<
                    E,
                    aws_smithy_runtime_api::client::orchestrator::HttpResponse,
                >,
            >,
        >,
    E: aws_smithy_types::error::metadata::ProvideErrorMetadata + std::error::Error + 'static,
{
    let mut rows = Vec::new();
    let mut token: Option<String> = None;
    let mut last: Option<ProbeRecord> = None;
    loop {
        let (out, rec) = s.call(probe, fetch(token.take())).await;
        if last.as_ref().is_none_or(|r| r.ok) {
            last = Some(rec);
        }
        let Some(o) = out else { break };
        let (page, next) = rows_of(&o);
        rows.extend(page);
        token = next.filter(|t| !t.is_empty());
        if token.is_none() {
            break;
        }
    }
    (rows, last)
}

/// Pages through ListServiceQuotas and ListAWSDefaultServiceQuotas concurrently and merges
/// them: a quota never raised appears only in the defaults.
pub async fn list(s: &Session, service_code: &str) -> (Vec<QuotaRow>, Vec<ProbeRecord>) {
    let client = sq_client(s);
    let applied = all_pages(
        s,
        "servicequotas:ListServiceQuotas",
        |token| {
            client
                .list_service_quotas()
                .service_code(service_code)
                .set_next_token(token)
                .max_results(100)
                .send()
        },
        |o: &aws_sdk_servicequotas::operation::list_service_quotas::ListServiceQuotasOutput| {
            (
                o.quotas().iter().map(row).collect(),
                o.next_token().map(str::to_string),
            )
        },
    );
    let defaults = all_pages(
        s,
        "servicequotas:ListAWSDefaultServiceQuotas",
        |token| {
            client
                .list_aws_default_service_quotas()
                .service_code(service_code)
                .set_next_token(token)
                .max_results(100)
                .send()
        },
        |o: &aws_sdk_servicequotas::operation::list_aws_default_service_quotas::ListAwsDefaultServiceQuotasOutput| {
            (o.quotas().iter().map(row).collect(), o.next_token().map(str::to_string))
        },
    );
    let ((applied, r1), (defaults, r2)) = tokio::join!(applied, defaults);
    // AWS leaves a never-raised quota out of ListServiceQuotas: its default applies. When
    // that listing failed, the applied value is unknown instead.
    let applied_listed = r1.as_ref().is_some_and(|r| r.ok);
    let mut merged: Vec<QuotaRow> = defaults
        .iter()
        .map(|d| {
            let mut r = d.clone();
            r.default_value = d.value;
            if !applied_listed {
                r.value = None;
            }
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
    merged.sort_by(|a, b| {
        a.quota_name
            .cmp(&b.quota_name)
            .then_with(|| a.quota_code.cmp(&b.quota_code))
    });
    (merged, r1.into_iter().chain(r2).collect())
}
