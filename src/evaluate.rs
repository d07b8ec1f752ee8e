//! A pure evaluator over every policy layer of one request: SCPs, RCPs, the resource-based
//! policy (bucket / key / role trust / queue …), identity policies, the permissions boundary
//! and (unreadable) session policies, combined as AWS documents it in the IAM User Guide pages
//! "Policy evaluation logic" (reference_policies_evaluation-logic.html), "Cross-account policy
//! evaluation logic" (reference_policies_evaluation-logic-cross-account.html) and "Permissions
//! boundaries for IAM entities" (access_policies_boundaries.html).
//!
//! Each document is matched by [`crate::policy`]; this module applies the request-level rules
//! and names the deciding statement. No I/O. What it does and does not model, and how it was
//! checked against an independent evaluator, is in docs/policy-matcher.md ("All layers").

use crate::failure::Layer;
use crate::policy::{self, Applies, Effect, PolicyDocument, Principal, PrincipalMatch};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// One policy document and what to call it in reports (its ARN, or `user/alice inline NAME`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NamedPolicy {
    pub id: String,
    pub document: Value,
}

impl NamedPolicy {
    pub fn new(id: impl Into<String>, document: Value) -> Self {
        NamedPolicy {
            id: id.into(),
            document,
        }
    }
}

/// Every policy that bears on one request, as read from AWS.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PolicySet {
    /// Inline and attached policies of the user or role, and the user's groups' policies.
    pub identity: Vec<NamedPolicy>,
    pub boundary: Option<NamedPolicy>,
    /// `None`: Organizations could not be read. `Some(vec![])`: the account is in no
    /// organization. Otherwise one entry per level, root first, account last.
    pub scps: Option<Vec<Vec<NamedPolicy>>>,
    /// As `scps`, along the resource account's path. `RCPFullAWSAccess` is attached at every
    /// level and cannot be detached, so a level always allows; only Deny statements decide.
    pub rcps: Option<Vec<Vec<NamedPolicy>>>,
    /// Bucket policy, key policy, role trust policy (for `sts:AssumeRole*`), queue policy …
    pub resource_policy: Option<NamedPolicy>,
    /// The caller is a role session created with a session policy, which cannot be read
    /// afterwards: an otherwise allowed request is reported `Unknown`.
    pub session_policy_present: bool,
    /// The caller belongs to the organization's management account: SCPs do not apply to it.
    pub principal_in_management_account: bool,
    /// The resource belongs to the management account: RCPs do not apply to it.
    pub resource_in_management_account: bool,
}

/// The request being authorized.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Request<'a> {
    /// The caller's ARN (user, role, `assumed-role` session) or a service principal.
    pub principal: &'a str,
    pub action: &'a str,
    /// The resource's ARN (`*` for actions without resources).
    pub resource: &'a str,
    /// The resource's account when the ARN does not name one (S3). `None` and no account in
    /// the ARN: whether the request is cross-account is unknown.
    pub resource_account: Option<&'a str>,
    /// Condition keys and their values, as for [`policy::Request`]: a key missing from the map
    /// is *unknown* (statements that test it come back `DependsOn`), a key mapped to an empty
    /// list is known to be absent.
    pub context: &'a BTreeMap<String, Vec<String>>,
}

/// AWS's decision, or as much of it as the documents settle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Decision {
    Allowed,
    ExplicitDeny,
    ImplicitDeny,
    /// Denied for certain, but whether explicitly cannot be told: a layer could not be read,
    /// or a Deny depends on a condition value awsx does not know.
    Denied,
    /// Could be allowed: something unknown decides (unreadable layer, unknown condition value,
    /// a session policy).
    Unknown,
}

/// A statement in a named policy. `index` counts from 0 (reports show it from 1).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatementRef {
    pub policy: String,
    pub index: usize,
    pub sid: Option<String>,
    /// Each condition of the statement: key, the statement's values, the request's values.
    pub matched_conditions: Vec<(String, Vec<String>, Vec<String>)>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum LayerVerdict {
    Allows {
        by: StatementRef,
    },
    Denies {
        by: StatementRef,
    },
    NoStatementAllows,
    NotReadable,
    NotApplicable,
    DependsOn {
        keys: Vec<String>,
    },
    /// A document that does not parse: the layer is undecided.
    Invalid {
        policy: String,
        error: String,
    },
}

/// One layer's verdict. `level` is the organization level (0 = root) for SCPs and RCPs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LayerResult {
    pub layer: Layer,
    pub level: Option<usize>,
    pub verdict: LayerVerdict,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    pub decision: Decision,
    /// The explicit Deny that decided, or the Allow that granted.
    pub deciding: Option<(Layer, StatementRef)>,
    /// For a denial without an explicit Deny: the layers that would have to allow and do not
    /// (an SCP level, the identity policies, the boundary, the key policy, the trust policy).
    pub missing_allow: Vec<Layer>,
    pub layers: Vec<LayerResult>,
    /// Which request-level rules were applied (same account / cross account, exemptions).
    pub notes: Vec<String>,
}

