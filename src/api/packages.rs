//! `/api/v1/packages`: tender packages, with optimistic locking on change and delete.

use super::extract::{ApiJson, ApiPath, ApiQuery, Auth, IfMatch, etag};
use super::problems;
use crate::AppState;
use crate::domain::VIETNAM;
use crate::domain::scope::ScopeReason;
use crate::error::AppError;
use crate::services::packages::{
    NewPackage, PackageFilter, PackagePatch, PackageView, Replan, Transition,
};
use crate::services::sync::{ChangesRequest, DeletionsRequest, Feed, FeedPage};
use crate::services::{self, Page, PageRequest};
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use entity::{
    ContractType, Field, Method, OnlineExemptReason, PackageEventKind, PackageStatus, Procedure,
};
use serde::Serialize;
use utoipa::ToSchema;

/// Why a package is in or out of its target's scope.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScopeReasonOut {
    /// Stable code: cancelled, method_not_counted, international, two_stage, exempt, no_regime,
    /// field_never_small_scale, above_small_scale (out of scope); method_counted, small_scale (in).
    #[schema(example = "above_small_scale")]
    pub code: String,
    #[schema(example = "Gói thầu xây lắp trên 20.000.000.000 ₫ không phải gói thầu quy mô nhỏ")]
    pub message: String,
    #[schema(example = "works above 20000000000 VND is not small-scale")]
    pub message_en: String,
}

impl From<&ScopeReason> for ScopeReasonOut {
    fn from(r: &ScopeReason) -> Self {
        ScopeReasonOut {
            code: r.code().to_owned(),
            message: r.message_vi(),
            message_en: r.message_en(),
        }
    }
}

