//! `packages`: tender packages (gói thầu) of a unit's contractor selection plan.

use crate::enums::*;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "packages")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub unit_id: i64,
    /// The contractor selection plan (KHLCNT) the package is in, and through it its project;
    /// its project's unit is the package's unit or above it (checked by the application).
    pub plan_id: Option<i64>,
    pub name: String,
    /// Notice number on VNEPS (e.g. IB1900012345); unique when present. An e-GP code is kept
    /// without its version suffix, which is `notice_version`.
    #[sea_orm(unique)]
    pub code: Option<String>,
    /// The `-NN` of the notice's latest version on VNEPS.
    pub notice_version: Option<i16>,
    pub plan_code: Option<String>,
    pub plan_year: i32,
    pub planned_start_month: Option<i16>,
    /// A quarter (1–4) given instead of a month; never both.
    pub planned_start_quarter: Option<i16>,
    pub field: Field,
    pub method: Method,
    pub procedure: Option<Procedure>,
    pub international: bool,
    pub package_price_vnd: i64,
    pub funding_source: Option<String>,
    pub contract_type: Option<ContractType>,
    pub online: bool,
    pub online_exempt_reason: Option<OnlineExemptReason>,
    pub status: PackageStatus,
    pub result_date: Option<Date>,
    pub winning_price_vnd: Option<i64>,
    pub contractor_name: Option<String>,
    /// Bên mời thầu, when it is not the investor (the package's unit).
    pub procuring_entity: Option<String>,
    pub notice_date: Option<Date>,
    /// Vietnam's local time (UTC+7), as notices state it.
    pub bid_closing_at: Option<DateTime>,
    pub bidder_count: Option<i32>,
    pub award_decision_no: Option<String>,
    pub contractor_tax_code: Option<String>,
    pub contract_duration_days: Option<i32>,
    pub cancellation_decision_no: Option<String>,
    pub cancellation_reason: Option<String>,
    /// Written by the application from `code` and `notice_date`: the notice is on the national
    /// system under an e-GP code, with its posting date.
    pub evidenced: bool,
    pub notes: Option<String>,
    pub version: i32,
    /// Name and code folded for search (lower case, no diacritics); written by the application.
    pub search_text: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::unit::Entity",
        from = "Column::UnitId",
        to = "super::unit::Column::Id"
    )]
    Unit,
    #[sea_orm(
        belongs_to = "super::selection_plan::Entity",
        from = "Column::PlanId",
        to = "super::selection_plan::Column::Id"
    )]
    Plan,
}

impl Related<super::unit::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Unit.def()
    }
}

impl Related<super::selection_plan::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Plan.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
