#!/usr/bin/env bash
# Smoke test for awsstub.py: drive the real aws CLI (v1 = first `aws` on PATH,
# v2 = /usr/bin/aws when present, or the CLIs named in AWSSTUB_CLIS) against
# the stub and compare what the CLI prints with what AWS would make it print.
# Exits non-zero on the first mismatch. Needs only bash, python3 and curl.
set -u

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
WORK="$(mktemp -d)"
STUB_PID=""
cleanup() {
    if [ -n "$STUB_PID" ]; then kill "$STUB_PID" 2>/dev/null; wait "$STUB_PID" 2>/dev/null; fi
    rm -rf "$WORK"
}
trap cleanup EXIT

VCPU_MSG='You have requested more vCPU capacity than your current vCPU limit of 32 allows for the instance bucket that the specified instance type belongs to. Please visit http://aws.amazon.com/contact-us/ec2-request to request an adjustment to this limit.'
UNAUTH_MSG='You are not authorized to perform this operation. User: arn:aws:iam::123456789012:user/alice is not authorized to perform: ec2:StartInstances on resource: arn:aws:ec2:us-east-1:123456789012:instance/i-0abc because no identity-based policy allows the ec2:StartInstances action. Encoded authorization failure message: AbCdEf0123456789-encoded-blob'

cat >"$WORK/scenario.json" <<EOF
{
  "errors": {
    "ec2:RunInstances": {"status": 400, "code": "VcpuLimitExceeded", "message": "$VCPU_MSG"},
    "ec2:StartInstances": {"status": 403, "code": "UnauthorizedOperation", "message": "$UNAUTH_MSG"}
  },
  "iam": {
    "simulate": {
      "ec2:RunInstances": {
        "EvalDecision": "explicitDeny",
        "MatchedStatements": [{
          "SourcePolicyId": "DenyGpu",
          "SourcePolicyType": "IAM Policy",
          "StartPosition": {"Line": 3, "Column": 5},
          "EndPosition": {"Line": 9, "Column": 6}
        }],
        "OrganizationsDecisionDetail": {"AllowedByOrganizations": true},
        "PermissionsBoundaryDecisionDetail": {"AllowedByPermissionsBoundary": true}
      }
    }
  },
  "servicequotas": {
    "applied": [{"ServiceCode": "ec2", "QuotaCode": "L-1216C47A", "Value": 32}],
    "history": [{"ServiceCode": "ec2", "QuotaCode": "L-1216C47A", "DesiredValue": 64,
                 "Status": "PENDING", "Created": "2026-01-01T00:00:00Z"}]
  },
  "cloudwatch": {
    "metrics": [{"Namespace": "AWS/Usage", "MetricName": "ResourceCount",
                 "Dimensions": {"Class": "Standard/OnDemand", "Resource": "vCPU",
                                "Service": "EC2", "Type": "Resource"},
                 "Values": [30]}]
  },
  "kms": {
    "keys": [{
      "KeyMetadata": {"KeyId": "1234abcd-12ab-34cd-56ef-1234567890ab"},
      "Aliases": ["alias/app-key"],
      "Grants": [{"Name": "ebs", "GranteePrincipal": "arn:aws:iam::123456789012:role/app-role",
                  "Operations": ["Decrypt", "GenerateDataKey"]}]
    }]
  }
}
EOF

python3 "$HERE/awsstub.py" --port 0 --scenario "$WORK/scenario.json" --log "$WORK/requests.log" \
    --max-lifetime 300 >"$WORK/stub.out" 2>"$WORK/stub.err" &
STUB_PID=$!
for _ in $(seq 1 50); do
    [ -s "$WORK/stub.out" ] && break
    sleep 0.1
done
PORT="$(sed -n 's/^PORT \([0-9]*\)$/\1/p' "$WORK/stub.out" | head -1)"
if [ -z "$PORT" ]; then
    echo "FAIL: stub did not print its port" >&2
    cat "$WORK/stub.err" >&2
    exit 1
fi
E="http://127.0.0.1:$PORT"

export AWS_ACCESS_KEY_ID=AKIASMOKETEST0000001 AWS_SECRET_ACCESS_KEY=smokesecret
export AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true AWS_PAGER=""
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
# No AWS_MAX_ATTEMPTS: none of these errors is retryable, and CLI v2 2.9 adds
# " (reached max retries: 0)" to every error message when it is set to 1.
unset AWS_MAX_ATTEMPTS AWS_PROFILE AWS_SESSION_TOKEN

FAILS=0
pass() { echo "ok   $1"; }
fail() { echo "FAIL $1"; printf '  expected: %q\n  actual:   %q\n' "$2" "$3"; FAILS=$((FAILS + 1)); }
check() { # name expected actual
    if [ "$2" == "$3" ]; then pass "$1"; else fail "$1" "$2" "$3"; fi
}

