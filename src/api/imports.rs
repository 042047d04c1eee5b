//! `/api/v1/imports/packages`: a CSV or XLSX package list in, all rows or none written; the
//! template to fill. `/api/v1/units/import`: a unit structure the same way.

use super::extract::Auth;
use crate::AppState;
use crate::error::{AppError, Problem};
use crate::services::imports::units::{self as unit_import, UnitImportReport};
use crate::services::imports::{self, ImportOptions, ImportReport};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, IntoResponses, ToSchema};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// Check every row and report what would happen; write nothing.
    pub dry_run: Option<bool>,
    /// The unit (code) of every row without a unit code; the file then needs no unit column.
    /// When the file names the investor ("Chủ đầu tư"), its name is looked up in this unit's
    /// subtree instead.
    pub unit: Option<String>,
    /// The plan year of every row without one (a file with no plan year column); without it,
    /// such a file takes each row's year from its notice posting date.
    #[param(minimum = 2000, maximum = 2100)]
    pub year: Option<i32>,
    /// `csv` answers the error list as CSV instead of JSON.
    pub errors: Option<ErrorsFormat>,
}

#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorsFormat {
    Json,
    Csv,
}

/// The answer when any row is wrong: a problem document listing every row error; nothing was
/// written.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportProblem {
    #[serde(flatten)]
    pub problem: Problem,
    /// Present when rows are wrong (absent when the file as a whole cannot be read).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(required = false)]
    pub report: Option<ImportReport>,
}

#[derive(IntoResponses)]
pub enum ImportProblems {
    /// A malformed query string or multipart body.
    #[response(status = 400, content_type = "application/problem+json")]
    BadRequest(Problem),
    /// A package the file updates was edited by someone else while the file was being checked
    /// (`changed_during_import`); nothing was written, and importing the file again applies it
    /// to the edited package.
    #[response(status = 409, content_type = "application/problem+json")]
    Changed(Problem),
    /// Larger than the import limit (50 MB unless configured).
    #[response(status = 413, content_type = "application/problem+json")]
    TooLarge(Problem),
    /// Nothing was written. Either the file cannot be read (`code`: `not_utf8` naming the
    /// guessed encoding, `unknown_delimiter`, `empty_file`, `missing_columns` listing them,
    /// `unreadable_file`, `duplicate_column`, `invalid_ocds`; `file_over_limits` when it has more
    /// rows, columns, cell bytes, decompressed bytes or shared strings than an import reads, the
    /// message naming the limit), or rows are wrong (`import_rejected`, with every error's row,
    /// column and value in `report.errors`: a row that would change a package of a unit the
    /// caller may not write is one).
    #[response(status = 422, content_type = "application/problem+json")]
    Rejected(ImportProblem),
}

/// Import packages
///
/// A CSV (UTF-8; `,`, `;` or tab) or XLSX file, as the raw body or as the `file` part of a
/// `multipart/form-data` body. Headers may be Vietnamese or English (see the template); values may
/// be wire names, Vietnamese labels or the national system's codes; money as `1.234.567.000`,
/// `1,234,567,000`, digits or with unit words (`1,2 tỷ`, `850 triệu`), with or without `VND`,
/// `đồng`, `₫`; a planned start as a month or a quarter (`Quý II`); dates as `dd/mm/yyyy` or
/// ISO, with or without a time. Every row is checked before anything is written, then all rows
/// are written in one transaction. A row is the same package as a stored one with the same
/// notice code (else plan code and name, else unit, year and name): re-importing a file
/// updates, never duplicates.
///
/// Lists in the national e-procurement system's shape are read as they are: the header is the
/// first of the first 20 rows naming at least three known columns (`header_row`), the rows
/// above it, a row numbering the columns and the total rows at the end are not packages
/// (`skipped_rows`), an STT column is known and not read, and the system's own headers and
/// values are understood ("Hình thức dự thầu": Qua mạng / Không qua mạng; "Chào hàng cạnh tranh
/// trong nước", "Đấu thầu rộng rãi quốc tế", "Chỉ định thầu rút gọn"). Without a unit code
/// column a row's unit is found by the name of its investor ("Chủ đầu tư"), without
/// diacritics and case, within `unit`'s subtree when given. Without a plan year column the year
/// is `year`, else each row's notice posting date's (`year_source`). Of the versions of one
/// notice (`IB1800012345-00`, `-01`) the highest in the file wins and one older than stored is
/// not applied (`not_applied`). The answer (a dry run's too) maps every column of the file to
/// what bidtrack reads it as (`mapping`; `ignored_columns` are those it does not read).
#[utoipa::path(operation_id = "import_packages", post, path = "/imports/packages", tag = "imports",
    params(ImportQuery),
    request_body(content(
        (String = "text/csv"),
        (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (Vec<u8> = "application/octet-stream"),
    )),
    responses((status = 200, description = "Imported (or, with dry_run, what would be)", body = ImportReport), ImportProblems))]
