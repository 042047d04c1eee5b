//! The one-click online switch (register and package page) and deletion with its confirmation.

use super::{PackageForm, PackageId};
use crate::AppState;
use crate::domain::fields::package::PackageField;
use crate::error::AppError;
use crate::services::packages::{self as service, PackagePatch};
use crate::web::page::{Flash, Notice, PageError, local_path, page, redirect_with};
use crate::web::session::{Shell, WebUser};
use askama::Template;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::StatusCode;
use axum::response::Response;

/// The switch's choice: `online=true` or `online=false`; anything else is a form bidtrack did
/// not render.
fn switch_to(form: &PackageForm) -> Result<bool, PageError> {
    match form.raw(PackageField::Online) {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(PageError(AppError::BadRequest {
            code: "invalid_form",
            message: "Thiếu lựa chọn qua mạng / không qua mạng".to_owned(),
            errors: Vec::new(),
        })),
    }
}

/// What the officer reads after the switch: done, someone else saved first, or why not.
fn switched(name: &str, online: bool, outcome: Result<(), AppError>) -> Result<Notice, PageError> {
    Ok(match outcome {
        Ok(()) if online => Notice::ok(format!(
            "Đã chuyển gói thầu «{name}» sang lựa chọn qua mạng."
        )),
        Ok(()) => Notice::ok(format!("Gói thầu «{name}» không còn lựa chọn qua mạng.")),
        Err(AppError::PreconditionFailed { .. }) => Notice::error(
            "Gói thầu vừa được người khác sửa nên chưa đổi được. Trang đã tải lại với dữ liệu mới nhất; hãy kiểm tra rồi bấm lại.",
        ),
        Err(AppError::Validation(errors)) => Notice::error(format!(
            "Chưa đổi được: {}",
            errors
                .iter()
                .map(|e| e.message.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        )),
        Err(e) => return Err(PageError(e)),
    })
}

/// One click from the register or the package page: select online, or not.
pub async fn set_online(
    State(state): State<AppState>,
    user: WebUser,
    PackageId(id): PackageId,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, PageError> {
    let form = PackageForm::posted(&user, body)?;
    let (version, online) = (form.version()?, switch_to(&form)?);
    let back = local_path(&form.back, format!("/packages/{id}"));
    let patch = PackagePatch {
        online: Some(online),
        // An exemption only describes a package that is not online.
        online_exempt_reason: online.then_some(None),
        ..PackagePatch::default()
    };
    let outcome = service::update(&state.db, &user.actor, id, version, patch).await;
    let name = outcome
        .as_ref()
        .map(|v| v.package.name.clone())
        .unwrap_or_default();
    let notice = switched(&name, online, outcome.map(|_| ()))?;
    Ok(redirect_with(&back, notice))
}

#[derive(Template)]
#[template(path = "package_delete.html")]
struct DeletePage {
    id: i64,
    version: i32,
    name: String,
    shell: Shell,
}

pub async fn delete_form(
    State(state): State<AppState>,
    user: WebUser,
    PackageId(id): PackageId,
) -> Result<Response, PageError> {
    let p = service::get(&state.db, &state.cache, id).await?.package;
    user.actor
        .require_package_write(&state.db, p.unit_id)
        .await?;
    let confirm = DeletePage {
        id,
        version: p.version,
        name: p.name,
        shell: user.shell(&Flash::default()),
    };
    Ok(page(StatusCode::OK, &confirm, &Flash::default()))
}

pub async fn delete(
    State(state): State<AppState>,
    user: WebUser,
    PackageId(id): PackageId,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, PageError> {
    let form = PackageForm::posted(&user, body)?;
    let version = form.version()?;
    match service::delete(&state.db, &user.actor, id, version).await {
        Ok(()) => Ok(redirect_with("/packages", Notice::ok("Đã xóa gói thầu."))),
        Err(AppError::PreconditionFailed { .. }) => Ok(redirect_with(
            &format!("/packages/{id}"),
            Notice::error(
                "Gói thầu vừa được người khác sửa nên chưa xóa. Hãy xem lại dữ liệu mới nhất dưới đây trước khi xóa.",
            ),
        )),
        Err(e) => Err(PageError(e)),
    }
}
