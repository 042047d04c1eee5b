//! The filtered, sorted list of packages (API, register, reports), its change feed, and the
//! export that reads a filter chunk by chunk.

use crate::db;
use crate::db::packages::{ListFilter, ScopeSegment, SortColumn};
use crate::domain::overdue::today_key;
use crate::domain::target::TargetRule;
use crate::domain::text::fold;
use crate::error::{AppError, FieldError};
use crate::services::cache::{Cache, Reference};
use crate::services::sync::{self, FeedPage, Position};
use crate::services::{Page, PageRequest, clean, contains_pattern, today_in_vietnam};
use chrono::NaiveDate;
use entity::{Field, Method, PackageStatus, ProjectGroup, ProjectKind, package};
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::Arc;

use super::derive::{Describer, PackageView, describe};
use sea_orm::ConnectionTrait;

/// `sort` values: a column, descending with a leading `-`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
pub enum PackageSort {
    #[default]
    #[serde(rename = "id")]
    IdAsc,
    #[serde(rename = "-id")]
    IdDesc,
    #[serde(rename = "name")]
    NameAsc,
    #[serde(rename = "-name")]
    NameDesc,
    #[serde(rename = "code")]
    CodeAsc,
    #[serde(rename = "-code")]
    CodeDesc,
    #[serde(rename = "plan_year")]
    PlanYearAsc,
    #[serde(rename = "-plan_year")]
    PlanYearDesc,
    #[serde(rename = "package_price_vnd")]
    PriceAsc,
    #[serde(rename = "-package_price_vnd")]
    PriceDesc,
    #[serde(rename = "winning_price_vnd")]
    WinningPriceAsc,
    #[serde(rename = "-winning_price_vnd")]
    WinningPriceDesc,
    #[serde(rename = "result_date")]
    ResultDateAsc,
    #[serde(rename = "-result_date")]
    ResultDateDesc,
    #[serde(rename = "status")]
    StatusAsc,
    #[serde(rename = "-status")]
    StatusDesc,
    #[serde(rename = "method")]
    MethodAsc,
    #[serde(rename = "-method")]
    MethodDesc,
    #[serde(rename = "field")]
    FieldAsc,
    #[serde(rename = "-field")]
    FieldDesc,
    #[serde(rename = "created_at")]
    CreatedAtAsc,
    #[serde(rename = "-created_at")]
    CreatedAtDesc,
    #[serde(rename = "updated_at")]
    UpdatedAtAsc,
    #[serde(rename = "-updated_at")]
    UpdatedAtDesc,
}

impl PackageSort {
    /// (column, descending)
    pub const fn column(self) -> (SortColumn, bool) {
        use PackageSort::*;
        match self {
            IdAsc => (SortColumn::Id, false),
            IdDesc => (SortColumn::Id, true),
            NameAsc => (SortColumn::Name, false),
            NameDesc => (SortColumn::Name, true),
            CodeAsc => (SortColumn::Code, false),
            CodeDesc => (SortColumn::Code, true),
            PlanYearAsc => (SortColumn::PlanYear, false),
            PlanYearDesc => (SortColumn::PlanYear, true),
            PriceAsc => (SortColumn::PackagePriceVnd, false),
            PriceDesc => (SortColumn::PackagePriceVnd, true),
            WinningPriceAsc => (SortColumn::WinningPriceVnd, false),
            WinningPriceDesc => (SortColumn::WinningPriceVnd, true),
            ResultDateAsc => (SortColumn::ResultDate, false),
            ResultDateDesc => (SortColumn::ResultDate, true),
            StatusAsc => (SortColumn::Status, false),
            StatusDesc => (SortColumn::Status, true),
            MethodAsc => (SortColumn::Method, false),
            MethodDesc => (SortColumn::Method, true),
            FieldAsc => (SortColumn::Field, false),
            FieldDesc => (SortColumn::Field, true),
            CreatedAtAsc => (SortColumn::CreatedAt, false),
            CreatedAtDesc => (SortColumn::CreatedAt, true),
            UpdatedAtAsc => (SortColumn::UpdatedAt, false),
            UpdatedAtDesc => (SortColumn::UpdatedAt, true),
        }
    }
}

