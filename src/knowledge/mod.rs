//! Data tables the classifier and advice draw on, with sources in docs/.

pub mod quotas;