pub async fn packages(
    State(state): State<AppState>,
    Auth(actor): Auth,
    super::extract::ApiQuery(q): super::extract::ApiQuery<ImportQuery>,
    request: Request,
) -> Result<Response, AppError> {
    // Who may import is known before a byte of the file is read.
    imports::require_import(&actor)?;
    let bytes = file_bytes(request, &state).await?;
    let sheet = imports::read_file_blocking(bytes, state.settings.import_bounds).await?;
    let options = ImportOptions {
        dry_run: q.dry_run.unwrap_or(false),
        unit: q.unit,
        year: q.year,
    };
    let report = imports::import_packages(&state.db, &actor, sheet, options, &|_| {}).await?;
    if report.errors.is_empty() {
        return Ok(Json(report).into_response());
    }
    if matches!(q.errors, Some(ErrorsFormat::Csv)) {
        let csv = crate::reports::csv::import_errors(&report.errors)
            .map_err(|e| AppError::Internal(e.into()))?;
        return Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"loi-nhap-goi-thau.csv\"",
                ),
            ],
            csv,
        )
            .into_response());
    }
    Ok(rejected(report))
}

/// The problem of a file with `errors` row errors.
fn rejection(status: StatusCode, errors: usize) -> Problem {
    Problem {
        kind: "/problems/import_rejected".to_owned(),
        title: "Unprocessable Entity".to_owned(),
        status: status.as_u16(),
        detail: format!("{errors} lỗi trong tệp; chưa ghi gì. Sửa các dòng được nêu rồi nhập lại."),
        code: "import_rejected".to_owned(),
        errors: Vec::new(),
        request_id: crate::ops::request_id(),
    }
}

pub fn rejected(report: ImportReport) -> Response {
    let status = StatusCode::UNPROCESSABLE_ENTITY;
    let problem = rejection(status, report.errors.len());
    let body = serde_json::to_vec(&ImportProblem {
        problem,
        report: Some(report),
    })
    .unwrap_or_default();
    (
        status,
        [(header::CONTENT_TYPE, "application/problem+json")],
        body,
    )
        .into_response()
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UnitImportQuery {
    /// Check every row and report what would happen; write nothing.
    pub dry_run: Option<bool>,
}

/// The answer when any row of a unit file is wrong: every row error; nothing was written.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnitImportProblem {
    #[serde(flatten)]
    pub problem: Problem,
    /// Present when rows are wrong (absent when the file as a whole cannot be read).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(required = false)]
    pub report: Option<UnitImportReport>,
}

#[derive(IntoResponses)]
pub enum UnitImportProblems {
    /// A malformed query string or multipart body.
    #[response(status = 400, content_type = "application/problem+json")]
    BadRequest(Problem),
    /// Larger than the import limit (50 MB unless configured).
    #[response(status = 413, content_type = "application/problem+json")]
    TooLarge(Problem),
    /// Nothing was written. Either the file cannot be read (as for a package import:
    /// `not_utf8`, `unknown_delimiter`, `empty_file`, `missing_columns`, `unreadable_file`,
    /// `duplicate_column`, `file_over_limits`), or rows are wrong (`import_rejected`, with every
    /// error's row, column and value in `report.errors`).
    #[response(status = 422, content_type = "application/problem+json")]
    Rejected(UnitImportProblem),
}