/// Which packages to list; also the query parameters of the list and its report.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PackageFilter {
    /// The unit's whole subtree.
    pub unit_id: Option<i64>,
    pub plan_year: Option<i32>,
    pub method: Option<Method>,
    pub field: Option<Field>,
    pub online: Option<bool>,
    pub status: Option<PackageStatus>,
    /// In (true) or out of (false) the scope of the target that applies to each package;
    /// packages of years without a target match neither.
    pub in_target_scope: Option<bool>,
    /// Overdue (true) or not (false): still planned after the last day of the planned start
    /// period (its month, else its quarter, else its plan year), today's date taken in Vietnam.
    pub overdue: Option<bool>,
    /// Evidenced online (true: the notice is on the national system under an e-GP code, with
    /// its posting date), or declared online past planning without that evidence (false).
    pub evidenced: Option<bool>,
    /// In this contractor selection plan (KHLCNT). Packages without a plan match none of the
    /// plan and project filters.
    pub plan_id: Option<i64>,
    /// In a plan of this project.
    pub project_id: Option<i64>,
    /// In a plan of a project of this kind (investment project, recurrent procurement, other).
    pub project_kind: Option<ProjectKind>,
    /// In a plan of an investment project of this group.
    pub project_group: Option<ProjectGroup>,
    /// Name or notice code, with or without diacritics (`ha dong` finds `Hà Đông`).
    pub q: Option<String>,
    /// A column, descending with a leading `-`; ties by id. Default: by id.
    pub sort: Option<PackageSort>,
}

pub async fn list(
    db: &impl ConnectionTrait,
    cache: &Cache,
    filter: PackageFilter,
    page: PageRequest,
) -> Result<Page<PackageView>, AppError> {
    let (page, per_page) = page.resolve()?;
    let today = today_in_vietnam();
    let reference = filter_context(db, cache, &filter).await?;
    let segments = scope_segments_if(db, &filter, &reference.rules).await?;
    let list_filter = list_filter(&filter, segments, &reference, today);
    let (items, total) = db::packages::list(
        db,
        &list_filter,
        filter.sort.unwrap_or_default().column(),
        page,
        per_page,
    )
    .await?;
    Ok(Page {
        items: describe(db, cache, items, today).await?,
        page,
        per_page,
        total,
    })
}

/// The change feed: packages the filter matches changed after `from`, in (`updated_at`, `id`)
/// order, a page at a time. No total: counting every remaining row on every page would cost
/// a scan of them per page of a first full copy.
pub async fn changes(
    db: &impl ConnectionTrait,
    cache: &Cache,
    filter: PackageFilter,
    page: PageRequest,
    from: Position,
) -> Result<FeedPage<PackageView>, AppError> {
    if filter.sort.is_some_and(|s| s != PackageSort::UpdatedAtAsc) {
        return Err(AppError::Validation(vec![FieldError::new(
            "sort",
            "not_with_cursor",
            "Khi đọc theo updated_since hoặc cursor, danh sách luôn theo thứ tự updated_at rồi id \
             (sort chỉ có thể là updated_at)",
        )]));
    }
    let per_page = sync::feed_page(page)?;
    let today = today_in_vietnam();
    let reference = filter_context(db, cache, &filter).await?;
    let segments = scope_segments_if(db, &filter, &reference.rules).await?;
    let mut list_filter = list_filter(&filter, segments, &reference, today);
    list_filter.after = Some((from.at, from.id));
    let rows = db::packages::list_after(db, &list_filter, per_page + 1).await?;
    let changes = FeedPage::from_rows(rows, per_page, from, |p: &package::Model| Position {
        at: p.updated_at,
        id: p.id,
    });
    let FeedPage {
        items,
        per_page,
        next,
        has_more,
    } = changes;
    Ok(FeedPage {
        items: describe(db, cache, items, today).await?,
        per_page,
        next,
        has_more,
    })
}

/// Every package the filter matches, read in chunks so an export's memory does not grow with
/// its rows: the ordered ids first (8 bytes a package), then the packages chunk by chunk.
pub struct Export {
    ids: Vec<i64>,
    next: usize,
    describer: Describer,
}

/// Packages per chunk of an export.
const EXPORT_CHUNK: usize = 1_000;

impl Export {
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// The next chunk, or `None` when every package has been read.
    pub async fn next_chunk(
        &mut self,
        db: &impl ConnectionTrait,
    ) -> Result<Option<Vec<PackageView>>, AppError> {
        if self.next >= self.ids.len() {
            return Ok(None);
        }
        let end = (self.next + EXPORT_CHUNK).min(self.ids.len());
        let models = db::packages::by_ids(db, &self.ids[self.next..end]).await?;
        self.next = end;
        Ok(Some(
            models.into_iter().map(|p| self.describer.view(p)).collect(),
        ))
    }
}