CLIS=()
if [ -n "${AWSSTUB_CLIS:-}" ]; then
    read -r -a CLIS <<<"$AWSSTUB_CLIS"
else
    command -v aws >/dev/null && CLIS+=("aws")
    [ -x /usr/bin/aws ] && [ "$(command -v aws)" != /usr/bin/aws ] && CLIS+=("/usr/bin/aws")
fi
[ "${#CLIS[@]}" -gt 0 ] || { echo "FAIL: no aws CLI found" >&2; exit 1; }

for CLI in "${CLIS[@]}"; do
    VERSION="$("$CLI" --version 2>&1)"
    echo "== $CLI: $VERSION"
    case "$VERSION" in aws-cli/1.*) SERVICE_RC=255 ;; *) SERVICE_RC=254 ;; esac
    A=("$CLI" --endpoint-url "$E")

    # EC2 query-protocol errors, printed verbatim after a leading newline.
    "${A[@]}" ec2 run-instances --image-id ami-1 --instance-type p3.2xlarge >"$WORK/out" 2>"$WORK/err"
    RC=$?
    check "ec2 run-instances rc" "$SERVICE_RC" "$RC"
    check "ec2 run-instances stderr" \
        "$(printf '\nAn error occurred (VcpuLimitExceeded) when calling the RunInstances operation: %s' "$VCPU_MSG")x" \
        "$(cat "$WORK/err")x"
    "${A[@]}" ec2 start-instances --instance-ids i-0abc >"$WORK/out" 2>"$WORK/err"
    RC=$?
    check "ec2 start-instances rc" "$SERVICE_RC" "$RC"
    check "ec2 start-instances stderr" \
        "$(printf '\nAn error occurred (UnauthorizedOperation) when calling the StartInstances operation: %s' "$UNAUTH_MSG")x" \
        "$(cat "$WORK/err")x"

    # STS query protocol.
    check "sts get-caller-identity" "arn:aws:iam::123456789012:user/alice" \
        "$("${A[@]}" sts get-caller-identity --query Arn --output text 2>&1)"
    check "sts decode-authorization-message" "ec2:RunInstances false" \
        "$("${A[@]}" sts decode-authorization-message --encoded-message AbCdEf0123456789-encoded-blob \
            --query DecodedMessage --output text 2>&1 |
            python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["context"]["action"], str(d["allowed"]).lower())')"
    "${A[@]}" sts decode-authorization-message --encoded-message not-a-blob >"$WORK/out" 2>"$WORK/err"
    RC=$?
    check "sts decode (invalid) rc" "$SERVICE_RC" "$RC"
    check "sts decode (invalid) stderr" \
        "$(printf '\nAn error occurred (InvalidAuthorizationMessageException) when calling the DecodeAuthorizationMessage operation: Message is not valid')x" \
        "$(cat "$WORK/err")x"

    # Service Quotas JSON 1.1, with paging (page size 3 in the default scenario).
    check "service-quotas get-service-quota" "$(printf '32.0\tStandard/OnDemand')" \
        "$("${A[@]}" service-quotas get-service-quota --service-code ec2 --quota-code L-1216C47A \
            --query '[Quota.Value, Quota.UsageMetric.MetricDimensions.Class]' --output text 2>&1)"
    check "service-quotas get-aws-default-service-quota" "5.0" \
        "$("${A[@]}" service-quotas get-aws-default-service-quota --service-code ec2 --quota-code L-1216C47A \
            --query Quota.Value --output text 2>&1)"
    BEFORE="$(grep -c '"ListServiceQuotas"' "$WORK/requests.log")"
    check "service-quotas list-service-quotas (all pages)" \
        "L-1216C47A=32.0 L-417A185B=0.0 L-DB2E81BA=0.0 L-34B43A08=5.0 L-0263D0A3=5.0" \
        "$("${A[@]}" service-quotas list-service-quotas --service-code ec2 --output json 2>&1 |
            python3 -c 'import json,sys; print(" ".join("%s=%s" % (q["QuotaCode"], q["Value"]) for q in json.load(sys.stdin)["Quotas"]))')"
    AFTER="$(grep -c '"ListServiceQuotas"' "$WORK/requests.log")"
    check "service-quotas list-service-quotas requests (paged)" "2" "$((AFTER - BEFORE))"
    check "service-quotas change history" "$(printf '64.0\tPENDING')" \
        "$("${A[@]}" service-quotas list-requested-service-quota-change-history-by-quota \
            --service-code ec2 --quota-code L-1216C47A \
            --query 'RequestedQuotas[0].[DesiredValue, Status]' --output text 2>&1)"
    "${A[@]}" service-quotas get-service-quota --service-code EC2 --quota-code L-1216C47A >"$WORK/out" 2>"$WORK/err"
    RC=$?
    check "service-quotas unknown service rc" "$SERVICE_RC" "$RC"
    check "service-quotas unknown service stderr" \
        "$(printf '\nAn error occurred (NoSuchResourceException) when calling the GetServiceQuota operation: The request failed because the specified service does not exist.')x" \
        "$(cat "$WORK/err")x"

    # IAM query protocol.
    check "iam simulate-principal-policy" "explicitDeny DenyGpu 3 implicitDeny" \
        "$("${A[@]}" iam simulate-principal-policy --policy-source-arn arn:aws:iam::123456789012:user/alice \
            --action-names ec2:RunInstances iam:PassRole --output json 2>&1 |
            python3 -c 'import json,sys; r=json.load(sys.stdin)["EvaluationResults"]; print(r[0]["EvalDecision"], r[0]["MatchedStatements"][0]["SourcePolicyId"], r[0]["MatchedStatements"][0]["StartPosition"]["Line"], r[1]["EvalDecision"])')"
    # The CLI URL-decodes and parses AssumeRolePolicyDocument, as it does for AWS.
    check "iam get-role (trust policy decoded by the CLI)" "ec2.amazonaws.com" \
        "$("${A[@]}" iam get-role --role-name app-role \
            --query 'Role.AssumeRolePolicyDocument.Statement[0].Principal.Service' --output text 2>&1)"

    # KMS JSON 1.1.
    check "kms describe-key (alias)" "$(printf '1234abcd-12ab-34cd-56ef-1234567890ab\tEnabled')" \
        "$("${A[@]}" kms describe-key --key-id alias/app-key \
            --query '[KeyMetadata.KeyId, KeyMetadata.KeyState]' --output text 2>&1)"
    check "kms get-key-policy" "Enable IAM User Permissions" \
        "$("${A[@]}" kms get-key-policy --key-id 1234abcd-12ab-34cd-56ef-1234567890ab --policy-name default \
            --query Policy --output text 2>&1 |
            python3 -c 'import json,sys; print(json.load(sys.stdin)["Statement"][0]["Sid"])')"
    check "kms list-grants" "arn:aws:iam::123456789012:role/app-role" \
        "$("${A[@]}" kms list-grants --key-id 1234abcd-12ab-34cd-56ef-1234567890ab \
            --query 'Grants[0].GranteePrincipal' --output text 2>&1)"

    # CloudWatch (query for old CLIs, JSON 1.0 for botocore >= 1.40).
    check "cloudwatch get-metric-data" "30.0" \
        "$("${A[@]}" cloudwatch get-metric-data --start-time 2026-01-01T00:00:00Z --end-time 2026-01-01T01:00:00Z \
            --metric-data-queries '[{"Id":"m1","MetricStat":{"Metric":{"Namespace":"AWS/Usage","MetricName":"ResourceCount","Dimensions":[{"Name":"Class","Value":"Standard/OnDemand"},{"Name":"Resource","Value":"vCPU"},{"Name":"Service","Value":"EC2"},{"Name":"Type","Value":"Resource"}]},"Period":300,"Stat":"Maximum"}}]' \
            --query 'MetricDataResults[0].Values[0]' --output text 2>&1)"
