//! Loading a unit structure from a file (administrators): the upload form (a dry run first by
//! default), the columns read, the row errors (downloadable like a package import's) or the
//! counts of what was written, and the CSV template. The form is the package import's
//! (`imports::Upload`: the token checked before the file is read); the import is
//! `services::imports::units`'s, as for `bidtrack import-units`.

use super::imports::Upload;
use super::page::{Flash, PageError, page};
use super::session::{Shell, WebUser};
use crate::AppState;
use crate::error::AppError;
use crate::services::imports;
use crate::services::imports::units::{self, UnitImportOptions, UnitImportReport};
use askama::Template;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;

#[derive(Template)]
#[template(path = "units_import.html")]
struct UnitImportPage {
    dry_run: bool,
    report: Option<UnitImportReport>,
    /// Where the errors of `report` download as CSV.
    errors_csv: Option<String>,
    error: Option<String>,
    shell: Shell,
}

pub async fn show(user: WebUser, flash: Flash) -> Result<Response, PageError> {
    user.actor.require_admin()?;
    let view = UnitImportPage {
        dry_run: true,
        report: None,
        errors_csv: None,
        error: None,
        shell: user.shell(&flash),
    };
    Ok(page(StatusCode::OK, &view, &flash))
}

pub async fn upload(
    State(state): State<AppState>,
    user: WebUser,
    request: Request,
) -> Result<Response, PageError> {
    // Who may load a structure is known before a byte of the file is read.
    user.actor.require_admin()?;
    let form = Upload::read(request, &state, &user).await?;
    let mut view = UnitImportPage {
        dry_run: form.dry_run,
        report: None,
        errors_csv: None,
        error: None,
        shell: user.shell(&Flash::default()),
    };
    let status = match run(&state, &user, form).await {
        Ok(report) if report.errors.is_empty() => {
            view.report = Some(report);
            StatusCode::OK
        }
        Ok(report) => {
            let kept = imports::keep_errors(&state.db, &user.actor, &report.errors, Utc::now());
            view.errors_csv = Some(format!("/import/{}/errors.csv", kept.await?));
            view.report = Some(report);
            StatusCode::UNPROCESSABLE_ENTITY
        }
        Err(AppError::Rule { message, .. }) => {
            view.error = Some(message);
            StatusCode::UNPROCESSABLE_ENTITY
        }
        Err(e) => return Err(PageError(e)),
    };
    Ok(page(status, &view, &Flash::default()))
}

async fn run(state: &AppState, user: &WebUser, form: Upload) -> Result<UnitImportReport, AppError> {
    let Some(bytes) = form.file.filter(|f| !f.is_empty()) else {
        return Err(AppError::Rule {
            code: "missing_file",
            message: "Chưa chọn tệp".to_owned(),
        });
    };
    let sheet = units::read_file_blocking(bytes, state.settings.import_bounds).await?;
    let options = UnitImportOptions {
        dry_run: form.dry_run,
    };
    units::import_units(&state.db, &user.actor, sheet, options).await
}

/// The unit file's template: its headers and an example of a district taken over by a ward.
pub async fn template(user: WebUser) -> Result<Response, PageError> {
    user.actor.require_admin()?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"mau-nhap-don-vi.csv\"",
            ),
        ],
        units::template_csv(),
    )
        .into_response())
}
