#!/usr/bin/env python3
"""awsstub: a loopback AWS endpoint for awsx's tests (Python 3.11 stdlib only).

It answers the services moto cannot (EC2 limit/authorization errors, STS
DecodeAuthorizationMessage, Service Quotas beyond `vpc`, IAM policy
simulation, CloudWatch usage metrics, KMS key policies) in their real wire
protocols, so the real aws CLI (v1 and v2) and the Rust SDK parse its answers
exactly as they parse AWS's:

  ec2            EC2 query protocol (form body, XML, <Response><Errors>...)
  sts, iam       AWS query protocol (form body, XML, <ErrorResponse>)
  servicequotas  JSON 1.1, X-Amz-Target: ServiceQuotasV20190624.<Op>
  kms            JSON 1.1, X-Amz-Target: TrentService.<Op>
  cloudwatch     all three protocols CloudWatch clients use today:
                   Smithy RPCv2 CBOR  (Rust aws-sdk-cloudwatch 1.x:
                                       POST /service/GraniteServiceVersion20100801/operation/<Op>)
                   JSON 1.0           (botocore >= 1.40, i.e. pip aws-cli v1:
                                       X-Amz-Target: GraniteServiceVersion20100801.<Op>)
                   AWS query          (older botocore, e.g. Debian aws-cli 2.9)

Usage:
  python3 awsstub.py --port 0 [--scenario FILE.json] [--log FILE]
                     [--max-lifetime SECONDS] [--host 127.0.0.1]
  python3 awsstub.py --print-default-scenario

It prints `PORT <n>` as the first stdout line, then serves until killed, until
its parent process dies, or until --max-lifetime seconds (default 600; 0 means
no limit) have passed. See README.md next to this file for the scenario format.
"""

import argparse
import base64
import copy
import datetime as _dt
import gzip
import http.server
import json
import os
import re
import struct
import sys
import threading
import time
import urllib.parse
import uuid
from xml.sax.saxutils import escape as _xml_escape

# ---------------------------------------------------------------------------
# Values


class TS(float):
    """A timestamp (epoch seconds). JSON writes it as a number, the query
    protocols as ISO 8601, CBOR as tag 1 + float64: what each protocol wants."""


def ts(value):
    """Scenario timestamps may be epoch numbers or ISO 8601 strings."""
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return TS(value)
    text = str(value).strip()
    try:
        return TS(float(text))
    except ValueError:
        pass
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    parsed = _dt.datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=_dt.timezone.utc)
    return TS(parsed.timestamp())


