//! Data tables the classifier and advice draw on, with sources in docs/.

pub mod iam_reference;
pub mod quotas;
pub mod service_models;
