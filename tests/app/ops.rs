//! Operating the service: request ids, health and readiness, metrics, and the limits answered
//! with problem documents (a request that runs too long, an upload too slow, one too many at
//! once).

use crate::client::Client;
use crate::db_test;
use crate::support::*;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use bidtrack::config::Limits;
use entity::UnitKind;
use serde_json::json;
use std::time::Duration;

fn request_id(r: &crate::client::Response) -> String {
    r.headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .expect("x-request-id")
        .to_owned()
}

db_test!(every_answer_carries_a_request_id, |db: TestDb| async move {
    let c = Client::new(&db);
    let a = c.get("/api/v1/units").await;
    let b = c.get("/api/v1/units").await;
    assert_eq!(a.status, StatusCode::OK);
    assert_ne!(request_id(&a), request_id(&b), "each request its own id");

    // A proxy's id is kept, so one id follows the request through both logs.
    let sent = Request::get("/api/v1/packages/999999")
        .header("x-request-id", "proxy-7f3a.1")
        .body(Body::empty())
        .expect("request");
    let r = c.send(sent).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(request_id(&r), "proxy-7f3a.1");
    assert_eq!(r.json()["request_id"], "proxy-7f3a.1", "{}", r.text);

    // Anything that is not a short plain token is replaced, never echoed.
    let sent = Request::get("/api/v1/packages/999999")
        .header("x-request-id", "a b<script>")
        .body(Body::empty())
        .expect("request");
    let r = c.send(sent).await;
    let id = request_id(&r);
    assert!(!id.contains(' ') && !id.contains('<'), "{id}");
    assert_eq!(r.json()["request_id"], id.as_str());

    // Pages have it too.
    let page = c.get("/no-such-page").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(!request_id(&page).is_empty());
});

db_test!(health_and_readiness, |db: TestDb| async move {
    let c = Client::anonymous(&db);
    let h = c.get("/healthz").await;
    assert_eq!(
        (h.status, h.json()),
        (StatusCode::OK, json!({"status": "ok"}))
    );
    let r = c.get("/readyz").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json(), json!({"status": "ready"}));
});

db_test!(
    readiness_waits_for_the_migrations,
    |db: TestDb| async move {
        use migration::MigratorTrait;
        migration::Migrator::down(&db.conn, Some(1))
            .await
            .expect("roll the last migration back");
        let r = Client::anonymous(&db).get("/readyz").await;
        assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.text);
        let problem = r.json();
        assert_eq!(problem["code"], "not_ready");
        assert!(
            problem["detail"]
                .as_str()
                .is_some_and(|d| d.contains("bidtrack migrate")),
            "{problem}"
        );
        migration::Migrator::up(&db.conn, None).await.expect("up");
        let r = Client::anonymous(&db).get("/readyz").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    }
);

/// The value of the sample `name` (labels included, exactly as written) in a metrics page.
fn sample(page: &str, name: &str) -> Option<f64> {
    page.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
}

db_test!(metrics_in_prometheus_text, |db: TestDb| async move {
    let unit = add_unit(&db.conn, "HN", UnitKind::Province, None).await;
    let c = Client::new(&db);
    let p = c.package(package_body(unit.id, "Gói đo")).await;
    let id = p["id"].as_i64().expect("id");
    for _ in 0..3 {
        assert_eq!(
            c.get(&format!("/api/v1/packages/{id}")).await.status,
            StatusCode::OK
        );
    }
    assert_eq!(
        c.get("/api/v1/packages/999999").await.status,
        StatusCode::NOT_FOUND
    );
    let m = c.get("/metrics").await;
    assert_eq!(m.status, StatusCode::OK, "{}", m.text);
    let content_type = m.headers["content-type"].to_str().expect("type");
    assert!(
        content_type.starts_with("application/openmetrics-text"),
        "{content_type}"
    );
    let page = &m.text;
    // Requests by route pattern, never by raw path (ids would explode the series).
    assert_eq!(
        sample(
            page,
            r#"bidtrack_http_requests_total{method="GET",route="/api/v1/packages/{id}",status="200"}"#
        ),
        Some(3.0),
        "{page}"
    );
    assert_eq!(
        sample(
            page,
            r#"bidtrack_http_requests_total{method="GET",route="/api/v1/packages/{id}",status="404"}"#
        ),
        Some(1.0)
    );
    assert!(!page.contains("/api/v1/packages/999999"));
    assert_eq!(
        sample(
            page,
            r#"bidtrack_http_request_duration_seconds_count{method="GET",route="/api/v1/packages/{id}"}"#
        ),
        Some(4.0)
    );
    assert_eq!(sample(page, "bidtrack_packages"), Some(1.0));
    assert!(sample(page, "bidtrack_db_pool_max_connections").is_some_and(|n| n >= 1.0));
    assert!(sample(page, "bidtrack_db_pool_connections").is_some_and(|n| n >= 1.0));
    assert!(page.trim_end().ends_with("# EOF"));

    // The package count follows writes (it is cached against the data version).
    c.package(package_body(unit.id, "Gói đo 2")).await;
    let page = c.get("/metrics").await.text;
    assert_eq!(sample(&page, "bidtrack_packages"), Some(2.0));
});