done

# The request log: every call with its key and region, never a secret.
check "log records the access key" "yes" \
    "$(grep -q '"access_key_id": "AKIASMOKETEST0000001"' "$WORK/requests.log" && echo yes || echo no)"
check "log records the region" "yes" \
    "$(grep -q '"region": "us-east-1"' "$WORK/requests.log" && echo yes || echo no)"
check "log holds no secret" "no" \
    "$(grep -q 'smokesecret' "$WORK/requests.log" && echo yes || echo no)"

# The control endpoint replaces the scenario at runtime.
check "control: replace scenario" '{"ok":true}' \
    "$(curl -s -X POST --data '{"errors":{"sts:GetCallerIdentity":{"status":403,"code":"InvalidClientTokenId","message":"The security token included in the request is invalid."}}}' "$E/_stub/scenario")"
"${CLIS[0]}" --endpoint-url "$E" sts get-caller-identity >"$WORK/out" 2>"$WORK/err"
check "control: new scenario applies" \
    "$(printf '\nAn error occurred (InvalidClientTokenId) when calling the GetCallerIdentity operation: The security token included in the request is invalid.')x" \
    "$(cat "$WORK/err")x"

if [ -s "$WORK/stub.err" ]; then
    echo "FAIL stub wrote to stderr:"
    cat "$WORK/stub.err"
    FAILS=$((FAILS + 1))
fi
if [ "$FAILS" -ne 0 ]; then
    echo "$FAILS check(s) failed"
    exit 1
fi
echo "all checks passed"
