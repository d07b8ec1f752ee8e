//! Service Quotas knowledge: which quota an AWS "limit exceeded" error is about.
//!
//! Pure data plus small, allocation-light lookups; std only. Every quota code in
//! [`QUOTAS`] was seen stated in a public source (AWS documentation, AWS-maintained
//! repositories, or `list-service-quotas` / `list-aws-default-service-quotas`
//! output that people published); `docs/quota-sources.md` cites them.
//!
//! Defaults are the documented *initial* values. AWS raises many of them per
//! account over time (EC2 vCPU quotas in particular), so a default is a hint, never
//! the account's applied value: ask Service Quotas for that.
//!
//! Entries with `managed == false` are limits that Service Quotas does not manage;
//! they have an empty `quota_code` and carry the documented default.

/// One quota, as Service Quotas names it (or, when `managed` is false, as the
/// service documentation names the limit).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quota {
    /// Service Quotas service code (`ec2`, `vpc`, `ebs`, `iam`, ...).
    pub service_code: &'static str,
    /// Service Quotas quota code (`L-XXXXXXXX`); empty when not managed.
    pub quota_code: &'static str,
    /// Quota name as shown by Service Quotas.
    pub name: &'static str,
    /// Documented initial default, when known.
    pub default_value: Option<f64>,
    /// What the value counts ("vCPUs", "TiB", "count", ...).
    pub unit: &'static str,
    /// False when Service Quotas does not manage the limit.
    pub managed: bool,
    /// Short operator-facing note (scope, caveats, how it is counted).
    pub note: &'static str,
}

impl Quota {
    /// Service Quotas console page for this quota, or `None` when not managed.
    /// An empty `region` gives the region-less console host.
    pub fn console_url(&self, region: &str) -> Option<String> {
        if !self.managed {
            return None;
        }
        let region = self.home_region().unwrap_or(region);
        let host = if region.is_empty() {
            "console.aws.amazon.com".to_string()
        } else {
            format!("{region}.console.aws.amazon.com")
        };
        Some(format!(
            "https://{host}/servicequotas/home/services/{}/quotas/{}",
            self.service_code, self.quota_code
        ))
    }

    /// `aws service-quotas get-service-quota ...` for the applied value.
    pub fn get_command(&self) -> Option<String> {
        if !self.managed {
            return None;
        }
        let mut cmd = format!(
            "aws service-quotas get-service-quota --service-code {} --quota-code {}",
            self.service_code, self.quota_code
        );
        if let Some(region) = self.home_region() {
            cmd.push_str(" --region ");
            cmd.push_str(region);
        }
        Some(cmd)
    }

    /// `aws service-quotas request-service-quota-increase ...` for `desired`.
    pub fn increase_command(&self, desired: f64) -> Option<String> {
        if !self.managed {
            return None;
        }
        let mut cmd = format!(
            "aws service-quotas request-service-quota-increase --service-code {} --quota-code {} --desired-value {}",
            self.service_code, self.quota_code, desired
        );
        if let Some(region) = self.home_region() {
            cmd.push_str(" --region ");
            cmd.push_str(region);
        }
        Some(cmd)
    }

    /// Region where a global quota is viewed and managed (IAM quotas and the
    /// S3 general purpose bucket quota live in us-east-1); `None` for regional
    /// quotas.
    pub fn home_region(&self) -> Option<&'static str> {
        if !self.managed {
            return None;
        }
        match (self.service_code, self.quota_code) {
            ("iam", _) | ("s3", codes::S3_BUCKETS) => Some("us-east-1"),
            _ => None,
        }
    }
}

/// Quota codes used by the lookups below (each also has a [`QUOTAS`] entry).
pub mod codes {
    // EC2 On-Demand vCPU quotas.
    pub const EC2_OD_STANDARD: &str = "L-1216C47A";
    pub const EC2_OD_F: &str = "L-74FC7D96";
    pub const EC2_OD_G_VT: &str = "L-DB2E81BA";
    pub const EC2_OD_INF: &str = "L-1945791B";
    pub const EC2_OD_P: &str = "L-417A185B";
    pub const EC2_OD_X: &str = "L-7295265B";
    pub const EC2_OD_HIGH_MEMORY: &str = "L-43DA4232";
    pub const EC2_OD_DL: &str = "L-6E869C2A";
    pub const EC2_OD_TRN: &str = "L-2C3B7624";
    pub const EC2_OD_HPC: &str = "L-F7808C92";
    // EC2 Spot vCPU quotas.
    pub const EC2_SPOT_STANDARD: &str = "L-34B43A08";
    pub const EC2_SPOT_F: &str = "L-88CF9481";
    pub const EC2_SPOT_G_VT: &str = "L-3819A6DF";
    pub const EC2_SPOT_INF: &str = "L-B5D1601B";
    pub const EC2_SPOT_P2_P3_P4: &str = "L-7212CCBC";
    pub const EC2_SPOT_P5: &str = "L-C4BD4855";
    pub const EC2_SPOT_X: &str = "L-E3A00192";
    pub const EC2_SPOT_DL: &str = "L-85EED4F7";
    pub const EC2_SPOT_TRN: &str = "L-6B0D517C";
    // EC2 Dedicated Hosts (Mac instances run only on Dedicated Hosts).
    pub const EC2_HOSTS_MAC1: &str = "L-A8448DC5";
    pub const EC2_HOSTS_MAC2: &str = "L-5D8DADF5";
    pub const EC2_HOSTS_MAC2_M2: &str = "L-B90B5B66";
    pub const EC2_HOSTS_MAC2_M2PRO: &str = "L-14F120D1";
    // EC2 networking quotas that Service Quotas files under `ec2`.
    pub const EC2_VPC_EIPS: &str = "L-0263D0A3";
    pub const EC2_CUSTOMER_GATEWAYS: &str = "L-4FB7FF5D";
    pub const EC2_VIRTUAL_PRIVATE_GATEWAYS: &str = "L-7029FAB6";
    pub const EC2_VPN_CONNECTIONS: &str = "L-3E6EC3A3";
    // VPC.
    pub const VPC_VPCS: &str = "L-F678F1CE";
    pub const VPC_INTERNET_GATEWAYS: &str = "L-A4707A72";
    pub const VPC_EGRESS_ONLY_IGWS: &str = "L-45FE3B85";
    pub const VPC_NAT_GATEWAYS_PER_AZ: &str = "L-FE5A380F";
    pub const VPC_SECURITY_GROUPS: &str = "L-E79EC296";
    pub const VPC_SG_RULES: &str = "L-0EA8095F";
    pub const VPC_SGS_PER_ENI: &str = "L-2AFB9258";
    pub const VPC_NETWORK_INTERFACES: &str = "L-DF5E4CA3";
    pub const VPC_SUBNETS_PER_VPC: &str = "L-407747CB";
    pub const VPC_ROUTE_TABLES_PER_VPC: &str = "L-589F43AA";
    pub const VPC_ROUTES_PER_TABLE: &str = "L-93826ACB";
    pub const VPC_NACLS_PER_VPC: &str = "L-B4A6D682";
    pub const VPC_RULES_PER_NACL: &str = "L-2AEEBF1A";
    pub const VPC_ACTIVE_PEERINGS_PER_VPC: &str = "L-7E9ECCDB";
    pub const VPC_GATEWAY_ENDPOINTS: &str = "L-1B52E74A";
    pub const VPC_INTERFACE_ENDPOINTS_PER_VPC: &str = "L-29B6F2EB";
    // EBS.
    pub const EBS_GP2_TIB: &str = "L-D18FCD1D";
    pub const EBS_GP3_TIB: &str = "L-7A658B76";
    pub const EBS_IO1_TIB: &str = "L-FD252861";
    pub const EBS_IO2_TIB: &str = "L-09BD8365";
    pub const EBS_ST1_TIB: &str = "L-82ACEF56";
    pub const EBS_SC1_TIB: &str = "L-17AF77E8";
    pub const EBS_STANDARD_TIB: &str = "L-9CF3C2EB";
    pub const EBS_IO1_IOPS: &str = "L-B3A130E6";
    pub const EBS_IO2_IOPS: &str = "L-8D977E7E";
    pub const EBS_SNAPSHOTS: &str = "L-309BACF6";
    // Lambda.
    pub const LAMBDA_CONCURRENCY: &str = "L-B99A9384";
    pub const LAMBDA_STORAGE: &str = "L-2ACBD22F";
    pub const LAMBDA_ENIS_PER_VPC: &str = "L-9FEE3D26";
    // IAM (global).
    pub const IAM_ROLES: &str = "L-FE177D64";
    pub const IAM_POLICIES_PER_ROLE: &str = "L-0DA4ABF3";
    pub const IAM_POLICIES_PER_USER: &str = "L-4019AD8B";
    pub const IAM_CUSTOMER_MANAGED_POLICIES: &str = "L-E95E4862";
    pub const IAM_GROUPS: &str = "L-F4A5425F";
    pub const IAM_INSTANCE_PROFILES: &str = "L-6E65F664";
    pub const IAM_SERVER_CERTIFICATES: &str = "L-BF35879D";
    pub const IAM_OIDC_PROVIDERS: &str = "L-858F3967";
    pub const IAM_ROLE_TRUST_POLICY_LENGTH: &str = "L-C07B4B0D";
    // S3.
    pub const S3_BUCKETS: &str = "L-DC2B2D3D";
    // CloudFormation.
    pub const CFN_STACKS: &str = "L-0485CB21";
    pub const CFN_STACK_SETS: &str = "L-EC62D81A";
    // DynamoDB.
    pub const DDB_TABLES: &str = "L-F98FE922";
    pub const DDB_CONTROL_PLANE: &str = "L-1BB77E89";
    pub const DDB_GSIS_PER_TABLE: &str = "L-F7858A77";
    // ECS.
    pub const ECS_CLUSTERS: &str = "L-21C621EB";
    pub const ECS_SERVICES_PER_CLUSTER: &str = "L-9EF96962";
    // EKS.
    pub const EKS_CLUSTERS: &str = "L-1194D53C";
    pub const EKS_NODEGROUPS_PER_CLUSTER: &str = "L-6D54EA21";
    pub const EKS_NODES_PER_NODEGROUP: &str = "L-BD136A63";
    pub const EKS_FARGATE_PROFILES: &str = "L-33415657";
    // RDS.
    pub const RDS_DB_INSTANCES: &str = "L-7B6409FD";
    pub const RDS_TOTAL_STORAGE: &str = "L-7ADDB58A";
    pub const RDS_DB_CLUSTERS: &str = "L-952B80B8";
    pub const RDS_MANUAL_SNAPSHOTS: &str = "L-272F1212";
    pub const RDS_SUBNET_GROUPS: &str = "L-48C6BF61";
    pub const RDS_PARAMETER_GROUPS: &str = "L-DE55804A";
    // Elastic Load Balancing.
    pub const ELB_ALBS: &str = "L-53DA6B97";
    pub const ELB_NLBS: &str = "L-69A177A2";
    pub const ELB_CLBS: &str = "L-E9E9831D";
    pub const ELB_TARGET_GROUPS: &str = "L-B22855CB";
    pub const ELB_LISTENERS_PER_ALB: &str = "L-B6DF7632";
    pub const ELB_LISTENERS_PER_NLB: &str = "L-57A373D6";
    pub const ELB_LISTENERS_PER_CLB: &str = "L-1A491844";
    pub const ELB_TARGETS_PER_TG: &str = "L-A0D0B863";
    pub const ELB_TARGETS_PER_ALB: &str = "L-7E6692B2";
    pub const ELB_RULES_PER_ALB: &str = "L-7EED9B64";
}

