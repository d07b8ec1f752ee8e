#!/usr/bin/env node
// Independent IAM policy evaluator for awsx's tests (test-only; see README.md).
//
// stdin:  one request object, or a JSON array of them (one node process per batch).
// stdout: one result object, or a JSON array of results in the same order.
// Exit status: 0 when the input parsed (per-request problems are reported as
// result "Error"), 2 when stdin is not JSON of the right shape.
import { anonymousPrincipal, runSimulation } from '@cloud-copilot/iam-simulate'

async function readStdin() {
  const chunks = []
  for await (const chunk of process.stdin) chunks.push(chunk)
  return Buffer.concat(chunks).toString('utf8')
}

function fail(message) {
  process.stderr.write(`simulate.mjs: ${message}\n`)
  process.exit(2)
}

class InputError extends Error {}

/** Stands for a literal '*' in a request's resource (see resourceWildcards). */
const LITERAL_STAR = '\u2217'
const unliteral = (s) => (typeof s === 'string' ? s.replaceAll(LITERAL_STAR, '*') : s)

/** A policy document given as an object or as its JSON text. */
function doc(value, what) {
  if (typeof value === 'string') {
    try {
      return JSON.parse(value)
    } catch (e) {
      throw new InputError(`${what}: not JSON: ${e.message}`)
    }
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InputError(`${what}: a policy document must be an object or its JSON text`)
  }
  return value
}

/** `[doc | {name, policy}]` -> `[{name, policy}]`; names default to `<prefix>-<i>`. */
function named(list, prefix) {
  if (list === undefined || list === null) return []
  if (!Array.isArray(list)) throw new InputError(`${prefix}: must be an array`)
  return list.map((item, i) => {
    const wrapped =
      item && typeof item === 'object' && !Array.isArray(item) && 'policy' in item && !('Statement' in item)
    const name = wrapped && item.name ? String(item.name) : `${prefix}-${i}`
    return { name, policy: doc(wrapped ? item.policy : item, name) }
  })
}

/** SCPs / RCPs: one entry per level, root first, account last; each a list of docs. */
function levels(list, prefix) {
  if (list === undefined || list === null) return []
  if (!Array.isArray(list)) throw new InputError(`${prefix}: must be an array of levels`)
  return list.map((level, i) => {
    if (level && !Array.isArray(level) && typeof level === 'object' && Array.isArray(level.policies)) {
      const org = level.orgIdentifier ?? `${prefix}-level-${i}`
      return { orgIdentifier: String(org), policies: named(level.policies, `${prefix}-${i}`) }
    }
    if (!Array.isArray(level)) {
      throw new InputError(`${prefix}[${i}]: a level is an array of policy documents`)
    }
    return { orgIdentifier: `${prefix}-level-${i}`, policies: named(level, `${prefix}-${i}`) }
  })
}

/** The account field of an ARN ("" when it has none, as S3 ARNs). */
function arnAccount(arn) {
  if (typeof arn !== 'string' || !arn.startsWith('arn:')) return ''
  return arn.split(':')[4] ?? ''
}

/**
 * The resource's account: `resourceAccount` if given, else the ARN's account field,
 * else (S3 buckets/objects, `*`) the principal's account.
 */
function resourceAccount(req) {
  if (req.resourceAccount !== undefined && req.resourceAccount !== null) return String(req.resourceAccount)
  const fromArn = arnAccount(req.resource)
  if (fromArn && fromArn !== '*') return fromArn
  const fromPrincipal = typeof req.principal === 'string' ? arnAccount(req.principal) : ''
  if (fromPrincipal) return fromPrincipal
  throw new InputError(
    `resourceAccount: the resource ARN ${JSON.stringify(req.resource)} names no account and the principal gives none; set "resourceAccount"`
  )
}

function context(ctx) {
  if (ctx === undefined || ctx === null) return {}
  if (typeof ctx !== 'object' || Array.isArray(ctx)) throw new InputError('context: must be an object')
  const out = {}
  for (const [k, v] of Object.entries(ctx)) {
    out[k] = Array.isArray(v) ? v.map(String) : String(v)
  }
  return out
}