db_test!(
    a_request_past_the_time_limit_gets_503_and_writes_nothing,
    |db: TestDb| async move {
        let unit = add_unit(&db.conn, "HN", UnitKind::Province, None).await;
        let c = Client::new(&db).with_limits(Limits {
            request_timeout: Duration::from_secs(1),
            ..Limits::default()
        });
        c.get("/api/v1/units").await; // signs in before the write lock is taken
        // Another writer holds the write lock (SQLite) / the version row (PostgreSQL) longer
        // than the limit, so the request's own write waits past it.
        let blocker = bidtrack::db::begin_write(&db.conn).await.expect("begin");
        let r = c
            .post("/api/v1/packages", &package_body(unit.id, "Gói chậm"))
            .await;
        assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.text);
        assert_eq!(r.headers["content-type"], "application/problem+json");
        assert!(r.headers.contains_key("retry-after"));
        let problem = r.json();
        assert_eq!(problem["code"], "timeout");
        assert_eq!(problem["request_id"], request_id(&r).as_str());
        sea_orm::TransactionSession::rollback(blocker)
            .await
            .expect("rollback");
        // Nothing of the abandoned request was written, and the next one goes through.
        let list = c.get("/api/v1/packages").await.json();
        assert_eq!(list["total"], 0, "{list}");
        let r = c
            .post("/api/v1/packages", &package_body(unit.id, "Gói chậm"))
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    }
);

db_test!(
    one_request_too_many_gets_503_at_once,
    |db: TestDb| async move {
        let unit = add_unit(&db.conn, "HN", UnitKind::Province, None).await;
        let c = std::sync::Arc::new(Client::new(&db).with_limits(Limits {
            max_concurrent_requests: 1,
            ..Limits::default()
        }));
        c.get("/api/v1/units").await; // signs in before the only permit is taken
        let blocker = bidtrack::db::begin_write(&db.conn).await.expect("begin");
        let slow = {
            let c = c.clone();
            tokio::spawn(async move {
                c.post("/api/v1/packages", &package_body(unit.id, "Gói chờ"))
                    .await
            })
        };
        // Metrics skip the limit: they show the one request in flight.
        let mut waited = 0;
        loop {
            let page = c.get("/metrics").await.text;
            if sample(&page, "bidtrack_http_requests_in_flight") == Some(1.0) {
                break;
            }
            waited += 1;
            assert!(waited < 200, "the slow request never started: {page}");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let r = c.get("/api/v1/units").await;
        assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.text);
        assert_eq!(r.json()["code"], "overloaded");
        assert!(r.headers.contains_key("retry-after"));
        sea_orm::TransactionSession::rollback(blocker)
            .await
            .expect("rollback");
        let done = slow.await.expect("task");
        assert_eq!(done.status, StatusCode::CREATED, "{}", done.text);
        assert_eq!(c.get("/api/v1/units").await.status, StatusCode::OK);
    }
);

/// An import file sent in `chunks` pieces, `pause` apart, the way a slow link delivers it.
fn trickled(chunks: Vec<String>, pause: Duration) -> Body {
    Body::from_stream(futures_util::stream::unfold(
        chunks.into_iter(),
        move |mut rest| async move {
            let chunk = rest.next()?;
            tokio::time::sleep(pause).await;
            Some((Ok::<_, std::io::Error>(chunk), rest))
        },
    ))
}

fn slow_import(chunks: Vec<String>, pause: Duration) -> Request<Body> {
    Request::post("/api/v1/imports/packages")
        .header("content-type", "text/csv")
        .body(trickled(chunks, pause))
        .expect("request")
}

fn import_rows(n: usize) -> Vec<String> {
    let mut chunks = vec![
        "Mã đơn vị,Tên gói thầu,Năm kế hoạch,Lĩnh vực,Hình thức lựa chọn nhà thầu,Giá gói thầu,Qua mạng\n"
            .to_owned(),
    ];
    for i in 0..n {
        chunks.push(format!("HN,Gói gửi chậm {i},2022,HH,CHCT,500.000.000,Có\n"));
    }
    chunks
}

db_test!(
    a_slow_upload_is_timed_apart_from_the_work,
    |db: TestDb| async move {
        add_unit(&db.conn, "HN", UnitKind::Province, None).await;
        let c = Client::new(&db).with_limits(Limits {
            request_timeout: Duration::from_secs(1),
            upload_timeout: Duration::from_secs(30),
            ..Limits::default()
        });
        // 2.5 s to arrive, over twice the request limit: the limit counts from its arrival.
        let r = c
            .send(slow_import(import_rows(4), Duration::from_millis(500)))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.json()["created"], 4, "{}", r.text);

        // An upload slower than its own limit gets 408, and nothing of it is kept.
        let c = c.with_limits(Limits {
            upload_timeout: Duration::from_secs(1),
            ..Limits::default()
        });
        let r = c
            .send(slow_import(import_rows(10), Duration::from_millis(400)))
            .await;
        let problem = r.problem(408, "upload_timeout");
        assert_eq!(r.header("connection"), Some("close"));
        assert_eq!(problem["request_id"], request_id(&r).as_str());
        let list = c.get("/api/v1/packages").await.json();
        assert_eq!(list["total"], 4, "{list}");
    }
);

db_test!(metrics_can_ask_for_a_token, |db: TestDb| async move {
    let scraper = Client::anonymous(&db).with_metrics_token("bi-mat-cua-prometheus");
    scraper
        .get("/metrics")
        .await
        .problem(401, "unauthenticated");
    let with = |token: &str| {
        Request::get("/metrics")
            .header("authorization", format!("Bearer {token}"))
            .body(Body::empty())
            .expect("request")
    };
    scraper
        .send(with("bi-mat-khac"))
        .await
        .problem(401, "unauthenticated");
    // A user's API token is not the scraper's.
    let user = Client::new(&db).with_metrics_token("bi-mat-cua-prometheus");
    user.get("/metrics").await.problem(401, "unauthenticated");
    let r = scraper.send(with("bi-mat-cua-prometheus")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(sample(&r.text, "bidtrack_packages").is_some(), "{}", r.text);
    // Health checks stay open: the load balancer has no token.
    assert_eq!(scraper.get("/readyz").await.status, StatusCode::OK);
});
