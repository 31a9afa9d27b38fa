//! Backstage software templates (`scaffolder.backstage.io/v1beta3`) run locally.

pub mod expr;