use codes::*;

const fn managed(
    service_code: &'static str,
    quota_code: &'static str,
    name: &'static str,
    default_value: Option<f64>,
    unit: &'static str,
    note: &'static str,
) -> Quota {
    Quota {
        service_code,
        quota_code,
        name,
        default_value,
        unit,
        managed: true,
        note,
    }
}

const fn unmanaged(
    service_code: &'static str,
    name: &'static str,
    default_value: Option<f64>,
    unit: &'static str,
    note: &'static str,
) -> Quota {
    Quota {
        service_code,
        quota_code: "",
        name,
        default_value,
        unit,
        managed: false,
        note,
    }
}

const OD_NOTE: &str = "Counts vCPUs of running On-Demand instances (and Capacity Reservations) in the Region; AWS raises it with usage.";
const SPOT_NOTE: &str =
    "Counts vCPUs of running Spot Instances plus open Spot requests in the Region.";
const HOST_NOTE: &str =
    "Counts Dedicated Hosts, not vCPUs; Mac instances can only run on Dedicated Hosts.";
const EBS_TIB_NOTE: &str =
    "Aggregate provisioned size of all volumes of this type in the Region, in TiB.";
const IAM_NOTE: &str = "Global (not per Region); view and request increases in us-east-1.";

/// Every quota this module knows, managed ones first by service, then the few
/// limits Service Quotas does not manage.
#[rustfmt::skip]
pub static QUOTAS: &[Quota] = &[
    // ---- EC2 On-Demand vCPU quotas (service code `ec2`) ----
    managed("ec2", EC2_OD_STANDARD, "Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances", Some(5.0), "vCPUs", OD_NOTE),
    managed("ec2", EC2_OD_F, "Running On-Demand F instances", Some(0.0), "vCPUs", OD_NOTE),
    managed("ec2", EC2_OD_G_VT, "Running On-Demand G and VT instances", Some(0.0), "vCPUs", OD_NOTE),
    managed("ec2", EC2_OD_INF, "Running On-Demand Inf instances", Some(0.0), "vCPUs", OD_NOTE),
    managed("ec2", EC2_OD_P, "Running On-Demand P instances", Some(0.0), "vCPUs", OD_NOTE),
    managed("ec2", EC2_OD_X, "Running On-Demand X instances", Some(0.0), "vCPUs", OD_NOTE),
    managed("ec2", EC2_OD_HIGH_MEMORY, "Running On-Demand High Memory instances", Some(0.0), "vCPUs", "High Memory (U) instances; no Spot quota exists for them. Counts vCPUs of running On-Demand instances in the Region."),
    managed("ec2", EC2_OD_DL, "Running On-Demand DL instances", Some(0.0), "vCPUs", OD_NOTE),
    managed("ec2", EC2_OD_TRN, "Running On-Demand Trn instances", Some(0.0), "vCPUs", OD_NOTE),
    managed("ec2", EC2_OD_HPC, "Running On-Demand HPC instances", Some(0.0), "vCPUs", "HPC instances; no Spot quota exists for them. Counts vCPUs of running On-Demand instances in the Region."),
    // ---- EC2 Spot vCPU quotas ----
    managed("ec2", EC2_SPOT_STANDARD, "All Standard (A, C, D, H, I, M, R, T, Z) Spot Instance Requests", Some(5.0), "vCPUs", SPOT_NOTE),
    managed("ec2", EC2_SPOT_F, "All F Spot Instance Requests", Some(0.0), "vCPUs", SPOT_NOTE),
    managed("ec2", EC2_SPOT_G_VT, "All G and VT Spot Instance Requests", Some(0.0), "vCPUs", SPOT_NOTE),
    managed("ec2", EC2_SPOT_INF, "All Inf Spot Instance Requests", Some(0.0), "vCPUs", SPOT_NOTE),
    managed("ec2", EC2_SPOT_P2_P3_P4, "All P4, P3 and P2 Spot Instance Requests", Some(0.0), "vCPUs", "Spot P2/P3/P4 (formerly named 'All P Spot Instance Requests'). Counts vCPUs of running Spot Instances plus open Spot requests."),
    managed("ec2", EC2_SPOT_P5, "All P5 Spot Instance Requests", Some(0.0), "vCPUs", SPOT_NOTE),
    managed("ec2", EC2_SPOT_X, "All X Spot Instance Requests", Some(0.0), "vCPUs", SPOT_NOTE),
    managed("ec2", EC2_SPOT_DL, "All DL Spot Instance Requests", Some(0.0), "vCPUs", SPOT_NOTE),
    managed("ec2", EC2_SPOT_TRN, "All Trn Spot Instance Requests", Some(0.0), "vCPUs", SPOT_NOTE),
    // ---- EC2 Dedicated Hosts for Mac instances ----
    managed("ec2", EC2_HOSTS_MAC1, "Running Dedicated mac1 Hosts", None, "hosts", HOST_NOTE),
    managed("ec2", EC2_HOSTS_MAC2, "Running Dedicated mac2 Hosts", None, "hosts", HOST_NOTE),
    managed("ec2", EC2_HOSTS_MAC2_M2, "Running Dedicated mac2-m2 Hosts", None, "hosts", HOST_NOTE),
    managed("ec2", EC2_HOSTS_MAC2_M2PRO, "Running Dedicated mac2-m2pro Hosts", None, "hosts", HOST_NOTE),
    // ---- EC2 networking ----
    managed("ec2", EC2_VPC_EIPS, "EC2-VPC Elastic IPs", Some(5.0), "addresses", "Elastic IP addresses per Region (each public NAT gateway also holds one)."),
    managed("ec2", EC2_CUSTOMER_GATEWAYS, "Customer gateways per region", Some(50.0), "count", "Site-to-Site VPN customer gateways per Region."),
    managed("ec2", EC2_VIRTUAL_PRIVATE_GATEWAYS, "Virtual private gateways per region", Some(5.0), "count", "Site-to-Site VPN virtual private gateways per Region."),
    managed("ec2", EC2_VPN_CONNECTIONS, "VPN connections per region", Some(50.0), "count", "Site-to-Site VPN connections per Region."),
    // ---- VPC (service code `vpc`) ----
    managed("vpc", VPC_VPCS, "VPCs per Region", Some(5.0), "count", "Raising it raises internet gateways per Region by the same amount."),
    managed("vpc", VPC_INTERNET_GATEWAYS, "Internet gateways per Region", Some(5.0), "count", "Tied to VPCs per Region: raise that quota to raise this one."),
    managed("vpc", VPC_EGRESS_ONLY_IGWS, "Egress-only internet gateways per Region", Some(5.0), "count", "Tied to VPCs per Region: raise that quota to raise this one."),
    managed("vpc", VPC_NAT_GATEWAYS_PER_AZ, "NAT gateways per Availability Zone", Some(5.0), "count", "Per Availability Zone; pending, active and deleting NAT gateways count."),
    managed("vpc", VPC_SECURITY_GROUPS, "VPC security groups per Region", Some(2500.0), "count", "Security groups across all VPCs of the account in the Region."),
    managed("vpc", VPC_SG_RULES, "Inbound or outbound rules per security group", Some(60.0), "rules", "Enforced separately for inbound/outbound and IPv4/IPv6; times security groups per network interface may not exceed 1,000."),
    managed("vpc", VPC_SGS_PER_ENI, "Security groups per network interface", Some(5.0), "count", "Up to 16; times rules per security group may not exceed 1,000."),
    managed("vpc", VPC_NETWORK_INTERFACES, "Network interfaces per Region", Some(5000.0), "count", "Enforced per Availability Zone."),
    managed("vpc", VPC_SUBNETS_PER_VPC, "Subnets per VPC", Some(200.0), "count", ""),
    managed("vpc", VPC_ROUTE_TABLES_PER_VPC, "Route tables per VPC", Some(200.0), "count", "The main route table counts."),
    managed("vpc", VPC_ROUTES_PER_TABLE, "Routes per route table", Some(500.0), "routes", "Non-propagated routes; enforced separately for IPv4 and IPv6 (older documentation gave 50)."),
    managed("vpc", VPC_NACLS_PER_VPC, "Network ACLs per VPC", Some(200.0), "count", ""),
    managed("vpc", VPC_RULES_PER_NACL, "Rules per network ACL", Some(20.0), "rules", "Per direction; can be raised to 40 inbound and 40 outbound."),
    managed("vpc", VPC_ACTIVE_PEERINGS_PER_VPC, "Active VPC peering connections per VPC", Some(50.0), "count", ""),
    managed("vpc", VPC_GATEWAY_ENDPOINTS, "Gateway VPC endpoints per Region", Some(20.0), "count", ""),
    managed("vpc", VPC_INTERFACE_ENDPOINTS_PER_VPC, "Interface VPC endpoints per VPC", Some(50.0), "count", ""),
    // ---- EBS (service code `ebs`) ----
    managed("ebs", EBS_GP2_TIB, "Storage for General Purpose SSD (gp2) volumes, in TiB", Some(50.0), "TiB", EBS_TIB_NOTE),
    managed("ebs", EBS_GP3_TIB, "Storage for General Purpose SSD (gp3) volumes, in TiB", Some(50.0), "TiB", EBS_TIB_NOTE),
    managed("ebs", EBS_IO1_TIB, "Storage for Provisioned IOPS SSD (io1) volumes, in TiB", Some(50.0), "TiB", EBS_TIB_NOTE),
    managed("ebs", EBS_IO2_TIB, "Storage for Provisioned IOPS SSD (io2) volumes, in TiB", Some(20.0), "TiB", EBS_TIB_NOTE),
    managed("ebs", EBS_ST1_TIB, "Storage for Throughput Optimized HDD (st1) volumes, in TiB", Some(50.0), "TiB", EBS_TIB_NOTE),
    managed("ebs", EBS_SC1_TIB, "Storage for Cold HDD (sc1) volumes, in TiB", Some(50.0), "TiB", EBS_TIB_NOTE),
    managed("ebs", EBS_STANDARD_TIB, "Storage for Magnetic (standard) volumes, in TiB", Some(50.0), "TiB", EBS_TIB_NOTE),
    managed("ebs", EBS_IO1_IOPS, "IOPS for Provisioned IOPS SSD (io1) volumes", Some(300_000.0), "IOPS", "Aggregate provisioned IOPS of io1 volumes in the Region."),
    managed("ebs", EBS_IO2_IOPS, "IOPS for Provisioned IOPS SSD (io2) volumes", Some(100_000.0), "IOPS", "Aggregate provisioned IOPS of io2 volumes in the Region."),
    managed("ebs", EBS_SNAPSHOTS, "Snapshots per Region", Some(100_000.0), "count", ""),
    // ---- Lambda ----
    managed("lambda", LAMBDA_CONCURRENCY, "Concurrent executions", Some(1000.0), "executions", "Per Region; new accounts start lower and are raised automatically. Reserved concurrency is carved out of it."),
    managed("lambda", LAMBDA_STORAGE, "Function and layer storage", Some(75.0), "GB", "Every stored function version and layer version counts; delete old versions to free space."),
    managed("lambda", LAMBDA_ENIS_PER_VPC, "Elastic network interfaces per VPC", Some(250.0), "count", "Hyperplane ENIs for VPC-attached functions; shared with other services."),
    // ---- IAM (global) ----
    managed("iam", IAM_ROLES, "Roles per account", Some(1000.0), "count", IAM_NOTE),
    managed("iam", IAM_POLICIES_PER_ROLE, "Managed policies per role", Some(10.0), "policies", "Managed policies attached to one role (error name PoliciesPerRole). Global; view and request increases in us-east-1."),
    managed("iam", IAM_POLICIES_PER_USER, "Managed policies per user", Some(10.0), "policies", "Managed policies attached to one user (error name PoliciesPerUser). Global; view and request increases in us-east-1."),
    managed("iam", IAM_CUSTOMER_MANAGED_POLICIES, "Customer managed policies per account", Some(1500.0), "policies", IAM_NOTE),
    managed("iam", IAM_GROUPS, "Groups per account", Some(300.0), "count", IAM_NOTE),
    managed("iam", IAM_INSTANCE_PROFILES, "Instance profiles per account", Some(1000.0), "count", IAM_NOTE),
    managed("iam", IAM_SERVER_CERTIFICATES, "Server certificates per account", Some(20.0), "count", IAM_NOTE),
    managed("iam", IAM_OIDC_PROVIDERS, "OpenId connect providers per account", Some(100.0), "count", IAM_NOTE),
    managed("iam", IAM_ROLE_TRUST_POLICY_LENGTH, "Role trust policy length", Some(2048.0), "characters", IAM_NOTE),
    // ---- S3 ----
    managed("s3", S3_BUCKETS, "General purpose buckets", Some(10_000.0), "buckets", "Per account, all Regions; managed from us-east-1 (older accounts and docs: 100, formerly named 'Buckets')."),
    // ---- CloudFormation ----
    managed("cloudformation", CFN_STACKS, "Stack count", Some(2000.0), "stacks", "Stacks per Region (older accounts and docs: 200)."),
    managed("cloudformation", CFN_STACK_SETS, "Stack sets per administrator account", Some(1000.0), "stack sets", ""),
    // ---- DynamoDB ----
    managed("dynamodb", DDB_TABLES, "Maximum number of tables", Some(2500.0), "tables", "Tables per Region."),
    managed("dynamodb", DDB_CONTROL_PLANE, "Concurrent control plane operations", Some(500.0), "operations", "Tables and indexes in CREATING, UPDATING or DELETING state at once; wait and retry, or serialize table changes."),
    managed("dynamodb", DDB_GSIS_PER_TABLE, "Global Secondary Indexes per table", Some(20.0), "indexes", ""),
    // ---- ECS ----
    managed("ecs", ECS_CLUSTERS, "Clusters per account", Some(10_000.0), "clusters", "Per Region."),
    managed("ecs", ECS_SERVICES_PER_CLUSTER, "Services per cluster", Some(5000.0), "services", ""),
    // ---- EKS ----
    managed("eks", EKS_CLUSTERS, "Clusters", Some(100.0), "clusters", "Per Region."),
    managed("eks", EKS_NODEGROUPS_PER_CLUSTER, "Managed node groups per cluster", Some(30.0), "node groups", ""),
    managed("eks", EKS_NODES_PER_NODEGROUP, "Nodes per managed node group", Some(450.0), "nodes", ""),
    managed("eks", EKS_FARGATE_PROFILES, "Fargate profiles per cluster", Some(10.0), "profiles", ""),
    // ---- RDS ----
    managed("rds", RDS_DB_INSTANCES, "DB instances", Some(40.0), "instances", "RDS, Aurora, Neptune and DocumentDB instances all count."),
    managed("rds", RDS_TOTAL_STORAGE, "Total storage for all DB instances", Some(100_000.0), "GiB", "100 TiB across all DB instances in the Region."),
    managed("rds", RDS_DB_CLUSTERS, "DB clusters", Some(40.0), "clusters", ""),
    managed("rds", RDS_MANUAL_SNAPSHOTS, "Manual DB instance snapshots", Some(100.0), "snapshots", ""),
    managed("rds", RDS_SUBNET_GROUPS, "DB subnet groups", Some(50.0), "count", ""),
    managed("rds", RDS_PARAMETER_GROUPS, "Parameter groups", Some(50.0), "count", ""),
    // ---- Elastic Load Balancing ----
    managed("elasticloadbalancing", ELB_ALBS, "Application Load Balancers per Region", Some(50.0), "load balancers", ""),
    managed("elasticloadbalancing", ELB_NLBS, "Network Load Balancers per Region", Some(50.0), "load balancers", ""),
    managed("elasticloadbalancing", ELB_CLBS, "Classic Load Balancers per Region", Some(20.0), "load balancers", ""),
    managed("elasticloadbalancing", ELB_TARGET_GROUPS, "Target Groups per Region", Some(3000.0), "target groups", ""),
    managed("elasticloadbalancing", ELB_LISTENERS_PER_ALB, "Listeners per Application Load Balancer", Some(50.0), "listeners", ""),
    managed("elasticloadbalancing", ELB_LISTENERS_PER_NLB, "Listeners per Network Load Balancer", Some(50.0), "listeners", ""),
    managed("elasticloadbalancing", ELB_LISTENERS_PER_CLB, "Listeners per Classic Load Balancer", Some(100.0), "listeners", ""),
    managed("elasticloadbalancing", ELB_TARGETS_PER_TG, "Targets per Target Group per Region", Some(1000.0), "targets", ""),
    managed("elasticloadbalancing", ELB_TARGETS_PER_ALB, "Targets per Application Load Balancer", Some(1000.0), "targets", ""),
    managed("elasticloadbalancing", ELB_RULES_PER_ALB, "Rules per Application Load Balancer", Some(100.0), "rules", "Default rules not counted."),
    // ---- Limits Service Quotas does not manage ----
    unmanaged("iam", IAM_ROLE_INLINE_POLICY_SIZE, Some(10240.0), "characters", "Aggregate size of all inline policies of one role; cannot be increased. Move statements into managed policies."),
    unmanaged("dynamodb", DDB_ONLINE_INDEX_OPS, Some(1.0), "operations", "DynamoDB builds or deletes one online index per table at a time; wait for the running index operation to finish."),
];

