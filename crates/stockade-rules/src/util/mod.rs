//! Facts shared by several rules.

pub mod date;