/// A warning: worth a second look, never blocking.
#[derive(Debug, Serialize, ToSchema)]
pub struct WarningOut {
    #[schema(example = "competitive_offers_above_limit")]
    pub code: String,
    pub message: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PackageOut {
    #[schema(example = 1)]
    pub id: i64,
    pub unit_id: i64,
    /// The contractor selection plan (KHLCNT) the package is in (`/api/v1/plans/{id}`), and
    /// through it its project; null when not linked to a recorded plan.
    pub plan_id: Option<i64>,
    #[schema(example = "Mua sắm thiết bị tin học cho các phòng chuyên môn UBND quận Hà Đông")]
    pub name: String,
    /// Notice number on VNEPS (e.g. IB1900012345); unique when present.
    #[schema(example = "IB1900010001")]
    pub code: Option<String>,
    /// The `-NN` of the notice's latest version on VNEPS.
    pub notice_version: Option<i16>,
    /// Date the notice was posted on VNEPS.
    pub notice_date: Option<NaiveDate>,
    /// Bid closing time, in Vietnam's time (+07:00).
    #[schema(value_type = Option<String>, format = DateTime, example = "2019-08-15T09:00:00+07:00")]
    pub bid_closing_at: Option<DateTime<FixedOffset>>,
    /// Bên mời thầu, when it is not the investor (the package's unit).
    pub procuring_entity: Option<String>,
    #[schema(example = "PL1900001234")]
    pub plan_code: Option<String>,
    #[schema(example = 2019)]
    pub plan_year: i32,
    pub planned_start_month: Option<i16>,
    pub planned_start_quarter: Option<i16>,
    pub field: Field,
    pub method: Method,
    pub procedure: Option<Procedure>,
    pub international: bool,
    /// Package price in đồng, VAT included.
    #[schema(example = 1200000000)]
    pub package_price_vnd: i64,
    pub funding_source: Option<String>,
    pub contract_type: Option<ContractType>,
    /// The contractor is (or will be) selected online on VNEPS.
    pub online: bool,
    pub online_exempt_reason: Option<OnlineExemptReason>,
    pub status: PackageStatus,
    pub result_date: Option<NaiveDate>,
    pub winning_price_vnd: Option<i64>,
    pub contractor_name: Option<String>,
    /// Number of bidders, recorded at evaluation.
    pub bidder_count: Option<i32>,
    /// Number of the decision approving the selection result.
    pub award_decision_no: Option<String>,
    /// The winner's tax code (10 digits, a branch's 10 + `-` + 3, or a 12-digit citizen id).
    pub contractor_tax_code: Option<String>,
    pub contract_duration_days: Option<i32>,
    pub cancellation_decision_no: Option<String>,
    pub cancellation_reason: Option<String>,
    pub notes: Option<String>,
    /// Increases with every change; the ETag carries it.
    #[schema(example = 1)]
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Derived: the regime of the planned selection start (law43_decree63, law22_decree24,
    /// law22_decree214), or null when none covers it.
    #[schema(example = "law43_decree63")]
    pub regime: Option<String>,
    /// Derived: small-scale (quy mô nhỏ) under that regime; null without a regime.
    pub small_scale: Option<bool>,
    /// Derived: counted by the target that applies to the package's unit and plan year; null
    /// when no target covers the year.
    pub in_target_scope: Option<bool>,
    /// Derived: why it is in or out of that target's scope.
    pub scope_reason: Option<ScopeReasonOut>,
    /// Derived: things worth a second look.
    pub warnings: Vec<WarningOut>,
    /// Derived: overdue (quá hạn tổ chức lựa chọn nhà thầu): still `planned`, no notice
    /// published, after the last day of the planned start period (the month when given, else
    /// the quarter, else the whole plan year), today's date taken in Vietnam (UTC+07:00).
    #[schema(example = false)]
    pub overdue: bool,
    /// Evidenced online: the notice is on the national system under an e-GP notice code
    /// (IB + 10 digits) with its posting date. Past planning, `online` without it is the
    /// `online_not_evidenced` warning; the result view counts only evidenced packages online.
    pub evidenced: bool,
}

impl From<PackageView> for PackageOut {
    fn from(v: PackageView) -> Self {
        let p = v.package;
        let d = v.derived;
        PackageOut {
            id: p.id,
            unit_id: p.unit_id,
            plan_id: p.plan_id,
            name: p.name,
            code: p.code,
            notice_version: p.notice_version,
            notice_date: p.notice_date,
            bid_closing_at: p
                .bid_closing_at
                .and_then(|t| t.and_local_timezone(VIETNAM).single()),
            procuring_entity: p.procuring_entity,
            plan_code: p.plan_code,
            plan_year: p.plan_year,
            planned_start_month: p.planned_start_month,
            planned_start_quarter: p.planned_start_quarter,
            field: p.field,
            method: p.method,
            procedure: p.procedure,
            international: p.international,
            package_price_vnd: p.package_price_vnd,
            funding_source: p.funding_source,
            contract_type: p.contract_type,
            online: p.online,
            online_exempt_reason: p.online_exempt_reason,
            status: p.status,
            result_date: p.result_date,
            winning_price_vnd: p.winning_price_vnd,
            contractor_name: p.contractor_name,
            bidder_count: p.bidder_count,
            award_decision_no: p.award_decision_no,
            contractor_tax_code: p.contractor_tax_code,
            contract_duration_days: p.contract_duration_days,
            cancellation_decision_no: p.cancellation_decision_no,
            cancellation_reason: p.cancellation_reason,
            notes: p.notes,
            version: p.version,
            created_at: p.created_at,
            updated_at: p.updated_at,
            regime: d.regime,
            small_scale: d.small_scale,
            in_target_scope: d.in_target_scope,
            scope_reason: d.scope_reason.as_ref().map(ScopeReasonOut::from),
            warnings: d
                .warnings
                .iter()
                .map(|w| WarningOut {
                    code: w.code().to_owned(),
                    message: w.message_vi(),
                })
                .collect(),
            overdue: d.overdue,
            evidenced: p.evidenced,
        }
    }
}

/// A page of packages: numbered (`page`, `total`), or of the change feed (`next_cursor`,
/// `has_more`) when `updated_since` or `cursor` is sent.
#[derive(Debug, Serialize, ToSchema)]
pub struct PackagePage {
    pub items: Vec<PackageOut>,
    /// This page's number, from 1 (numbered pages only).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(required = false, example = 1)]
    pub page: Option<u64>,
    #[schema(example = 50)]
    pub per_page: u64,
    /// How many items the whole list has (numbered pages only).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(required = false)]
    pub total: Option<u64>,
    /// Change feed only: send it back as `cursor` for the next page, or keep it and send it at
    /// the next sync to get what changed since. Opaque.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(required = false)]
    pub next_cursor: Option<String>,
    /// Change feed only: more changes were already waiting after this page.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(required = false)]
    pub has_more: Option<bool>,
}

impl From<Page<PackageOut>> for PackagePage {
    fn from(p: Page<PackageOut>) -> Self {
        PackagePage {
            items: p.items,
            page: Some(p.page),
            per_page: p.per_page,
            total: Some(p.total),
            next_cursor: None,
            has_more: None,
        }
    }
}

impl From<FeedPage<PackageOut>> for PackagePage {
    fn from(p: FeedPage<PackageOut>) -> Self {
        PackagePage {
            items: p.items,
            page: None,
            per_page: p.per_page,
            total: None,
            next_cursor: Some(p.next.encode(Feed::Packages)),
            has_more: Some(p.has_more),
        }
    }
}

/// A deleted package: a mirror removes its copy.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeletedPackageOut {
    #[schema(example = 1)]
    pub id: i64,
    /// The unit it belonged to when it was deleted.
    pub unit_id: i64,
    pub deleted_at: DateTime<Utc>,
}

/// A page of the deletions feed.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeletedPackagePage {
    pub items: Vec<DeletedPackageOut>,
    #[schema(example = 50)]
    pub per_page: u64,
    /// Send it back as `cursor` for the next page, or keep it for the next sync. Opaque.
    pub next_cursor: String,
    /// More deletions were already waiting after this page.
    pub has_more: bool,
}

