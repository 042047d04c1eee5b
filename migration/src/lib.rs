//! Database migrations of bidtrack. A landed migration is never edited: add a new one.

pub use sea_orm_migration::prelude::*;

mod m20261126_000001_create_tables;
mod m20261126_000002_seed_regimes_and_targets;
mod m20261126_000003_accounts_and_audit;
mod m20261126_000004_compliance_index;
mod m20261126_000005_data_version;
mod m20261126_000006_compliance_index_with_id;
mod m20261127_000007_expiry_indexes;
mod m20261206_000009_target_roadmap;
mod m20261206_000010_sync_indexes;
mod m20261206_000011_planned_quarter;
mod m20261208_000012_import_results;
mod m20261209_000013_projects_and_plans;
mod m20261209_000014_package_record;
mod m20261210_000015_package_plans;

/// What migration 000015 names the project it files typed plan codes under, and that name
/// folded for search (a test checks it against the application's folding).
pub use m20261210_000015_package_plans::{
    BACKFILL_PROJECT_NAME, BACKFILL_PROJECT_SEARCH, file_plan_codes,
};
mod m20261210_000016_evidenced;
mod m20261211_000017_unit_successions;
mod m20261212_000018_summary_index;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261126_000001_create_tables::Migration),
            Box::new(m20261126_000002_seed_regimes_and_targets::Migration),
            Box::new(m20261126_000003_accounts_and_audit::Migration),
            Box::new(m20261126_000004_compliance_index::Migration),
            Box::new(m20261126_000005_data_version::Migration),
            Box::new(m20261126_000006_compliance_index_with_id::Migration),
            Box::new(m20261127_000007_expiry_indexes::Migration),
            Box::new(m20261206_000009_target_roadmap::Migration),
            Box::new(m20261206_000010_sync_indexes::Migration),
            Box::new(m20261206_000011_planned_quarter::Migration),
            Box::new(m20261208_000012_import_results::Migration),
            Box::new(m20261209_000013_projects_and_plans::Migration),
            Box::new(m20261209_000014_package_record::Migration),
            Box::new(m20261210_000015_package_plans::Migration),
            Box::new(m20261210_000016_evidenced::Migration),
            Box::new(m20261211_000017_unit_successions::Migration),
            Box::new(m20261212_000018_summary_index::Migration),
        ]
    }
}
