//! The router, driven in-process with `oneshot`.

use crate::db_test;
use crate::support::*;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use bidtrack::config::Settings;
use bidtrack::{AppState, app};
use http_body_util::BodyExt;
use std::sync::Arc;
use tower::ServiceExt;

async fn get(db: &TestDb, uri: &str) -> (StatusCode, String, String) {
    let state = AppState {
        db: db.conn.clone(),
        settings: Arc::new(Settings {
            database_url: db.url.clone(),
            bind: "127.0.0.1:0".parse().expect("addr"),
        }),
    };
    let response = app(state)
        .oneshot(Request::get(uri).body(Body::empty()).expect("request"))
        .await
        .expect("response");
    let status = response.status();
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    (
        status,
        content_type,
        String::from_utf8(body.to_vec()).expect("utf-8"),
    )
}

db_test!(healthz_and_home, |db: TestDb| async move {
    let (status, content_type, body) = get(&db, "/healthz").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content_type, "application/json");
    assert_eq!(body, r#"{"status":"ok"}"#);

    let (status, content_type, body) = get(&db, "/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(content_type.starts_with("text/html"), "{content_type}");
    assert!(body.contains("<html lang=\"vi\">") && body.contains("bidtrack"));

    let (status, _, _) = get(&db, "/no-such-page").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
});
