//! Tables: error code → category, CLI service name ↔ SDK service id ↔ IAM prefix, and the
//! IAM action behind an operation.

use crate::failure::Category;

/// The category an AWS error code belongs to, when the code alone decides it.
pub fn category_of(code: &str) -> Option<Category> {
    use Category::*;
    let c = code.trim();
    let c = c
        .strip_prefix("Client.")
        .or_else(|| c.strip_prefix("Server."))
        .unwrap_or(c);
    let exact = match c {
        "AccessDenied"
        | "AccessDeniedException"
        | "UnauthorizedOperation"
        | "UnauthorizedAccess"
        | "AuthorizationError"
        | "AuthorizationErrorException"
        | "Forbidden"
        | "403"
        | "NotAuthorized"
        | "NotAuthorizedException"
        | "KMSAccessDeniedException"
        | "KMS.AccessDeniedException"
        | "KMSAccessDenied"
        | "AccessDeniedFault"
        | "InvalidAMIID.NotFound"
        | "InvalidAMIID.Unavailable"
        | "InvalidSnapshot.NotFound"
        | "UnauthorizedException"
        | "AllAccessDisabled" => Authorization,
        "PackedPolicyTooLarge" => Trust,
        "IDPRejectedClaim" | "InvalidIdentityToken" => Credentials,
        "InsufficientInstanceCapacity"
        | "InsufficientCapacity"
        | "InsufficientHostCapacity"
        | "InsufficientReservedInstanceCapacity"
        | "InsufficientAddressCapacity"
        | "InsufficientCapacityException"
        | "InsufficientFreeAddressesInSubnet"
        | "InsufficientCapacityOnHost"
        | "ReservationCapacityExceeded"
        | "SpotMaxPriceTooLow"
        | "InsufficientDBInstanceCapacity" => Capacity,
        "Throttling"
        | "ThrottlingException"
        | "ThrottledException"
        | "RequestLimitExceeded"
        | "TooManyRequestsException"
        | "SlowDown"
        | "RequestThrottled"
        | "RequestThrottledException"
        | "ProvisionedThroughputExceededException"
        | "PriorRequestNotComplete"
        | "BandwidthLimitExceeded"
        | "EC2ThrottledException"
        | "CallerRateLimitExceeded"
        | "TransactionConflictException"
        | "RequestLimitExceededException"
        | "TooManyRequests"
        | "429" => Throttling,
        "ExpiredToken"
        | "ExpiredTokenException"
        | "InvalidClientTokenId"
        | "SignatureDoesNotMatch"
        | "InvalidAccessKeyId"
        | "UnrecognizedClientException"
        | "AuthFailure"
        | "InvalidToken"
        | "TokenRefreshRequired"
        | "RequestExpired"
        | "MissingAuthenticationToken"
        | "IncompleteSignature"
        | "InvalidSignatureException"
        | "NoCredentialProviders"
        | "MissingAuthenticationTokenException"
        | "InvalidSecurity"
        | "UnauthorizedSSOTokenError"
        | "OptInRequired"
        | "SubscriptionRequiredException" => Credentials,
        "ValidationError"
        | "ValidationException"
        | "InvalidParameterValue"
        | "InvalidParameterCombination"
        | "MissingParameter"
        | "InvalidParameter"
        | "InvalidParameterValueException"
        | "InvalidParameterException"
        | "MalformedPolicyDocument"
        | "MalformedPolicyDocumentException"
        | "InvalidInput"
        | "InvalidRequest"
        | "InvalidRequestException"
        | "SerializationException"
        | "InvalidArgument"
        | "MissingRequiredParameter"
        | "InvalidAction"
        | "UnknownOperationException"
        | "InvalidQueryParameter"
        | "MalformedQueryString"
        | "InvalidParameterType"
        | "InvalidBucketName"
        | "DryRunOperation" => Validation,
        "RequestTimeout" | "RequestTimeoutException" => Connectivity,
        "LimitExceeded"
        | "LimitExceededException"
        | "ServiceLimitExceeded"
        | "ServiceQuotaExceededException"
        | "TooManyBuckets"
        | "CodeStorageExceededException"
        | "QuotaExceeded"
        | "MaxSpotInstanceCountExceeded"
        | "ResourceLimitExceeded"
        | "ResourceLimitExceededException"
        | "VolumeLimitExceeded"
        | "ConcurrentInvocationLimitExceeded"
        | "InstanceQuotaExceeded"
        | "StorageQuotaExceeded"
        | "DBInstanceQuotaExceeded" => Quota,
        _ => return category_by_shape(c),
    };
    Some(exact)
}

