//! `awsx quota SERVICE [FILTER…]` and `awsx quota SERVICE L-CODE`.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use anyhow::{Result, bail};

use crate::probe::{self, Target};
use crate::sanitize::inert_line;

fn num(x: Option<f64>) -> String {
    match x {
        Some(v) if v.fract() == 0.0 && v.abs() < 1e15 => format!("{}", v as i64),
        Some(v) => format!("{v}"),
        None => "-".into(),
    }
}

pub fn run(service: &str, filter: &[String], json: bool, target: Target) -> Result<i32> {
    if service.is_empty()
        || !service
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        bail!(
            "invalid service code {service:?}: use a Service Quotas code such as ec2, vpc, lambda"
        );
    }
    let code = filter
        .iter()
        .find(|f| f.starts_with("L-") || f.starts_with("l-"))
        .map(|c| c.to_ascii_uppercase());
    let deadline = Instant::now() + probe::deadline_from_env().max(Duration::from_secs(10));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let show_progress = std::io::stderr().is_terminal();
    rt.block_on(async {
        let s = probe::session(&target, deadline).await.map_err(|e| anyhow::anyhow!(e))?;
        if let Some(code) = code {
            let (v, recs) = probe::quotas::quota(&s, service, &code).await;
            if v.value.is_none() && v.default_value.is_none() {
                let why = recs.iter().find(|r| !r.ok).map(|r| r.summary.clone()).unwrap_or_default();
                bail!("quota {service}/{code} not found: {why}");
            }
            if json {
                println!("{:#}", serde_json::json!({"service_code": service, "quota_code": code, "quota": v}));
            } else {
                println!("{} ({service} / {code})", inert_line(v.name.as_deref().unwrap_or("")));
                println!("  applied     {}", num(v.value));
                println!("  default     {}", num(v.default_value));
                println!("  usage       {}", if v.usage.is_some() { num(v.usage) } else { "unknown".into() });
                println!("  adjustable  {}", v.adjustable.map_or("unknown".into(), |a| a.to_string()));
                if v.pending.is_empty() {
                    println!("  requests    none open");
                }
                for (st, d, c) in &v.pending {
                    println!("  request     {st} desired {} {}", num(*d), c.clone().unwrap_or_default());
                }
                if v.adjustable != Some(false) {
                    let region = target.region.as_ref().map(|r| format!(" --region {r}")).unwrap_or_default();
                    println!(
                        "  increase    aws service-quotas request-service-quota-increase --service-code {service} --quota-code {code} --desired-value {}{region}",
                        num(crate::advise::desired_value(v.value, v.usage))
                    );
                }
            }
            return Ok(0);
        }
        let progress = async {
            tokio::time::sleep(Duration::from_millis(300)).await;
            if show_progress {
                eprint!("awsx: listing {service} quotas…");
            }
            std::future::pending::<()>().await
        };
        let (mut rows, recs) = tokio::select! {
            r = probe::quotas::list(&s, service) => r,
            _ = progress => unreachable!(),
        };
        if show_progress {
            eprint!("\r\x1b[2K");
        }
        if rows.is_empty() {
            let why = recs.iter().find(|r| !r.ok).map(|r| r.summary.clone()).unwrap_or_else(|| "no quotas listed".into());
            bail!("no quotas for service code {service}: {why}");
        }
        let words: Vec<String> = filter.iter().map(|w| w.to_ascii_lowercase()).collect();
        rows.retain(|r| {
            let name = r.quota_name.to_ascii_lowercase();
            words.iter().all(|w| name.contains(w.as_str()) || r.quota_code.to_ascii_lowercase() == *w)
        });
        // Usage for the listed quotas that have a metric, concurrently (bounded list).
        let futs = rows.iter().take(50).map(|r| {
            let m = r.metric.clone();
            let s = &s;
            async move {
                match m {
                    Some(m) => probe::quotas::usage(s, &m).await.0,
                    None => None,
                }
            }
        });
        let usages = futures_join_all(futs).await;
        for (r, u) in rows.iter_mut().zip(usages) {
            r.usage = u;
        }
        if json {
            println!("{:#}", serde_json::json!({"service_code": service, "quotas": rows}));
            return Ok(0);
        }
        let w = rows.iter().map(|r| r.quota_name.chars().count()).max().unwrap_or(10).min(70);
        println!("{:<12} {:<w$} {:>10} {:>10} {:>8} {:>10}", "CODE", "NAME", "APPLIED", "DEFAULT", "USAGE", "ADJUSTABLE");
        for r in &rows {
            let name: String = inert_line(&r.quota_name).chars().take(w).collect();
            println!(
                "{:<12} {:<w$} {:>10} {:>10} {:>8} {:>10}",
                inert_line(&r.quota_code),
                name,
                num(r.value.or(r.default_value)),
                num(r.default_value),
                num(r.usage),
                r.adjustable.map_or("-", |a| if a { "yes" } else { "no" })
            );
        }
        if rows.is_empty() {
            bail!("no {service} quota matches {:?}", filter.join(" "));
        }
        Ok(0)
    })
}

/// join_all without the futures crate: the list is short and on one thread.
async fn futures_join_all<F: std::future::Future>(futs: impl Iterator<Item = F>) -> Vec<F::Output> {
    let mut set = Vec::new();
    for f in futs {
        set.push(Box::pin(f));
    }
    let mut out = Vec::with_capacity(set.len());
    // Poll all concurrently by joining pairs recursively would need more code; tokio's
    // JoinSet needs 'static futures. A simple approach: drive them together with select
    // over an index.
    let mut pending: Vec<Option<_>> = set.into_iter().map(Some).collect();
    let mut results: Vec<Option<F::Output>> = (0..pending.len()).map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut all = true;
        for (i, slot) in pending.iter_mut().enumerate() {
            if let Some(fut) = slot {
                match fut.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => {
                        results[i] = Some(v);
                        *slot = None;
                    }
                    std::task::Poll::Pending => all = false,
                }
            }
        }
        if all {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
    for r in results.into_iter().flatten() {
        out.push(r);
    }
    out
}
