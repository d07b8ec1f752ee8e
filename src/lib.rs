//! awsx as a library: the pure parts (classify, advise, report) and the probes, so that
//! tests and benchmarks can call them directly. The binary is a thin dispatcher.

pub mod advise;
pub mod capture;
pub mod classify;
pub mod cli;
pub mod command;
pub mod config;
pub mod diagnose;
pub mod doctor;
pub mod evaluate;
pub mod failure;
pub mod findings;
pub mod grant;
pub mod helpers;
pub mod invocation;
pub mod knowledge;
pub mod locate;
pub mod plan;
pub mod policy;
pub mod probe;
pub mod quota_cmd;
pub mod report;
pub mod report_file;
pub mod run;
pub mod sanitize;
