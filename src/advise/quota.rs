//! Quota failures: which Service Quota, its value and usage, and a reasoned increase.

use super::*;
use crate::command::Cmd;

/// Folds a command-only step into the step before it (text, then its command).
fn merge_last_two(b: &mut Builder) {
    if b.steps.len() >= 2 && b.steps.last().is_some_and(|s| s.text.is_empty()) {
        let last = b.steps.pop().unwrap_or_else(|| unreachable!());
        if let Some(prev) = b.steps.last_mut() {
            prev.command = last.command;
        }
    }
}

pub(super) fn quota(b: &mut Builder) -> String {
    let f = b.f;
    let fx = b.fx;
    let Some(q) = &f.quota else {
        let msg = f.message.clone().unwrap_or_default();
        match f.service.as_deref() {
            Some(svc) => b.run(
                "A limit was hit but awsx does not know which Service Quotas code it is. List the service's quotas:",
                Cmd::aws("service-quotas", "list-service-quotas").arg("--service-code", svc),
            ),
            None => b.step("A limit was hit but awsx does not know which service or Service Quotas code it is: `aws service-quotas list-services` lists the service codes.", None),
        }
        let what = if !msg.is_empty() {
            msg
        } else {
            f.error_code
                .clone()
                .unwrap_or_else(|| "the text names no error code or limit".into())
        };
        return format!("Limit reached: {what}");
    };
    let known = crate::knowledge::quotas::by_code(&q.service_code, &q.quota_code);
    // Global quotas (IAM, S3 buckets) are viewed and raised in their home region only.
    let home = known.and_then(|k| k.home_region());
    let sq = |op: &str| {
        let c = Cmd::aws("service-quotas", op)
            .arg("--service-code", &q.service_code)
            .arg("--quota-code", &q.quota_code);
        match home {
            Some(h) => c.region(h),
            None => c,
        }
    };
    let v = fx.quota.clone().unwrap_or_default();
    let name = v.name.clone().unwrap_or(q.quota_name.clone());
    b.fact(
        "Quota",
        format!("{name} ({} / {})", q.service_code, q.quota_code),
        Evidence::Inferred,
    );
    let applied = v.value.or(q.stated_limit);
    if let Some(x) = v.value {
        b.fact("Applied value", fmt_num(x), Evidence::Fetched);
        if let Some(stated) = q.stated_limit.filter(|s| (s - x).abs() > f64::EPSILON) {
            b.fact(
                "Stated limit",
                format!(
                    "{} (the error's own figure; it may count something else, or the quota changed since)",
                    fmt_num(stated)
                ),
                Evidence::Stated,
            );
        }
    } else if let Some(x) = q.stated_limit {
        b.fact("Applied value", fmt_num(x), Evidence::Stated);
    }
    if let Some(d) = v.default_value.or(q.default_value) {
        b.fact(
            "AWS default",
            fmt_num(d),
            if v.default_value.is_some() {
                Evidence::Fetched
            } else {
                Evidence::Inferred
            },
        );
    }
    let usage_probe = fx
        .records
        .iter()
        .find(|r| r.probe == "cloudwatch:GetMetricData");
    match (v.usage, usage_probe) {
        (Some(u), _) => b.fact("Current usage", fmt_num(u), Evidence::Fetched),
        (None, Some(r)) if r.ok => b.fact(
            "Current usage",
            "unknown (the usage metric has no datapoint in the last hour)",
            Evidence::Fetched,
        ),
        // The failed look-up is listed on its own.
        (None, Some(_)) => b.fact(
            "Current usage",
            "unknown (the usage look-up failed)",
            Evidence::Fetched,
        ),
        (None, None) if fx.quota.is_some() && !v.unmanaged => b.fact(
            "Current usage",
            "unknown (Service Quotas names no usage metric for this quota)",
            Evidence::Fetched,
        ),
        (None, None) => {}
    }
    for (status, desired, created) in &v.pending {
        b.fact(
            "Increase request",
            format!(
                "{status}{}{}",
                desired
                    .map(|d| format!(", desired {}", fmt_num(d)))
                    .unwrap_or_default(),
                created
                    .as_ref()
                    .map(|c| format!(", opened {c}"))
                    .unwrap_or_default()
            ),
            Evidence::Fetched,
        );
    }
    // What the failed request itself needs, where the error is about vCPUs of a known size.
    let instance_type = f.context.instance_type.clone();
    let need = instance_type
        .as_deref()
        .filter(|_| known.is_some_and(|k| k.unit == "vCPUs"))
        .and_then(crate::knowledge::quotas::vcpus_of)
        .map(|per| f64::from(per) * f64::from(f.context.count.unwrap_or(1).max(1)));
    if !q.managed || v.unmanaged {
        b.fact(
            "Service Quotas",
            format!(
                "does not manage this limit{}",
                q.default_value
                    .map(|d| format!("; documented default {}", fmt_num(d)))
                    .unwrap_or_default()
            ),
            Evidence::Inferred,
        );
        if let Some(n) = &q.note {
            b.step(n.clone(), None);
        }
        b.step("Ask AWS Support for an increase (Service Quotas cannot raise it).", Some("https://console.aws.amazon.com/support/home#/case/create?issueType=service-limit-increase".into()));
    } else if v.adjustable == Some(false) {
        b.step("This quota is not adjustable: reduce usage (delete unused resources) or spread across regions/accounts.", None);
    } else {
        if v.value.is_none() {
            b.run(
                "Check the quota (applied and default) now:",
                sq("get-service-quota"),
            );
        }
        if let Some((status, desired, _)) = v.pending.first() {
            b.step(
                format!(
                    "An increase request is already open ({status}{}): AWS takes no second request for this quota until it is closed. Follow it:",
                    desired.map(|d| format!(", desired {}", fmt_num(d))).unwrap_or_default()
                ),
                None,
            );
            b.run(
                "",
                sq("list-requested-service-quota-change-history-by-quota"),
            );
            merge_last_two(b);
        }
        // Double the limit (tidy), and never less than usage plus what this request needs.
        let floor = need.map(|n| v.usage.unwrap_or(0.0).max(0.0) + n);
        let desired = match (desired_value(applied, v.usage), floor) {
            (Some(d), Some(fl)) => Some(d.max(fl.ceil())),
            (d, _) => d,
        };
        let mut why = Vec::new();
        match (applied, v.usage) {
            (Some(a), Some(u)) => why.push(format!("usage {} of {}", fmt_num(u), fmt_num(a))),
            (Some(a), None) => why.push(format!("limit {}, usage unknown", fmt_num(a))),
            _ => {}
        }
        if let (Some(t), Some(n)) = (&instance_type, need) {
            match f.context.count.filter(|c| *c > 1) {
                Some(c) => why.push(format!("{c} × {t} need {} vCPUs", fmt_num(n))),
                None => why.push(format!("one {t} needs {} vCPUs", fmt_num(n))),
            }
        }
        if desired.is_some() {
            why.push("the value leaves room to grow: about double the limit".into());
        } else {
            why.push("set the value you need".into());
        }
        let when = if v.pending.is_empty() {
            "Request an increase"
        } else {
            "If that asks for too little, once it is closed request"
        };
        match desired {
            Some(d) => b.run(
                format!("{when} ({}):", why.join("; ")),
                sq("request-service-quota-increase").arg("--desired-value", fmt_num(d)),
            ),
            // No value to reason from: a command with a made-up number would be a guess.
            None => b.step(
                format!("{when} ({}) with `aws service-quotas request-service-quota-increase --service-code {} --quota-code {} --desired-value` and the value you need.", why.join("; "), q.service_code, q.quota_code),
                None,
            ),
        }
    }
    let limit = applied
        .map(|a| format!(" (limit {})", fmt_num(a)))
        .unwrap_or_default();
    format!(
        "Quota reached: {name}{limit} — {} {}",
        q.service_code, q.quota_code
    )
}

/// A reasoned increase: enough for usage plus the failed request's kind of growth (double,
/// rounded up to a tidy number).
pub fn desired_value(applied: Option<f64>, usage: Option<f64>) -> Option<f64> {
    // One rule: double the limit (at least one more than usage), rounded up to two
    // significant digits: 32 → 64, 8 → 16, 130 → 260, 1234 → 2500. Exact below 100, so the
    // powers of two that quotas come in stay themselves.
    let base = applied.or(usage)?.max(usage.unwrap_or(0.0));
    let target = (base * 2.0).max(base + 1.0);
    let step = 10f64.powi((target.log10().floor() as i32 - 1).max(0));
    Some((target / step).ceil() * step)
}

pub(super) fn fmt_num(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}