pub async fn export(
    db: &(impl ConnectionTrait + sea_orm::StreamTrait),
    cache: &Cache,
    filter: PackageFilter,
) -> Result<Export, AppError> {
    // One day for the whole export, however long its chunks take to read.
    let today = today_in_vietnam();
    let reference = filter_context(db, cache, &filter).await?;
    let segments = scope_segments_if(db, &filter, &reference.rules).await?;
    let list_filter = list_filter(&filter, segments, &reference, today);
    let ids = db::packages::ids(db, &list_filter, filter.sort.unwrap_or_default().column()).await?;
    Ok(Export {
        ids,
        next: 0,
        describer: Describer {
            reference: reference.clone(),
            today,
        },
    })
}

/// The reference data a filter needs, after checking that its unit, plan and project exist.
async fn filter_context(
    db: &impl ConnectionTrait,
    cache: &Cache,
    filter: &PackageFilter,
) -> Result<Arc<Reference>, AppError> {
    use sea_orm::EntityTrait;
    if let Some(plan) = filter.plan_id
        && entity::selection_plan::Entity::find_by_id(plan)
            .one(db)
            .await?
            .is_none()
    {
        return Err(AppError::Validation(vec![FieldError::new(
            "plan_id",
            "unknown_plan",
            format!("Không có kế hoạch lựa chọn nhà thầu với mã số {plan}"),
        )]));
    }
    if let Some(project) = filter.project_id
        && entity::project::Entity::find_by_id(project)
            .one(db)
            .await?
            .is_none()
    {
        return Err(AppError::Validation(vec![FieldError::new(
            "project_id",
            "unknown_project",
            format!("Không có dự án với mã số {project}"),
        )]));
    }
    let units: Vec<i64> = filter.unit_id.into_iter().collect();
    let reference = cache.reference(db, &units).await?;
    if let Some(unit) = filter.unit_id
        && !reference.knows_unit(unit)
    {
        crate::services::require_unit(db, "unit_id", unit).await?;
    }
    Ok(reference)
}

async fn scope_segments_if<'a>(
    db: &impl ConnectionTrait,
    filter: &PackageFilter,
    rules: &'a [TargetRule],
) -> Result<Vec<ScopeSegment<'a>>, AppError> {
    match filter.in_target_scope {
        Some(_) => scope_segments(db, rules).await,
        None => Ok(Vec::new()),
    }
}

fn list_filter<'a>(
    filter: &PackageFilter,
    segments: Vec<ScopeSegment<'a>>,
    reference: &'a Reference,
    today: NaiveDate,
) -> ListFilter<'a> {
    let regimes = &reference.regimes;
    ListFilter {
        units: filter
            .unit_id
            .map(|root| db::compliance::Subtree::new(root, reference.subtree(root))),
        plan_year: filter.plan_year,
        method: filter.method,
        field: filter.field,
        online: filter.online,
        status: filter.status,
        plans: db::packages::PlanFilter {
            plan_id: filter.plan_id,
            project_id: filter.project_id,
            project_kind: filter.project_kind,
            project_group: filter.project_group,
        },
        search_pattern: clean(filter.q.clone()).map(|q| contains_pattern(&fold(&q))),
        in_target_scope: filter.in_target_scope.map(|want| (want, segments, regimes)),
        overdue: filter.overdue.map(|want| (want, today_key(today))),
        evidenced: filter.evidenced,
        after: None,
    }
}

/// The target rules in the order `most_specific` prefers them, each with the units it can
/// apply to: rules attached to deeper units first, then national ones; among rules of one unit,
/// the later start, then the newer rule. For each target, the first of its segments matching a
/// package's unit and year is the rule `in_force` picks for it.
async fn scope_segments<'a>(
    db: &impl ConnectionTrait,
    rules: &'a [TargetRule],
) -> Result<Vec<ScopeSegment<'a>>, AppError> {
    let mut keyed = Vec::with_capacity(rules.len());
    let attached: Vec<i64> = rules.iter().filter_map(|r| r.unit_id).collect();
    let lineages = db::units::lineages(db, &attached).await?;
    let mut subtrees: HashMap<i64, Vec<i64>> = HashMap::new();
    for rule in rules {
        let depth = match rule.unit_id {
            Some(unit) => {
                if let std::collections::hash_map::Entry::Vacant(slot) = subtrees.entry(unit) {
                    slot.insert(db::units::subtree_ids(db, unit).await?);
                }
                lineages.get(&unit).map_or(0, Vec::len) as i64
            }
            None => -1,
        };
        keyed.push((depth, rule));
    }
    keyed.sort_by(|(da, a), (db_, b)| {
        db_.cmp(da)
            .then(b.year_from.cmp(&a.year_from))
            .then(b.id.cmp(&a.id))
    });
    Ok(keyed
        .into_iter()
        .map(|(_, rule)| ScopeSegment {
            units: rule.unit_id.and_then(|u| subtrees.get(&u).cloned()),
            rule,
        })
        .collect())
}
