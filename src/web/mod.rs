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