/// Services whose resources RCPs restrict (AWS Organizations User Guide, "Resource control
/// policies": "List of AWS services that support RCPs").
pub const RCP_SERVICES: &[&str] = &["s3", "sts", "kms", "sqs", "secretsmanager"];

// ---------------------------------------------------------------------------
// Three-valued logic
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tri {
    Yes,
    No,
    Maybe,
}

impl Tri {
    fn of(b: bool) -> Tri {
        if b { Tri::Yes } else { Tri::No }
    }
    fn or(self, o: Tri) -> Tri {
        match (self, o) {
            (Tri::Yes, _) | (_, Tri::Yes) => Tri::Yes,
            (Tri::No, Tri::No) => Tri::No,
            _ => Tri::Maybe,
        }
    }
    fn and(self, o: Tri) -> Tri {
        match (self, o) {
            (Tri::No, _) | (_, Tri::No) => Tri::No,
            (Tri::Yes, Tri::Yes) => Tri::Yes,
            _ => Tri::Maybe,
        }
    }
    fn not(self) -> Tri {
        match self {
            Tri::Yes => Tri::No,
            Tri::No => Tri::Yes,
            Tri::Maybe => Tri::Maybe,
        }
    }
}

// ---------------------------------------------------------------------------
// Statements of one layer
// ---------------------------------------------------------------------------

#[derive(Debug, Clone)]
struct Hit {
    effect: Effect,
    applies: Tri,
    principal: PrincipalMatch,
    at: StatementRef,
    pending: Vec<String>,
}

/// The statements of `np` that cover the request. `adjust` may rewrite the parsed document
/// first (the boundary rule for `NotPrincipal`).
fn hits(
    np: &NamedPolicy,
    req: &policy::Request,
    adjust: impl Fn(&mut PolicyDocument),
) -> Result<Vec<Hit>, String> {
    let mut doc = policy::parse_json(&np.document)?;
    adjust(&mut doc);
    let ev = policy::evaluate(&doc, req);
    let mut out: Vec<Hit> = ev
        .denies
        .iter()
        .chain(&ev.allows)
        .map(|m| Hit {
            effect: m.statement.effect,
            applies: match m.applies {
                Applies::Yes => Tri::Yes,
                Applies::No => Tri::No,
                Applies::DependsOn(_) => Tri::Maybe,
            },
            principal: m.principal_match,
            pending: match &m.applies {
                Applies::DependsOn(cs) => cs.iter().map(|c| c.key.clone()).collect(),
                _ => Vec::new(),
            },
            at: StatementRef {
                policy: np.id.clone(),
                index: m.index,
                sid: m.statement.sid.clone(),
                matched_conditions: m
                    .statement
                    .condition
                    .iter()
                    .map(|c| {
                        (
                            c.key.clone(),
                            c.values.clone(),
                            policy::request_values(req, &c.key).unwrap_or_default(),
                        )
                    })
                    .collect(),
            },
        })
        .collect();
    out.sort_by_key(|h| h.at.index);
    Ok(out)
}

/// What a set of statements says: Deny / Allow as three-valued facts, the first statement
/// that surely applies, and the keys that undecided ones wait for.
#[derive(Debug, Clone)]
struct Side {
    deny: Tri,
    allow: Tri,
    first_deny: Option<StatementRef>,
    first_allow: Option<StatementRef>,
    keys: Vec<String>,
}

fn side<'h>(all: impl IntoIterator<Item = &'h Hit>, allow_counts: impl Fn(&Hit) -> bool) -> Side {
    let mut s = Side {
        deny: Tri::No,
        allow: Tri::No,
        first_deny: None,
        first_allow: None,
        keys: Vec::new(),
    };
    for h in all {
        let counts = h.effect == Effect::Deny || allow_counts(h);
        if !counts || h.applies == Tri::No {
            continue;
        }
        let (fact, first) = match h.effect {
            Effect::Deny => (&mut s.deny, &mut s.first_deny),
            Effect::Allow => (&mut s.allow, &mut s.first_allow),
        };
        *fact = fact.or(h.applies);
        if h.applies == Tri::Yes && first.is_none() {
            *first = Some(h.at.clone());
        }
        if h.applies == Tri::Maybe {
            for k in &h.pending {
                if !s.keys.contains(k) {
                    s.keys.push(k.clone());
                }
            }
        }
    }
    s
}

fn verdict_of(s: &Side) -> LayerVerdict {
    let depends = || LayerVerdict::DependsOn {
        keys: s.keys.clone(),
    };
    match (s.deny, s.allow) {
        (Tri::Yes, _) => LayerVerdict::Denies {
            by: s.first_deny.clone().expect("an applying Deny is recorded"),
        },
        (Tri::Maybe, _) => depends(),
        (_, Tri::Yes) => LayerVerdict::Allows {
            by: s
                .first_allow
                .clone()
                .expect("an applying Allow is recorded"),
        },
        (_, Tri::Maybe) => depends(),
        (_, Tri::No) => LayerVerdict::NoStatementAllows,
    }
}