/// Load a unit structure
///
/// A CSV or XLSX file of units (administrators only), as the raw body or the `file` part of a
/// `multipart/form-data` body: `code`, `name`, `kind` (required), `parent_code`, `valid_from`,
/// `valid_to`, `successor_codes` (several separated by `;` or `,`), `succession_kind`,
/// `decision`, under these names or their Vietnamese headers ("Mã đơn vị", "Tên đơn vị", "Loại
/// đơn vị", "Mã đơn vị cấp trên", "Hiệu lực từ ngày", "Hiệu lực đến ngày", "Mã đơn vị kế thừa",
/// "Loại kế thừa", "Quyết định"). A parent or successor is a row of the file or a stored unit; a
/// succession takes effect the day after its predecessor's `valid_to`, and its kind, when not
/// written, is inferred (several successors: split; several predecessors, or a successor that
/// existed before: merge; else transfer when the parent differs, rename otherwise). Every row is
/// checked, then everything is written in one transaction or nothing; a unit is the stored one
/// with its code and a succession already recorded is left as it is, so the same file again
/// changes nothing.
#[utoipa::path(operation_id = "import_units", post, path = "/units/import", tag = "units",
    params(UnitImportQuery),
    request_body(content(
        (String = "text/csv"),
        (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (Vec<u8> = "application/octet-stream"),
    )),
    responses((status = 200, description = "Loaded (or, with dry_run, what would be)", body = UnitImportReport), UnitImportProblems))]
pub async fn units(
    State(state): State<AppState>,
    Auth(actor): Auth,
    super::extract::ApiQuery(q): super::extract::ApiQuery<UnitImportQuery>,
    request: Request,
) -> Result<Response, AppError> {
    // Who may load a structure is known before a byte of the file is read.
    actor.require_admin()?;
    let bytes = file_bytes(request, &state).await?;
    let sheet = unit_import::read_file_blocking(bytes, state.settings.import_bounds).await?;
    let options = unit_import::UnitImportOptions {
        dry_run: q.dry_run.unwrap_or(false),
    };
    let report = unit_import::import_units(&state.db, &actor, sheet, options).await?;
    if report.errors.is_empty() {
        return Ok(Json(report).into_response());
    }
    let status = StatusCode::UNPROCESSABLE_ENTITY;
    let body = serde_json::to_vec(&UnitImportProblem {
        problem: rejection(status, report.errors.len()),
        report: Some(report),
    })
    .unwrap_or_default();
    Ok((
        status,
        [(header::CONTENT_TYPE, "application/problem+json")],
        body,
    )
        .into_response())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OcdsImportQuery {
    /// Check every release and report what would happen; write nothing.
    pub dry_run: Option<bool>,
}

/// Import an OCDS release package
///
/// An OCDS 1.1 release package (as `GET /ocds/release-package` writes it), as the raw body or the
/// `file` part of a multipart form. For each ocid the latest release with a tender (and the
/// latest with an award) wins; the buyer is matched to a unit by identifier (unit code), else by
/// name. The same checks and the same all-or-nothing writing as the spreadsheet import; a row of
/// the report is the position of the release in the package.
#[utoipa::path(operation_id = "import_ocds", post, path = "/imports/ocds", tag = "imports",
    params(OcdsImportQuery),
    request_body(content((Object = "application/json"))),
    responses((status = 200, description = "Imported (or, with dry_run, what would be)", body = ImportReport), ImportProblems))]
pub async fn ocds(
    State(state): State<AppState>,
    Auth(actor): Auth,
    super::extract::ApiQuery(q): super::extract::ApiQuery<OcdsImportQuery>,
    request: Request,
) -> Result<Response, AppError> {
    imports::require_import(&actor)?;
    let bytes = file_bytes(request, &state).await?;
    let options = ImportOptions {
        dry_run: q.dry_run.unwrap_or(false),
        ..ImportOptions::default()
    };
    let report = crate::services::ocds::import(
        &state.db,
        &actor,
        bytes,
        state.settings.import_bounds,
        options,
    )
    .await?;
    if report.errors.is_empty() {
        Ok(Json(report).into_response())
    } else {
        Ok(rejected(report))
    }
}

