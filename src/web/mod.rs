//! The officers' pages (server-rendered, askama) and the plain HTTP routes: the health check and
//! the stylesheet. The JSON API lives in `api`.

pub mod dashboard;
pub mod form;
pub mod imports;
pub mod input;
pub mod package;
pub mod packages;
pub mod page;
pub mod projects;
pub mod reports;
pub mod session;
pub mod targets;
pub mod units;
pub mod units_import;

use crate::AppState;
use axum::Router;
use axum::response::IntoResponse;
use axum::routing::{get, post};

/// The pages; an uploaded import file may be up to `import_limit` bytes.
pub fn router(import_limit: usize) -> Router<AppState> {
    Router::new()
        .route("/", get(dashboard::show))
        .route("/login", get(session::login_form).post(session::login))
        .route("/logout", post(session::logout))
        .route("/packages", get(packages::list))
        .route(
            "/packages/new",
            get(package::new_form).post(package::create),
        )
        .route("/packages/{id}", get(package::show))
        .route(
            "/packages/{id}/edit",
            get(package::edit_form).post(package::update),
        )
        .route("/packages/{id}/online", post(package::set_online))
        .route(
            "/packages/{id}/replan",
            get(package::replan_form).post(package::replan),
        )
        .route(
            "/packages/{id}/delete",
            get(package::delete_form).post(package::delete),
        )
        .route("/projects", get(projects::list))
        .route(
            "/projects/new",
            get(projects::new_form).post(projects::create),
        )
        .route("/projects/{id}", get(projects::show))
        .route(
            "/projects/{id}/edit",
            get(projects::edit_form).post(projects::update),
        )
        .route(
            "/plans/new",
            get(projects::plans::new_form).post(projects::plans::create),
        )
        .route("/plans/{id}", get(projects::plans::show))
        .route(
            "/plans/{id}/edit",
            get(projects::plans::edit_form).post(projects::plans::update),
        )
        .route("/plans/{id}/adjustments", post(projects::plans::adjust))
        .route("/reports", get(reports::show))
        .route(
            "/import",
            get(imports::show)
                .post(imports::upload)
                .layer(axum::extract::DefaultBodyLimit::max(import_limit)),
        )
        .route("/import/{id}/errors.csv", get(imports::errors_csv))
        .route("/targets", get(targets::list))
        .route("/targets/new", get(targets::new_form).post(targets::create))
        .route(
            "/targets/{id}/edit",
            get(targets::edit_form).post(targets::update),
        )
        .route("/units", get(units::list))
        .route("/units/new", get(units::new_form).post(units::create))
        .route(
            "/units/import",
            get(units_import::show)
                .post(units_import::upload)
                .layer(axum::extract::DefaultBodyLimit::max(import_limit)),
        )
        .route("/units/import/template.csv", get(units_import::template))
        .route("/units/{id}", get(units::show))
        .route(
            "/units/{id}/edit",
            get(units::edit_form).post(units::update),
        )
        .route("/units/{id}/successions", post(units::record_succession))
        .route(
            "/units/{id}/successions/{succession}/delete",
            post(units::remove_succession),
        )
        .route("/static/app.css", get(stylesheet))
        .method_not_allowed_fallback(|| async {
            page::PageError(crate::error::AppError::MethodNotAllowed)
        })
}

/// The process is up. (Readiness, with the database, is a separate concern.)
/// Unknown paths: problem+json under `/api`, a page elsewhere.
pub async fn not_found(uri: axum::http::Uri) -> axum::response::Response {
    if uri.path() == "/api" || uri.path().starts_with("/api/") {
        crate::error::AppError::NotFound {
            entity: "đường dẫn",
            key: uri.path().to_owned(),
        }
        .into_response()
    } else {
        page::PageError(crate::error::AppError::NotFound {
            entity: "trang",
            key: uri.path().to_owned(),
        })
        .into_response()
    }
}

/// The stylesheet, compiled in: no file to deploy beside the binary, nothing from a CDN.
async fn stylesheet() -> impl IntoResponse {
    (
        [
            (axum::http::header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (axum::http::header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("static/app.css"),
    )
}
