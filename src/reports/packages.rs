//! The package list report: the filters of `GET /api/v1/packages`, every column of the data model
//! and the derived ones, enums and regimes by their Vietnamese names, instants in Vietnam's time.
//! The money columns are totalled under the list (XLSX, print); print keeps the columns that
//! fit an A4 page across.

use super::generated_line;
use super::table::{Cell, Column, Kind, Row, Table, VIETNAM};
use crate::domain::fields::package::{PackageField, UNIT_CODE};
use crate::error::AppError;
use crate::services;
use crate::services::packages::{PackageFilter, PackageView};
use sea_orm::ConnectionTrait;
use std::collections::HashMap;

/// A column showing a field of the package, headed as the field table heads it.
fn field(f: PackageField, kind: Kind) -> Column {
    Column::new(f.wire(), f.spec().header(), kind)
}

fn columns() -> Vec<Column> {
    use PackageField as F;
    vec![
        Column::new("id", "Mã số", Kind::Code).not_printed(),
        Column::new("unit_code", UNIT_CODE, Kind::Text).not_printed(),
        Column::new("unit_name", PackageField::UnitId.short(), Kind::Text),
        field(F::Name, Kind::Text),
        field(F::Code, Kind::Text),
        field(F::NoticeVersion, Kind::Code).not_printed(),
        field(F::NoticeDate, Kind::Date).not_printed(),
        field(F::BidClosingAt, Kind::DateTime).not_printed(),
        field(F::ProcuringEntity, Kind::Text).not_printed(),
        field(F::PlanId, Kind::Text).not_printed(),
        field(F::PlanCode, Kind::Text).not_printed(),
        field(F::PlanYear, Kind::Code).not_printed(),
        field(F::PlannedStartMonth, Kind::Code).not_printed(),
        field(F::PlannedStartQuarter, Kind::Code).not_printed(),
        field(F::Field, Kind::Text),
        field(F::Method, Kind::Text),
        field(F::Procedure, Kind::Text).not_printed(),
        field(F::International, Kind::Bool).not_printed(),
        field(F::PackagePrice, Kind::Money).summed(),
        field(F::FundingSource, Kind::Text).not_printed(),
        field(F::ContractType, Kind::Text).not_printed(),
        field(F::Online, Kind::Bool),
        field(F::OnlineExemptReason, Kind::Text).not_printed(),
        field(F::Status, Kind::Text),
        field(F::ResultDate, Kind::Date).not_printed(),
        field(F::WinningPrice, Kind::Money).summed(),
        Column::new("savings_vnd", "Tiết kiệm (đồng)", Kind::Money).summed(),
        field(F::ContractorName, Kind::Text),
        field(F::BidderCount, Kind::Code).not_printed(),
        field(F::AwardDecisionNo, Kind::Text).not_printed(),
        field(F::ContractorTaxCode, Kind::Text).not_printed(),
        field(F::ContractDurationDays, Kind::Code).not_printed(),
        field(F::CancellationDecisionNo, Kind::Text).not_printed(),
        field(F::CancellationReason, Kind::Text).not_printed(),
        field(F::Notes, Kind::Text).not_printed(),
        Column::new("regime", "Quy định áp dụng", Kind::Text).not_printed(),
        Column::new("small_scale", "Quy mô nhỏ", Kind::Bool).not_printed(),
        Column::new("in_target_scope", "Thuộc phạm vi chỉ tiêu", Kind::Bool),
        Column::new("scope_reason", "Lý do", Kind::Text).not_printed(),
        Column::new("warnings", "Lưu ý", Kind::Text).not_printed(),
        // Not printed: the printed list already has the twelve columns an A4 page holds across.
        Column::new("overdue", "Quá hạn tổ chức LCNT", Kind::Bool).not_printed(),
        Column::new("version", "Phiên bản", Kind::Code).not_printed(),
        Column::new("updated_at", "Cập nhật lúc", Kind::DateTime).not_printed(),
    ]
}

fn opt(s: Option<impl Into<String>>) -> Cell {
    s.map_or(Cell::Empty, Cell::text)
}

fn int(n: Option<impl Into<i64>>) -> Cell {
    n.map_or(Cell::Empty, |n| Cell::Int(n.into()))
}

