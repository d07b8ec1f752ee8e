//! Capacity shortages and throttling: never a quota increase.

use super::*;
use crate::command::Cmd;

pub(super) fn capacity(b: &mut Builder) -> String {
    /// Availability Zone names in a text, in order, without repeats.
    fn zones_in(text: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for w in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-')) {
            let parts: Vec<&str> = w.split('-').collect();
            // us-east-1a, ap-southeast-2b, us-gov-west-1c.
            let is_zone = parts.len() >= 3
                && parts[0].len() == 2
                && parts[0].bytes().all(|b| b.is_ascii_lowercase())
                && parts.last().is_some_and(|l| {
                    l.len() >= 2
                        && l.as_bytes()[l.len() - 1].is_ascii_lowercase()
                        && l[..l.len() - 1].bytes().all(|b| b.is_ascii_digit())
                });
            if is_zone && !out.iter().any(|z| z == w) {
                out.push(w.to_string());
            }
        }
        out
    }
    let it = b.f.context.instance_type.clone();
    let msg = b.f.message.clone().unwrap_or_default();
    // EC2 says where it failed and where it would succeed: "…in the Availability Zone you
    // requested (us-east-1a)… by … choosing us-east-1b, us-east-1c."
    let lower = msg.to_ascii_lowercase();
    let (failed_in, offered) = match lower.find("you can currently get") {
        Some(i) => (zones_in(&msg[..i]), zones_in(&msg[i..])),
        None => (zones_in(&msg), Vec::new()),
    };
    if !failed_in.is_empty() {
        b.fact(
            "Zone without capacity",
            failed_in.join(", "),
            Evidence::Stated,
        );
    }
    if !offered.is_empty() {
        b.fact(
            "Zones with capacity now",
            offered.join(", "),
            Evidence::Stated,
        );
    }
    b.step("This is AWS running out of capacity, not your quota: a quota increase will not help. Retry in another Availability Zone (another subnet), or later.", None);
    if let Some(z) = offered.first() {
        b.step(
            format!("Launch in a zone EC2 says has capacity ({}): pick a subnet there, or leave the zone out so EC2 chooses one.", offered.join(", ")),
            None,
        );
        let c = Cmd::aws("ec2", "describe-subnets")
            .arg("--filters", format!("Name=availability-zone,Values={z}"))
            .arg("--query", "Subnets[].[SubnetId,VpcId,AvailabilityZone]")
            .arg("--output", "text")
            .render(&b.cmd_scope());
        if let Some(last) = b.steps.last_mut() {
            last.command = Some(c);
        }
    }
    if let Some(t) = &it {
        b.run(
            "See which Availability Zones offer this instance type:",
            Cmd::aws("ec2", "describe-instance-type-offerings")
                .arg("--location-type", "availability-zone")
                .arg("--filters", format!("Name=instance-type,Values={t}")),
        );
        match offered.first() {
            Some(z) => b.run(
                format!("Or use a similar type (same family, other size or generation), or reserve capacity in {z}. A capacity reservation is billed from the moment it is created, at the On-Demand rate, whether or not instances run in it, until you cancel it (aws ec2 cancel-capacity-reservation):"),
                Cmd::aws("ec2", "create-capacity-reservation")
                    .arg("--instance-type", t)
                    .arg("--instance-platform", "Linux/UNIX")
                    .arg("--availability-zone", z)
                    .arg("--instance-count", "1"),
            ),
            None => b.step("Or use a similar type (same family, other size or generation), or reserve capacity (aws ec2 create-capacity-reservation in a zone that offers the type; it is billed from creation at the On-Demand rate until cancelled).", None),
        }
    }
    format!(
        "Insufficient capacity{}: AWS has no spare capacity for it right now (not a quota)",
        it.map(|t| format!(" for {t}")).unwrap_or_default()
    )
}

pub(super) fn throttling(b: &mut Builder) -> String {
    let f = b.f;
    match f.retries {
        Some(0) => b.fact(
            "Retries",
            "none: the CLI made a single attempt",
            Evidence::Stated,
        ),
        Some(r) => b.fact(
            "Retries",
            format!("gave up after {r} retries"),
            Evidence::Stated,
        ),
        None => {}
    }
    b.step("AWS rate-limited these calls; this is not a quota to raise. Let the CLI back off and retry more:", Some("export AWS_RETRY_MODE=adaptive AWS_MAX_ATTEMPTS=10".into()));
    b.step(
        "Reduce concurrency (parallel scripts, loops without sleeps) against the same API.",
        None,
    );
    let op = f
        .operation
        .as_deref()
        .map(|o| format!(" on {o}"))
        .unwrap_or_default();
    format!("Throttled{op}: too many requests in a short time (not a quota)")
}