/// Name of the unmanaged IAM inline-policy size limit in [`QUOTAS`].
pub const IAM_ROLE_INLINE_POLICY_SIZE: &str = "Role inline policy size";
/// Name of the unmanaged DynamoDB online index limit in [`QUOTAS`].
pub const DDB_ONLINE_INDEX_OPS: &str = "Online index creations or deletions in progress per table";

/// Look up a managed quota by Service Quotas service code and quota code
/// (quota code compared case-insensitively).
pub fn by_code(service_code: &str, quota_code: &str) -> Option<&'static Quota> {
    if quota_code.is_empty() {
        return None;
    }
    QUOTAS.iter().find(|q| {
        q.managed
            && q.service_code.eq_ignore_ascii_case(service_code)
            && q.quota_code.eq_ignore_ascii_case(quota_code)
    })
}

/// Look up any quota (managed or not) by service code and exact name.
pub fn by_name(service_code: &str, name: &str) -> Option<&'static Quota> {
    QUOTAS
        .iter()
        .find(|q| q.service_code.eq_ignore_ascii_case(service_code) && q.name == name)
}

/// All quotas of one Service Quotas service code.
pub fn for_service(service_code: &str) -> impl Iterator<Item = &'static Quota> + '_ {
    QUOTAS
        .iter()
        .filter(move |q| q.service_code.eq_ignore_ascii_case(service_code))
}

fn must(service_code: &str, quota_code: &str) -> Option<&'static Quota> {
    by_code(service_code, quota_code)
}

// ---------------------------------------------------------------------------
// EC2 instance families
// ---------------------------------------------------------------------------

/// EC2 instance-family group that a vCPU quota covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VcpuGroup {
    /// A, C, D, H, I, M, R, T, Z families.
    Standard,
    F,
    /// G and VT families.
    GAndVt,
    Inf,
    P,
    X,
    /// U (High Memory) families.
    HighMemory,
    Dl,
    Trn,
    Hpc,
    /// Mac families: Dedicated Hosts only, no vCPU quota.
    Mac,
}

impl VcpuGroup {
    /// Group label as used in the quota names.
    pub fn label(self) -> &'static str {
        match self {
            VcpuGroup::Standard => "Standard (A, C, D, H, I, M, R, T, Z)",
            VcpuGroup::F => "F",
            VcpuGroup::GAndVt => "G and VT",
            VcpuGroup::Inf => "Inf",
            VcpuGroup::P => "P",
            VcpuGroup::X => "X",
            VcpuGroup::HighMemory => "High Memory",
            VcpuGroup::Dl => "DL",
            VcpuGroup::Trn => "Trn",
            VcpuGroup::Hpc => "HPC",
            VcpuGroup::Mac => "Mac (Dedicated Hosts)",
        }
    }
}

/// A parsed instance family ("p4de" of "p4de.24xlarge").
struct Family {
    /// Lowercased family name, e.g. "u-6tb1", "mac2-m2pro", "m7i-flex".
    name: String,
    /// Leading letters ("p", "inf", "hpc", "u-", "mac").
    prefix: String,
    /// First number after the prefix (the generation), when present.
    generation: Option<u32>,
}

fn parse_family(instance_type: &str) -> Option<Family> {
    let lower = instance_type.trim().to_ascii_lowercase();
    let name = lower.split('.').next().unwrap_or("");
    if name.is_empty()
        || !name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return None;
    }
    let letters: String = name.chars().take_while(char::is_ascii_lowercase).collect();
    let mut rest = &name[letters.len()..];
    let mut prefix = letters;
    // High Memory "u-6tb1": the only family with a dash straight after its letter.
    if prefix == "u" && rest.starts_with('-') {
        prefix.push('-');
        rest = &rest[1..];
    }
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    if prefix.is_empty() || digits.is_empty() {
        return None;
    }
    Some(Family {
        name: name.to_string(),
        prefix,
        generation: digits.parse().ok(),
    })
}