fn category_by_shape(c: &str) -> Option<Category> {
    use Category::*;
    if c.starts_with("TooMany") && !c.contains("Request") {
        // TooManyLoadBalancers, TooManyTargetGroups, TooManyListeners, …
        return Some(Quota);
    }
    if c.ends_with("LimitExceeded")
        || c.ends_with("LimitExceededException")
        || c.ends_with("QuotaExceeded")
        || c.ends_with("QuotaExceededException")
        || c.ends_with("QuotaExceededFault")
    {
        if c.contains("Request") || c.contains("Rate") {
            return Some(Throttling);
        }
        return Some(Quota);
    }
    if c.ends_with("AccessDenied") || c.ends_with("AccessDeniedException") {
        return Some(Authorization);
    }
    if c.starts_with("Throttl")
        || c.ends_with("ThrottlingException")
        || c.ends_with("ThrottledException")
    {
        return Some(Throttling);
    }
    if c.starts_with("Insufficient") && c.contains("Capacity") {
        return Some(Capacity);
    }
    if c.starts_with("InvalidParameter")
        || c.ends_with("ValidationException")
        || c.ends_with(".Malformed")
    {
        return Some(Validation);
    }
    None
}

/// CLI service name for an SDK service id or IAM prefix ("EC2" → ec2, "Service Quotas" →
/// service-quotas, "elasticloadbalancing" → elbv2 is left alone: callers only display it).
pub fn cli_service(id: &str) -> String {
    let lower = id.trim().to_ascii_lowercase();
    match lower.as_str() {
        "s3api" => "s3".into(),
        "servicequotas" | "service quotas" => "service-quotas".into(),
        "states" | "sfn" => "stepfunctions".into(),
        "cloudwatch logs" => "logs".into(),
        "elastic load balancing v2" => "elbv2".into(),
        "elastic load balancing" => "elb".into(),
        "auto scaling" => "autoscaling".into(),
        "lambdainternal" => "lambda".into(),
        "dynamodbv2" => "dynamodb".into(),
        "cloudwatchlogs" => "logs".into(),
        "securitytokenservice" => "sts".into(),
        "identitymanagement" | "identity and access management" => "iam".into(),
        "simplesystemsmanagement" | "simple systems manager" => "ssm".into(),
        "elasticcomputecloud" => "ec2".into(),
        "simple storage service" => "s3".into(),
        "key management service" => "kms".into(),
        _ => lower.replace(' ', "-"),
    }
}

/// The IAM action prefix for a CLI service name.
pub fn iam_prefix(service: &str) -> String {
    match service {
        "s3api" | "s3" => "s3",
        "service-quotas" => "servicequotas",
        "stepfunctions" => "states",
        "elbv2" | "elb" => "elasticloadbalancing",
        "logs" => "logs",
        "cognito-idp" => "cognito-idp",
        "application-autoscaling" => "application-autoscaling",
        "ssm-incidents" => "ssm-incidents",
        "opensearch" | "es" => "es",
        "emr" => "elasticmapreduce",
        "sesv2" | "ses" => "ses",
        "apigateway" | "apigatewayv2" => "apigateway",
        "resourcegroupstaggingapi" => "tag",
        "configservice" => "config",
        "deploy" => "codedeploy",
        "kinesisanalyticsv2" => "kinesisanalytics",
        "dynamodbstreams" => "dynamodb",
        other => {
            return crate::knowledge::service_models::service(other)
                .filter(|s| s.cli == other)
                .map_or(other, |s| s.iam_prefix)
                .to_string();
        }
    }
    .to_string()
}