/// A layer that could not be evaluated: everything about it is unknown.
fn unknown_side() -> Side {
    Side {
        deny: Tri::Maybe,
        allow: Tri::Maybe,
        first_deny: None,
        first_allow: None,
        keys: Vec::new(),
    }
}

fn absent_side(allow: Tri) -> Side {
    Side {
        deny: Tri::No,
        allow,
        first_deny: None,
        first_allow: None,
        keys: Vec::new(),
    }
}

// ---------------------------------------------------------------------------
// The caller and the resource
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Caller {
    User,
    Role,
    Session,
    Root,
    Service,
    Other,
}

fn arn_field(arn: &str, n: usize) -> Option<&str> {
    arn.starts_with("arn:")
        .then(|| arn.splitn(6, ':').nth(n))
        .flatten()
}

fn caller_kind(principal: &str) -> Caller {
    match (arn_field(principal, 2), arn_field(principal, 5)) {
        (Some("iam"), Some("root")) => Caller::Root,
        (Some("iam"), Some(r)) if r.starts_with("user/") => Caller::User,
        (Some("iam"), Some(r)) if r.starts_with("role/") => Caller::Role,
        (Some("sts"), Some(r)) if r.starts_with("assumed-role/") => Caller::Session,
        (None, None) if principal.ends_with(".amazonaws.com") => Caller::Service,
        _ => Caller::Other,
    }
}

/// Service-linked roles (path `/aws-service-role/`, names `AWSServiceRoleFor…`) and their
/// sessions: SCPs and RCPs do not restrict them (Organizations User Guide, "Service control
/// policies": "SCPs don't affect service-linked roles").
pub fn is_service_linked_role(principal: &str) -> bool {
    let r = arn_field(principal, 5).unwrap_or_default();
    r.starts_with("role/aws-service-role/")
        || r.strip_prefix("assumed-role/")
            .is_some_and(|rest| rest.starts_with("AWSServiceRoleFor"))
}

fn account_of(arn: &str) -> Option<&str> {
    arn_field(arn, 4).filter(|a| !a.is_empty() && *a != "*")
}

// ---------------------------------------------------------------------------
// Evaluation
// ---------------------------------------------------------------------------

fn level_hits(
    levels: &[Vec<NamedPolicy>],
    req: &policy::Request,
) -> Vec<Result<Vec<Hit>, (String, String)>> {
    levels
        .iter()
        .map(|level| {
            let mut all = Vec::new();
            for np in level {
                all.extend(hits(np, req, |_| {}).map_err(|e| (np.id.clone(), e))?);
            }
            Ok(all)
        })
        .collect()
}

