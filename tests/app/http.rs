//! The router, driven in-process with `oneshot`.

use crate::db_test;
use crate::support::*;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use bidtrack::config::Settings;
use bidtrack::{AppState, app};
use http_body_util::BodyExt;
use tower::ServiceExt;

async fn get(db: &TestDb, uri: &str) -> (StatusCode, String, String) {
    let state = AppState::new(
        db.conn.clone(),
        Settings {
            database_url: db.url.clone(),
            bind: "127.0.0.1:0".parse().expect("addr"),
            cookie_secure: false,
            import_limit_bytes: bidtrack::config::DEFAULT_IMPORT_LIMIT,
            import_bounds: Default::default(),
            ocds: Default::default(),
            limits: Default::default(),
            metrics_token: None,
        },
    );
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

    // The pages need a signed-in user: the home page sends a stranger to the login page.
    let (status, _, _) = get(&db, "/").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, content_type, body) = get(&db, "/login?next=%2F").await;
    assert_eq!(status, StatusCode::OK);
    assert!(content_type.starts_with("text/html"), "{content_type}");
    assert!(body.contains("<html lang=\"vi\">") && body.contains("Đăng nhập"));

    let (status, _, _) = get(&db, "/no-such-page").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
});

db_test!(
    openapi_document_and_viewer_are_served,
    |db: TestDb| async move {
        let (status, content_type, body) = get(&db, "/api/v1/openapi.json").await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            content_type.starts_with("application/json"),
            "{content_type}"
        );
        let served: serde_json::Value = serde_json::from_str(&body).expect("json");
        let generated = serde_json::to_value(bidtrack::api::openapi()).expect("json");
        assert_eq!(served, generated);

        // Swagger UI's own files come from bidtrack (the vendored build), not from a CDN.
        let (status, content_type, page) = get(&db, "/api/docs/").await;
        assert_eq!(status, StatusCode::OK);
        assert!(content_type.starts_with("text/html"), "{content_type}");
        assert!(page.contains("swagger-ui"), "{page}");
        assert!(
            !page.contains("http://") && !page.contains("https://"),
            "no external assets: {page}"
        );
        for asset in [
            "swagger-ui.css",
            "swagger-ui-bundle.js",
            "swagger-initializer.js",
        ] {
            let (status, _, body) = get(&db, &format!("/api/docs/{asset}")).await;
            assert_eq!(status, StatusCode::OK, "{asset}");
            assert!(!body.is_empty(), "{asset}");
        }
        let (_, _, init) = get(&db, "/api/docs/swagger-initializer.js").await;
        assert!(init.contains("/api/v1/openapi.json"), "{init}");
    }
);