def iso(value):
    moment = _dt.datetime.fromtimestamp(float(value), tz=_dt.timezone.utc)
    if moment.microsecond:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (moment.microsecond // 1000)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class XmlMap(dict):
    """A map member: the query protocols write it as <entry><key/><value/></entry>."""


# Map-typed members in the query responses this stub writes.
XML_MAP_MEMBERS = {"EvalDecisionDetails"}

# ---------------------------------------------------------------------------
# CBOR (RFC 8949), the subset Smithy RPCv2 uses


def _cbor_head(major, n):
    if n < 24:
        return bytes([(major << 5) | n])
    if n < 0x100:
        return bytes([(major << 5) | 24, n])
    if n < 0x10000:
        return bytes([(major << 5) | 25]) + struct.pack(">H", n)
    if n < 0x100000000:
        return bytes([(major << 5) | 26]) + struct.pack(">I", n)
    return bytes([(major << 5) | 27]) + struct.pack(">Q", n)


def cbor_encode(value):
    out = bytearray()
    _cbor_enc(value, out)
    return bytes(out)


def _cbor_enc(value, out):
    if value is None:
        out.append(0xF6)
    elif value is True:
        out.append(0xF5)
    elif value is False:
        out.append(0xF4)
    elif isinstance(value, TS):
        out.append(0xC1)  # tag 1: epoch-based date/time
        out.append(0xFB)
        out += struct.pack(">d", float(value))
    elif isinstance(value, int):
        if value >= 0:
            out += _cbor_head(0, value)
        else:
            out += _cbor_head(1, -1 - value)
    elif isinstance(value, float):
        # Always float64: Smithy doubles are decoded with a strict f64 read.
        out.append(0xFB)
        out += struct.pack(">d", value)
    elif isinstance(value, str):
        raw = value.encode("utf-8")
        out += _cbor_head(3, len(raw))
        out += raw
    elif isinstance(value, (bytes, bytearray)):
        out += _cbor_head(2, len(value))
        out += value
    elif isinstance(value, (list, tuple)):
        out += _cbor_head(4, len(value))
        for item in value:
            _cbor_enc(item, out)
    elif isinstance(value, dict):
        out += _cbor_head(5, len(value))
        for key, item in value.items():
            _cbor_enc(str(key), out)
            _cbor_enc(item, out)
    else:
        raise TypeError("cannot CBOR-encode %r" % (value,))


class _CborBreak(Exception):
    pass


class CborDecoder:
    def __init__(self, data):
        self.data = data
        self.pos = 0

    def _take(self, n):
        if self.pos + n > len(self.data):
            raise ValueError("truncated CBOR")
        chunk = self.data[self.pos:self.pos + n]
        self.pos += n
        return chunk

    def _arg(self, info):
        if info < 24:
            return info
        if info == 24:
            return self._take(1)[0]
        if info == 25:
            return struct.unpack(">H", self._take(2))[0]
        if info == 26:
            return struct.unpack(">I", self._take(4))[0]
        if info == 27:
            return struct.unpack(">Q", self._take(8))[0]
        if info == 31:
            return None  # indefinite length
        raise ValueError("bad CBOR additional info %d" % info)

    def item(self, allow_break=False):
        initial = self._take(1)[0]
        major, info = initial >> 5, initial & 0x1F
        if major == 7:
            if info == 31:
                if allow_break:
                    raise _CborBreak()
                raise ValueError("unexpected CBOR break")
            if info == 20:
                return False
            if info == 21:
                return True
            if info in (22, 23):
                return None
            if info == 25:
                return struct.unpack(">e", self._take(2))[0]
            if info == 26:
                return struct.unpack(">f", self._take(4))[0]
            if info == 27:
                return struct.unpack(">d", self._take(8))[0]
            return self._arg(info)  # other simple values
        arg = self._arg(info)
        if major == 0:
            return arg
        if major == 1:
            return -1 - arg
        if major in (2, 3):
            if arg is None:
                parts = []
                while True:
                    try:
                        parts.append(self.item(allow_break=True))
                    except _CborBreak:
                        break
                raw = b"".join(p if isinstance(p, bytes) else p.encode() for p in parts)
            else:
                raw = bytes(self._take(arg))
            return raw if major == 2 else raw.decode("utf-8")
        if major == 4:
            items = []
            if arg is None:
                while True:
                    try:
                        items.append(self.item(allow_break=True))
                    except _CborBreak:
                        break
            else:
                for _ in range(arg):
                    items.append(self.item())
            return items
        if major == 5:
            result = {}
            if arg is None:
                while True:
                    try:
                        key = self.item(allow_break=True)
                    except _CborBreak:
                        break
                    result[key] = self.item()
            else:
                for _ in range(arg):
                    key = self.item()
                    result[key] = self.item()
            return result
        if major == 6:
            inner = self.item()
            if arg == 1 and isinstance(inner, (int, float)):
                return TS(inner)
            return inner
        raise ValueError("bad CBOR major type %d" % major)


def cbor_decode(data):
    if not data:
        return {}
    return CborDecoder(data).item()


# ---------------------------------------------------------------------------
# Protocol tables

EC2_NS = "http://ec2.amazonaws.com/doc/2016-11-15/"
QUERY_NS = {
    "sts": "https://sts.amazonaws.com/doc/2011-06-15/",
    "iam": "https://iam.amazonaws.com/doc/2010-05-08/",
    "cloudwatch": "http://monitoring.amazonaws.com/doc/2010-08-01/",
}
QUERY_VERSIONS = {
    "2016-11-15": "ec2",
    "2011-06-15": "sts",
    "2010-05-08": "iam",
    "2010-08-01": "cloudwatch",
}
# SigV4 signing names (credential scope) of the same services.
SIGNING_NAMES = {
    "ec2": "ec2",
    "sts": "sts",
    "iam": "iam",
    "monitoring": "cloudwatch",
    "servicequotas": "servicequotas",
    "kms": "kms",
}
JSON_TARGETS = {
    "ServiceQuotasV20190624": "servicequotas",
    "TrentService": "kms",
    "GraniteServiceVersion20100801": "cloudwatch",
}
# Services whose JSON/CBOR errors also carry `x-amzn-query-error: Code;Type`
# (Smithy @awsQueryCompatible): botocore and the Rust SDK take the code from it.
QUERY_COMPATIBLE = {"cloudwatch"}
SERVICE_ALIASES = {
    "service-quotas": "servicequotas",
    "service_quotas": "servicequotas",
    "monitoring": "cloudwatch",
}

CBOR_PATH = re.compile(r"/service/([^/]+)/operation/([^/?]+)$")  # after any endpoint path prefix
CREDENTIAL = re.compile(r"Credential=([^,\s]+)")
SECRETISH = re.compile(
    r"signature|credential|securitytoken|secret|password|sessiontoken|tokencode|^xamz", re.I
)

# ---------------------------------------------------------------------------
# Built-in default scenario

ACCOUNT = "123456789012"
EC2_NAME = "Amazon Elastic Compute Cloud (Amazon EC2)"


def _vcpu_metric(klass):
    return {
        "MetricNamespace": "AWS/Usage",
        "MetricName": "ResourceCount",
        "MetricDimensions": {
            "Class": klass,
            "Resource": "vCPU",
            "Service": "EC2",
            "Type": "Resource",
        },
        "MetricStatisticRecommendation": "Maximum",
    }


def _quota(code, name, value, metric=None, service="ec2", adjustable=True):
    quota = {
        "ServiceCode": service,
        "QuotaCode": code,
        "QuotaName": name,
        "Value": float(value),
        "Unit": "None",
        "Adjustable": adjustable,
        "GlobalQuota": False,
    }
    if metric:
        quota["UsageMetric"] = metric
    return quota


DEFAULT_SCENARIO = {
    "account": ACCOUNT,
    "errors": {},
    "responses": {},
    "sts": {
        "caller_identity": {
            "UserId": "AIDAEXAMPLEUSERID0001",
            "Account": ACCOUNT,
            "Arn": "arn:aws:iam::%s:user/alice" % ACCOUNT,
        },
        "identities": {},
        "decode": {
            # An UnauthorizedOperation from ec2:RunInstances with no matching
            # statement (implicit deny), in the real DecodedMessage shape.
            "AbCdEf0123456789-encoded-blob": {
                "allowed": False,
                "explicitDeny": False,
                "matchedStatements": {"items": []},
                "failures": {"items": []},
                "context": {
                    "principal": {
                        "id": "AIDAEXAMPLEUSERID0001",
                        "name": "alice",
                        "arn": "arn:aws:iam::%s:user/alice" % ACCOUNT,
                    },
                    "action": "ec2:RunInstances",
                    "resource": "arn:aws:ec2:us-east-1:%s:instance/*" % ACCOUNT,
                    "conditions": {
                        "items": [
                            {"key": "ec2:InstanceType",
                             "values": {"items": [{"value": "p3.2xlarge"}]}},
                            {"key": "aws:Region",
                             "values": {"items": [{"value": "us-east-1"}]}},
                            {"key": "aws:Account",
                             "values": {"items": [{"value": ACCOUNT}]}},
                        ]
                    },
                },
            },
            # The same call denied by an explicit Deny statement.
            "ExplicitDeny-encoded-blob": {
                "allowed": False,
                "explicitDeny": True,
                "matchedStatements": {
                    "items": [
                        {
                            "statementId": "DenyGpuInstances",
                            "effect": "DENY",
                            "principals": {"items": [{"value": "AIDAEXAMPLEUSERID0001"}]},
                            "principalGroups": {"items": []},
                            "actions": {"items": [{"value": "ec2:RunInstances"}]},
                            "resources": {"items": [{"value": "*"}]},
                            "conditions": {"items": [
                                {"key": "ec2:InstanceType",
                                 "values": {"items": [{"value": "p3.*"}]}}
                            ]},
                        }
                    ]
                },
                "failures": {"items": []},
                "context": {
                    "principal": {
                        "id": "AIDAEXAMPLEUSERID0001",
                        "name": "alice",
                        "arn": "arn:aws:iam::%s:user/alice" % ACCOUNT,
                    },
                    "action": "ec2:RunInstances",
                    "resource": "arn:aws:ec2:us-east-1:%s:instance/*" % ACCOUNT,
                    "conditions": {"items": [
                        {"key": "ec2:InstanceType",
                         "values": {"items": [{"value": "p3.2xlarge"}]}}
                    ]},
                },
            },
        },
    },
    "iam": {
        # Action (case-insensitive) or "action resource" -> EvaluationResult
        # members. Unlisted actions are implicitDeny with no matched statement.
        "simulate": {},
        "roles": {
            "app-role": {
                "Arn": "arn:aws:iam::%s:role/app-role" % ACCOUNT,
                "AssumeRolePolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [{
                        "Effect": "Allow",
                        "Principal": {"Service": "ec2.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }],
                },
            }
        },
    },
    "servicequotas": {
        "page_size": 3,
        "services": {
            "ec2": EC2_NAME,
            "vpc": "Amazon Virtual Private Cloud (Amazon VPC)",
        },
        "defaults": [
            _quota("L-1216C47A", "Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances",
                   5, _vcpu_metric("Standard/OnDemand")),
            _quota("L-417A185B", "Running On-Demand P instances", 0, _vcpu_metric("P/OnDemand")),
            _quota("L-DB2E81BA", "Running On-Demand G and VT instances", 0,
                   _vcpu_metric("G/OnDemand")),
            _quota("L-34B43A08", "All Standard (A, C, D, H, I, M, R, T, Z) Spot Instance Requests",
                   5, _vcpu_metric("Standard/Spot")),
            _quota("L-0263D0A3", "EC2-VPC Elastic IPs", 5),
            _quota("L-F678F1CE", "VPCs per Region", 5, service="vpc"),
        ],
        # Partial quota objects overlaid on `defaults` (by ServiceCode+QuotaCode)
        # to form the applied values; "Value": null hides the applied value.
        "applied": [],
        "history": [],
    },
    "cloudwatch": {
        "default_value": None,
        "metrics": [
            {
                "Namespace": "AWS/Usage",
                "MetricName": "ResourceCount",
                "Dimensions": {"Class": "Standard/OnDemand", "Resource": "vCPU",
                               "Service": "EC2", "Type": "Resource"},
                "Values": [4.0],
            }
        ],
    },
    "kms": {
        "keys": [
            {
                "KeyMetadata": {
                    "KeyId": "1234abcd-12ab-34cd-56ef-1234567890ab",
                    "Description": "app data key",
                },
                "Aliases": ["alias/app-key"],
                "Policy": {
                    "Version": "2012-10-17",
                    "Id": "key-default-1",
                    "Statement": [{
                        "Sid": "Enable IAM User Permissions",
                        "Effect": "Allow",
                        "Principal": {"AWS": "arn:aws:iam::%s:root" % ACCOUNT},
                        "Action": "kms:*",
                        "Resource": "*",
                    }],
                },
                "Grants": [],
            }
        ]
    },
}


def deep_merge(base, overlay):
    """Dicts merge key by key; anything else (lists included) replaces."""
    if not isinstance(base, dict) or not isinstance(overlay, dict):
        return copy.deepcopy(overlay)
    merged = copy.deepcopy(base)
    for key, value in overlay.items():
        if key in merged and isinstance(merged[key], dict) and isinstance(value, dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def build_scenario(overlay):
    overlay = dict(overlay or {})
    inherit = overlay.pop("inherit_defaults", True)
    if inherit:
        scenario = deep_merge(DEFAULT_SCENARIO, overlay)
    else:
        scenario = copy.deepcopy(overlay)
    for section in ("errors", "responses"):
        table = scenario.get(section) or {}
        normalized = {}
        for key, rule in table.items():
            normalized[normalize_key(key)] = rule
        scenario[section] = normalized
    for alias, canonical in SERVICE_ALIASES.items():
        if alias in scenario and canonical not in scenario:
            scenario[canonical] = scenario.pop(alias)
    return scenario


def normalize_key(key):
    if ":" not in key:
        return key
    service, op = key.split(":", 1)
    service = service.strip().lower()
    return "%s:%s" % (SERVICE_ALIASES.get(service, service), op.strip())


# ---------------------------------------------------------------------------
# Request decoding


def unflatten(pairs):
    """Query-protocol form pairs -> nested structure (lists from .N/.member.N,
    maps from .entry.N.key/.value)."""
    root = {}
    for key, value in pairs:
        node = root
        parts = key.split(".")
        for part in parts[:-1]:
            child = node.get(part)
            if not isinstance(child, dict):
                child = {}
                node[part] = child
            node = child
        node[parts[-1]] = value
    return _normalize_tree(root)


def _normalize_tree(node):
    if not isinstance(node, dict):
        return node
    node = {k: _normalize_tree(v) for k, v in node.items()}
    if node and all(k.isdigit() for k in node):
        return [node[k] for k in sorted(node, key=int)]
    if set(node) == {"member"}:
        member = node["member"]
        return member if isinstance(member, list) else [member]
    if set(node) == {"entry"} and isinstance(node["entry"], list):
        return {e.get("key"): e.get("value") for e in node["entry"] if isinstance(e, dict)}
    return node


def scrub(value):
    """Drop anything credential-like from logged parameters."""
    if isinstance(value, dict):
        return {
            k: scrub(v) for k, v in value.items()
            if not SECRETISH.search(re.sub(r"[^a-z]", "", str(k).lower()))
        }
    if isinstance(value, list):
        return [scrub(v) for v in value]
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode()
    if isinstance(value, TS):
        return float(value)
    return value


def parse_credential(headers, query_pairs):
    """Access key id and region from SigV4 (header or presigned query)."""
    credential = None
    match = CREDENTIAL.search(headers.get("Authorization", "") or "")
    if match:
        credential = match.group(1)
    else:
        for key, value in query_pairs:
            if key == "X-Amz-Credential":
                credential = value
    if not credential:
        return None, None, None
    parts = credential.split("/")
    # AKID/date/region/service/aws4_request (SigV4a omits the region).
    if len(parts) >= 5:
        return parts[0], parts[2], parts[3]
    if len(parts) == 4:
        return parts[0], headers.get("X-Amz-Region-Set"), parts[2]
    return parts[0], None, None


# ---------------------------------------------------------------------------
# Service logic. Each handler gets (stub, ctx, params) and returns a result
# object (dict) or raises AwsError.


class AwsError(Exception):
    def __init__(self, code, message, status=400, type_=None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.type = type_ or ("Sender" if status < 500 else "Receiver")


def _account(ctx):
    return str(ctx.scenario.get("account") or ACCOUNT)


def _region(ctx):
    return ctx.region or "us-east-1"


# --- STS ---


def sts_get_caller_identity(stub, ctx, params):
    sts = ctx.scenario.get("sts") or {}
    issued = stub.issued_identities.get(ctx.access_key_id or "")
    if issued:
        return issued
    ident = (sts.get("identities") or {}).get(ctx.access_key_id or "")
    if ident is None:
        ident = sts.get("caller_identity") or {
            "UserId": "AIDAEXAMPLEUSERID0001",
            "Account": _account(ctx),
            "Arn": "arn:aws:iam::%s:user/alice" % _account(ctx),
        }
    return {k: ident.get(k) for k in ("UserId", "Account", "Arn") if ident.get(k) is not None}


def sts_decode_authorization_message(stub, ctx, params):
    blob = params.get("EncodedMessage") or ""
    decode = (ctx.scenario.get("sts") or {}).get("decode") or {}
    if blob not in decode:
        raise AwsError("InvalidAuthorizationMessageException", "Message is not valid")
    decoded = decode[blob]
    if not isinstance(decoded, str):
        decoded = json.dumps(decoded, separators=(",", ":"))
    return {"DecodedMessage": decoded}


def sts_assume_role(stub, ctx, params):
    role_arn = params.get("RoleArn") or ""
    session = params.get("RoleSessionName") or "session"
    role_name = role_arn.rsplit("/", 1)[-1]
    account = role_arn.split(":")[4] if role_arn.count(":") >= 5 else _account(ctx)
    with stub.lock:
        stub.assume_count += 1
        n = stub.assume_count
    access_key = "ASIA" + ("STUB%012d" % n)[-16:]
    role_id = "AROAEXAMPLEROLEID%04d" % (n % 10000)
    user = {
        "AssumedRoleId": "%s:%s" % (role_id, session),
        "Arn": "arn:aws:sts::%s:assumed-role/%s/%s" % (account, role_name, session),
    }
    stub.issued_identities[access_key] = {
        "UserId": user["AssumedRoleId"], "Account": account, "Arn": user["Arn"],
    }
    duration = int(params.get("DurationSeconds") or 3600)
    return {
        "Credentials": {
            "AccessKeyId": access_key,
            "SecretAccessKey": "stubSecretAccessKey%020d" % n,
            "SessionToken": "stubSessionToken%d" % n,
            "Expiration": TS(int(time.time()) + duration),
        },
        "AssumedRoleUser": user,
    }


# --- IAM ---


def iam_simulate_principal_policy(stub, ctx, params):
    table = (ctx.scenario.get("iam") or {}).get("simulate") or {}
    lowered = {str(k).lower(): v for k, v in table.items()}
    actions = params.get("ActionNames") or []
    if isinstance(actions, str):
        actions = [actions]
    resources = params.get("ResourceArns") or ["*"]
    if isinstance(resources, str):
        resources = [resources]
    results = []
    for action in actions:
        for resource in resources:
            spec = lowered.get(("%s %s" % (action, resource)).lower())
            if spec is None:
                spec = lowered.get(action.lower())
            if spec is None:
                spec = lowered.get("*", {})
            result = {
                "EvalActionName": action,
                "EvalResourceName": resource,
                "EvalDecision": spec.get("EvalDecision", "implicitDeny"),
                "MatchedStatements": spec.get("MatchedStatements", []),
                "MissingContextValues": spec.get("MissingContextValues", []),
            }
            for key in ("OrganizationsDecisionDetail", "PermissionsBoundaryDecisionDetail"):
                if key in spec:
                    result[key] = spec[key]
            if "EvalDecisionDetails" in spec:
                result["EvalDecisionDetails"] = XmlMap(spec["EvalDecisionDetails"])
            if "ResourceSpecificResults" in spec:
                result["ResourceSpecificResults"] = spec["ResourceSpecificResults"]
            results.append(result)
    return {"EvaluationResults": results, "IsTruncated": False}


def iam_get_role(stub, ctx, params):
    name = params.get("RoleName") or ""
    roles = (ctx.scenario.get("iam") or {}).get("roles") or {}
    if name not in roles:
        raise AwsError("NoSuchEntity", "The role with name %s cannot be found." % name, 404)
    spec = roles[name] or {}
    document = spec.get("AssumeRolePolicyDocument", {
        "Version": "2012-10-17", "Statement": [],
    })
    if not isinstance(document, str):
        document = json.dumps(document, separators=(",", ":"))
    role = {
        "Path": spec.get("Path", "/"),
        "RoleName": name,
        "RoleId": spec.get("RoleId", "AROA" + uuid.uuid5(uuid.NAMESPACE_URL, name).hex[:17].upper()),
        "Arn": spec.get("Arn", "arn:aws:iam::%s:role/%s" % (_account(ctx), name)),
        "CreateDate": ts(spec.get("CreateDate", "2024-01-01T00:00:00Z")),
        # AWS returns policy documents URL-encoded (RFC 3986).
        "AssumeRolePolicyDocument": urllib.parse.quote(document, safe="-_.~"),
        "MaxSessionDuration": spec.get("MaxSessionDuration", 3600),
    }
    for key in ("Description", "PermissionsBoundary", "Tags"):
        if key in spec:
            role[key] = spec[key]
    role["RoleLastUsed"] = spec.get("RoleLastUsed", {})
    return {"Role": role}


# --- Service Quotas ---


def _sq(ctx):
    return ctx.scenario.get("servicequotas") or {}


def _sq_services(ctx):
    sq = _sq(ctx)
    names = dict(sq.get("services") or {})
    for quota in (sq.get("defaults") or []) + (sq.get("applied") or []):
        code = quota.get("ServiceCode")
        if code and code not in names:
            names[code] = quota.get("ServiceName", code)
    return names


def _sq_finish(ctx, quota, applied):
    quota = dict(quota)
    service = quota.get("ServiceCode", "")
    quota.setdefault("ServiceName", _sq_services(ctx).get(service, service))
    if "QuotaArn" not in quota:
        account = _account(ctx) if applied else ""
        quota["QuotaArn"] = "arn:aws:servicequotas:%s:%s:%s/%s" % (
            _region(ctx), account, service, quota.get("QuotaCode", ""))
    if isinstance(quota.get("Value"), (int, float)) and not isinstance(quota["Value"], bool):
        quota["Value"] = float(quota["Value"])
    return quota


def _sq_defaults(ctx):
    return [_sq_finish(ctx, q, False) for q in (_sq(ctx).get("defaults") or [])]


def _sq_applied(ctx):
    merged = {}
    order = []
    for quota in _sq(ctx).get("defaults") or []:
        key = (quota.get("ServiceCode"), quota.get("QuotaCode"))
        merged[key] = dict(quota)
        order.append(key)
    for quota in _sq(ctx).get("applied") or []:
        key = (quota.get("ServiceCode"), quota.get("QuotaCode"))
        if key not in merged:
            merged[key] = {}
            order.append(key)
        merged[key].update(quota)
    return [_sq_finish(ctx, merged[k], True) for k in order if merged[k].get("Value") is not None]


def _sq_check_service(ctx, service):
    if service not in _sq_services(ctx):
        raise AwsError("NoSuchResourceException",
                       "The request failed because the specified service does not exist.")


def _page(ctx, op, items, params, key):
    page_size = int(_sq(ctx).get("page_size") or 100)
    max_results = params.get("MaxResults")
    if max_results:
        page_size = min(page_size, int(max_results))
    start = 0
    token = params.get("NextToken")
    if token:
        try:
            op_name, offset = base64.urlsafe_b64decode(token.encode()).decode().rsplit(":", 1)
            start = int(offset)
            if op_name != op:
                raise ValueError(op_name)
        except Exception:
            raise AwsError("InvalidPaginationTokenException", "Invalid pagination token")
    page = items[start:start + page_size]
    result = {key: page}
    if start + page_size < len(items):
        result["NextToken"] = base64.urlsafe_b64encode(
            ("%s:%d" % (op, start + page_size)).encode()).decode()
    return result


def sq_get_service_quota(stub, ctx, params):
    service, code = params.get("ServiceCode"), params.get("QuotaCode")
    _sq_check_service(ctx, service)
    for quota in _sq_applied(ctx):
        if quota.get("ServiceCode") == service and quota.get("QuotaCode") == code:
            return {"Quota": quota}
    known = any(q.get("ServiceCode") == service and q.get("QuotaCode") == code
                for q in (_sq(ctx).get("defaults") or []) + (_sq(ctx).get("applied") or []))
    if known:  # the applied value is not available (AWS answers with no message)
        raise AwsError("NoSuchResourceException", "")
    raise AwsError("NoSuchResourceException",
                   "The request failed because the specified quota does not exist.")


def sq_get_aws_default_service_quota(stub, ctx, params):
    service, code = params.get("ServiceCode"), params.get("QuotaCode")
    _sq_check_service(ctx, service)
    for quota in _sq_defaults(ctx):
        if quota.get("ServiceCode") == service and quota.get("QuotaCode") == code:
            return {"Quota": quota}
    raise AwsError("NoSuchResourceException",
                   "The request failed because the specified quota does not exist.")


def _sq_list(ctx, op, quotas, params):
    service = params.get("ServiceCode")
    _sq_check_service(ctx, service)
    items = [q for q in quotas if q.get("ServiceCode") == service]
    if params.get("QuotaCode"):
        items = [q for q in items if q.get("QuotaCode") == params["QuotaCode"]]
    return _page(ctx, op, items, params, "Quotas")


def sq_list_service_quotas(stub, ctx, params):
    return _sq_list(ctx, "ListServiceQuotas", _sq_applied(ctx), params)


def sq_list_aws_default_service_quotas(stub, ctx, params):
    return _sq_list(ctx, "ListAWSDefaultServiceQuotas", _sq_defaults(ctx), params)


def sq_list_services(stub, ctx, params):
    services = [{"ServiceCode": c, "ServiceName": n} for c, n in sorted(_sq_services(ctx).items())]
    return _page(ctx, "ListServices", services, params, "Services")


def sq_list_history_by_quota(stub, ctx, params):
    service, code = params.get("ServiceCode"), params.get("QuotaCode")
    _sq_check_service(ctx, service)
    names = _sq_services(ctx)
    items = []
    for n, entry in enumerate(_sq(ctx).get("history") or []):
        if entry.get("ServiceCode") != service or entry.get("QuotaCode") != code:
            continue
        if params.get("Status") and entry.get("Status") != params["Status"]:
            continue
        item = dict(entry)
        item.setdefault("Id", "stub-request-%04d" % n)
        item.setdefault("ServiceName", names.get(service, service))
        item.setdefault("Status", "PENDING")
        item.setdefault("QuotaArn", "arn:aws:servicequotas:%s:%s:%s/%s" % (
            _region(ctx), _account(ctx), service, code))
        item.setdefault("Unit", "None")
        item.setdefault("GlobalQuota", False)
        item.setdefault("Requester", '{"accountId":"%s","callerArn":"arn:aws:iam::%s:user/alice"}'
                        % (_account(ctx), _account(ctx)))
        for key in ("Created", "LastUpdated"):
            if key in item:
                item[key] = ts(item[key])
        if isinstance(item.get("DesiredValue"), int):
            item["DesiredValue"] = float(item["DesiredValue"])
        items.append(item)
    return _page(ctx, "ListRequestedServiceQuotaChangeHistoryByQuota", items, params,
                 "RequestedQuotas")


# --- CloudWatch ---


def _dims(value):
    """Dimensions as a dict, from either [{Name, Value}] or {name: value}."""
    if isinstance(value, dict):
        return {str(k): str(v) for k, v in value.items()}
    result = {}
    for item in value or []:
        if isinstance(item, dict):
            result[str(item.get("Name"))] = str(item.get("Value"))
    return result


def cw_get_metric_data(stub, ctx, params):
    cw = ctx.scenario.get("cloudwatch") or {}
    end = ts(params.get("EndTime")) if params.get("EndTime") is not None else TS(time.time())
    results = []
    for query in params.get("MetricDataQueries") or []:
        stat = query.get("MetricStat") or {}
        metric = stat.get("Metric") or {}
        period = int(stat.get("Period") or query.get("Period") or 60)
        dims = _dims(metric.get("Dimensions"))
        values = None
        for entry in cw.get("metrics") or []:
            if "Id" in entry and entry["Id"] != query.get("Id"):
                continue
            if "Expression" in entry:
                if entry["Expression"] != query.get("Expression"):
                    continue
            else:
                if entry.get("Namespace") != metric.get("Namespace"):
                    continue
                if entry.get("MetricName") != metric.get("MetricName"):
                    continue
                if _dims(entry.get("Dimensions")) != dims:
                    continue
            values = entry.get("Values")
            if values is None and "Value" in entry:
                values = [entry["Value"]]
            break
        if values is None:
            default = cw.get("default_value")
            values = [] if default is None else [default]
        # Newest first (ScanBy TimestampDescending), each at the start of a
        # whole period that ends before EndTime (EndTime is exclusive).
        base = (int(float(end)) - period) // period * period
        results.append({
            "Id": query.get("Id"),
            "Label": query.get("Label") or metric.get("MetricName") or query.get("Id"),
            "Timestamps": [TS(base - i * period) for i in range(len(values))],
            "Values": [float(v) for v in values],
            "StatusCode": "Complete",
        })
    return {"MetricDataResults": results, "Messages": []}


# --- KMS ---


def _kms_keys(ctx):
    keys = []
    for spec in (ctx.scenario.get("kms") or {}).get("keys") or []:
        meta = dict(spec.get("KeyMetadata") or {})
        key_id = meta.get("KeyId") or str(uuid.uuid4())
        meta["KeyId"] = key_id
        meta.setdefault("AWSAccountId", _account(ctx))
        meta.setdefault("Arn", "arn:aws:kms:%s:%s:key/%s" % (
            _region(ctx), meta["AWSAccountId"], key_id))
        meta.setdefault("CreationDate", "2024-01-01T00:00:00Z")
        meta["CreationDate"] = ts(meta["CreationDate"])
        meta.setdefault("Enabled", True)
        meta.setdefault("Description", "")
        meta.setdefault("KeyUsage", "ENCRYPT_DECRYPT")
        meta.setdefault("KeyState", "Enabled" if meta["Enabled"] else "Disabled")
        meta.setdefault("Origin", "AWS_KMS")
        meta.setdefault("KeyManager", "CUSTOMER")
        meta.setdefault("CustomerMasterKeySpec", meta.get("KeySpec", "SYMMETRIC_DEFAULT"))
        meta.setdefault("KeySpec", meta["CustomerMasterKeySpec"])
        meta.setdefault("EncryptionAlgorithms", ["SYMMETRIC_DEFAULT"])
        meta.setdefault("MultiRegion", False)
        for key in ("DeletionDate", "ValidTo"):
            if key in meta:
                meta[key] = ts(meta[key])
        keys.append((meta, spec))
    return keys


def _kms_arn(ctx, key_id):
    prefix = "" if key_id.startswith("alias/") else "key/"
    return "arn:aws:kms:%s:%s:%s%s" % (_region(ctx), _account(ctx), prefix, key_id)


def _kms_find(ctx, key_id, allow_alias):
    key_id = key_id or ""
    is_alias = key_id.startswith("alias/") or (key_id.startswith("arn:") and ":alias/" in key_id)
    if is_alias:
        if not allow_alias:
            raise AwsError("NotFoundException", "Invalid keyId %s" % key_id)
        name = key_id[key_id.index("alias/"):]
        for meta, spec in _kms_keys(ctx):
            if name in (spec.get("Aliases") or []):
                return meta, spec
        shown = key_id if key_id.startswith("arn:") else _kms_arn(ctx, key_id)
        raise AwsError("NotFoundException", "Alias %s is not found." % shown)
    for meta, spec in _kms_keys(ctx):
        if key_id in (meta["KeyId"], meta["Arn"]):
            return meta, spec
    shown = key_id if key_id.startswith("arn:") else _kms_arn(ctx, key_id)
    raise AwsError("NotFoundException", "Key '%s' does not exist" % shown)


def kms_describe_key(stub, ctx, params):
    meta, _ = _kms_find(ctx, params.get("KeyId"), allow_alias=True)
    return {"KeyMetadata": meta}


def kms_get_key_policy(stub, ctx, params):
    meta, spec = _kms_find(ctx, params.get("KeyId"), allow_alias=False)
    name = params.get("PolicyName") or "default"
    if name != "default":
        raise AwsError("NotFoundException", "No such policy exists")
    policy = spec.get("Policy")
    if policy is None:
        policy = {
            "Version": "2012-10-17",
            "Id": "key-default-1",
            "Statement": [{
                "Sid": "Enable IAM User Permissions",
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::%s:root" % meta["AWSAccountId"]},
                "Action": "kms:*",
                "Resource": "*",
            }],
        }
    if not isinstance(policy, str):
        policy = json.dumps(policy, indent=2)
    return {"Policy": policy, "PolicyName": "default"}


def kms_list_grants(stub, ctx, params):
    meta, spec = _kms_find(ctx, params.get("KeyId"), allow_alias=False)
    grants = []
    for n, grant in enumerate(spec.get("Grants") or []):
        item = dict(grant)
        item["KeyId"] = meta["Arn"]
        item.setdefault("GrantId", "%064x" % (n + 1))
        item.setdefault("IssuingAccount", "arn:aws:iam::%s:root" % meta["AWSAccountId"])
        item["CreationDate"] = ts(item.get("CreationDate", "2024-01-01T00:00:00Z"))
        if params.get("GrantId") and item["GrantId"] != params["GrantId"]:
            continue
        if params.get("GranteePrincipal") and item.get("GranteePrincipal") != params["GranteePrincipal"]:
            continue
        grants.append(item)
    return {"Grants": grants, "Truncated": False}


HANDLERS = {
    ("sts", "GetCallerIdentity"): sts_get_caller_identity,
    ("sts", "DecodeAuthorizationMessage"): sts_decode_authorization_message,
    ("sts", "AssumeRole"): sts_assume_role,
    ("iam", "SimulatePrincipalPolicy"): iam_simulate_principal_policy,
    ("iam", "GetRole"): iam_get_role,
    ("servicequotas", "GetServiceQuota"): sq_get_service_quota,
    ("servicequotas", "GetAWSDefaultServiceQuota"): sq_get_aws_default_service_quota,
    ("servicequotas", "ListServiceQuotas"): sq_list_service_quotas,
    ("servicequotas", "ListAWSDefaultServiceQuotas"): sq_list_aws_default_service_quotas,
    ("servicequotas", "ListServices"): sq_list_services,
    ("servicequotas", "ListRequestedServiceQuotaChangeHistoryByQuota"): sq_list_history_by_quota,
    ("cloudwatch", "GetMetricData"): cw_get_metric_data,
    ("kms", "DescribeKey"): kms_describe_key,
    ("kms", "GetKeyPolicy"): kms_get_key_policy,
    ("kms", "ListGrants"): kms_list_grants,
}

# ---------------------------------------------------------------------------
# Response encoding


def xml_element(name, value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "<%s>%s</%s>" % (name, "true" if value else "false", name)
    if isinstance(value, TS):
        return "<%s>%s</%s>" % (name, iso(value), name)
    if isinstance(value, (int, float)):
        return "<%s>%s</%s>" % (name, value, name)
    if isinstance(value, str):
        return "<%s>%s</%s>" % (name, _xml_escape(value), name)
    if isinstance(value, (list, tuple)):
        return "<%s>%s</%s>" % (name, "".join(xml_element("member", v) for v in value), name)
    if isinstance(value, dict):
        if isinstance(value, XmlMap) or name in XML_MAP_MEMBERS:
            inner = "".join(
                "<entry>%s%s</entry>" % (xml_element("key", k), xml_element("value", v))
                for k, v in value.items())
        else:
            inner = "".join(xml_element(k, v) for k, v in value.items())
        return "<%s>%s</%s>" % (name, inner, name)
    return "<%s>%s</%s>" % (name, _xml_escape(str(value)), name)


class Reply:
    def __init__(self, status, body, content_type, headers=None):
        self.status = status
        self.body = body if isinstance(body, bytes) else body.encode("utf-8")
        self.content_type = content_type
        self.headers = headers or {}


def encode_success(ctx, result):
    rid = ctx.request_id
    if ctx.protocol == "ec2":
        body = '<?xml version="1.0" encoding="UTF-8"?>\n<%sResponse xmlns="%s"><requestId>%s</requestId>%s</%sResponse>' % (
            ctx.operation, EC2_NS, rid, "".join(xml_element(k, v) for k, v in result.items()),
            ctx.operation)
        return Reply(200, body, "text/xml;charset=UTF-8")
    if ctx.protocol == "query":
        ns = QUERY_NS.get(ctx.service, "")
        inner = "".join(xml_element(k, v) for k, v in result.items())
        body = ('<%sResponse xmlns="%s">\n  <%sResult>%s</%sResult>\n'
                '  <ResponseMetadata>\n    <RequestId>%s</RequestId>\n  </ResponseMetadata>\n'
                '</%sResponse>\n') % (ctx.operation, ns, ctx.operation, inner, ctx.operation,
                                      rid, ctx.operation)
        return Reply(200, body, "text/xml")
    if ctx.protocol == "json":
        return Reply(200, json.dumps(result), ctx.json_content_type)
    if ctx.protocol == "cbor":
        return Reply(200, cbor_encode(result), "application/cbor",
                     {"smithy-protocol": "rpc-v2-cbor"})
    raise AssertionError(ctx.protocol)


def encode_error(ctx, err):
    rid = ctx.request_id
    headers = {}
    if ctx.protocol == "ec2":
        body = ('<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>%s</Code>'
                '<Message>%s</Message></Error></Errors><RequestID>%s</RequestID></Response>') % (
            _xml_escape(err.code), _xml_escape(err.message), rid)
        return Reply(err.status, body, "text/xml;charset=UTF-8")
    if ctx.protocol in ("query", None):
        ns = QUERY_NS.get(ctx.service or "", "")
        body = ('<ErrorResponse xmlns="%s">\n  <Error>\n    <Type>%s</Type>\n    <Code>%s</Code>\n'
                '    <Message>%s</Message>\n  </Error>\n  <RequestId>%s</RequestId>\n'
                '</ErrorResponse>\n') % (ns, _xml_escape(err.type), _xml_escape(err.code),
                                         _xml_escape(err.message), rid)
        return Reply(err.status, body, "text/xml")
    if ctx.service in QUERY_COMPATIBLE:
        headers["x-amzn-query-error"] = "%s;%s" % (err.code, err.type)
    payload = {"__type": err.code, "message": err.message}
    if ctx.protocol == "json":
        headers["x-amzn-ErrorType"] = err.code
        return Reply(err.status, json.dumps(payload), ctx.json_content_type, headers)
    headers["smithy-protocol"] = "rpc-v2-cbor"
    return Reply(err.status, cbor_encode(payload), "application/cbor", headers)


def encode_raw(ctx, spec):
    """A scenario `responses` entry: body as a string (sent verbatim) or an
    object (encoded in the request's protocol)."""
    status = int(spec.get("status", 200))
    body = spec.get("body", {})
    headers = dict(spec.get("headers") or {})
    if isinstance(body, str):
        ctype = spec.get("content_type") or {
            "json": ctx.json_content_type, "cbor": "application/cbor",
        }.get(ctx.protocol, "text/xml")
        return Reply(status, body, ctype, headers)
    reply = encode_success(ctx, body)
    reply.status = status
    reply.headers.update(headers)
    return reply


# ---------------------------------------------------------------------------
# HTTP server


class Ctx:
    pass


class Stub:
    def __init__(self, scenario_overlay, log_path, verbose):
        self.lock = threading.Lock()
        self.log_path = log_path
        self.verbose = verbose
        self.requests = []
        self.issued_identities = {}
        self.assume_count = 0
        self.set_scenario(scenario_overlay)

    def set_scenario(self, overlay):
        scenario = build_scenario(overlay)
        with self.lock:
            self.scenario = scenario
            self.rule_hits = {}

    def record(self, entry):
        line = json.dumps(entry, sort_keys=True)
        with self.lock:
            self.requests.append(entry)
            if self.log_path:
                with open(self.log_path, "a", encoding="utf-8") as fh:
                    fh.write(line + "\n")
                    fh.flush()

    def pick_rule(self, ctx):
        errors = ctx.scenario.get("errors") or {}
        for key in ("%s:%s" % (ctx.service, ctx.operation), "%s:*" % ctx.service, "*"):
            rules = errors.get(key)
            if rules is None:
                continue
            if isinstance(rules, dict):
                rules = [rules]
            for index, rule in enumerate(rules):
                if rule.get("access_key_id") and rule["access_key_id"] != ctx.access_key_id:
                    continue
                if rule.get("region") and rule["region"] != ctx.region:
                    continue
                with self.lock:
                    hits = self.rule_hits.get((key, index), 0)
                    if rule.get("times") is not None and hits >= int(rule["times"]):
                        continue
                    self.rule_hits[(key, index)] = hits + 1
                return rule
        return None


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; without TCP_NODELAY the body of a reply on
    # a reused connection waits ~40 ms for the client's delayed ACK (measured: bench/quota.sh).
    disable_nagle_algorithm = True
    def version_string(self):
        return "awsstub"

    def log_message(self, fmt, *args):
        if self.server.stub.verbose:
            sys.stderr.write("awsstub: " + (fmt % args) + "\n")

    def handle(self):
        try:
            super().handle()
        except (BrokenPipeError, ConnectionResetError):
            pass

    def do_GET(self):
        self.dispatch()

    def do_POST(self):
        self.dispatch()

    def do_PUT(self):
        self.dispatch()

    def do_DELETE(self):
        self.dispatch()

    def read_body(self):
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            body = bytearray()
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                body += self.rfile.read(size)
                self.rfile.readline()
            body = bytes(body)
        else:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if (self.headers.get("Content-Encoding") or "").lower() == "gzip":
            body = gzip.decompress(body)
        return body

    def send(self, reply, request_id=None):
        self.send_response(reply.status)
        if request_id:
            reply.headers.setdefault("x-amzn-RequestId", request_id)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        for key, value in reply.headers.items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(reply.body)
        self.wfile.flush()

    # -- control endpoint --

    def control(self, path, body):
        stub = self.server.stub
        if path == "/_stub/scenario" and self.command in ("POST", "PUT"):
            try:
                overlay = json.loads(body or b"{}")
            except ValueError as exc:
                return self.send(Reply(400, json.dumps({"error": str(exc)}), "application/json"))
            stub.set_scenario(overlay)
            return self.send(Reply(200, '{"ok":true}', "application/json"))
        if path == "/_stub/scenario":
            return self.send(Reply(200, json.dumps(stub.scenario, indent=2), "application/json"))
        if path == "/_stub/requests" and self.command == "DELETE":
            with stub.lock:
                stub.requests = []
            return self.send(Reply(200, '{"ok":true}', "application/json"))
        if path == "/_stub/requests":
            with stub.lock:
                data = json.dumps(stub.requests)
            return self.send(Reply(200, data, "application/json"))
        if path == "/_stub/health":
            return self.send(Reply(200, json.dumps({"ok": True, "pid": os.getpid()}),
                                   "application/json"))
        return self.send(Reply(404, '{"error":"unknown control path"}', "application/json"))

    # -- AWS requests --

    def identify(self, path, query_pairs, body):
        """Return (service, operation, protocol, params)."""
        ctype = (self.headers.get("Content-Type") or "").lower()
        match = CBOR_PATH.search(path)
        if match and ("cbor" in ctype or self.headers.get("smithy-protocol")):
            service = JSON_TARGETS.get(match.group(1), match.group(1))
            return service, match.group(2), "cbor", cbor_decode(body)
        target = self.headers.get("X-Amz-Target")
        if target:
            prefix, _, op = target.rpartition(".")
            service = JSON_TARGETS.get(prefix, prefix)
            params = json.loads(body or b"{}") if body.strip() else {}
            return service, op, "json", params
        pairs = list(query_pairs)
        if body and ("x-www-form-urlencoded" in ctype or not ctype):
            pairs += urllib.parse.parse_qsl(body.decode("utf-8"), keep_blank_values=True)
        flat = dict(pairs)
        action, version = flat.get("Action"), flat.get("Version")
        service = QUERY_VERSIONS.get(version or "")
        if service is None:
            _, _, signing = parse_credential(self.headers, query_pairs)
            service = SIGNING_NAMES.get(signing or "", signing)
        params = unflatten([(k, v) for k, v in pairs if k not in ("Action", "Version")])
        protocol = "ec2" if service == "ec2" else "query"
        return service, action, protocol, params

    def dispatch(self):
        stub = self.server.stub
        url = urllib.parse.urlsplit(self.path)
        body = self.read_body()
        if url.path.startswith("/_stub/"):
            return self.control(url.path, body)
        query_pairs = urllib.parse.parse_qsl(url.query, keep_blank_values=True)
        ctx = Ctx()
        ctx.request_id = str(uuid.uuid4())
        ctx.scenario = stub.scenario  # one consistent snapshot per request
        ctx.access_key_id, ctx.region, _ = parse_credential(self.headers, query_pairs)
        ctx.json_content_type = self.headers.get("Content-Type") or "application/x-amz-json-1.1"
        ctx.service, ctx.operation, ctx.protocol = None, None, None
        try:
            ctx.service, ctx.operation, ctx.protocol, params = self.identify(
                url.path, query_pairs, body)
        except Exception as exc:  # undecodable body: answer like a malformed request
            ctx.protocol = ctx.protocol or "query"
            return self.send(encode_error(ctx, AwsError("SerializationException", str(exc))), ctx.request_id)
        stub.record({
            "time": round(time.time(), 3),
            "service": ctx.service,
            "operation": ctx.operation,
            "protocol": ctx.protocol,
            "params": scrub(params),
            "access_key_id": ctx.access_key_id,
            "region": ctx.region,
            "session_token": bool(self.headers.get("X-Amz-Security-Token")
                                  or dict(query_pairs).get("X-Amz-Security-Token")),
        })
        if not ctx.operation:
            return self.send(encode_error(ctx, AwsError(
                "MissingAction", "Could not find operation to perform.")), ctx.request_id)
        rule = stub.pick_rule(ctx)
        if rule:
            if rule.get("hang"):
                threading.Event().wait()  # never answer; the process dies with its parent
            if rule.get("delay"):
                time.sleep(float(rule["delay"]))
            if rule.get("code") or rule.get("body") is not None:
                status = int(rule.get("status", 400))
                if rule.get("body") is not None:
                    reply = Reply(status, rule["body"],
                                  rule.get("content_type") or "text/xml")
                else:
                    reply = encode_error(ctx, AwsError(
                        rule["code"], rule.get("message", ""), status, rule.get("type")))
                reply.headers.update(rule.get("headers") or {})
                return self.send(reply, ctx.request_id)
        raw = (ctx.scenario.get("responses") or {}).get("%s:%s" % (ctx.service, ctx.operation))
        if raw is not None:
            return self.send(encode_raw(ctx, raw), ctx.request_id)
        handler = HANDLERS.get((ctx.service, ctx.operation))
        try:
            # Operations without a handler succeed with an empty result, which
            # every client parses (all output members are optional).
            result = handler(stub, ctx, params) if handler else {}
        except AwsError as err:
            return self.send(encode_error(ctx, err), ctx.request_id)
        except Exception as exc:
            sys.stderr.write("awsstub: %s:%s failed: %r\n" % (ctx.service, ctx.operation, exc))
            return self.send(encode_error(ctx, AwsError("InternalFailure", repr(exc), 500)),
                             ctx.request_id)
        return self.send(encode_success(ctx, result), ctx.request_id)


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        if self.stub.verbose:
            super().handle_error(request, client_address)


def watchdog(parent_pid, deadline):
    """Exit when the parent dies or the lifetime runs out, so no stub lingers."""
    while True:
        if os.getppid() != parent_pid:
            os._exit(0)
        if deadline and time.monotonic() > deadline:
            os._exit(0)
        time.sleep(0.2)


def main(argv=None):
    parser = argparse.ArgumentParser(description="AWS-protocol stub server for awsx tests")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--scenario", help="scenario JSON file (overlay on the default)")
    parser.add_argument("--log", help="append one JSON line per AWS request to this file")
    parser.add_argument("--max-lifetime", type=float, default=600.0,
                        help="exit after this many seconds (0 = never)")
    parser.add_argument("--verbose", action="store_true", help="access log on stderr")
    parser.add_argument("--print-default-scenario", action="store_true")
    args = parser.parse_args(argv)

    if args.print_default_scenario:
        json.dump(DEFAULT_SCENARIO, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0

    overlay = {}
    if args.scenario:
        with open(args.scenario, encoding="utf-8") as fh:
            overlay = json.load(fh)

    stub = Stub(overlay, args.log, args.verbose)
    server = Server((args.host, args.port), Handler)
    server.stub = stub

    deadline = time.monotonic() + args.max_lifetime if args.max_lifetime > 0 else None
    threading.Thread(target=watchdog, args=(os.getppid(), deadline), daemon=True).start()

    sys.stdout.write("PORT %d\n" % server.server_address[1])
    sys.stdout.flush()
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