/// The body, or its `file` part when it is multipart.
async fn file_bytes(request: Request, state: &AppState) -> Result<Bytes, AppError> {
    let limit = state.settings.import_limit_bytes;
    let bad = |status, text| AppError::unreadable_body(status, text, "invalid_multipart", limit);
    let multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    if !multipart {
        return Bytes::from_request(request, state).await.map_err(|e| {
            AppError::unreadable_body(e.status(), e.body_text(), "unreadable_body", limit)
        });
    }
    let mut form = Multipart::from_request(request, state)
        .await
        .map_err(|e| bad(e.status(), e.body_text()))?;
    while let Some(field) = form
        .next_field()
        .await
        .map_err(|e| bad(e.status(), e.body_text()))?
    {
        if field.name() == Some("file") {
            return field
                .bytes()
                .await
                .map_err(|e| bad(e.status(), e.body_text()));
        }
    }
    Err(AppError::BadRequest {
        code: "missing_file",
        message: "Thiếu phần «file» trong biểu mẫu".to_owned(),
        errors: Vec::new(),
    })
}

#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TemplateFormat {
    Csv,
    Xlsx,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TemplateQuery {
    /// Default csv.
    pub format: Option<TemplateFormat>,
}

/// The import template
///
/// The columns bidtrack reads, with Vietnamese headers and one example row.
#[utoipa::path(operation_id = "import_template", get, path = "/imports/packages/template", tag = "imports",
    params(TemplateQuery),
    responses((status = 200, description = "The template", content(
        (String = "text/csv"),
        (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    )), super::problems::List))]
pub async fn template(
    Auth(_): Auth,
    super::extract::ApiQuery(q): super::extract::ApiQuery<TemplateQuery>,
) -> Result<Response, AppError> {
    let (headers, example) = imports::template_sheet();
    match q.format.unwrap_or(TemplateFormat::Csv) {
        TemplateFormat::Csv => {
            use crate::reports::csv::neutral;
            let mut w = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
            w.write_record(headers.iter().map(|h| neutral(h).into_owned()))
                .and_then(|()| w.write_record(example.iter().map(|v| neutral(v).into_owned())))
                .map_err(|e| AppError::Internal(e.into()))?;
            let bytes = w
                .into_inner()
                .map_err(|e| AppError::Internal(anyhow::anyhow!("{e}")))?;
            Ok((
                [
                    (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                    (
                        header::CONTENT_DISPOSITION,
                        "attachment; filename=\"mau-nhap-goi-thau.csv\"",
                    ),
                ],
                bytes,
            )
                .into_response())
        }
        TemplateFormat::Xlsx => {
            let mut book = rust_xlsxwriter::Workbook::new();
            let sheet = book.add_worksheet();
            let bold = rust_xlsxwriter::Format::new().set_bold();
            let text = rust_xlsxwriter::Format::new().set_num_format("@");
            for (col, (h, v)) in headers.iter().zip(&example).enumerate() {
                let col = col as u16;
                sheet
                    .write_string_with_format(0, col, h, &bold)
                    .and_then(|s| s.write_string_with_format(1, col, v, &text))
                    .map_err(|e| AppError::Internal(e.into()))?;
                sheet
                    .set_column_width(col, 22)
                    .map_err(|e| AppError::Internal(e.into()))?;
            }
            let bytes = book
                .save_to_buffer()
                .map_err(|e| AppError::Internal(e.into()))?;
            Ok((
                [
                    (
                        header::CONTENT_TYPE,
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    ),
                    (
                        header::CONTENT_DISPOSITION,
                        "attachment; filename=\"mau-nhap-goi-thau.xlsx\"",
                    ),
                ],
                bytes,
            )
                .into_response())
        }
    }
}