/// The IAM action an operation needs, where the name differs from the operation.
pub fn action_for(service: &str, operation: &str) -> String {
    let prefix = iam_prefix(service);
    let action = match (prefix.as_str(), operation) {
        ("s3", "HeadObject") => "GetObject",
        ("s3", "HeadBucket" | "ListObjectsV2" | "ListObjects") => "ListBucket",
        ("s3", "ListBuckets") => "ListAllMyBuckets",
        ("s3", "ListObjectVersions") => "ListBucketVersions",
        ("s3", "CreateMultipartUpload" | "UploadPart" | "CompleteMultipartUpload") => "PutObject",
        ("s3", "UploadPartCopy" | "CopyObject") => "PutObject",
        ("s3", "DeleteObjects") => "DeleteObject",
        ("s3", "GetBucketLocation") => "GetBucketLocation",
        ("s3", "ListMultipartUploads") => "ListBucketMultipartUploads",
        ("s3", "ListParts") => "ListMultipartUploadParts",
        ("s3", "GetObjectAttributes") => "GetObjectAttributes",
        ("s3", "GetBucketEncryption") => "GetEncryptionConfiguration",
        ("s3", "PutBucketEncryption") => "PutEncryptionConfiguration",
        ("s3", "GetPublicAccessBlock") => "GetBucketPublicAccessBlock",
        ("s3", "PutPublicAccessBlock") => "PutBucketPublicAccessBlock",
        ("s3", "GetBucketOwnershipControls") => "GetBucketOwnershipControls",
        ("lambda", "Invoke" | "InvokeAsync" | "InvokeWithResponseStream") => "InvokeFunction",
        ("servicequotas", "GetAWSDefaultServiceQuota") => "GetAWSDefaultServiceQuota",
        (_, op) => op,
    };
    // The Reference's spelling (`sqs:sendmessage` → `sqs:SendMessage`).
    let name = format!("{prefix}:{action}");
    crate::knowledge::iam_reference::action(&name).map_or(name, |a| a.full_name())
}

/// Operations whose denial is a trust-policy question rather than a permission question.
pub fn is_assume_role(operation_or_action: &str) -> bool {
    let a = operation_or_action.rsplit(':').next().unwrap_or("");
    matches!(
        a,
        "AssumeRole"
            | "AssumeRoleWithWebIdentity"
            | "AssumeRoleWithSAML"
            | "TagSession"
            | "SetSourceIdentity"
    )
}