fn with_etag(view: PackageView) -> impl IntoResponse {
    let tag = etag(view.package.version);
    ([(header::ETAG, tag)], Json(PackageOut::from(view)))
}

/// List packages
///
/// Numbered pages by default. With `updated_since` or `cursor` the list is a change feed for
/// clients that mirror bidtrack: the packages changed strictly after the instant, in the order
/// (`updated_at`, `id`), a page at a time through `next_cursor` (no `page`, no `total`; `sort`
/// may only be `updated_at`). A package changed while a client pages comes again later with its
/// new version; none is skipped. Deletions: `GET /packages/deleted`.
#[utoipa::path(operation_id = "list_packages", get, path = "/packages", tag = "packages", params(PackageFilter, PageRequest, ChangesRequest),
    responses(
        (status = 200, description = "A page of packages", body = PackagePage),
        problems::List,
    ))]
pub async fn list(
    State(state): State<AppState>,
    Auth(_): Auth,
    ApiQuery(filter): ApiQuery<PackageFilter>,
    ApiQuery(page): ApiQuery<PageRequest>,
    ApiQuery(feed): ApiQuery<ChangesRequest>,
) -> Result<Json<PackagePage>, AppError> {
    let (db, cache) = (&state.db, &state.cache);
    let page = match feed.start()? {
        None => services::packages::list(db, cache, filter, page)
            .await?
            .map(PackageOut::from)
            .into(),
        Some(from) => services::packages::changes(db, cache, filter, page, from)
            .await?
            .map(PackageOut::from)
            .into(),
    };
    Ok(Json(page))
}

/// Deleted packages
///
/// The packages deleted strictly after `deleted_since` (or from the first deletion), in the
/// order (`deleted_at`, `id`), a page at a time through `next_cursor`: what a mirror must
/// remove. Each deleted package keeps its id; ids are never given again.
#[utoipa::path(operation_id = "list_deleted_packages", get, path = "/packages/deleted", tag = "packages", params(DeletionsRequest),
    responses(
        (status = 200, description = "A page of deletions", body = DeletedPackagePage),
        problems::List,
    ))]
