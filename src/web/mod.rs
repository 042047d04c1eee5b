//! HTTP routes. For now the health check and a placeholder home page; the JSON API and the
//! officers' pages arrive in their own modules.

use crate::AppState;
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/", get(home))
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

async fn home() -> Html<&'static str> {
    Html(concat!(
        "<!doctype html><html lang=\"vi\"><head><meta charset=\"utf-8\">",
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">",
        "<title>bidtrack – Theo dõi lựa chọn nhà thầu qua mạng</title></head><body>",
        "<h1>bidtrack</h1>",
        "<p>Theo dõi gói thầu và chỉ tiêu lựa chọn nhà thầu qua mạng.</p>",
        "<p>Giao diện web đang được xây dựng. Trong lúc chờ, dùng lệnh ",
        "<code>bidtrack check --unit MÃ_ĐƠN_VỊ --year NĂM</code>.</p>",
        "</body></html>"
    ))
}