/// The CLI service of well-known operations, for texts that name only the operation.
pub fn service_of_operation(op: &str) -> Option<&'static str> {
    const TABLE: &[(&str, &[&str])] = &[
        (
            "ec2",
            &[
                "RunInstances",
                "StartInstances",
                "StopInstances",
                "TerminateInstances",
                "DescribeInstances",
                "DescribeInstanceTypes",
                "DescribeImages",
                "CreateVolume",
                "AttachVolume",
                "CreateSnapshot",
                "CopyImage",
                "CopySnapshot",
                "CreateImage",
                "CreateVpc",
                "CreateSubnet",
                "CreateInternetGateway",
                "CreateNatGateway",
                "AllocateAddress",
                "AssociateAddress",
                "CreateSecurityGroup",
                "AuthorizeSecurityGroupIngress",
                "AuthorizeSecurityGroupEgress",
                "CreateTags",
                "CreateNetworkInterface",
                "RequestSpotInstances",
                "CreateLaunchTemplate",
                "CreateFleet",
                "ModifyInstanceAttribute",
                "DescribeVpcs",
                "CreateRouteTable",
                "CreateKeyPair",
                "ImportKeyPair",
                "CreateVpcEndpoint",
                "DescribeSubnets",
                "DescribeSecurityGroups",
                "RebootInstances",
                "ModifyImageAttribute",
                "DescribeImageAttribute",
                "CreateCapacityReservation",
            ],
        ),
        (
            "s3",
            &[
                "PutObject",
                "GetObject",
                "HeadObject",
                "HeadBucket",
                "ListObjectsV2",
                "ListObjects",
                "ListBuckets",
                "DeleteObject",
                "DeleteObjects",
                "DeleteBucket",
                "CreateBucket",
                "CopyObject",
                "PutObjectTagging",
                "GetObjectTagging",
                "GetBucketPolicy",
                "PutBucketPolicy",
                "CreateMultipartUpload",
                "UploadPart",
                "CompleteMultipartUpload",
                "PutBucketAcl",
                "GetBucketAcl",
                "PutObjectAcl",
                "GetBucketLocation",
                "PutPublicAccessBlock",
                "GetPublicAccessBlock",
                "PutBucketEncryption",
                "GetBucketEncryption",
                "ListObjectVersions",
                "UploadPartCopy",
                "GetObjectAttributes",
                "PutBucketVersioning",
            ],
        ),
        (
            "sts",
            &[
                "AssumeRole",
                "AssumeRoleWithWebIdentity",
                "AssumeRoleWithSAML",
                "GetCallerIdentity",
                "DecodeAuthorizationMessage",
                "GetSessionToken",
                "GetFederationToken",
            ],
        ),
        (
            "iam",
            &[
                "CreateRole",
                "CreateUser",
                "CreatePolicy",
                "ListRoles",
                "ListUsers",
                "GetRole",
                "PassRole",
                "AttachRolePolicy",
                "PutRolePolicy",
                "CreateInstanceProfile",
                "AddRoleToInstanceProfile",
                "UploadServerCertificate",
                "CreateAccessKey",
                "ListPolicies",
                "GetUser",
                "DeleteRole",
                "SimulatePrincipalPolicy",
                "CreateServiceLinkedRole",
                "ListPolicyTags",
                "TagRole",
                "CreateOpenIDConnectProvider",
            ],
        ),
        (
            "lambda",
            &[
                "Invoke",
                "GetFunction",
                "ListFunctions",
                "CreateFunction",
                "UpdateFunctionCode",
                "UpdateFunctionConfiguration",
                "PutFunctionConcurrency",
                "ListProvisionedConcurrencyConfigs",
                "AddPermission",
                "PublishVersion",
                "CreateEventSourceMapping",
            ],
        ),
        (
            "cloudformation",
            &[
                "CreateStack",
                "UpdateStack",
                "DeleteStack",
                "DescribeStacks",
                "CreateChangeSet",
                "ExecuteChangeSet",
                "GetStackPolicy",
                "DescribeStackEvents",
                "ValidateTemplate",
                "CreateStackSet",
            ],
        ),
        (
            "dynamodb",
            &[
                "PutItem",
                "GetItem",
                "Query",
                "Scan",
                "UpdateItem",
                "DeleteItem",
                "CreateTable",
                "UpdateTable",
                "BatchWriteItem",
                "BatchGetItem",
                "DescribeTable",
                "TransactWriteItems",
            ],
        ),
        (
            "kms",
            &[
                "Decrypt",
                "Encrypt",
                "GenerateDataKey",
                "GenerateDataKeyWithoutPlaintext",
                "DescribeKey",
                "CreateGrant",
                "ReEncrypt",
                "GetKeyPolicy",
                "PutKeyPolicy",
                "CreateKey",
                "ListKeys",
            ],
        ),
        (
            "ssm",
            &[
                "GetParameter",
                "GetParameters",
                "GetParametersByPath",
                "PutParameter",
                "StartSession",
                "SendCommand",
            ],
        ),
        (
            "ecs",
            &[
                "RunTask",
                "CreateService",
                "UpdateService",
                "RegisterTaskDefinition",
                "CreateCluster",
                "StartTask",
            ],
        ),
        ("sns", &["Publish", "CreateTopic", "Subscribe"]),
        (
            "sqs",
            &[
                "SendMessage",
                "ReceiveMessage",
                "CreateQueue",
                "DeleteMessage",
                "GetQueueUrl",
            ],
        ),
        (
            "logs",
            &[
                "CreateLogGroup",
                "PutLogEvents",
                "CreateLogStream",
                "PutRetentionPolicy",
            ],
        ),
        (
            "batch",
            &[
                "RegisterJobDefinition",
                "SubmitJob",
                "CreateComputeEnvironment",
            ],
        ),
        (
            "cloudfront",
            &[
                "CreateInvalidation",
                "GetDistribution",
                "UpdateDistribution",
            ],
        ),
        (
            "sagemaker",
            &[
                "CreateTrainingJob",
                "CreateEndpoint",
                "CreateNotebookInstance",
                "ListModels",
                "CreateProcessingJob",
            ],
        ),
        ("bedrock", &["PutModelInvocationLoggingConfiguration"]),
        (
            "kinesis",
            &["PutRecord", "PutRecords", "GetRecords", "CreateStream"],
        ),
        ("kafka", &["ListClusters", "ListClustersV2"]),
        (
            "secretsmanager",
            &["GetSecretValue", "PutSecretValue", "CreateSecret"],
        ),
        (
            "eks",
            &["CreateCluster", "CreateNodegroup", "DescribeCluster"],
        ),
        ("rds", &["CreateDBInstance", "CreateDBCluster"]),
        (
            "ecr",
            &[
                "PutImage",
                "InitiateLayerUpload",
                "GetAuthorizationToken",
                "BatchGetImage",
            ],
        ),
        (
            "autoscaling",
            &[
                "CreateAutoScalingGroup",
                "UpdateAutoScalingGroup",
                "SetDesiredCapacity",
            ],
        ),
        (
            "elbv2",
            &[
                "CreateLoadBalancer",
                "CreateTargetGroup",
                "CreateListener",
                "RegisterTargets",
            ],
        ),
        (
            "service-quotas",
            &[
                "GetServiceQuota",
                "ListServiceQuotas",
                "RequestServiceQuotaIncrease",
            ],
        ),
        ("events", &["PutEvents", "PutRule", "PutTargets"]),
        ("rekognition", &["DetectLabels", "DetectFaces"]),
        ("support", &["DescribeCases", "CreateCase"]),
    ];
    TABLE
        .iter()
        .find(|(_, ops)| ops.contains(&op))
        .map(|(s, _)| *s)
}