fn group_of(family: &Family) -> Option<VcpuGroup> {
    Some(match family.prefix.as_str() {
        "a" | "c" | "d" | "h" | "i" | "im" | "is" | "m" | "r" | "t" | "z" => VcpuGroup::Standard,
        "f" => VcpuGroup::F,
        "g" | "gr" | "vt" => VcpuGroup::GAndVt,
        "inf" => VcpuGroup::Inf,
        "p" => VcpuGroup::P,
        "x" => VcpuGroup::X,
        "u" | "u-" => VcpuGroup::HighMemory,
        "dl" => VcpuGroup::Dl,
        "trn" => VcpuGroup::Trn,
        "hpc" => VcpuGroup::Hpc,
        "mac" => VcpuGroup::Mac,
        _ => return None,
    })
}

/// vCPU quota group of an instance type ("p3.2xlarge" -> P), `None` when unknown.
pub fn vcpu_group(instance_type: &str) -> Option<VcpuGroup> {
    parse_family(instance_type).and_then(|f| group_of(&f))
}

/// EC2 instance family group for vCPU quotas, from an instance type like
/// "p3.2xlarge", "g5.xlarge", "inf2.24xlarge", "u-6tb1.metal", "x2iedn.32xlarge",
/// "trn1.32xlarge", "dl1.24xlarge", "vt1.3xlarge", "f1.2xlarge", "t3.micro",
/// "mac1.metal", "hpc6a.48xlarge" ... Return None when unknown.
///
/// With `spot`, the Spot quota of the group; High Memory, HPC and Mac have none
/// (`None`), nor do P families other than P2-P5. Mac types give their
/// "Running Dedicated macN Hosts" quota (hosts, not vCPUs) when not Spot.
pub fn vcpu_quota(instance_type: &str, spot: bool) -> Option<&'static Quota> {
    let family = parse_family(instance_type)?;
    let group = group_of(&family)?;
    let code = match (group, spot) {
        (VcpuGroup::Standard, false) => EC2_OD_STANDARD,
        (VcpuGroup::Standard, true) => EC2_SPOT_STANDARD,
        (VcpuGroup::F, false) => EC2_OD_F,
        (VcpuGroup::F, true) => EC2_SPOT_F,
        (VcpuGroup::GAndVt, false) => EC2_OD_G_VT,
        (VcpuGroup::GAndVt, true) => EC2_SPOT_G_VT,
        (VcpuGroup::Inf, false) => EC2_OD_INF,
        (VcpuGroup::Inf, true) => EC2_SPOT_INF,
        (VcpuGroup::P, false) => EC2_OD_P,
        (VcpuGroup::P, true) => match family.generation {
            Some(2..=4) => EC2_SPOT_P2_P3_P4,
            Some(5) => EC2_SPOT_P5,
            _ => return None,
        },
        (VcpuGroup::X, false) => EC2_OD_X,
        (VcpuGroup::X, true) => EC2_SPOT_X,
        (VcpuGroup::HighMemory, false) => EC2_OD_HIGH_MEMORY,
        (VcpuGroup::Dl, false) => EC2_OD_DL,
        (VcpuGroup::Dl, true) => EC2_SPOT_DL,
        (VcpuGroup::Trn, false) => EC2_OD_TRN,
        (VcpuGroup::Trn, true) => EC2_SPOT_TRN,
        (VcpuGroup::Hpc, false) => EC2_OD_HPC,
        (VcpuGroup::Mac, false) => match family.name.as_str() {
            "mac1" => EC2_HOSTS_MAC1,
            "mac2" => EC2_HOSTS_MAC2,
            "mac2-m2" => EC2_HOSTS_MAC2_M2,
            "mac2-m2pro" => EC2_HOSTS_MAC2_M2PRO,
            _ => return None,
        },
        (VcpuGroup::HighMemory | VcpuGroup::Hpc | VcpuGroup::Mac, true) => return None,
    };
    must("ec2", code)
}

/// vCPUs of one instance of `instance_type`, by the size rule that holds across the
/// families the vCPU quotas count (`large` = 2, `xlarge` = 4, `Nxlarge` = 4N: p3.2xlarge 8,
/// p4d.24xlarge 96, g5.48xlarge 192, u-6tb1.56xlarge 224). `None` where the rule breaks:
/// sizes below `large` (t2.micro 1, t3.micro 2), `metal`, HPC families (SMT off, so half),
/// Mac (Dedicated Hosts) and unknown families. Used to size a quota increase request.
pub fn vcpus_of(instance_type: &str) -> Option<u32> {
    let lower = instance_type.trim().to_ascii_lowercase();
    let (family, size) = lower.split_once('.')?;
    let group = vcpu_group(family)?;
    if matches!(group, VcpuGroup::Hpc | VcpuGroup::Mac) {
        return None;
    }
    match size {
        "large" => Some(2),
        "xlarge" => Some(4),
        _ => size
            .strip_suffix("xlarge")
            .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|n| n.parse::<u32>().ok())
            .filter(|&n| (1..=1024).contains(&n))
            .map(|n| n * 4),
    }
}

fn is_size(size: &str) -> bool {
    match size {
        "nano" | "micro" | "small" | "medium" | "large" | "xlarge" | "metal" => true,
        _ => {
            size.starts_with("metal-")
                || size
                    .strip_suffix("xlarge")
                    .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        }
    }
}

/// First token of `text` that looks like an EC2 instance type of a known group
/// ("c5.large", "u-6tb1.metal"), lowercased.
pub fn find_instance_type(text: &str) -> Option<String> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '-'))
        .map(|t| t.trim_matches(|c| c == '.' || c == '-'))
        .find_map(|token| {
            let (family, size) = token.split_once('.')?;
            let size = size.to_ascii_lowercase();
            if !is_size(&size) || vcpu_group(family).is_none() {
                return None;
            }
            Some(format!("{}.{}", family.to_ascii_lowercase(), size))
        })
}

// ---------------------------------------------------------------------------
// Error code / message -> quota
// ---------------------------------------------------------------------------

fn normalize_code(code: &str) -> &str {
    let code = code.trim();
    let code = code
        .strip_prefix("Client.")
        .or_else(|| code.strip_prefix("Server."))
        .unwrap_or(code);
    code.strip_suffix("Exception")
        .or_else(|| code.strip_suffix("Fault"))
        .filter(|c| !c.is_empty())
        .unwrap_or(code)
}

fn normalize_service(service: Option<&str>) -> String {
    let s = service.unwrap_or("").trim().to_ascii_lowercase();
    match s.as_str() {
        "s3api" | "s3control" => "s3".to_string(),
        _ => s,
    }
}

fn vcpu_from(instance_type: Option<&str>, message: &str, spot: bool) -> Option<&'static Quota> {
    match instance_type {
        Some(t) => vcpu_quota(t, spot),
        None => find_instance_type(message).and_then(|t| vcpu_quota(&t, spot)),
    }
}

fn ebs_storage(msg: &str) -> Option<&'static Quota> {
    let words: Vec<&str> = msg
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let has = |w: &str| words.contains(&w);
    let code = if has("gp3") {
        EBS_GP3_TIB
    } else if has("gp2") {
        EBS_GP2_TIB
    } else if has("io2") {
        EBS_IO2_TIB
    } else if has("io1") {
        EBS_IO1_TIB
    } else if has("st1") {
        EBS_ST1_TIB
    } else if has("sc1") {
        EBS_SC1_TIB
    } else if has("standard") || has("magnetic") {
        EBS_STANDARD_TIB
    } else {
        return None;
    };
    must("ebs", code)
}

fn ebs_iops(msg: &str) -> Option<&'static Quota> {
    if msg.contains("io2") {
        must("ebs", EBS_IO2_IOPS)
    } else if msg.contains("io1") {
        must("ebs", EBS_IO1_IOPS)
    } else {
        None
    }
}

/// IAM LimitExceeded: "Cannot exceed quota for PoliciesPerRole: 10".
fn iam_from_message(message: &str, msg: &str) -> Option<&'static Quota> {
    if msg.contains("maximum policy size of") && msg.contains("role") {
        return by_name("iam", IAM_ROLE_INLINE_POLICY_SIZE);
    }
    let marker = "cannot exceed quota for ";
    let at = msg.find(marker)? + marker.len();
    let name: String = message[at..]
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_lowercase();
    let code = match name.as_str() {
        "policiesperrole" | "managedpoliciesperrole" | "attachedpoliciesperrole" => {
            IAM_POLICIES_PER_ROLE
        }
        "policiesperuser" | "managedpoliciesperuser" | "attachedpoliciesperuser" => {
            IAM_POLICIES_PER_USER
        }
        "rolesperaccount" | "roles" => IAM_ROLES,
        "policiesperaccount"
        | "managedpoliciesperaccount"
        | "customermanagedpoliciesperaccount" => IAM_CUSTOMER_MANAGED_POLICIES,
        "groupsperaccount" => IAM_GROUPS,
        "instanceprofilesperaccount" => IAM_INSTANCE_PROFILES,
        "servercertificatesperaccount" => IAM_SERVER_CERTIFICATES,
        "openidconnectprovidersperaccount" => IAM_OIDC_PROVIDERS,
        _ => return None,
    };
    must("iam", code)
}

fn dynamodb_from_message(msg: &str) -> Option<&'static Quota> {
    if msg.contains("online index") {
        by_name("dynamodb", DDB_ONLINE_INDEX_OPS)
    } else if msg.contains("simultaneous") || msg.contains("control plane") {
        must("dynamodb", DDB_CONTROL_PLANE)
    } else if msg.contains("global secondary ind") || msg.contains("gsi") {
        must("dynamodb", DDB_GSIS_PER_TABLE)
    } else if msg.contains("table") {
        must("dynamodb", DDB_TABLES)
    } else {
        None
    }
}

fn ecs_from_message(msg: &str) -> Option<&'static Quota> {
    if msg.contains("service") {
        must("ecs", ECS_SERVICES_PER_CLUSTER)
    } else if msg.contains("cluster") {
        must("ecs", ECS_CLUSTERS)
    } else {
        None
    }
}

fn eks_from_message(msg: &str) -> Option<&'static Quota> {
    if msg.contains("fargate") {
        must("eks", EKS_FARGATE_PROFILES)
    } else if msg.contains("nodegroup") || msg.contains("node group") {
        if msg.contains("nodes per") || msg.contains("size") {
            must("eks", EKS_NODES_PER_NODEGROUP)
        } else {
            must("eks", EKS_NODEGROUPS_PER_CLUSTER)
        }
    } else if msg.contains("cluster") {
        must("eks", EKS_CLUSTERS)
    } else {
        None
    }
}

fn is_classic_elb(svc: &str, msg: &str) -> bool {
    svc == "elb" || msg.contains("classic")
}

fn is_network_lb(msg: &str) -> bool {
    msg.contains("network load balancer") || msg.contains("type network") || msg.contains("nlb")
}

/// TooManyLoadBalancers: NLB when the message says so, Classic for the `elb`
/// service, otherwise Application Load Balancer.
fn elb_load_balancers(svc: &str, msg: &str) -> Option<&'static Quota> {
    if msg.contains("gateway load balancer") {
        None
    } else if is_network_lb(msg) {
        must("elasticloadbalancing", ELB_NLBS)
    } else if is_classic_elb(svc, msg) {
        must("elasticloadbalancing", ELB_CLBS)
    } else {
        must("elasticloadbalancing", ELB_ALBS)
    }
}