pub async fn deleted(
    State(state): State<AppState>,
    Auth(_): Auth,
    ApiQuery(request): ApiQuery<DeletionsRequest>,
) -> Result<Json<DeletedPackagePage>, AppError> {
    let page = services::sync::deletions(&state.db, request).await?;
    Ok(Json(DeletedPackagePage {
        next_cursor: page.next.encode(Feed::Deletions),
        has_more: page.has_more,
        per_page: page.per_page,
        items: page
            .items
            .into_iter()
            .map(|d| DeletedPackageOut {
                id: d.id,
                unit_id: d.unit_id,
                deleted_at: d.deleted_at,
            })
            .collect(),
    }))
}

/// Create a package
///
/// Required: `unit_id`, `name`, `plan_year`, `field`, `method`, `package_price_vnd`, `online`.
/// The domain rules apply: an awarded package needs its result date and a winning price not
/// above the package price; consulting cannot use competitive offers; and so on.
#[utoipa::path(operation_id = "create_package", post, path = "/packages", tag = "packages", request_body = NewPackage,
    responses(
        (status = 201, description = "Created", body = PackageOut, headers(
            ("Location" = String, description = "URL of the new package"),
            ("ETag" = String, description = "Version tag for If-Match"))),
        problems::Create,
    ))]
pub async fn create(
    State(state): State<AppState>,
    Auth(actor): Auth,
    ApiJson(body): ApiJson<NewPackage>,
) -> Result<impl IntoResponse, AppError> {
    let view = services::packages::create(&state.db, &actor, body).await?;
    let location = format!("/api/v1/packages/{}", view.package.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        with_etag(view),
    ))
}

/// Get a package
#[utoipa::path(operation_id = "get_package", get, path = "/packages/{id}", tag = "packages", params(("id" = i64, Path, description = "Package id")),
    responses(
        (status = 200, description = "The package", body = PackageOut, headers(("ETag" = String, description = "Version tag for If-Match"))),
        problems::Get,
    ))]
pub async fn get(
    State(state): State<AppState>,
    Auth(_): Auth,
    ApiPath(id): ApiPath<i64>,
) -> Result<impl IntoResponse, AppError> {
    Ok(with_etag(
        services::packages::get(&state.db, &state.cache, id).await?,
    ))
}

/// Change a package
///
/// A JSON merge patch: absent fields stay, `null` clears an optional field. Send the ETag from
/// `GET` in `If-Match`; if someone saved in between, the answer is 412 and nothing changes.
#[utoipa::path(operation_id = "update_package", patch, path = "/packages/{id}", tag = "packages",
    params(("id" = i64, Path, description = "Package id"),
           ("If-Match" = String, Header, description = "The ETag of the version being changed, e.g. \"3\"")),
    request_body(content = PackagePatch, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "The changed package", body = PackageOut, headers(("ETag" = String, description = "The new version tag"))),
        problems::Update, problems::Locked,
    ))]
pub async fn update(
    State(state): State<AppState>,
    Auth(actor): Auth,
    ApiPath(id): ApiPath<i64>,
    IfMatch(version): IfMatch,
    ApiJson(body): ApiJson<PackagePatch>,
) -> Result<impl IntoResponse, AppError> {
    Ok(with_etag(
        services::packages::update(&state.db, &actor, id, version, body).await?,
    ))
}

/// Move a package along its life
///
/// planned → notice_published → under_evaluation → awarded, forward only (steps may be
/// skipped), or to cancelled from any of them. Each step needs what the law asks at that step,
/// set here in `fields` or already on the package: a published notice its notice code and
/// posting date; an award its decision number, date, winning price and contractor; a
/// cancellation its reason. An impossible move, or one missing something, is 422 naming it.
/// The move is recorded as an event (`GET /packages/{id}/events`).
#[utoipa::path(operation_id = "transition_package", post, path = "/packages/{id}/transitions", tag = "packages",
    params(("id" = i64, Path, description = "Package id"),
           ("If-Match" = String, Header, description = "The ETag of the version being moved, e.g. \"3\"")),
    request_body = Transition,
    responses(
        (status = 200, description = "The moved package", body = PackageOut, headers(("ETag" = String, description = "The new version tag"))),
        problems::Update, problems::Locked,
    ))]