/// The service an error code alone implies (EC2's codes are EC2's own).
pub fn service_of_code(code: &str) -> Option<&'static str> {
    let c = code
        .trim_start_matches("Client.")
        .trim_start_matches("Server.");
    if matches!(
        c,
        "UnauthorizedOperation"
            | "VcpuLimitExceeded"
            | "InstanceLimitExceeded"
            | "AddressLimitExceeded"
            | "VpcLimitExceeded"
            | "InsufficientInstanceCapacity"
            | "RequestLimitExceeded"
            | "MaxSpotInstanceCountExceeded"
            | "NatGatewayLimitExceeded"
            | "InternetGatewayLimitExceeded"
            | "SecurityGroupLimitExceeded"
            | "RulesPerSecurityGroupLimitExceeded"
            | "NetworkInterfaceLimitExceeded"
            | "VolumeLimitExceeded"
            | "TagLimitExceeded"
            | "DryRunOperation"
            | "AuthFailure"
    ) || c.starts_with("InvalidAMIID")
        || c.starts_with("InvalidSnapshot")
        || c.starts_with("InvalidInstanceID")
        || c.starts_with("InvalidKMSKey")
    {
        return Some("ec2");
    }
    match c {
        "NoSuchBucket"
        | "NoSuchKey"
        | "TooManyBuckets"
        | "BucketAlreadyExists"
        | "BucketAlreadyOwnedByYou"
        | "NoSuchBucketPolicy"
        | "SlowDown"
        | "AllAccessDisabled"
        | "BucketNotEmpty" => Some("s3"),
        "CodeStorageExceededException" | "ConcurrentInvocationLimitExceeded" => Some("lambda"),
        _ => None,
    }
}