fn elb_listeners(svc: &str, msg: &str) -> Option<&'static Quota> {
    if is_network_lb(msg) {
        must("elasticloadbalancing", ELB_LISTENERS_PER_NLB)
    } else if is_classic_elb(svc, msg) {
        must("elasticloadbalancing", ELB_LISTENERS_PER_CLB)
    } else {
        must("elasticloadbalancing", ELB_LISTENERS_PER_ALB)
    }
}

/// Infer the quota from the message text alone (CloudFormation handler errors
/// such as `ServiceLimitExceeded`, generic `LimitExceeded` codes, ...).
fn infer_from_message(
    message: &str,
    msg: &str,
    svc: &str,
    instance_type: Option<&str>,
    spot: bool,
) -> Option<&'static Quota> {
    let has = |s: &str| msg.contains(s);
    // IAM.
    if has("cannot exceed quota for") || has("maximum policy size of") {
        return iam_from_message(message, msg);
    }
    // EC2 capacity.
    if has("max spot instance count exceeded") {
        return vcpu_from(instance_type, message, true);
    }
    if has("vcpu") && (has("limit") || has("quota")) {
        return vcpu_from(instance_type, message, spot);
    }
    // VPC / EC2 networking ("The maximum number of VPCs has been reached.").
    if has("egress-only internet gateway") {
        return must("vpc", VPC_EGRESS_ONLY_IGWS);
    }
    if has("maximum number of vpcs") || has("number of vpcs that you can create") {
        return must("vpc", VPC_VPCS);
    }
    if has("maximum number of internet gateways") || has("number of internet gateways") {
        return must("vpc", VPC_INTERNET_GATEWAYS);
    }
    if has("maximum number of addresses") || (has("elastic ip") && has("limit")) {
        return must("ec2", EC2_VPC_EIPS);
    }
    if has("nat gateway") && (has("maximum") || has("limit")) {
        return must("vpc", VPC_NAT_GATEWAYS_PER_AZ);
    }
    if has("rules per security group") {
        return must("vpc", VPC_SG_RULES);
    }
    if has("security groups per") && (has("interface") || has("instance")) {
        return must("vpc", VPC_SGS_PER_ENI);
    }
    if has("maximum number of security groups") || has("security group limit") {
        return must("vpc", VPC_SECURITY_GROUPS);
    }
    if has("network interfaces") && (has("maximum") || has("limit")) && svc != "lambda" {
        return must("vpc", VPC_NETWORK_INTERFACES);
    }
    if has("maximum number of subnets") {
        return must("vpc", VPC_SUBNETS_PER_VPC);
    }
    if has("maximum number of route tables") {
        return must("vpc", VPC_ROUTE_TABLES_PER_VPC);
    }
    if has("maximum number of routes") {
        return must("vpc", VPC_ROUTES_PER_TABLE);
    }
    // EBS.
    if has("storage limit of") || has("volume storage") {
        return ebs_storage(msg);
    }
    if has("maximum number of snapshots") || has("snapshot limit") {
        return must("ebs", EBS_SNAPSHOTS);
    }
    // S3.
    if has("more buckets than allowed") || has("too many buckets") {
        return must("s3", S3_BUCKETS);
    }
    // CloudFormation.
    if has("limit for stack has been exceeded")
        || (svc == "cloudformation"
            && (has("stack limit") || has("maximum number of stacks") || has("stack set")))
    {
        return if has("stack set") || has("stackset") {
            must("cloudformation", CFN_STACK_SETS)
        } else {
            must("cloudformation", CFN_STACKS)
        };
    }
    // Lambda.
    if has("code storage") {
        return must("lambda", LAMBDA_STORAGE);
    }
    if has("concurrentinvocationlimitexceeded") || has("unreservedconcurrentexecution") {
        return must("lambda", LAMBDA_CONCURRENCY);
    }
    // DynamoDB.
    if svc == "dynamodb" || has("subscriber limit exceeded") {
        return dynamodb_from_message(msg);
    }
    // EKS / ECS.
    if svc == "eks" || has("cluster limit exceeded for account") {
        return eks_from_message(msg);
    }
    if svc == "ecs" {
        return ecs_from_message(msg);
    }
    // RDS.
    if svc == "rds" {
        if has("storage") {
            return must("rds", RDS_TOTAL_STORAGE);
        }
        if has("db instance") {
            return must("rds", RDS_DB_INSTANCES);
        }
        if has("db cluster") {
            return must("rds", RDS_DB_CLUSTERS);
        }
    }
    None
}

fn looks_like_limit_code(code: &str) -> bool {
    let c = code.to_ascii_lowercase();
    c.is_empty()
        || c.contains("limit")
        || c.contains("quota")
        || c.contains("toomany")
        || c.contains("exceeded")
}

