//! `/api/v1/reports/*`: the finance department's reports as JSON, CSV, XLSX or printable HTML.

use super::extract::{ApiQuery, Auth};
use super::problems;
use crate::AppState;
use crate::domain::compliance::View;
use crate::error::{AppError, FieldError};
use crate::reports::summary::MoneyUnit;
use crate::reports::{self, Format, Rendered};
use crate::services::packages::PackageFilter;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// A report as JSON: what it covers, its columns, and its rows keyed by column.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportJson {
    pub title: String,
    pub scope: Vec<ScopeLine>,
    pub columns: Vec<ColumnJson>,
    pub rows: Vec<RowJson>,
}

/// The compliance report as JSON: its three tables, each keyed by `part`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ComplianceReportJson {
    pub parts: Vec<ReportPartJson>,
}

/// One table of a report of several.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportPartJson {
    /// `units`, `methods` or `fields`.
    pub part: reports::compliance::Part,
    #[serde(flatten)]
    pub table: ReportJson,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ScopeLine {
    pub label: String,
    pub value: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ColumnJson {
    pub key: String,
    /// Vietnamese header.
    pub header: String,
    /// text, integer, code (a whole number that names: id, year, month, version), money (whole
    /// đồng or millions), percent (string, two decimals, truncated), bool, date, date_time (RFC
    /// 3339 in Vietnam's time, +07:00).
    pub kind: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RowJson {
    /// data, subtotal or total.
    pub kind: String,
    /// Depth of a unit row in the tree.
    pub level: u32,
    /// Values by column key: integers, strings (shares, dates, text), booleans or null.
    #[schema(value_type = Object)]
    pub cells: serde_json::Map<String, serde_json::Value>,
}

/// An XLSX workbook (binary).
#[derive(Debug, ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct XlsxFile(pub Vec<u8>);

/// Answers a rendered report: spreadsheets as downloads, JSON and HTML inline, each with a file
/// name that says what it is.
pub(super) fn respond(r: Rendered, format: Format) -> Response {
    let disposition = match format {
        Format::Csv | Format::Xlsx => "attachment",
        Format::Json | Format::Html => "inline",
    };
    let mut response = (
        [
            (header::CONTENT_TYPE, r.content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("{disposition}; filename=\"{}\"", r.file_name),
            ),
        ],
        r.bytes,
    )
        .into_response();
    if format == Format::Html {
        // The printable report is one self-contained file: its stylesheet is inline, nothing
        // else may load or run.
        response.headers_mut().insert(
            header::CONTENT_SECURITY_POLICY,
            header::HeaderValue::from_static(
                "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'",
            ),
        );
    }
    response
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ComplianceReportQuery {
    pub unit_id: i64,
    #[param(minimum = 2000, maximum = 2100, example = 2019)]
    pub year: i32,
    pub view: Option<View>,
    /// How many levels below the unit to list (0: the unit only). Default 1.
    #[param(minimum = 0, maximum = 10)]
    pub depth: Option<u32>,
    /// Default json.
    pub format: Option<Format>,
    /// Which table a CSV holds (`units` by default); JSON, XLSX and HTML hold them all.
    pub part: Option<reports::compliance::Part>,
    /// The first year of the trend part (`trend`, sheet "Xu hướng"), which ends at `year`.
    /// Default: seven years before `year`.
    #[param(minimum = 2000, maximum = 2100, example = 2019)]
    pub from: Option<i32>,
    /// The trend counts the unit's predecessors that passed to it whole (see
    /// `GET /compliance/trend`). Default false.
    pub comparable: Option<bool>,
}

const MAX_DEPTH: u32 = 10;

/// Compliance report
///
/// Four tables (XLSX sheets): the unit and each unit of its subtree down to `depth` (the units
/// of the year: a unit that did not exist in the year is listed only when it holds packages of
/// it, marked), the methods, the fields, and the unit's trend from `from` to `year` (the table
/// of `GET /compliance/trend`). Each row has the figures of every package counted, then per
/// target in force: in scope, online, share, target, verdict and shortfall, by count and by
/// value (a child under its own rule, named; a method or field the target does not count left
/// blank). The same figures as `GET /api/v1/compliance`. CSV holds one table (`part`). The HTML format adds a
/// chart of the children's online shares against the first target.
#[utoipa::path(operation_id = "report_compliance", get, path = "/reports/compliance", tag = "reports", params(ComplianceReportQuery),
    responses(
        (status = 200, description = "The report, in the format asked",
            headers(("Content-Disposition" = String, description = "inline or attachment, with a file name such as tuan-thu-qua-mang_HN-HADONG_2019.xlsx")),
            content(
                (ComplianceReportJson = "application/json"),
                (String = "text/csv"),
                (XlsxFile = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
                (String = "text/html"),
            )),
        problems::Compliance,
    ))]
pub async fn compliance(
    State(state): State<AppState>,
    Auth(_): Auth,
    ApiQuery(q): ApiQuery<ComplianceReportQuery>,
) -> Result<Response, AppError> {
    let depth = q.depth.unwrap_or(1);
    if depth > MAX_DEPTH {
        return Err(AppError::Validation(vec![FieldError::new(
            "depth",
            "range",
            format!("Số cấp phải từ 0 đến {MAX_DEPTH}"),
        )]));
    }
    let format = q.format.unwrap_or_default();
    let c = crate::services::compliance::compute(
        &state.db,
        q.unit_id,
        q.year,
        q.view.unwrap_or_default(),
    )
    .await?;
    let trend = crate::services::trend::trend(
        &state.db,
        crate::services::trend::TrendRequest {
            unit_id: q.unit_id,
            from: q
                .from
                .unwrap_or_else(|| crate::services::trend::default_from(q.year)),
            to: q.year,
            view: q.view.unwrap_or_default(),
            comparable: q.comparable.unwrap_or(false),
        },
    )
    .await?;
    let now = Utc::now();
    let trend = reports::trend::table(&trend, now);
    let parts = reports::compliance::parts(&c, depth, Some(trend), now);
    let chart = reports::html::Chart::compliance(&c);
    Ok(respond(
        reports::render_parts(&parts, format, chart.as_ref(), q.part.map(|p| p.as_str()))?,
        format,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SummaryReportQuery {
    pub unit_id: i64,
    #[param(minimum = 2000, maximum = 2100, example = 2019)]
    pub year: i32,
    pub view: Option<View>,
    /// `dong` (default) or `million`: prices are rounded per line, savings are the rounded package
    /// price − the rounded winning price, totals add the rounded lines.
    pub unit: Option<MoneyUnit>,
    pub format: Option<Format>,
}

/// Annual summary (Biểu 01/02)
///
/// Rows by field × method with a subtotal per field and a grand total; for online, not online
/// and both: over the packages with a result, their number, Σ package price, Σ winning price,
/// savings (package price − winning price) and the savings rate (savings / package price); then
/// the number and Σ package price of the packages without a result.
#[utoipa::path(operation_id = "report_summary", get, path = "/reports/summary", tag = "reports", params(SummaryReportQuery),
    responses(
        (status = 200, description = "The report, in the format asked",
            headers(("Content-Disposition" = String, description = "inline or attachment, with a file name such as tong-hop-lcnt_HN_2019.csv")),
            content(
                (ReportJson = "application/json"),
                (String = "text/csv"),
                (XlsxFile = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
                (String = "text/html"),
            )),
        problems::Compliance,
    ))]
pub async fn summary(
    State(state): State<AppState>,
    Auth(_): Auth,
    ApiQuery(q): ApiQuery<SummaryReportQuery>,
) -> Result<Response, AppError> {
    let format = q.format.unwrap_or_default();
    let table = reports::summary::build(
        &state.db,
        q.unit_id,
        q.year,
        q.view.unwrap_or_default(),
        q.unit.unwrap_or_default(),
        Utc::now(),
    )
    .await?;
    Ok(respond(reports::render(&table, format, None)?, format))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AnnualReportQuery {
    pub unit_id: i64,
    #[param(minimum = 2000, maximum = 2100, example = 2019)]
    pub year: i32,
    /// `year` (default: results up to 31 December) or `half` (up to 30 June).
    pub period: Option<reports::annual::Period>,
    /// Default json.
    pub format: Option<Format>,
    /// Which table a CSV holds (`investment` by default); JSON, XLSX and HTML hold both.
    pub part: Option<reports::annual::AnnualPart>,
}

/// Official report on contractor selection
///
/// The yearly report (or its six-month variant) in the layout of the circular's forms
/// (Thông tư 23/2024/TT-BKHĐT, reconstructed): Biểu 1 for packages of investment projects with
/// column groups by project group (national key, A, B, C, total), Biểu 2 for recurrent
/// procurement; rows by field (part I) and by method, domestic or international (part II), each
/// split online / not online, with totals; number of packages, Σ package price, Σ winning price
/// and the difference in millions of đồng (and exact đồng in JSON), the savings rate in every
/// total. Packages of the unit's subtree and the plan year; results dated up to the period's
/// end. The reconciliation accounts for every package of that scope (no result yet, no project,
/// cancelled) and equals the package list's totals; the comparison sets the online results
/// against the targets and the roadmap and lists the units below target. XLSX: one sheet per
/// table, ready to print and sign.
#[utoipa::path(operation_id = "report_annual", get, path = "/reports/annual", tag = "reports", params(AnnualReportQuery),
    responses(
        (status = 200, description = "The report, in the format asked",
            headers(("Content-Disposition" = String, description = "inline or attachment, with a file name such as bao-cao-dau-thau_HN-HADONG_2019.xlsx")),
            content(
                (reports::annual::AnnualReport = "application/json"),
                (String = "text/csv"),
                (XlsxFile = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
                (String = "text/html"),
            )),
        problems::Compliance,
    ))]
pub async fn annual(
    State(state): State<AppState>,
    Auth(_): Auth,
    ApiQuery(q): ApiQuery<AnnualReportQuery>,
) -> Result<Response, AppError> {
    let format = q.format.unwrap_or_default();
    let report = reports::annual::build(
        &state.db,
        q.unit_id,
        q.year,
        q.period.unwrap_or_default(),
        Utc::now(),
    )
    .await?;
    Ok(respond(
        reports::annual::render(&report, format, q.part.unwrap_or_default())?,
        format,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FormatQuery {
    /// Default json.
    pub format: Option<Format>,
}

/// Package list
///
/// Every package the filters of `GET /api/v1/packages` match, with every column and the derived
/// ones.
#[utoipa::path(operation_id = "report_packages", get, path = "/reports/packages", tag = "reports", params(PackageFilter, FormatQuery),
    responses(
        (status = 200, description = "The report, in the format asked",
            headers(("Content-Disposition" = String, description = "inline or attachment, with a file name such as danh-sach-goi-thau_HN-HADONG_2019.xlsx")),
            content(
                (ReportJson = "application/json"),
                (String = "text/csv"),
                (XlsxFile = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
                (String = "text/html"),
            )),
        problems::List,
    ))]
pub async fn packages(
    State(state): State<AppState>,
    Auth(_): Auth,
    ApiQuery(filter): ApiQuery<PackageFilter>,
    ApiQuery(f): ApiQuery<FormatQuery>,
) -> Result<Response, AppError> {
    let format = f.format.unwrap_or_default();
    let report = reports::packages::open(&state.db, filter, Utc::now()).await?;
    match format {
        Format::Csv => {
            let name = format!("{}.csv", report.head.file_stem);
            let header = reports::csv::header(&report.head).map_err(anyhow::Error::from)?;
            // The rows follow the header chunk by chunk as they are read: memory stays flat
            // whatever the size of the list. An error after the first byte can only cut the
            // download short; it is logged.
            let db = state.db.clone();
            let rows =
                futures_util::stream::try_unfold((report, db), |(mut report, db)| async move {
                    match report.next_rows(&db).await {
                        Ok(Some(rows)) => {
                            let bytes = reports::csv::rows(&rows).map_err(std::io::Error::other)?;
                            Ok(Some((axum::body::Bytes::from(bytes), (report, db))))
                        }
                        Ok(None) => Ok(None),
                        Err(e) => {
                            tracing::error!(error = %e, "package list export failed mid-stream");
                            Err(std::io::Error::other(e.to_string()))
                        }
                    }
                });
            let first = futures_util::stream::once(async move {
                Ok::<_, std::io::Error>(axum::body::Bytes::from(header))
            });
            let body = axum::body::Body::from_stream(futures_util::StreamExt::chain(first, rows));
            Ok((
                [
                    (header::CONTENT_TYPE, Format::Csv.content_type().to_owned()),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("attachment; filename=\"{name}\""),
                    ),
                ],
                body,
            )
                .into_response())
        }
        Format::Xlsx => {
            let name = format!("{}.xlsx", report.head.file_stem);
            let (file, _) = report.into_xlsx(&state.db).await?;
            let length = file.metadata().map_err(anyhow::Error::from)?.len();
            // Sent from its temporary file: the workbook is never whole in memory.
            let body = axum::body::Body::from_stream(tokio_util::io::ReaderStream::new(
                tokio::fs::File::from_std(file),
            ));
            Ok((
                [
                    (header::CONTENT_TYPE, Format::Xlsx.content_type().to_owned()),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("attachment; filename=\"{name}\""),
                    ),
                    (header::CONTENT_LENGTH, length.to_string()),
                ],
                body,
            )
                .into_response())
        }
        Format::Json | Format::Html => {
            let table = report.collect(&state.db).await?;
            Ok(respond(reports::render(&table, format, None)?, format))
        }
    }
}