fn row(
    v: PackageView,
    units: &HashMap<i64, (String, String)>,
    plans: &HashMap<i64, String>,
    regimes: &HashMap<String, String>,
) -> Row {
    let p = v.package;
    let d = v.derived;
    let (unit_code, unit_name) = units.get(&p.unit_id).cloned().unwrap_or_default();
    let savings = match (p.status, p.winning_price_vnd) {
        (entity::PackageStatus::Awarded, Some(w)) => {
            Cell::Money(i128::from(p.package_price_vnd) - i128::from(w))
        }
        _ => Cell::Empty,
    };
    Row::data(vec![
        Cell::Int(p.id),
        Cell::text(unit_code),
        Cell::text(unit_name),
        Cell::text(p.name),
        opt(p.code),
        int(p.notice_version),
        Cell::Date(p.notice_date),
        Cell::DateTime(
            p.bid_closing_at
                .and_then(|t| t.and_local_timezone(VIETNAM).single()),
        ),
        opt(p.procuring_entity),
        opt(p.plan_id.and_then(|id| plans.get(&id).cloned())),
        opt(p.plan_code),
        Cell::Int(i64::from(p.plan_year)),
        p.planned_start_month
            .map_or(Cell::Empty, |m| Cell::Int(i64::from(m))),
        p.planned_start_quarter
            .map_or(Cell::Empty, |q| Cell::Int(i64::from(q))),
        Cell::label(p.field.label_vi()),
        Cell::label(p.method.label_vi()),
        p.procedure
            .map_or(Cell::Empty, |x| Cell::label(x.label_vi())),
        Cell::Bool(Some(p.international)),
        Cell::Money(p.package_price_vnd.into()),
        opt(p.funding_source),
        p.contract_type
            .map_or(Cell::Empty, |x| Cell::label(x.label_vi())),
        Cell::Bool(Some(p.online)),
        p.online_exempt_reason
            .map_or(Cell::Empty, |x| Cell::label(x.label_vi())),
        Cell::label(p.status.label_vi()),
        Cell::Date(p.result_date),
        p.winning_price_vnd
            .map_or(Cell::Empty, |w| Cell::Money(w.into())),
        savings,
        opt(p.contractor_name),
        int(p.bidder_count),
        opt(p.award_decision_no),
        opt(p.contractor_tax_code),
        int(p.contract_duration_days),
        opt(p.cancellation_decision_no),
        opt(p.cancellation_reason),
        opt(p.notes),
        // The name a reader knows the law by; the code only if a regime vanished meanwhile.
        opt(d
            .regime
            .map(|code| regimes.get(&code).cloned().unwrap_or(code))),
        Cell::Bool(d.small_scale),
        Cell::Bool(d.in_target_scope),
        d.scope_reason
            .as_ref()
            .map_or(Cell::Empty, |r| Cell::text(r.message_vi())),
        Cell::text(
            d.warnings
                .iter()
                .map(|w| w.message_vi())
                .collect::<Vec<_>>()
                .join("; "),
        ),
        Cell::Bool(Some(d.overdue)),
        Cell::Int(i64::from(p.version)),
        Cell::DateTime(Some(p.updated_at.with_timezone(&VIETNAM))),
    ])
}

/// A package list being read: its heading (a `Table` without rows) and the rows still to come,
/// chunk by chunk, so writers can stream it.
pub struct PackageReport {
    pub head: Table,
    units: HashMap<i64, (String, String)>,
    /// Plan id → its code (its name for a plan without one).
    plans: HashMap<i64, String>,
    /// Regime code → name.
    regimes: HashMap<String, String>,
    export: services::packages::Export,
}

impl PackageReport {
    /// The next chunk of rows, or `None` at the end.
    pub async fn next_rows(
        &mut self,
        db: &impl ConnectionTrait,
    ) -> Result<Option<Vec<Row>>, AppError> {
        Ok(self.export.next_chunk(db).await?.map(|views| {
            views
                .into_iter()
                .map(|v| row(v, &self.units, &self.plans, &self.regimes))
                .collect()
        }))
    }

    /// The whole report as a workbook, in an anonymous temporary file rewound to its start,
    /// and the number of packages in it.
    ///
    /// The sheet is written on a blocking thread fed chunk by chunk: writing the rows' XML and
    /// zipping the workbook (seconds for a province's year) would otherwise hold one of the
    /// server's few async workers, and the next chunk is read while the last is written.
    pub async fn into_xlsx(
        mut self,
        db: &impl ConnectionTrait,
    ) -> Result<(std::fs::File, usize), AppError> {
        let mut xlsx = super::xlsx::Stream::begin(&self.head).map_err(anyhow::Error::from)?;
        // `None` asks for the workbook; a channel closed without it (the reading failed, or
        // the request was dropped) abandons it unfinished.
        let (tx, mut rx) = tokio::sync::mpsc::channel::<Option<Vec<Row>>>(2);
        let writer =
            tokio::task::spawn_blocking(move || -> anyhow::Result<Option<std::fs::File>> {
                while let Some(message) = rx.blocking_recv() {
                    match message {
                        Some(rows) => xlsx.push(&rows)?,
                        None => return Ok(Some(xlsx.finish()?)),
                    }
                }
                Ok(None)
            });
        let mut count = 0;
        while let Some(rows) = self.next_rows(db).await? {
            count += rows.len();
            if tx.send(Some(rows)).await.is_err() {
                // The writer stopped on an error, which its result carries.
                break;
            }
        }
        // An error here is the writer's, which its result carries too.
        let _ = tx.send(None).await;
        drop(tx);
        let file = writer
            .await
            .map_err(|e| anyhow::anyhow!("the workbook writer stopped: {e}"))??
            .ok_or_else(|| anyhow::anyhow!("the workbook writer stopped before the end"))?;
        Ok((file, count))
    }

