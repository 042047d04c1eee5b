//! The officers' pages (server-rendered, askama) and the plain HTTP routes: the health check and
//! the stylesheet. The JSON API lives in `api`.

pub mod dashboard;
pub mod packages;

use crate::AppState;
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/", get(dashboard::show))
        .route("/packages", get(packages::list))
        .route("/static/app.css", get(stylesheet))
}

/// The process is up. (Readiness, with the database, is a separate concern.)
async fn healthz() -> impl IntoResponse {
    Json(json!({ "status": "ok" }))
}

/// Unknown paths: problem+json under `/api`, a page elsewhere.
pub async fn not_found(uri: axum::http::Uri) -> axum::response::Response {
    if uri.path() == "/api" || uri.path().starts_with("/api/") {
        crate::error::AppError::NotFound {
            entity: "đường dẫn",
            key: uri.path().to_owned(),
        }
        .into_response()
    } else {
        (
            axum::http::StatusCode::NOT_FOUND,
            Html(concat!(
                "<!doctype html><html lang=\"vi\"><head><meta charset=\"utf-8\">",
                "<title>Không tìm thấy trang – bidtrack</title></head><body>",
                "<h1>Không tìm thấy trang</h1><p><a href=\"/\">Về trang chủ</a></p></body></html>"
            )),
        )
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