/// Evaluates every layer of `set` for `req`; see the module documentation.
pub fn evaluate(set: &PolicySet, req: &Request) -> Evaluation {
    let preq = policy::Request {
        principal: Some(req.principal),
        account: None,
        action: req.action,
        resource: Some(req.resource),
        context: req.context,
    };
    let caller = caller_kind(req.principal);
    let service = req
        .action
        .split(':')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    let principal_account = account_of(req.principal);
    let resource_account = req.resource_account.or_else(|| account_of(req.resource));
    let same = match (principal_account, resource_account) {
        (Some(a), Some(b)) => Tri::of(a == b),
        _ => Tri::Maybe,
    };
    let mut layers: Vec<LayerResult> = Vec::new();
    let mut notes: Vec<String> = Vec::new();
    let mut push = |layer: Layer, level: Option<usize>, verdict: LayerVerdict| {
        layers.push(LayerResult {
            layer,
            level,
            verdict,
        })
    };

    // sts:GetCallerIdentity needs no permission, and no policy can deny it (STS API
    // Reference, GetCallerIdentity).
    if req.action.eq_ignore_ascii_case("sts:GetCallerIdentity") && caller != Caller::Service {
        return Evaluation {
            decision: Decision::Allowed,
            deciding: None,
            missing_allow: Vec::new(),
            layers: Vec::new(),
            notes: vec!["sts:GetCallerIdentity needs no permission and cannot be denied".into()],
        };
    }

    // -- SCPs: every level must allow; any Deny denies.
    let slr = is_service_linked_role(req.principal);
    let mut scp_levels: Vec<(usize, Side)> = Vec::new();
    let mut scp_unknown = false;
    if caller == Caller::Service || slr || set.principal_in_management_account {
        push(Layer::Scp, None, LayerVerdict::NotApplicable);
        notes.push(
            match () {
                _ if caller == Caller::Service => "SCPs do not apply to service principals",
                _ if slr => "SCPs do not apply to service-linked roles",
                _ => "SCPs do not apply to the management account",
            }
            .into(),
        );
    } else {
        match &set.scps {
            None => {
                push(Layer::Scp, None, LayerVerdict::NotReadable);
                scp_unknown = true;
            }
            Some(levels) => {
                for (i, r) in level_hits(levels, &preq).into_iter().enumerate() {
                    match r {
                        Ok(hs) => {
                            let s = side(&hs, |_| true);
                            push(Layer::Scp, Some(i), verdict_of(&s));
                            scp_levels.push((i, s));
                        }
                        Err((policy, error)) => {
                            push(Layer::Scp, Some(i), LayerVerdict::Invalid { policy, error });
                            scp_levels.push((i, unknown_side()));
                        }
                    }
                }
            }
        }
    }
    let scp_deny = scp_levels.iter().fold(
        if scp_unknown { Tri::Maybe } else { Tri::No },
        |t, (_, s)| t.or(s.deny),
    );
    let scp_ok = scp_levels.iter().fold(
        if scp_unknown { Tri::Maybe } else { Tri::Yes },
        |t, (_, s)| t.and(s.allow),
    );

    // -- RCPs: only Deny statements decide (RCPFullAWSAccess at every level).
    let mut rcp_deny = Tri::No;
    let mut rcp_first: Option<StatementRef> = None;
    if !RCP_SERVICES.contains(&service.as_str())
        || slr
        || caller == Caller::Service
        || set.resource_in_management_account
    {
        push(Layer::Rcp, None, LayerVerdict::NotApplicable);
    } else {
        match &set.rcps {
            None => {
                push(Layer::Rcp, None, LayerVerdict::NotReadable);
                rcp_deny = Tri::Maybe;
            }
            Some(levels) => {
                for (i, r) in level_hits(levels, &preq).into_iter().enumerate() {
                    match r {
                        Ok(hs) => {
                            let s = side(&hs, |_| true);
                            rcp_deny = rcp_deny.or(s.deny);
                            if rcp_first.is_none() {
                                rcp_first = s.first_deny.clone();
                            }
                            let verdict = match verdict_of(&s) {
                                LayerVerdict::NoStatementAllows => LayerVerdict::Allows {
                                    by: StatementRef {
                                        policy: "RCPFullAWSAccess (attached at every level)".into(),
                                        index: 0,
                                        sid: None,
                                        matched_conditions: Vec::new(),
                                    },
                                },
                                v => v,
                            };
                            push(Layer::Rcp, Some(i), verdict);
                        }
                        Err((policy, error)) => {
                            push(Layer::Rcp, Some(i), LayerVerdict::Invalid { policy, error });
                            rcp_deny = rcp_deny.or(Tri::Maybe);
                        }
                    }
                }
            }
        }
    }

    // -- The resource-based policy.
    let resource_layer = if req
        .action
        .to_ascii_lowercase()
        .starts_with("sts:assumerole")
    {
        Layer::Trust
    } else {
        Layer::Resource
    };
    let has_boundary = set.boundary.is_some();
    // Identity-side statements (no Principal) are not part of a resource policy.
    let resource_hits: Result<Vec<Hit>, (String, String)> = match &set.resource_policy {
        None => Ok(Vec::new()),
        Some(np) => hits(np, &preq, |doc| {
            // "Policy evaluation logic" / NotPrincipal: a Deny with NotPrincipal always
            // denies a principal that has a permissions boundary.
            if has_boundary {
                for st in &mut doc.statements {
                    if st.effect == Effect::Deny && st.not_principal.is_some() {
                        st.not_principal = None;
                        st.principal = Some(Principal::Any);
                    }
                }
            }
        })
        .map(|hs| {
            hs.into_iter()
                .filter(|h| h.principal != PrincipalMatch::Attached)
                .collect()
        })
        .map_err(|e| (np.id.clone(), e)),
    };
    let direct = |h: &Hit| {
        matches!(
            h.principal,
            PrincipalMatch::Exact
                | PrincipalMatch::Everyone
                | PrincipalMatch::SessionRole
                | PrincipalMatch::NotPrincipal
                | PrincipalMatch::Unknown
        )
    };
    let (res, res_direct, res_account, res_bypass) = match &resource_hits {
        Ok(hs) if set.resource_policy.is_some() => {
            let all = side(hs, |_| true);
            push(resource_layer, None, verdict_of(&all));
            let d = side(hs, direct);
            let a = side(hs, |h| h.principal == PrincipalMatch::Account);
            // A same-account grant that names the user or the session itself is not limited
            // by the boundary; one that names the role of a session is ("Permissions
            // boundaries for IAM entities", "Resource-based policies").
            let b = side(hs, |h| match caller {
                Caller::User | Caller::Session | Caller::Other => matches!(
                    h.principal,
                    PrincipalMatch::Exact | PrincipalMatch::Everyone | PrincipalMatch::NotPrincipal
                ),
                Caller::Role => h.principal == PrincipalMatch::Everyone,
                _ => false,
            });
            (all, d, a, b)
        }
        Ok(_) => {
            push(resource_layer, None, LayerVerdict::NotApplicable);
            (
                absent_side(Tri::No),
                absent_side(Tri::No),
                absent_side(Tri::No),
                absent_side(Tri::No),
            )
        }
        Err((policy, error)) => {
            push(
                resource_layer,
                None,
                LayerVerdict::Invalid {
                    policy: policy.clone(),
                    error: error.clone(),
                },
            );
            (
                unknown_side(),
                unknown_side(),
                unknown_side(),
                unknown_side(),
            )
        }
    };

    // -- Identity policies.
    let mut id_hits = Vec::new();
    let mut id_invalid = None;
    for np in &set.identity {
        match hits(np, &preq, |_| {}) {
            Ok(hs) => id_hits.extend(hs),
            Err(e) => {
                id_invalid.get_or_insert((np.id.clone(), e));
            }
        }
    }
    let mut id = side(&id_hits, |h| h.principal == PrincipalMatch::Attached);
    if caller == Caller::Service {
        push(Layer::Identity, None, LayerVerdict::NotApplicable);
    } else if let Some((policy, error)) = id_invalid {
        push(
            Layer::Identity,
            None,
            LayerVerdict::Invalid { policy, error },
        );
        id.deny = id.deny.or(Tri::Maybe);
        id.allow = id.allow.or(Tri::Maybe);
    } else {
        push(Layer::Identity, None, verdict_of(&id));
    }

    // -- Permissions boundary.
    let pb = match &set.boundary {
        None => {
            push(Layer::Boundary, None, LayerVerdict::NotApplicable);
            None
        }
        Some(np) => Some(match hits(np, &preq, |_| {}) {
            Ok(hs) => {
                let s = side(&hs, |h| h.principal == PrincipalMatch::Attached);
                push(Layer::Boundary, None, verdict_of(&s));
                s
            }
            Err(error) => {
                push(
                    Layer::Boundary,
                    None,
                    LayerVerdict::Invalid {
                        policy: np.id.clone(),
                        error,
                    },
                );
                unknown_side()
            }
        }),
    };

    // -- Session policy.
    push(
        Layer::Session,
        None,
        if set.session_policy_present {
            LayerVerdict::NotReadable
        } else {
            LayerVerdict::NotApplicable
        },
    );

    // -- Combine.
    let explicit = scp_deny
        .or(rcp_deny)
        .or(res.deny)
        .or(id.deny)
        .or(pb.as_ref().map_or(Tri::No, |s| s.deny));

    // Which services need the resource policy to delegate to the account before identity
    // policies count, even within the account: KMS keys (AWS KMS Developer Guide, "Key
    // policies": "Unless the key policy explicitly allows it, you cannot use IAM policies to
    // allow access to a KMS key") and IAM roles (a trust policy that names only the account
    // needs the caller's identity policy too; one that names neither denies).
    let resource_part = arn_field(req.resource, 5).unwrap_or_default();
    let needs_delegation = (service == "kms" && resource_part.starts_with("key/"))
        || (service == "sts" && set.resource_policy.is_some());
    let core = if caller == Caller::Service {
        notes.push("a service principal is allowed only by the resource policy".into());
        res_direct.allow
    } else {
        let same_core = if needs_delegation {
            res_direct.allow.or(id.allow.and(res_account.allow))
        } else {
            res_direct.allow.or(id.allow)
        };
        let cross_core = res_direct.allow.or(res_account.allow).and(id.allow);
        notes.push(
            match same {
                Tri::Yes if needs_delegation => {
                    "same account; the resource policy must grant it or delegate to the account's IAM policies"
                }
                Tri::Yes => "same account: the identity policies or the resource policy may grant it",
                Tri::No => "cross account: both the identity policies and the resource policy must allow",
                Tri::Maybe => "the resource's account is not known: same-account and cross-account rules both considered",
            }
            .into(),
        );
        same.and(same_core).or(same.not().and(cross_core))
    };
    let pb_ok = match &pb {
        None => Tri::Yes,
        Some(s) => s.allow.or(same.and(res_bypass.allow)),
    };
    let allowed = scp_ok.and(core).and(pb_ok);

    let mut missing_allow = Vec::new();
    if allowed == Tri::No {
        if scp_levels.iter().any(|(_, s)| s.allow == Tri::No) {
            missing_allow.push(Layer::Scp);
        }
        if core == Tri::No {
            if (needs_delegation || same == Tri::No) && id.allow == Tri::Yes {
                missing_allow.push(resource_layer);
            } else if same == Tri::No && res.allow != Tri::No {
                missing_allow.push(Layer::Identity);
            } else if caller == Caller::Service {
                missing_allow.push(resource_layer);
            } else {
                missing_allow.push(Layer::Identity);
            }
        }
        if pb_ok == Tri::No {
            missing_allow.push(Layer::Boundary);
        }
    }

    let first_deny = || {
        scp_levels
            .iter()
            .find_map(|(_, s)| s.first_deny.clone().map(|r| (Layer::Scp, r)))
            .or_else(|| rcp_first.clone().map(|r| (Layer::Rcp, r)))
            .or_else(|| res.first_deny.clone().map(|r| (resource_layer, r)))
            .or_else(|| id.first_deny.clone().map(|r| (Layer::Identity, r)))
            .or_else(|| {
                pb.as_ref()
                    .and_then(|s| s.first_deny.clone())
                    .map(|r| (Layer::Boundary, r))
            })
    };
    let grant = || {
        if res_direct.allow == Tri::Yes && (caller == Caller::Service || id.allow != Tri::Yes) {
            res_direct.first_allow.clone().map(|r| (resource_layer, r))
        } else {
            id.first_allow.clone().map(|r| (Layer::Identity, r))
        }
    };
    let (decision, deciding) = match (explicit, allowed) {
        (Tri::Yes, _) => (Decision::ExplicitDeny, first_deny()),
        (Tri::No, Tri::No) => (Decision::ImplicitDeny, None),
        (Tri::Maybe, Tri::No) => (Decision::Denied, None),
        (Tri::No, Tri::Yes) if set.session_policy_present => {
            notes.push("a session policy could limit this and cannot be read".into());
            (Decision::Unknown, grant())
        }
        (Tri::No, Tri::Yes) => (Decision::Allowed, grant()),
        _ => (Decision::Unknown, None),
    };
    Evaluation {
        decision,
        deciding,
        missing_allow,
        layers,
        notes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ALICE: &str = "arn:aws:iam::111122223333:user/alice";
    const SESSION: &str = "arn:aws:sts::111122223333:assumed-role/deployer/ci";
    const ROLE: &str = "arn:aws:iam::111122223333:role/deployer";
    const BOB: &str = "arn:aws:iam::444455556666:user/bob";
    const OBJECT: &str = "arn:aws:s3:::team-bucket/a.txt";
    const KEY: &str = "arn:aws:kms:us-east-1:111122223333:key/k1";
    const TARGET: &str = "arn:aws:iam::111122223333:role/target";

    fn doc(statements: Value) -> Value {
        json!({"Version": "2012-10-17", "Statement": statements})
    }
    fn allow(action: &str) -> NamedPolicy {
        NamedPolicy::new(
            "arn:aws:iam::111122223333:policy/p",
            doc(json!([{"Effect": "Allow", "Action": action, "Resource": "*"}])),
        )
    }
    fn grant_to(principal: Value, action: &str) -> NamedPolicy {
        NamedPolicy::new(
            "bucket policy",
            doc(
                json!([{"Sid": "Grant", "Effect": "Allow", "Principal": principal, "Action": action, "Resource": "*"}]),
            ),
        )
    }
    fn run(set: &PolicySet, principal: &str, action: &str, resource: &str) -> Evaluation {
        let ctx = BTreeMap::new();
        evaluate(
            set,
            &Request {
                principal,
                action,
                resource,
                resource_account: Some("111122223333"),
                context: &ctx,
            },
        )
    }
    fn base() -> PolicySet {
        PolicySet {
            scps: Some(Vec::new()),
            rcps: Some(Vec::new()),
            ..Default::default()
        }
    }

    // "Policy evaluation logic": an explicit deny in any policy overrides any allow.
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
    #[test]
    fn explicit_deny_anywhere_wins() {
        let mut set = base();
        set.identity = vec![allow("s3:*")];
        set.resource_policy = Some(NamedPolicy::new(
            "bucket policy",
            doc(
                json!([{"Sid": "NoDeletes", "Effect": "Deny", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"}]),
            ),
        ));
        let ev = run(&set, ALICE, "s3:GetObject", OBJECT);
        assert_eq!(ev.decision, Decision::ExplicitDeny);
        let (layer, by) = ev.deciding.expect("deciding statement");
        assert_eq!(layer, Layer::Resource);
        assert_eq!(by.sid.as_deref(), Some("NoDeletes"));
    }

    // Same page: no allow anywhere is an implicit deny, and the identity layer says so.
    #[test]
    fn nothing_allows_is_implicit() {
        let ev = run(&base(), ALICE, "s3:GetObject", OBJECT);
        assert_eq!(ev.decision, Decision::ImplicitDeny);
        assert_eq!(ev.missing_allow, vec![Layer::Identity]);
    }

    // Organizations User Guide, "SCP evaluation": every level from the root to the account
    // must allow; an allow at the root alone is not enough.
    // https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_evaluation.html
    #[test]
    fn scp_every_level_must_allow() {
        let mut set = base();
        set.identity = vec![allow("*")];
        set.scps = Some(vec![vec![allow("*")], vec![allow("ec2:*")]]);
        let ev = run(&set, ALICE, "s3:GetObject", OBJECT);
        assert_eq!(ev.decision, Decision::ImplicitDeny);
        assert_eq!(ev.missing_allow, vec![Layer::Scp]);
        assert!(ev.layers.iter().any(|l| l.layer == Layer::Scp
            && l.level == Some(1)
            && l.verdict == LayerVerdict::NoStatementAllows));
        set.scps = Some(vec![vec![allow("*")], vec![allow("s3:Get*")]]);
        assert_eq!(
            run(&set, ALICE, "s3:GetObject", OBJECT).decision,
            Decision::Allowed
        );
        // Not readable: the decision is open when everything else allows.
        set.scps = None;
        assert_eq!(
            run(&set, ALICE, "s3:GetObject", OBJECT).decision,
            Decision::Unknown
        );
        // "SCPs don't affect service-linked roles" and the management account.
        set.scps = Some(vec![vec![allow("ec2:*")]]);
        set.principal_in_management_account = true;
        assert_eq!(
            run(&set, ALICE, "s3:GetObject", OBJECT).decision,
            Decision::Allowed
        );
        set.principal_in_management_account = false;
        let slr =
            "arn:aws:iam::111122223333:role/aws-service-role/s3.amazonaws.com/AWSServiceRoleForS3";
        assert_eq!(
            run(&set, slr, "s3:GetObject", OBJECT).decision,
            Decision::Allowed
        );
    }

    // "Cross-account policy evaluation logic": both sides must allow.
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html
    #[test]
    fn cross_account_needs_both() {
        let mut set = base();
        set.resource_policy = Some(grant_to(json!({"AWS": BOB}), "s3:GetObject"));
        assert_eq!(
            run(&set, BOB, "s3:GetObject", OBJECT).decision,
            Decision::ImplicitDeny
        );
        set.identity = vec![allow("s3:GetObject")];
        assert_eq!(
            run(&set, BOB, "s3:GetObject", OBJECT).decision,
            Decision::Allowed
        );
        set.resource_policy = None;
        let ev = run(&set, BOB, "s3:GetObject", OBJECT);
        assert_eq!(ev.decision, Decision::ImplicitDeny);
        assert_eq!(ev.missing_allow, vec![Layer::Resource]);
    }

    // "Policy evaluation logic", same account: a resource policy naming the principal grants
    // by itself; one naming only the account needs an identity policy too.
    #[test]
    fn same_account_resource_policy() {
        let mut set = base();
        set.resource_policy = Some(grant_to(json!({"AWS": ALICE}), "s3:GetObject"));
        let ev = run(&set, ALICE, "s3:GetObject", OBJECT);
        assert_eq!(ev.decision, Decision::Allowed);
        assert_eq!(ev.deciding.unwrap().0, Layer::Resource);
        set.resource_policy = Some(grant_to(json!({"AWS": "111122223333"}), "s3:GetObject"));
        assert_eq!(
            run(&set, ALICE, "s3:GetObject", OBJECT).decision,
            Decision::ImplicitDeny
        );
    }

    // "Permissions boundaries for IAM entities", resource-based policies: a same-account grant
    // to the user (or the session ARN) is not limited by the boundary; one to the role ARN
    // of a session is.
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html
    #[test]
    fn boundary_and_resource_grants() {
        let mut set = base();
        set.boundary = Some(allow("ec2:*"));
        set.identity = vec![allow("s3:*")];
        let ev = run(&set, ALICE, "s3:GetObject", OBJECT);
        assert_eq!(ev.decision, Decision::ImplicitDeny);
        assert_eq!(ev.missing_allow, vec![Layer::Boundary]);
        set.resource_policy = Some(grant_to(json!({"AWS": ALICE}), "s3:GetObject"));
        assert_eq!(
            run(&set, ALICE, "s3:GetObject", OBJECT).decision,
            Decision::Allowed
        );
        set.resource_policy = Some(grant_to(json!({"AWS": ROLE}), "s3:GetObject"));
        assert_eq!(
            run(&set, SESSION, "s3:GetObject", OBJECT).decision,
            Decision::ImplicitDeny
        );
        set.resource_policy = Some(grant_to(json!({"AWS": SESSION}), "s3:GetObject"));
        assert_eq!(
            run(&set, SESSION, "s3:GetObject", OBJECT).decision,
            Decision::Allowed
        );
    }

    // "Policy evaluation logic" / NotPrincipal: a Deny with NotPrincipal always denies a
    // principal that has a permissions boundary, even one it lists.
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html
    #[test]
    fn not_principal_deny_and_boundary() {
        let mut set = base();
        set.identity = vec![allow("s3:*")];
        set.resource_policy = Some(NamedPolicy::new(
            "bucket policy",
            doc(
                json!([{"Effect": "Deny", "NotPrincipal": {"AWS": ["arn:aws:iam::111122223333:root", ALICE]}, "Action": "s3:*", "Resource": "*"}]),
            ),
        ));
        assert_eq!(
            run(&set, ALICE, "s3:GetObject", OBJECT).decision,
            Decision::Allowed
        );
        set.boundary = Some(allow("s3:*"));
        assert_eq!(
            run(&set, ALICE, "s3:GetObject", OBJECT).decision,
            Decision::ExplicitDeny
        );
    }

    // AWS KMS Developer Guide, "Key policies": IAM policies count only when the key policy
    // delegates to the account (the default "Enable IAM User Permissions" statement).
    // https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html
    #[test]
    fn kms_key_policy_must_delegate() {
        let mut set = base();
        set.identity = vec![allow("kms:Decrypt")];
        set.resource_policy = Some(grant_to(
            json!({"AWS": "arn:aws:iam::111122223333:user/admin"}),
            "kms:*",
        ));
        let ev = run(&set, ALICE, "kms:Decrypt", KEY);
        assert_eq!(ev.decision, Decision::ImplicitDeny);
        assert_eq!(ev.missing_allow, vec![Layer::Resource]);
        set.resource_policy = Some(grant_to(
            json!({"AWS": "arn:aws:iam::111122223333:root"}),
            "kms:*",
        ));
        assert_eq!(
            run(&set, ALICE, "kms:Decrypt", KEY).decision,
            Decision::Allowed
        );
    }

    // IAM User Guide, "Roles terms and concepts" / trust policy: the trust policy must allow
    // sts:AssumeRole; naming only the account needs the caller's identity policy too.
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_terms-and-concepts.html
    #[test]
    fn role_trust() {
        let trust = |p: Value| {
            NamedPolicy::new(
                TARGET,
                doc(json!([{"Effect": "Allow", "Principal": p, "Action": "sts:AssumeRole"}])),
            )
        };
        let mut set = base();
        set.resource_policy = Some(trust(json!({"AWS": ALICE})));
        let ev = run(&set, ALICE, "sts:AssumeRole", TARGET);
        assert_eq!(ev.decision, Decision::Allowed);
        assert_eq!(ev.deciding.unwrap().0, Layer::Trust);
        set.resource_policy = Some(trust(json!({"AWS": "111122223333"})));
        assert_eq!(
            run(&set, ALICE, "sts:AssumeRole", TARGET).decision,
            Decision::ImplicitDeny
        );
        set.identity = vec![allow("sts:AssumeRole")];
        assert_eq!(
            run(&set, ALICE, "sts:AssumeRole", TARGET).decision,
            Decision::Allowed
        );
        set.resource_policy = Some(trust(json!({"Service": "ec2.amazonaws.com"})));
        assert_eq!(
            run(&set, ALICE, "sts:AssumeRole", TARGET).decision,
            Decision::ImplicitDeny
        );
    }

    // Session policies cannot be read back: an otherwise allowed request stays open.
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies.html#policies_session
    #[test]
    fn session_policy_is_unknown() {
        let mut set = base();
        set.identity = vec![allow("s3:*")];
        set.session_policy_present = true;
        let ev = run(&set, SESSION, "s3:GetObject", OBJECT);
        assert_eq!(ev.decision, Decision::Unknown);
        assert!(
            ev.layers
                .iter()
                .any(|l| l.layer == Layer::Session && l.verdict == LayerVerdict::NotReadable)
        );
    }

    // An unknown condition key leaves the layer open and names the key; the deciding Deny
    // reports the condition values that matched.
    #[test]
    fn conditions_unknown_and_matched() {
        let mut set = base();
        set.identity = vec![allow("s3:*")];
        set.resource_policy = Some(NamedPolicy::new(
            "bucket policy",
            doc(
                json!([{"Sid": "TLS", "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*",
                "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]),
            ),
        ));
        let ev = run(&set, ALICE, "s3:GetObject", OBJECT);
        assert_eq!(ev.decision, Decision::Unknown);
        assert!(ev.layers.iter().any(|l| l.verdict
            == LayerVerdict::DependsOn {
                keys: vec!["aws:SecureTransport".into()]
            }));
        let ctx = BTreeMap::from([("aws:SecureTransport".to_string(), vec!["false".to_string()])]);
        let ev = evaluate(
            &set,
            &Request {
                principal: ALICE,
                action: "s3:GetObject",
                resource: OBJECT,
                resource_account: Some("111122223333"),
                context: &ctx,
            },
        );
        assert_eq!(ev.decision, Decision::ExplicitDeny);
        let (_, by) = ev.deciding.unwrap();
        assert_eq!(
            by.matched_conditions,
            vec![(
                "aws:SecureTransport".to_string(),
                vec!["false".to_string()],
                vec!["false".to_string()]
            )]
        );
    }
}