/// Terraform and other tools describe the operation in words.
pub fn operation_from_phrase(text: &str) -> Option<(&'static str, &'static str)> {
    const PHRASES: &[(&str, &str, &str)] = &[
        ("launching source instance", "ec2", "RunInstances"),
        ("creating ec2 instance", "ec2", "RunInstances"),
        ("launching instance", "ec2", "RunInstances"),
        ("creating ec2 volume", "ec2", "CreateVolume"),
        ("reading ec2 instance type", "ec2", "DescribeInstanceTypes"),
        (
            "authorizing security group (ingress)",
            "ec2",
            "AuthorizeSecurityGroupIngress",
        ),
        ("error creating eip", "ec2", "AllocateAddress"),
        ("allocating ec2 eip", "ec2", "AllocateAddress"),
        ("creating ebs volume", "ec2", "CreateVolume"),
        ("creating ec2 ebs volume", "ec2", "CreateVolume"),
        (
            "authorizing security group ingress",
            "ec2",
            "AuthorizeSecurityGroupIngress",
        ),
        (
            "creating security group rule",
            "ec2",
            "AuthorizeSecurityGroupIngress",
        ),
        ("creating s3 bucket", "s3", "CreateBucket"),
        ("creating dynamodb table", "dynamodb", "CreateTable"),
        ("creating ec2 vpc", "ec2", "CreateVpc"),
        ("creating vpc", "ec2", "CreateVpc"),
        ("creating ec2 nat gateway", "ec2", "CreateNatGateway"),
        ("creating nat gateway", "ec2", "CreateNatGateway"),
        (
            "creating ec2 internet gateway",
            "ec2",
            "CreateInternetGateway",
        ),
        ("creating iam role", "iam", "CreateRole"),
        ("creating role", "iam", "CreateRole"),
        ("creating iam policy", "iam", "CreatePolicy"),
        ("creating lambda function", "lambda", "CreateFunction"),
        ("sts:getcalleridentity", "sts", "GetCallerIdentity"),
        ("desired count exceeds", "ecs", "UpdateService"),
        (
            "validating provider credentials",
            "sts",
            "GetCallerIdentity",
        ),
    ];
    let lower = text.to_ascii_lowercase();
    PHRASES
        .iter()
        .find(|(p, _, _)| lower.contains(p))
        .map(|(_, s, o)| (*s, *o))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limit_shapes() {
        assert_eq!(category_of("VcpuLimitExceeded"), Some(Category::Quota));
        assert_eq!(
            category_of("RequestLimitExceeded"),
            Some(Category::Throttling)
        );
        assert_eq!(category_of("TooManyLoadBalancers"), Some(Category::Quota));
        assert_eq!(
            category_of("TooManyRequestsException"),
            Some(Category::Throttling)
        );
        assert_eq!(
            category_of("InsufficientInstanceCapacity"),
            Some(Category::Capacity)
        );
        assert_eq!(category_of("NoSuchBucket"), None);
    }

    #[test]
    fn actions() {
        assert_eq!(action_for("s3", "HeadObject"), "s3:GetObject");
        assert_eq!(action_for("ec2", "RunInstances"), "ec2:RunInstances");
        assert_eq!(
            action_for("service-quotas", "GetServiceQuota"),
            "servicequotas:GetServiceQuota"
        );
        assert_eq!(cli_service("Service Quotas"), "service-quotas");
    }
}
