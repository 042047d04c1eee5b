//! sea-orm entities and the persisted enums of bidtrack: data only, no behaviour beyond labels.
//!
//! Every enum has one stable snake_case wire name used in the database, JSON, CSV and form values,
//! and a Vietnamese label. Both come from the single table in [`enums`].

pub mod api_token;
pub mod audit_log;
pub mod deleted_package;
pub mod enums;
pub mod import_result;
pub mod login_failure;
pub mod package;
pub mod package_event;
pub mod plan_adjustment;
pub mod project;
pub mod regime;
pub mod selection_plan;
pub mod session;
pub mod target_rule;
pub mod target_rule_method;
pub mod unit;
pub mod unit_succession;
pub mod user;

pub use enums::*;