function toSimulation(req) {
  if (!req || typeof req !== 'object' || Array.isArray(req)) throw new InputError('a request must be an object')
  for (const key of ['principal', 'action', 'resource']) {
    if (typeof req[key] !== 'string' || req[key] === '') throw new InputError(`${key}: a non-empty string is required`)
  }
  const known = new Set([
    'id', 'principal', 'action', 'resource', 'context', 'identityPolicies', 'permissionBoundaries',
    'scps', 'rcps', 'resourcePolicy', 'resourceAccount', 'sessionPolicy', 's3BlockPublicAccess',
    'mode', 'resourceWildcards'
  ])
  const unknown = Object.keys(req).filter((k) => !known.has(k))
  if (unknown.length) throw new InputError(`unknown field(s): ${unknown.join(', ')}`)

  const wildcards = req.resourceWildcards ?? 'literal'
  if (wildcards !== 'literal' && wildcards !== 'pattern') {
    throw new InputError('resourceWildcards: "literal" (the default) or "pattern"')
  }
  // AWS matches the request's resource as a plain string: RunInstances' instance/* is the
  // text "instance/*", which a policy naming instance/i-123 does not grant. The library
  // treats a '*' in the request as a pattern (allowed if any resource it covers is), so
  // "literal" hides each '*' behind a character no policy names; "pattern" passes it on.
  const resource =
    wildcards === 'literal' && req.resource !== '*' ? req.resource.replaceAll('*', LITERAL_STAR) : req.resource
  const simulation = {
    request: {
      principal: req.principal === 'anonymous' ? anonymousPrincipal : req.principal,
      action: req.action,
      resource: { resource, accountId: resourceAccount(req) },
      contextVariables: context(req.context)
    },
    identityPolicies: named(req.identityPolicies, 'identity'),
    serviceControlPolicies: levels(req.scps, 'scp'),
    resourceControlPolicies: levels(req.rcps, 'rcp')
  }
  // Absent means "no permissions boundary"; [] would mean "a boundary that allows nothing".
  if (req.permissionBoundaries !== undefined && req.permissionBoundaries !== null) {
    simulation.permissionBoundaryPolicies = named(req.permissionBoundaries, 'boundary')
  }
  if (req.resourcePolicy !== undefined && req.resourcePolicy !== null) {
    simulation.resourcePolicy = doc(req.resourcePolicy, 'resourcePolicy')
  }
  if (req.sessionPolicy !== undefined && req.sessionPolicy !== null) {
    simulation.sessionPolicy = doc(req.sessionPolicy, 'sessionPolicy')
  }
  if (req.s3BlockPublicAccess !== undefined) {
    simulation.additionalSettings = { s3: { blockPublicAccess: Boolean(req.s3BlockPublicAccess) } }
  }
  return simulation
}

/** "policyName#sid" or "policyName#<1-based index>". */
function ref(s, fallbackName) {
  const st = s.statement
  const sid = typeof st?.sid === 'function' ? st.sid() : undefined
  const index = typeof st?.index === 'function' ? st.index() : undefined
  return `${s.policyId ?? fallbackName}#${sid ?? index ?? '?'}`
}

function part(a, fallbackName = '?') {
  if (!a) return undefined
  return {
    result: a.result,
    allow: (a.allowStatements ?? []).map((s) => ref(s, fallbackName)),
    deny: (a.denyStatements ?? []).map((s) => ref(s, fallbackName))
  }
}

function org(a) {
  if (!a) return undefined
  return {
    result: a.result,
    levels: (a.ouAnalysis ?? []).map((ou) => ({ org: ou.orgIdentifier, ...part(ou) }))
  }
}

function analysisDetails(analysis) {
  const out = {
    result: analysis.result,
    sameAccount: analysis.sameAccount,
    blockedBy: analysis.blockedBy ?? [],
    identity: part(analysis.identityAnalysis),
    resource: part(analysis.resourceAnalysis, 'resourcePolicy'),
    permissionBoundary: part(analysis.permissionBoundaryAnalysis),
    session: part(analysis.sessionAnalysis),
    scp: org(analysis.scpAnalysis),
    rcp: org(analysis.rcpAnalysis)
  }
  for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k]
  return out
}

async function evaluate(req) {
  const id = req && typeof req === 'object' && 'id' in req ? { id: req.id } : {}
  let simulation
  try {
    simulation = toSimulation(req)
  } catch (e) {
    if (!(e instanceof InputError)) throw e
    return { ...id, result: 'Error', error: { message: 'invalid.input', detail: e.message } }
  }
  let response
  try {
    const mode = req.mode === 'Discovery' ? 'Discovery' : 'Strict'
    response = await runSimulation(simulation, { simulationMode: mode })
  } catch (e) {
    return { ...id, result: 'Error', error: { message: 'exception', detail: String(e?.stack ?? e) } }
  }
  if (response.resultType === 'error') {
    return { ...id, result: 'Error', error: response.errors }
  }
  const results = response.resultType === 'single' ? [response.result] : response.results
  const ignored = [...new Set(results.flatMap((r) => r.ignoredContextKeys ?? []))]
  const details = {
    resultType: response.resultType,
    resourceAccount: simulation.request.resource.accountId
  }
  if (response.resultType === 'single') {
    if (response.result.resourceType) details.resourceType = response.result.resourceType
    Object.assign(details, analysisDetails(response.result.analysis))
  } else {
    details.patterns = response.results.map((r) => ({
      resourcePattern: unliteral(r.resourcePattern),
      resourceType: r.resourceType,
      ...analysisDetails(r.analysis)
    }))
  }
  return { ...id, result: response.overallResult, ignoredContextKeys: ignored, details }
}

const text = await readStdin()
let input
try {
  input = JSON.parse(text)
} catch (e) {
  fail(`stdin is not JSON: ${e.message}`)
}
if (input === null || typeof input !== 'object') fail('stdin must hold a request object or an array of them')

let output
if (Array.isArray(input)) {
  output = []
  for (const req of input) output.push(await evaluate(req))
} else {
  output = await evaluate(input)
}
process.stdout.write(JSON.stringify(output) + '\n')