/// Quota for an error code plus context. `code` is the AWS error code (e.g.
/// "VcpuLimitExceeded", "InstanceLimitExceeded", "AddressLimitExceeded",
/// "VpcLimitExceeded", "InternetGatewayLimitExceeded", "NatGatewayLimitExceeded",
/// "SecurityGroupLimitExceeded", "RulesPerSecurityGroupLimitExceeded",
/// "NetworkInterfaceLimitExceeded", "MaxSpotInstanceCountExceeded",
/// "VolumeLimitExceeded" (EBS storage per volume type), "TooManyBuckets",
/// "CodeStorageExceededException", "ConcurrentInvocationLimitExceeded" /
/// "TooManyRequestsException" with reason ConcurrentInvocationLimitExceeded, IAM
/// "LimitExceeded" with message e.g. "Cannot exceed quota for PoliciesPerRole: 10" /
/// "RolesPerAccount" / "ManagedPoliciesPerUser"..., CloudFormation
/// "LimitExceededException" / "Limit for stack has been exceeded", DynamoDB
/// "LimitExceededException" (tables / simultaneous index creation / control plane),
/// ECS, EKS "ResourceLimitExceededException", RDS
/// "InstanceQuotaExceeded"/"DBInstanceQuotaExceeded"/"StorageQuotaExceeded", ELB
/// "TooManyLoadBalancers"/"TooManyTargetGroups"/"TooManyListeners", CFN handler
/// "ServiceLimitExceeded" with a message like "The maximum number of VPCs has been
/// reached." / "The maximum number of internet gateways has been reached.");
/// `service` the lowercase aws CLI service name if known ("ec2", "iam", ...);
/// `message` the error message text; `instance_type` and `spot` from the command
/// line or message.
///
/// The code may carry EC2's `Client.` prefix and a trailing `Exception`/`Fault`.
/// vCPU errors need an instance type (argument, or one named in the message).
/// Throttling ("RequestLimitExceeded", "Rate Exceeded" without the Lambda reason)
/// is not a quota and gives `None`.
pub fn quota_for(
    code: &str,
    service: Option<&str>,
    message: &str,
    instance_type: Option<&str>,
    spot: bool,
) -> Option<&'static Quota> {
    let code = normalize_code(code);
    let svc = normalize_service(service);
    let msg = message.to_ascii_lowercase();
    let svc = svc.as_str();
    let msg = msg.as_str();

    let direct = match code {
        // EC2 instances.
        "VcpuLimitExceeded" | "InstanceLimitExceeded" => {
            return vcpu_from(instance_type, message, spot);
        }
        "MaxSpotInstanceCountExceeded" => return vcpu_from(instance_type, message, true),
        "HostLimitExceeded" => {
            let t = instance_type
                .map(str::to_string)
                .or_else(|| find_instance_type(message));
            return t
                .filter(|t| vcpu_group(t) == Some(VcpuGroup::Mac))
                .and_then(|t| vcpu_quota(&t, false));
        }
        // EC2 / VPC networking.
        "AddressLimitExceeded" => must("ec2", EC2_VPC_EIPS),
        "VpcLimitExceeded" => must("vpc", VPC_VPCS),
        "InternetGatewayLimitExceeded" => must("vpc", VPC_INTERNET_GATEWAYS),
        "EgressOnlyInternetGatewayLimitExceeded" => must("vpc", VPC_EGRESS_ONLY_IGWS),
        "NatGatewayLimitExceeded" => must("vpc", VPC_NAT_GATEWAYS_PER_AZ),
        "SecurityGroupLimitExceeded" => {
            if msg.contains("per instance") || msg.contains("assign to an instance") {
                must("vpc", VPC_SGS_PER_ENI)
            } else {
                must("vpc", VPC_SECURITY_GROUPS)
            }
        }
        "SecurityGroupsPerInterfaceLimitExceeded" | "SecurityGroupsPerInstanceLimitExceeded" => {
            must("vpc", VPC_SGS_PER_ENI)
        }
        "RulesPerSecurityGroupLimitExceeded" => must("vpc", VPC_SG_RULES),
        "NetworkInterfaceLimitExceeded" => must("vpc", VPC_NETWORK_INTERFACES),
        "SubnetLimitExceeded" => must("vpc", VPC_SUBNETS_PER_VPC),
        "RouteTableLimitExceeded" => must("vpc", VPC_ROUTE_TABLES_PER_VPC),
        "RouteLimitExceeded" => must("vpc", VPC_ROUTES_PER_TABLE),
        "NetworkAclLimitExceeded" => must("vpc", VPC_NACLS_PER_VPC),
        "NetworkAclEntryLimitExceeded" => must("vpc", VPC_RULES_PER_NACL),
        "ActiveVpcPeeringConnectionPerVpcLimitExceeded"
        | "VpcPeeringConnectionsPerVpcLimitExceeded" => must("vpc", VPC_ACTIVE_PEERINGS_PER_VPC),
        "VpcEndpointLimitExceeded" => {
            if msg.contains("interface") {
                must("vpc", VPC_INTERFACE_ENDPOINTS_PER_VPC)
            } else if msg.contains("gateway") {
                must("vpc", VPC_GATEWAY_ENDPOINTS)
            } else {
                None
            }
        }
        "CustomerGatewayLimitExceeded" => must("ec2", EC2_CUSTOMER_GATEWAYS),
        "VpnGatewayLimitExceeded" => must("ec2", EC2_VIRTUAL_PRIVATE_GATEWAYS),
        "VpnConnectionLimitExceeded" => must("ec2", EC2_VPN_CONNECTIONS),
        // EBS.
        "VolumeLimitExceeded" => ebs_storage(msg),
        "MaxIOPSLimitExceeded" => ebs_iops(msg),
        "SnapshotLimitExceeded" => must("ebs", EBS_SNAPSHOTS),
        // S3.
        "TooManyBuckets" => must("s3", S3_BUCKETS),
        // Lambda.
        "CodeStorageExceeded" => must("lambda", LAMBDA_STORAGE),
        "ConcurrentInvocationLimitExceeded" => must("lambda", LAMBDA_CONCURRENCY),
        "TooManyRequests" => {
            if msg.contains("concurrentinvocationlimitexceeded") {
                must("lambda", LAMBDA_CONCURRENCY)
            } else {
                return None;
            }
        }
        "EniLimitReached" => must("lambda", LAMBDA_ENIS_PER_VPC),
        // IAM (also other services' LimitExceeded, see below).
        "LimitExceeded" if svc == "iam" => iam_from_message(message, msg),
        // EKS.
        "ResourceLimitExceeded" if svc == "eks" || svc.is_empty() => eks_from_message(msg),
        // RDS.
        "InstanceQuotaExceeded" | "DBInstanceQuotaExceeded" => must("rds", RDS_DB_INSTANCES),
        "StorageQuotaExceeded" => must("rds", RDS_TOTAL_STORAGE),
        "DBClusterQuotaExceeded" => must("rds", RDS_DB_CLUSTERS),
        "SnapshotQuotaExceeded" => must("rds", RDS_MANUAL_SNAPSHOTS),
        "DBSubnetGroupQuotaExceeded" => must("rds", RDS_SUBNET_GROUPS),
        "DBParameterGroupQuotaExceeded" => must("rds", RDS_PARAMETER_GROUPS),
        // Elastic Load Balancing.
        "TooManyLoadBalancers" | "TooManyAccessPoints" => elb_load_balancers(svc, msg),
        "TooManyTargetGroups" => must("elasticloadbalancing", ELB_TARGET_GROUPS),
        "TooManyListeners" => elb_listeners(svc, msg),
        "TooManyTargets" => must("elasticloadbalancing", ELB_TARGETS_PER_TG),
        "TooManyRules" => must("elasticloadbalancing", ELB_RULES_PER_ALB),
        // Throttling, not quotas.
        "RequestLimitExceeded"
        | "Throttling"
        | "ThrottlingException"
        | "ProvisionedThroughputExceeded" => return None,
        _ => None,
    };
    if direct.is_some() {
        return direct;
    }
    // Lambda PutFunctionConcurrency/CreateFunction: reserving concurrency beyond
    // what the account quota leaves unreserved.
    if msg.contains("unreservedconcurrentexecution") {
        return must("lambda", LAMBDA_CONCURRENCY);
    }
    if looks_like_limit_code(code) || msg.contains("servicelimitexceeded") {
        infer_from_message(message, msg, svc, instance_type, spot)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code_of(q: Option<&'static Quota>) -> Option<&'static str> {
        q.map(|q| q.quota_code)
    }

    fn od(t: &str) -> Option<&'static str> {
        code_of(vcpu_quota(t, false))
    }

    fn spot(t: &str) -> Option<&'static str> {
        code_of(vcpu_quota(t, true))
    }

    #[test]
    fn quota_table_is_well_formed() {
        for (i, q) in QUOTAS.iter().enumerate() {
            assert!(!q.service_code.is_empty() && !q.name.is_empty(), "{q:?}");
            if q.managed {
                let code = q.quota_code.as_bytes();
                assert_eq!(code.len(), 10, "{q:?}");
                assert!(q.quota_code.starts_with("L-"), "{q:?}");
                assert!(
                    code[2..]
                        .iter()
                        .all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(b)),
                    "{q:?}"
                );
                assert!(std::ptr::eq(
                    by_code(q.service_code, q.quota_code).unwrap(),
                    q
                ));
            } else {
                assert!(q.quota_code.is_empty(), "{q:?}");
                assert!(
                    q.default_value.is_some(),
                    "unmanaged needs a default: {q:?}"
                );
                assert!(q.console_url("us-east-1").is_none());
                assert!(q.get_command().is_none());
            }
            for other in &QUOTAS[i + 1..] {
                assert!(
                    !(q.managed && other.managed && q.quota_code == other.quota_code),
                    "duplicate code {}",
                    q.quota_code
                );
                assert!(
                    !(q.service_code == other.service_code && q.name == other.name),
                    "duplicate name {}",
                    q.name
                );
            }
        }
    }

    #[test]
    fn every_code_constant_has_an_entry() {
        use codes::*;
        let all = [
            ("ec2", EC2_OD_STANDARD),
            ("ec2", EC2_OD_F),
            ("ec2", EC2_OD_G_VT),
            ("ec2", EC2_OD_INF),
            ("ec2", EC2_OD_P),
            ("ec2", EC2_OD_X),
            ("ec2", EC2_OD_HIGH_MEMORY),
            ("ec2", EC2_OD_DL),
            ("ec2", EC2_OD_TRN),
            ("ec2", EC2_OD_HPC),
            ("ec2", EC2_SPOT_STANDARD),
            ("ec2", EC2_SPOT_F),
            ("ec2", EC2_SPOT_G_VT),
            ("ec2", EC2_SPOT_INF),
            ("ec2", EC2_SPOT_P2_P3_P4),
            ("ec2", EC2_SPOT_P5),
            ("ec2", EC2_SPOT_X),
            ("ec2", EC2_SPOT_DL),
            ("ec2", EC2_SPOT_TRN),
            ("ec2", EC2_HOSTS_MAC1),
            ("ec2", EC2_HOSTS_MAC2),
            ("ec2", EC2_HOSTS_MAC2_M2),
            ("ec2", EC2_HOSTS_MAC2_M2PRO),
            ("ec2", EC2_VPC_EIPS),
            ("ec2", EC2_CUSTOMER_GATEWAYS),
            ("ec2", EC2_VIRTUAL_PRIVATE_GATEWAYS),
            ("ec2", EC2_VPN_CONNECTIONS),
            ("vpc", VPC_VPCS),
            ("vpc", VPC_INTERNET_GATEWAYS),
            ("vpc", VPC_EGRESS_ONLY_IGWS),
            ("vpc", VPC_NAT_GATEWAYS_PER_AZ),
            ("vpc", VPC_SECURITY_GROUPS),
            ("vpc", VPC_SG_RULES),
            ("vpc", VPC_SGS_PER_ENI),
            ("vpc", VPC_NETWORK_INTERFACES),
            ("vpc", VPC_SUBNETS_PER_VPC),
            ("vpc", VPC_ROUTE_TABLES_PER_VPC),
            ("vpc", VPC_ROUTES_PER_TABLE),
            ("vpc", VPC_NACLS_PER_VPC),
            ("vpc", VPC_RULES_PER_NACL),
            ("vpc", VPC_ACTIVE_PEERINGS_PER_VPC),
            ("vpc", VPC_GATEWAY_ENDPOINTS),
            ("vpc", VPC_INTERFACE_ENDPOINTS_PER_VPC),
            ("ebs", EBS_GP2_TIB),
            ("ebs", EBS_GP3_TIB),
            ("ebs", EBS_IO1_TIB),
            ("ebs", EBS_IO2_TIB),
            ("ebs", EBS_ST1_TIB),
            ("ebs", EBS_SC1_TIB),
            ("ebs", EBS_STANDARD_TIB),
            ("ebs", EBS_IO1_IOPS),
            ("ebs", EBS_IO2_IOPS),
            ("ebs", EBS_SNAPSHOTS),
            ("lambda", LAMBDA_CONCURRENCY),
            ("lambda", LAMBDA_STORAGE),
            ("lambda", LAMBDA_ENIS_PER_VPC),
            ("iam", IAM_ROLES),
            ("iam", IAM_POLICIES_PER_ROLE),
            ("iam", IAM_POLICIES_PER_USER),
            ("iam", IAM_CUSTOMER_MANAGED_POLICIES),
            ("iam", IAM_GROUPS),
            ("iam", IAM_INSTANCE_PROFILES),
            ("iam", IAM_SERVER_CERTIFICATES),
            ("iam", IAM_OIDC_PROVIDERS),
            ("iam", IAM_ROLE_TRUST_POLICY_LENGTH),
            ("s3", S3_BUCKETS),
            ("cloudformation", CFN_STACKS),
            ("cloudformation", CFN_STACK_SETS),
            ("dynamodb", DDB_TABLES),
            ("dynamodb", DDB_CONTROL_PLANE),
            ("dynamodb", DDB_GSIS_PER_TABLE),
            ("ecs", ECS_CLUSTERS),
            ("ecs", ECS_SERVICES_PER_CLUSTER),
            ("eks", EKS_CLUSTERS),
            ("eks", EKS_NODEGROUPS_PER_CLUSTER),
            ("eks", EKS_NODES_PER_NODEGROUP),
            ("eks", EKS_FARGATE_PROFILES),
            ("rds", RDS_DB_INSTANCES),
            ("rds", RDS_TOTAL_STORAGE),
            ("rds", RDS_DB_CLUSTERS),
            ("rds", RDS_MANUAL_SNAPSHOTS),
            ("rds", RDS_SUBNET_GROUPS),
            ("rds", RDS_PARAMETER_GROUPS),
            ("elasticloadbalancing", ELB_ALBS),
            ("elasticloadbalancing", ELB_NLBS),
            ("elasticloadbalancing", ELB_CLBS),
            ("elasticloadbalancing", ELB_TARGET_GROUPS),
            ("elasticloadbalancing", ELB_LISTENERS_PER_ALB),
            ("elasticloadbalancing", ELB_LISTENERS_PER_NLB),
            ("elasticloadbalancing", ELB_LISTENERS_PER_CLB),
            ("elasticloadbalancing", ELB_TARGETS_PER_TG),
            ("elasticloadbalancing", ELB_TARGETS_PER_ALB),
            ("elasticloadbalancing", ELB_RULES_PER_ALB),
        ];
        for (svc, code) in all {
            assert!(by_code(svc, code).is_some(), "{svc}/{code}");
        }
        assert_eq!(
            all.len(),
            QUOTAS.iter().filter(|q| q.managed).count(),
            "every managed entry has a constant"
        );
        assert!(by_name("iam", IAM_ROLE_INLINE_POLICY_SIZE).is_some());
        assert!(by_name("dynamodb", DDB_ONLINE_INDEX_OPS).is_some());
    }

    #[test]
    fn by_code_lookups() {
        let q = by_code("ec2", "L-1216C47A").unwrap();
        assert_eq!(
            q.name,
            "Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances"
        );
        assert_eq!(q.default_value, Some(5.0));
        assert!(by_code("EC2", "l-1216c47a").is_some());
        assert!(by_code("vpc", "L-1216C47A").is_none(), "service must match");
        assert!(by_code("iam", "").is_none());
        assert!(by_code("ec2", "L-00000000").is_none());
        assert_eq!(
            by_code("vpc", "L-F678F1CE").unwrap().name,
            "VPCs per Region"
        );
        assert_eq!(
            by_code("ec2", "L-0263D0A3").unwrap().name,
            "EC2-VPC Elastic IPs"
        );
        assert_eq!(for_service("eks").count(), 4);
    }

    #[test]
    fn standard_families() {
        for t in [
            "t3.micro",
            "t2.nano",
            "m5.large",
            "c7gn.16xlarge",
            "r7iz.metal-16xl",
            "i4i.32xlarge",
            "im4gn.large",
            "is4gen.xlarge",
            "d3en.12xlarge",
            "h1.16xlarge",
            "z1d.metal",
            "a1.medium",
            "m7i-flex.large",
            "c5.large",
        ] {
            assert_eq!(od(t), Some("L-1216C47A"), "{t}");
            assert_eq!(spot(t), Some("L-34B43A08"), "{t}");
            assert_eq!(vcpu_group(t), Some(VcpuGroup::Standard), "{t}");
        }
    }

    #[test]
    fn accelerated_and_special_families() {
        let cases: &[(&str, Option<&str>, Option<&str>)] = &[
            ("p3.2xlarge", Some("L-417A185B"), Some("L-7212CCBC")),
            ("p2.xlarge", Some("L-417A185B"), Some("L-7212CCBC")),
            ("p3dn.24xlarge", Some("L-417A185B"), Some("L-7212CCBC")),
            ("p4d.24xlarge", Some("L-417A185B"), Some("L-7212CCBC")),
            ("p4de.24xlarge", Some("L-417A185B"), Some("L-7212CCBC")),
            ("p5.48xlarge", Some("L-417A185B"), Some("L-C4BD4855")),
            ("p5en.48xlarge", Some("L-417A185B"), Some("L-C4BD4855")),
            ("p6-b200.48xlarge", Some("L-417A185B"), None),
            ("g5.xlarge", Some("L-DB2E81BA"), Some("L-3819A6DF")),
            ("g4dn.12xlarge", Some("L-DB2E81BA"), Some("L-3819A6DF")),
            ("g6e.48xlarge", Some("L-DB2E81BA"), Some("L-3819A6DF")),
            ("gr6.4xlarge", Some("L-DB2E81BA"), Some("L-3819A6DF")),
            ("vt1.3xlarge", Some("L-DB2E81BA"), Some("L-3819A6DF")),
            ("inf2.24xlarge", Some("L-1945791B"), Some("L-B5D1601B")),
            ("inf1.xlarge", Some("L-1945791B"), Some("L-B5D1601B")),
            ("f1.2xlarge", Some("L-74FC7D96"), Some("L-88CF9481")),
            ("x2iedn.32xlarge", Some("L-7295265B"), Some("L-E3A00192")),
            ("x1e.xlarge", Some("L-7295265B"), Some("L-E3A00192")),
            ("x2gd.medium", Some("L-7295265B"), Some("L-E3A00192")),
            ("u-6tb1.metal", Some("L-43DA4232"), None),
            ("u-12tb1.112xlarge", Some("L-43DA4232"), None),
            ("u7i-12tb.224xlarge", Some("L-43DA4232"), None),
            ("dl1.24xlarge", Some("L-6E869C2A"), Some("L-85EED4F7")),
            ("dl2q.24xlarge", Some("L-6E869C2A"), Some("L-85EED4F7")),
            ("trn1.32xlarge", Some("L-2C3B7624"), Some("L-6B0D517C")),
            ("trn1n.32xlarge", Some("L-2C3B7624"), Some("L-6B0D517C")),
            ("trn2.48xlarge", Some("L-2C3B7624"), Some("L-6B0D517C")),
            ("hpc6a.48xlarge", Some("L-F7808C92"), None),
            ("hpc7g.16xlarge", Some("L-F7808C92"), None),
            ("mac1.metal", Some("L-A8448DC5"), None),
            ("mac2.metal", Some("L-5D8DADF5"), None),
            ("mac2-m2.metal", Some("L-B90B5B66"), None),
            ("mac2-m2pro.metal", Some("L-14F120D1"), None),
        ];
        for &(t, want_od, want_spot) in cases {
            assert_eq!(od(t), want_od, "on-demand {t}");
            assert_eq!(spot(t), want_spot, "spot {t}");
        }
        assert_eq!(vcpu_group("mac1.metal"), Some(VcpuGroup::Mac));
        assert_eq!(vcpu_group("u-6tb1.metal"), Some(VcpuGroup::HighMemory));
        assert_eq!(vcpu_group("hpc6a.48xlarge"), Some(VcpuGroup::Hpc));
        assert_eq!(vcpu_group("inf2.xlarge").unwrap().label(), "Inf");
    }

    #[test]
    fn instance_type_parsing_edges() {
        assert_eq!(od("P3.2XLARGE"), Some("L-417A185B"));
        assert_eq!(od("  g5.xlarge "), Some("L-DB2E81BA"));
        assert_eq!(od("p3"), Some("L-417A185B"), "family without size");
        for bad in [
            "",
            "foo.bar",
            "q9.large",
            "xyz",
            ".large",
            "c.large",
            "u-.metal",
            "m5 .large",
            "mac3.metal",
        ] {
            assert_eq!(od(bad), None, "{bad:?}");
        }
        assert_eq!(spot("mac1.metal"), None);
    }

    #[test]
    fn vcpus_by_size() {
        assert_eq!(vcpus_of("p3.2xlarge"), Some(8));
        assert_eq!(vcpus_of("P4D.24XLARGE"), Some(96));
        assert_eq!(vcpus_of("p5.48xlarge"), Some(192));
        assert_eq!(vcpus_of("g4dn.xlarge"), Some(4));
        assert_eq!(vcpus_of("m5.large"), Some(2));
        assert_eq!(vcpus_of("u-6tb1.56xlarge"), Some(224));
        assert_eq!(vcpus_of("trn1.32xlarge"), Some(128));
        for unknown in [
            "t3.micro",
            "t2.nano",
            "m5.metal",
            "hpc6a.48xlarge",
            "mac1.metal",
            "q9.large",
            "p3",
            "m5.0xlarge",
            "m5.99999999999xlarge",
        ] {
            assert_eq!(vcpus_of(unknown), None, "{unknown}");
        }
    }

    #[test]
    fn finds_instance_types_in_text() {
        assert_eq!(
            find_instance_type("Launch of c5.large failed.").as_deref(),
            Some("c5.large")
        );
        assert_eq!(
            find_instance_type("instance type (u-6tb1.metal) is not").as_deref(),
            Some("u-6tb1.metal")
        );
        assert_eq!(
            find_instance_type("'P4D.24XLARGE'").as_deref(),
            Some("p4d.24xlarge")
        );
        assert_eq!(find_instance_type("see aws.amazon.com/ec2 for more"), None);
        assert_eq!(find_instance_type("version 1.2 of m5"), None);
    }

    const VCPU_MSG: &str = "You have requested more vCPU capacity than your current vCPU limit of 32 allows for the instance bucket that the specified instance type belongs to. Please visit http://aws.amazon.com/contact-us/ec2-request to request an adjustment to this limit.";

    #[test]
    fn vcpu_errors() {
        let q = quota_for(
            "VcpuLimitExceeded",
            Some("ec2"),
            VCPU_MSG,
            Some("p3.2xlarge"),
            false,
        );
        assert_eq!(code_of(q), Some("L-417A185B"));
        let q = quota_for(
            "VcpuLimitExceeded",
            Some("ec2"),
            VCPU_MSG,
            Some("t3.large"),
            false,
        );
        assert_eq!(code_of(q), Some("L-1216C47A"));
        let q = quota_for(
            "Client.VcpuLimitExceeded",
            None,
            VCPU_MSG,
            Some("g5.xlarge"),
            true,
        );
        assert_eq!(code_of(q), Some("L-3819A6DF"));
        // No instance type anywhere: the bucket is unknown.
        assert_eq!(
            quota_for("VcpuLimitExceeded", Some("ec2"), VCPU_MSG, None, false),
            None
        );
        // Type named in the message.
        let msg = format!("{VCPU_MSG} (requested inf2.xlarge)");
        let q = quota_for("VcpuLimitExceeded", Some("ec2"), &msg, None, false);
        assert_eq!(code_of(q), Some("L-1945791B"));
        // Legacy count-based message.
        let q = quota_for(
            "InstanceLimitExceeded",
            Some("ec2"),
            "Your quota allows for 0 more running instance(s). You requested at least 1",
            Some("x2iedn.32xlarge"),
            false,
        );
        assert_eq!(code_of(q), Some("L-7295265B"));
        // Spot count errors are Spot quotas even if `spot` was not detected.
        let q = quota_for(
            "MaxSpotInstanceCountExceeded",
            Some("ec2"),
            "Max spot instance count exceeded",
            Some("p4d.24xlarge"),
            false,
        );
        assert_eq!(code_of(q), Some("L-7212CCBC"));
        let q = quota_for(
            "HostLimitExceeded",
            Some("ec2"),
            "limit",
            Some("mac2.metal"),
            false,
        );
        assert_eq!(code_of(q), Some("L-5D8DADF5"));
        assert_eq!(
            quota_for(
                "HostLimitExceeded",
                Some("ec2"),
                "",
                Some("c5.large"),
                false
            ),
            None
        );
    }

    #[test]
    fn ec2_and_vpc_codes() {
        let cases = [
            (
                "AddressLimitExceeded",
                "The maximum number of addresses has been reached.",
                "L-0263D0A3",
            ),
            (
                "VpcLimitExceeded",
                "The maximum number of VPCs has been reached.",
                "L-F678F1CE",
            ),
            (
                "InternetGatewayLimitExceeded",
                "The maximum number of internet gateways has been reached.",
                "L-A4707A72",
            ),
            ("NatGatewayLimitExceeded", "", "L-FE5A380F"),
            (
                "SecurityGroupLimitExceeded",
                "The maximum number of security groups for VPC 'vpc-1' has been reached.",
                "L-E79EC296",
            ),
            (
                "RulesPerSecurityGroupLimitExceeded",
                "The maximum number of rules per security group has been reached.",
                "L-0EA8095F",
            ),
            ("NetworkInterfaceLimitExceeded", "", "L-DF5E4CA3"),
            ("SubnetLimitExceeded", "", "L-407747CB"),
            ("RouteTableLimitExceeded", "", "L-589F43AA"),
            ("RouteLimitExceeded", "", "L-93826ACB"),
            ("NetworkAclEntryLimitExceeded", "", "L-2AEEBF1A"),
            ("SecurityGroupsPerInterfaceLimitExceeded", "", "L-2AFB9258"),
            ("SnapshotLimitExceeded", "", "L-309BACF6"),
        ];
        for (code, msg, want) in cases {
            assert_eq!(
                code_of(quota_for(code, Some("ec2"), msg, None, false)),
                Some(want),
                "{code}"
            );
        }
        assert_eq!(
            quota_for(
                "RequestLimitExceeded",
                Some("ec2"),
                "Request limit exceeded.",
                None,
                false
            ),
            None
        );
        assert_eq!(
            quota_for("VpcEndpointLimitExceeded", Some("ec2"), "", None, false),
            None
        );
    }

    #[test]
    fn ebs_volume_storage() {
        let msg = "You have exceeded your maximum io2 storage limit of 20 TiB in this region. Please contact AWS Support to request an Elastic Block Store service limit increase";
        let q = quota_for("VolumeLimitExceeded", Some("ec2"), msg, None, false).unwrap();
        assert_eq!((q.service_code, q.quota_code), ("ebs", "L-09BD8365"));
        assert_eq!(q.default_value, Some(20.0));
        for (ty, want) in [
            ("gp2", "L-D18FCD1D"),
            ("gp3", "L-7A658B76"),
            ("io1", "L-FD252861"),
            ("st1", "L-82ACEF56"),
            ("sc1", "L-17AF77E8"),
            ("standard", "L-9CF3C2EB"),
        ] {
            let msg = format!(
                "You have exceeded your maximum {ty} storage limit of 50 TiB in this region."
            );
            assert_eq!(
                code_of(quota_for(
                    "VolumeLimitExceeded",
                    Some("ec2"),
                    &msg,
                    None,
                    false
                )),
                Some(want),
                "{ty}"
            );
        }
        assert_eq!(
            quota_for(
                "VolumeLimitExceeded",
                Some("ec2"),
                "limit reached",
                None,
                false
            ),
            None
        );
    }

    #[test]
    fn cloudformation_handler_messages() {
        let msg = "Resource handler returned message: \"The maximum number of VPCs has been reached. (Service: Ec2, Status Code: 400, Request ID: 1)\" (RequestToken: 2, HandlerErrorCode: ServiceLimitExceeded)";
        assert_eq!(
            code_of(quota_for(
                "ServiceLimitExceeded",
                Some("cloudformation"),
                msg,
                None,
                false
            )),
            Some("L-F678F1CE")
        );
        // Code unknown to the caller: the handler code in the message is enough.
        assert_eq!(
            code_of(quota_for("", Some("cloudformation"), msg, None, false)),
            Some("L-F678F1CE")
        );
        assert_eq!(
            code_of(quota_for(
                "ServiceLimitExceeded",
                None,
                "The maximum number of VPCs has been reached.",
                None,
                false
            )),
            Some("L-F678F1CE")
        );
        assert_eq!(
            code_of(quota_for(
                "ServiceLimitExceeded",
                None,
                "The maximum number of internet gateways has been reached.",
                None,
                false
            )),
            Some("L-A4707A72")
        );
        assert_eq!(
            code_of(quota_for(
                "ServiceLimitExceeded",
                None,
                "The maximum number of egress-only internet gateways has been reached.",
                None,
                false
            )),
            Some("L-45FE3B85")
        );
        assert_eq!(
            code_of(quota_for(
                "ServiceLimitExceeded",
                None,
                "The maximum number of rules per security group has been reached.",
                None,
                false
            )),
            Some("L-0EA8095F")
        );
        assert_eq!(
            code_of(quota_for(
                "ServiceLimitExceeded",
                None,
                "The maximum number of addresses has been reached.",
                None,
                false
            )),
            Some("L-0263D0A3")
        );
        let q = quota_for(
            "LimitExceededException",
            Some("cloudformation"),
            "Limit for stack has been exceeded",
            None,
            false,
        );
        assert_eq!(code_of(q), Some("L-0485CB21"));
        // IAM failure surfaced through a CloudFormation resource handler.
        let msg = "Resource handler returned message: \"Cannot exceed quota for PoliciesPerRole: 10 (Service: Iam, Status Code: 409, Request ID: 1) (SDK Attempt Count: 1)\" (RequestToken: 2, HandlerErrorCode: ServiceLimitExceeded)";
        assert_eq!(
            code_of(quota_for(
                "ServiceLimitExceeded",
                Some("cloudformation"),
                msg,
                None,
                false
            )),
            Some("L-0DA4ABF3")
        );
        // Not limit-related codes are not guessed from the text.
        assert_eq!(
            quota_for("AccessDenied", Some("s3"), "too many buckets", None, false),
            None
        );
    }

    #[test]
    fn iam_limits() {
        let q = quota_for(
            "LimitExceeded",
            Some("iam"),
            "Cannot exceed quota for PoliciesPerRole: 10",
            None,
            false,
        )
        .unwrap();
        assert_eq!((q.service_code, q.quota_code), ("iam", "L-0DA4ABF3"));
        assert_eq!(q.home_region(), Some("us-east-1"));
        assert!(
            q.console_url("eu-west-1")
                .unwrap()
                .starts_with("https://us-east-1.console")
        );
        // Service not known, still an IAM message.
        assert_eq!(
            code_of(quota_for(
                "LimitExceeded",
                None,
                "Cannot exceed quota for RolesPerAccount: 1000",
                None,
                false
            )),
            Some("L-FE177D64")
        );
        assert_eq!(
            code_of(quota_for(
                "LimitExceeded",
                Some("iam"),
                "Cannot exceed quota for PoliciesPerUser: 10",
                None,
                false
            )),
            Some("L-4019AD8B")
        );
        assert_eq!(
            code_of(quota_for(
                "LimitExceeded",
                Some("iam"),
                "Cannot exceed quota for ManagedPoliciesPerUser: 10",
                None,
                false
            )),
            Some("L-4019AD8B")
        );
        let q = quota_for(
            "LimitExceeded",
            Some("iam"),
            "Maximum policy size of 10240 bytes exceeded for role my-role",
            None,
            false,
        )
        .unwrap();
        assert!(!q.managed);
        assert_eq!(q.default_value, Some(10240.0));
        assert_eq!(
            quota_for(
                "LimitExceeded",
                Some("iam"),
                "Cannot exceed quota for Unheard: 1",
                None,
                false
            ),
            None
        );
    }

    #[test]
    fn s3_and_lambda() {
        let q = quota_for(
            "TooManyBuckets",
            Some("s3api"),
            "You have attempted to create more buckets than allowed",
            None,
            false,
        )
        .unwrap();
        assert_eq!(
            (q.quota_code, q.home_region()),
            ("L-DC2B2D3D", Some("us-east-1"))
        );
        assert_eq!(
            code_of(quota_for(
                "CodeStorageExceededException",
                Some("lambda"),
                "Code storage limit exceeded.",
                None,
                false
            )),
            Some("L-2ACBD22F")
        );
        assert_eq!(
            code_of(quota_for(
                "TooManyRequestsException",
                Some("lambda"),
                "Rate Exceeded. (Reason: ConcurrentInvocationLimitExceeded)",
                None,
                false
            )),
            Some("L-B99A9384")
        );
        assert_eq!(
            code_of(quota_for(
                "ConcurrentInvocationLimitExceeded",
                Some("lambda"),
                "",
                None,
                false
            )),
            Some("L-B99A9384")
        );
        assert_eq!(
            quota_for(
                "TooManyRequestsException",
                Some("lambda"),
                "Rate Exceeded.",
                None,
                false
            ),
            None
        );
        assert_eq!(
            code_of(quota_for(
                "InvalidParameterValueException",
                Some("lambda"),
                "Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [10].",
                None,
                false
            )),
            Some("L-B99A9384")
        );
    }

    #[test]
    fn dynamodb_ecs_eks() {
        let ddb = |m: &str| {
            code_of(quota_for(
                "LimitExceededException",
                Some("dynamodb"),
                m,
                None,
                false,
            ))
        };
        assert_eq!(
            ddb(
                "Subscriber limit exceeded: Only 10 tables can be created, updated, or deleted simultaneously"
            ),
            Some("L-1BB77E89")
        );
        assert_eq!(
            ddb("Subscriber limit exceeded: There is a limit of 2500 tables per subscriber"),
            Some("L-F98FE922")
        );
        let q = quota_for(
            "LimitExceededException",
            Some("dynamodb"),
            "Subscriber limit exceeded: Only 1 online index can be created or deleted simultaneously per table",
            None,
            false,
        )
        .unwrap();
        assert!(!q.managed);
        let eks = quota_for(
            "ResourceLimitExceededException",
            Some("eks"),
            "Cluster limit exceeded for account.",
            None,
            false,
        )
        .unwrap();
        assert_eq!(
            (eks.service_code, eks.quota_code, eks.default_value),
            ("eks", "L-1194D53C", Some(100.0))
        );
        assert_eq!(
            code_of(quota_for(
                "ResourceLimitExceededException",
                None,
                "Cluster limit exceeded for account.",
                None,
                false
            )),
            Some("L-1194D53C")
        );
        assert_eq!(
            code_of(quota_for(
                "LimitExceededException",
                Some("ecs"),
                "The maximum number of services per cluster has been reached.",
                None,
                false
            )),
            Some("L-9EF96962")
        );
        assert_eq!(
            code_of(quota_for(
                "LimitExceededException",
                Some("ecs"),
                "Cluster limit reached.",
                None,
                false
            )),
            Some("L-21C621EB")
        );
    }

    #[test]
    fn rds_and_elb() {
        assert_eq!(
            code_of(quota_for(
                "InstanceQuotaExceeded",
                Some("rds"),
                "",
                None,
                false
            )),
            Some("L-7B6409FD")
        );
        assert_eq!(
            code_of(quota_for(
                "DBInstanceQuotaExceeded",
                Some("rds"),
                "",
                None,
                false
            )),
            Some("L-7B6409FD")
        );
        assert_eq!(
            code_of(quota_for(
                "InstanceQuotaExceededFault",
                Some("rds"),
                "",
                None,
                false
            )),
            Some("L-7B6409FD")
        );
        assert_eq!(
            code_of(quota_for(
                "StorageQuotaExceeded",
                Some("rds"),
                "",
                None,
                false
            )),
            Some("L-7ADDB58A")
        );
        assert_eq!(
            code_of(quota_for(
                "DBClusterQuotaExceededFault",
                Some("rds"),
                "",
                None,
                false
            )),
            Some("L-952B80B8")
        );
        let lb =
            |svc: &str, code: &str, m: &str| code_of(quota_for(code, Some(svc), m, None, false));
        assert_eq!(
            lb("elbv2", "TooManyLoadBalancers", "Exceeded quota of account"),
            Some("L-53DA6B97")
        );
        assert_eq!(
            lb(
                "elbv2",
                "TooManyLoadBalancers",
                "Network Load Balancer quota exceeded"
            ),
            Some("L-69A177A2")
        );
        assert_eq!(
            lb("elb", "TooManyLoadBalancers", "Exceeded quota of account"),
            Some("L-E9E9831D")
        );
        assert_eq!(lb("elbv2", "TooManyTargetGroups", ""), Some("L-B22855CB"));
        assert_eq!(lb("elbv2", "TooManyListeners", ""), Some("L-B6DF7632"));
        assert_eq!(lb("elb", "TooManyListeners", ""), Some("L-1A491844"));
    }

    #[test]
    fn commands_and_urls() {
        let q = by_code("ec2", "L-417A185B").unwrap();
        assert_eq!(
            q.console_url("us-west-2").unwrap(),
            "https://us-west-2.console.aws.amazon.com/servicequotas/home/services/ec2/quotas/L-417A185B"
        );
        assert_eq!(
            q.get_command().unwrap(),
            "aws service-quotas get-service-quota --service-code ec2 --quota-code L-417A185B"
        );
        assert_eq!(
            q.increase_command(96.0).unwrap(),
            "aws service-quotas request-service-quota-increase --service-code ec2 --quota-code L-417A185B --desired-value 96"
        );
        let iam = by_code("iam", "L-FE177D64").unwrap();
        assert!(iam.get_command().unwrap().ends_with("--region us-east-1"));
    }
}