pub async fn transition(
    State(state): State<AppState>,
    Auth(actor): Auth,
    ApiPath(id): ApiPath<i64>,
    IfMatch(version): IfMatch,
    ApiJson(body): ApiJson<Transition>,
) -> Result<impl IntoResponse, AppError> {
    Ok(with_etag(
        services::packages::transition(&state.db, &actor, id, version, body).await?,
    ))
}

/// Re-plan a package
///
/// Another plan year, month or quarter for the selection's start, with the reason and the
/// plan adjustment's decision when there is one. The compliance figures of both years change;
/// the event (`GET /packages/{id}/events`) explains them. An edit (`PATCH`) cannot change the
/// planned start.
#[utoipa::path(operation_id = "replan_package", post, path = "/packages/{id}/replan", tag = "packages",
    params(("id" = i64, Path, description = "Package id"),
           ("If-Match" = String, Header, description = "The ETag of the version being re-planned, e.g. \"3\"")),
    request_body = Replan,
    responses(
        (status = 200, description = "The re-planned package", body = PackageOut, headers(("ETag" = String, description = "The new version tag"))),
        problems::Update, problems::Locked,
    ))]
pub async fn replan(
    State(state): State<AppState>,
    Auth(actor): Auth,
    ApiPath(id): ApiPath<i64>,
    IfMatch(version): IfMatch,
    ApiJson(body): ApiJson<Replan>,
) -> Result<impl IntoResponse, AppError> {
    Ok(with_etag(
        services::packages::replan(&state.db, &actor, id, version, body).await?,
    ))
}

/// An event of a package's life: a status move or a re-planning.
#[derive(Debug, Serialize, ToSchema)]
pub struct PackageEventOut {
    pub id: i64,
    pub kind: PackageEventKind,
    pub from_status: Option<PackageStatus>,
    pub to_status: Option<PackageStatus>,
    pub from_year: Option<i32>,
    pub from_month: Option<i16>,
    pub from_quarter: Option<i16>,
    pub to_year: Option<i32>,
    pub to_month: Option<i16>,
    pub to_quarter: Option<i16>,
    pub reason: Option<String>,
    pub decision_no: Option<String>,
    pub decision_date: Option<NaiveDate>,
    /// Who; null for the system (the command line) or a deleted account.
    pub user_id: Option<i64>,
    pub at: DateTime<Utc>,
}

/// A package's life
///
/// Its events, oldest first: every status move (who, when, from, to, the decision) and every
/// re-planning (from, to, why).
#[utoipa::path(operation_id = "list_package_events", get, path = "/packages/{id}/events", tag = "packages",
    params(("id" = i64, Path, description = "Package id")),
    responses(
        (status = 200, description = "The package's events", body = Vec<PackageEventOut>),
        problems::Get,
    ))]
pub async fn events(
    State(state): State<AppState>,
    Auth(_): Auth,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<PackageEventOut>>, AppError> {
    let events = services::packages::events(&state.db, id).await?;
    Ok(Json(
        events
            .into_iter()
            .map(|e| PackageEventOut {
                id: e.id,
                kind: e.kind,
                from_status: e.from_status,
                to_status: e.to_status,
                from_year: e.from_year,
                from_month: e.from_month,
                from_quarter: e.from_quarter,
                to_year: e.to_year,
                to_month: e.to_month,
                to_quarter: e.to_quarter,
                reason: e.reason,
                decision_no: e.decision_no,
                decision_date: e.decision_date,
                user_id: e.user_id,
                at: e.at,
            })
            .collect(),
    ))
}

/// Delete a package
#[utoipa::path(operation_id = "delete_package", delete, path = "/packages/{id}", tag = "packages",
    params(("id" = i64, Path, description = "Package id"),
           ("If-Match" = String, Header, description = "The ETag of the version being deleted, e.g. \"3\"")),
    responses(
        (status = 204, description = "Deleted"),
        problems::Get, problems::Locked,
    ))]
pub async fn delete(
    State(state): State<AppState>,
    Auth(actor): Auth,
    ApiPath(id): ApiPath<i64>,
    IfMatch(version): IfMatch,
) -> Result<StatusCode, AppError> {
    services::packages::delete(&state.db, &actor, id, version).await?;
    Ok(StatusCode::NO_CONTENT)
}