    /// Every row, in one table (JSON and HTML, which are not streamed).
    pub async fn collect(mut self, db: &impl ConnectionTrait) -> Result<Table, AppError> {
        let mut table = std::mem::replace(&mut self.head, empty());
        while let Some(rows) = self.next_rows(db).await? {
            table.rows.extend(rows);
        }
        Ok(table)
    }
}

fn empty() -> Table {
    Table {
        title: String::new(),
        scope: Vec::new(),
        columns: Vec::new(),
        rows: Vec::new(),
        file_stem: String::new(),
    }
}

/// Opens the list of every package the filter matches (its `sort` applies).
pub async fn open(
    db: &(impl ConnectionTrait + sea_orm::StreamTrait),
    filter: PackageFilter,
    generated_at: chrono::DateTime<chrono::Utc>,
) -> Result<PackageReport, AppError> {
    use entity::{selection_plan as plan, unit};
    use sea_orm::EntityTrait;
    use sea_orm::QuerySelect;
    // Only the columns a row shows: a province has thousands of units and plans.
    let units: HashMap<i64, (String, String)> = unit::Entity::find()
        .select_only()
        .columns([unit::Column::Id, unit::Column::Code, unit::Column::Name])
        .into_tuple::<(i64, String, String)>()
        .all(db)
        .await?
        .into_iter()
        .map(|(id, code, name)| (id, (code, name)))
        .collect();
    // Every plan: a few per unit and year, where the packages are a thousand times as many.
    let plans: HashMap<i64, String> = plan::Entity::find()
        .select_only()
        .columns([plan::Column::Id, plan::Column::Code, plan::Column::Name])
        .into_tuple::<(i64, Option<String>, String)>()
        .all(db)
        .await?
        .into_iter()
        .map(|(id, code, name)| (id, code.unwrap_or(name)))
        .collect();
    let regimes: HashMap<String, String> = entity::regime::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.code, r.name))
        .collect();
    let (code, name) = match filter.unit_id.and_then(|id| units.get(&id)) {
        Some((code, name)) => (code.clone(), name.clone()),
        None => ("TAT-CA".to_owned(), "Tất cả đơn vị".to_owned()),
    };
    let year = filter
        .plan_year
        .map_or_else(|| "tat-ca-nam".to_owned(), |y| y.to_string());
    let plan_year = filter
        .plan_year
        .map_or_else(|| "Tất cả".to_owned(), |y| y.to_string());
    // The plan and project filters, said in the heading as the list was cut.
    let mut cut: Vec<(String, String)> = Vec::new();
    if let Some(id) = filter.project_id {
        let name = entity::project::Entity::find_by_id(id)
            .one(db)
            .await?
            .map_or_else(|| id.to_string(), |j| j.name);
        cut.push(("Dự án".to_owned(), name));
    }
    if let Some(id) = filter.plan_id {
        let plan = plans.get(&id).cloned().unwrap_or_else(|| id.to_string());
        cut.push((PackageField::PlanId.short().to_owned(), plan));
    }
    if let Some(kind) = filter.project_kind {
        cut.push(("Loại dự án".to_owned(), kind.label_vi().to_owned()));
    }
    if let Some(group) = filter.project_group {
        cut.push(("Nhóm dự án".to_owned(), group.label_vi().to_owned()));
    }
    let export = services::packages::export(db, &services::cache::Cache::default(), filter).await?;
    let head = Table {
        title: format!("Danh sách gói thầu – {name}"),
        scope: vec![
            (
                PackageField::UnitId.short().to_owned(),
                format!("{name} ({code})"),
            ),
            (PackageField::PlanYear.short().to_owned(), plan_year),
        ]
        .into_iter()
        .chain(cut)
        .chain([
            ("Số gói thầu".to_owned(), export.len().to_string()),
            ("Lập lúc".to_owned(), generated_line(generated_at)),
        ])
        .collect(),
        columns: columns(),
        rows: Vec::new(),
        file_stem: format!("danh-sach-goi-thau_{code}_{year}"),
    };
    Ok(PackageReport {
        head,
        units,
        plans,
        regimes,
        export,
    })
}

/// Every package the filter matches, in one table.
pub async fn build(
    db: &(impl ConnectionTrait + sea_orm::StreamTrait),
    filter: PackageFilter,
    generated_at: chrono::DateTime<chrono::Utc>,
) -> Result<Table, AppError> {
    open(db, filter, generated_at).await?.collect(db).await
}
