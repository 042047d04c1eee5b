//! Accounts, roles and the audit trail: every route × role × (own unit / other unit), tokens,
//! login throttling, sessions and CSRF on the pages, security headers, and the audit rows that
//! API and form edits leave.

use crate::client::{Client, Response};
use crate::db_test;
use crate::support::*;
use axum::body::Body;
use axum::http::{Method, Request, header};
use bidtrack::config::Limits;
use bidtrack::services::accounts::{self, Actor};
use entity::{Role, UnitKind};
use scraper::{Html, Selector};
use sea_orm::{ActiveModelTrait, EntityTrait, PaginatorTrait};
use serde_json::{Value, json};

fn texts(r: &Response, css: &str) -> Vec<String> {
    let doc = Html::parse_document(&r.text);
    let sel = Selector::parse(css).expect("selector");
    doc.select(&sel)
        .map(|e| {
            e.text()
                .collect::<Vec<_>>()
                .join(" ")
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

struct World {
    province: i64,
    own: i64,
    other: i64,
    own_commune: i64,
}

async fn world(db: &TestDb) -> World {
    let p = add_unit(&db.conn, "P", UnitKind::Province, None).await;
    let own = add_unit(&db.conn, "P-D1", UnitKind::District, Some(p.id)).await;
    let other = add_unit(&db.conn, "P-D2", UnitKind::District, Some(p.id)).await;
    let commune = add_unit(&db.conn, "P-D1-X", UnitKind::Commune, Some(own.id)).await;
    World {
        province: p.id,
        own: own.id,
        other: other.id,
        own_commune: commune.id,
    }
}

/// A package made by the administrator, for someone else to try to change.
async fn fresh_package(admin: &Client, unit: i64, name: &str) -> i64 {
    admin.package(package_body(unit, name)).await["id"]
        .as_i64()
        .expect("id")
}

db_test!(every_route_by_role_and_unit, |db: TestDb| async move {
    let w = world(&db).await;
    let admin = Client::new(&db);
    let clients = [
        ("admin", Client::new(&db)),
        ("officer", Client::as_role(&db, Role::Officer, Some(w.own))),
        ("finance", Client::as_role(&db, Role::Finance, None)),
        ("viewer", Client::as_role(&db, Role::Viewer, None)),
    ];
    let target = admin.get("/api/v1/targets").await.json()["items"][0]["id"]
        .as_i64()
        .expect("seeded target");
    let pkg = fresh_package(&admin, w.own, "Gói đọc").await;

    // Reads: every signed-in role.
    let reads = [
        "/api/v1/units".to_owned(),
        format!("/api/v1/units/{}", w.other),
        "/api/v1/packages".to_owned(),
        format!("/api/v1/packages/{pkg}"),
        format!("/api/v1/packages/{pkg}/history"),
        "/api/v1/targets".to_owned(),
        format!("/api/v1/targets/{target}"),
        format!("/api/v1/compliance?unit_id={}&year=2019", w.province),
        format!(
            "/api/v1/compliance/packages?unit_id={}&year=2019",
            w.province
        ),
        format!(
            "/api/v1/reports/compliance?unit_id={}&year=2019",
            w.province
        ),
        format!("/api/v1/reports/summary?unit_id={}&year=2019", w.province),
        "/api/v1/reports/packages?format=csv".to_owned(),
        "/api/v1/auth/me".to_owned(),
        "/api/v1/tokens".to_owned(),
    ];
    for (role, c) in &clients {
        for uri in &reads {
            let r = c.get(uri).await;
            assert_eq!(r.status, 200, "{role} GET {uri}: {}", r.text);
        }
        let r = c.get("/api/v1/audit").await;
        let expected = if matches!(*role, "admin" | "finance") {
            200
        } else {
            403
        };
        assert_eq!(r.status.as_u16(), expected, "{role} GET /api/v1/audit");
    }

    // Writes: (what, expected status for admin, officer, finance, viewer).
    for (i, (role, c)) in clients.iter().enumerate() {
        let may_own = matches!(*role, "admin" | "officer");
        let may_other = *role == "admin";
        let status = |allowed: bool, ok: u16| if allowed { ok } else { 403 };

        // packages: create in the officer's own subtree (a commune under it) and elsewhere
        let r = c
            .post(
                "/api/v1/packages",
                &package_body(w.own_commune, &format!("Gói {role} riêng")),
            )
            .await;
        assert_eq!(
            r.status.as_u16(),
            status(may_own, 201),
            "{role} create own: {}",
            r.text
        );
        let r = c
            .post(
                "/api/v1/packages",
                &package_body(w.other, &format!("Gói {role} khác")),
            )
            .await;
        assert_eq!(
            r.status.as_u16(),
            status(may_other, 201),
            "{role} create other: {}",
            r.text
        );

        // change and delete, own and other
        for (unit, allowed) in [(w.own, may_own), (w.other, may_other)] {
            let id = fresh_package(&admin, unit, &format!("Gói sửa {i} {unit}")).await;
            let r = c
                .patch(
                    &format!("/api/v1/packages/{id}"),
                    &json!({"online": true}),
                    Some("\"1\""),
                )
                .await;
            assert_eq!(
                r.status.as_u16(),
                status(allowed, 200),
                "{role} patch in {unit}: {}",
                r.text
            );
            let version = if allowed { "\"2\"" } else { "\"1\"" };
            let r = c
                .delete(&format!("/api/v1/packages/{id}"), Some(version))
                .await;
            assert_eq!(
                r.status.as_u16(),
                status(allowed, 204),
                "{role} delete in {unit}: {}",
                r.text
            );
        }
        // moving a package out of the officer's subtree needs rights at both ends
        let id = fresh_package(&admin, w.own, &format!("Gói chuyển {i}")).await;
        let r = c
            .patch(
                &format!("/api/v1/packages/{id}"),
                &json!({"unit_id": w.other}),
                Some("\"1\""),
            )
            .await;
        assert_eq!(
            r.status.as_u16(),
            status(may_other, 200),
            "{role} move: {}",
            r.text
        );

        // units and targets: administrators only
        let r = c
            .post("/api/v1/units", &json!({"code": format!("U-{role}"), "name": "Đơn vị mới", "kind": "agency", "parent_id": w.own}))
            .await;
        assert_eq!(
            r.status.as_u16(),
            status(may_other, 201),
            "{role} create unit: {}",
            r.text
        );
        let r = c
            .patch(
                &format!("/api/v1/units/{}", w.own),
                &json!({"name": format!("Quận một {role}")}),
                None,
            )
            .await;
        assert_eq!(
            r.status.as_u16(),
            status(may_other, 200),
            "{role} change unit: {}",
            r.text
        );
        let r = c
            .post("/api/v1/targets", &json!({"code": format!("t_{role}"), "name": "Chỉ tiêu riêng", "unit_id": w.own,
                "year_from": 2030, "min_count_percent": 60, "methods": [{"method": "open_bidding"}]}))
            .await;
        assert_eq!(
            r.status.as_u16(),
            status(may_other, 201),
            "{role} create target: {}",
            r.text
        );
        let r = c
            .patch(
                &format!("/api/v1/targets/{target}"),
                &json!({"legal_basis": format!("sửa bởi {role}")}),
                None,
            )
            .await;
        assert_eq!(
            r.status.as_u16(),
            status(may_other, 200),
            "{role} change target: {}",
            r.text
        );
        // everyone manages their own tokens
        let r = c
            .post("/api/v1/tokens", &json!({"name": "máy in báo cáo"}))
            .await;
        assert_eq!(r.status, 201, "{role} token: {}", r.text);
    }

    // Nobody without a token: 401, problem+json, with the challenge.
    let anonymous = Client::anonymous(&db);
    let mut writes: Vec<(Method, String)> = vec![
        (Method::POST, "/api/v1/packages".to_owned()),
        (Method::PATCH, format!("/api/v1/packages/{pkg}")),
        (Method::DELETE, format!("/api/v1/packages/{pkg}")),
        (Method::POST, "/api/v1/units".to_owned()),
        (Method::POST, "/api/v1/targets".to_owned()),
        (Method::POST, "/api/v1/tokens".to_owned()),
        (Method::POST, "/api/v1/auth/logout".to_owned()),
        (Method::GET, "/api/v1/audit".to_owned()),
    ];
    writes.extend(reads.iter().map(|u| (Method::GET, u.clone())));
    for (method, uri) in &writes {
        let r = anonymous
            .send(
                Request::builder()
                    .method(method.clone())
                    .uri(uri)
                    .header(header::CONTENT_TYPE, "application/json")
                    .header(header::IF_MATCH, "\"1\"")
                    .body(Body::from("{}"))
                    .expect("request"),
            )
            .await;
        r.problem(401, "unauthenticated");
        assert!(
            r.header("www-authenticate")
                .is_some_and(|v| v.starts_with("Bearer")),
            "{method} {uri}"
        );
    }
    // The document and the login stay open.
    assert_eq!(anonymous.get("/api/v1/openapi.json").await.status, 200);

    // Every operation but login declares the bearer scheme and documents 401 and 403.
    let doc = anonymous.get("/api/v1/openapi.json").await.json();
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("item") {
            let id = op["operationId"].as_str().unwrap_or_default();
            if id == "login" {
                assert!(
                    op["security"].as_array().is_some_and(|s| s
                        .iter()
                        .all(|r| r.as_object().is_some_and(|o| o.is_empty()))),
                    "{id}"
                );
                continue;
            }
            assert_eq!(op["security"][0]["bearer"], json!([]), "{method} {path}");
            for status in ["401", "403"] {
                assert!(
                    op["responses"][status].is_object(),
                    "{method} {path} documents {status}"
                );
            }
        }
    }
});

db_test!(
    login_logout_tokens_and_throttling,
    |db: TestDb| async move {
        let w = world(&db).await;
        let admin = Client::new(&db);
        let system = Actor::system();
        accounts::create_user(
            &db.conn,
            &system,
            accounts::NewUser {
                username: "can-bo".to_owned(),
                display_name: "Cán bộ".to_owned(),
                password: "mat-khau-dung-roi".to_owned(),
                role: Role::Officer,
                unit_id: Some(w.own),
            },
        )
        .await
        .expect("user");
        let anonymous = Client::anonymous(&db);
        let login = |password: &'static str| {
            let anonymous = &anonymous;
            async move {
                anonymous
                    .post(
                        "/api/v1/auth/login",
                        &json!({"username": "can-bo", "password": password}),
                    )
                    .await
            }
        };

        // Four wrong passwords are just wrong; the fifth locks the username for a while, and then
        // even the right password waits.
        for _ in 0..5 {
            login("sai-mat-khau").await.problem(401, "unauthenticated");
        }
        let r = login("mat-khau-dung-roi").await;
        r.problem(429, "too_many_attempts");
        let wait: u64 = r
            .header("retry-after")
            .expect("Retry-After")
            .parse()
            .expect("seconds");
        assert!((1..=30).contains(&wait), "{wait}");
        // The wait is per username: others are not locked out.
        admin.get("/api/v1/auth/me").await.json();
        // After the wait (moved into the past here), the right password works and the count resets.
        sea_orm::ConnectionTrait::execute_unprepared(
            &db.conn,
            "UPDATE login_failures SET last_failure_at = '2000-01-01 00:00:00+00:00'",
        )
        .await
        .expect("age the failures");
        let r = login("mat-khau-dung-roi").await;
        assert_eq!(r.status, 200, "{}", r.text);
        let body = r.json();
        assert_eq!(body["user"]["role"], "officer");
        let token = body["token"].as_str().expect("token").to_owned();
        assert!(token.starts_with("bt_"));
        let with = |token: &str, method: Method, uri: &str| {
            Request::builder()
                .method(method)
                .uri(uri)
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .body(Body::empty())
                .expect("request")
        };
        let me = anonymous
            .send(with(&token, Method::GET, "/api/v1/auth/me"))
            .await;
        assert_eq!(me.json()["username"], "can-bo");
        // Only the hash is stored.
        let stored: Vec<String> = entity::api_token::Entity::find()
            .all(&db.conn)
            .await
            .expect("tokens")
            .into_iter()
            .map(|t| t.token_hash)
            .collect();
        assert!(stored.iter().all(|h| h.len() == 64 && !h.contains(&token)));

        // Logout revokes exactly that token.
        let r = anonymous
            .send(with(&token, Method::POST, "/api/v1/auth/logout"))
            .await;
        assert_eq!(r.status, 204);
        anonymous
            .send(with(&token, Method::GET, "/api/v1/auth/me"))
            .await
            .problem(401, "unauthenticated");

        // Personal tokens: created, listed (without the secret), revoked.
        let r = admin
            .post(
                "/api/v1/tokens",
                &json!({"name": "Kết nối kế toán", "expires_in_days": 30}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
        let created = r.json();
        let personal = created["token"].as_str().expect("token").to_owned();
        let id = created["id"].as_i64().expect("id");
        let listed = admin.get("/api/v1/tokens").await.json();
        assert!(
            listed
                .as_array()
                .expect("list")
                .iter()
                .any(|t| t["id"] == id && t.get("token").is_none())
        );
        assert_eq!(
            anonymous
                .send(with(&personal, Method::GET, "/api/v1/units"))
                .await
                .status,
            200
        );
        // someone else's token is not theirs to revoke
        let officer = Client::as_role(&db, Role::Officer, Some(w.own));
        officer
            .delete(&format!("/api/v1/tokens/{id}"), None)
            .await
            .problem(404, "not_found");
        assert_eq!(
            admin
                .delete(&format!("/api/v1/tokens/{id}"), None)
                .await
                .status,
            204
        );
        anonymous
            .send(with(&personal, Method::GET, "/api/v1/units"))
            .await
            .problem(401, "unauthenticated");

        // A disabled user's tokens stop working at once, and they cannot log in.
        let r = login("mat-khau-dung-roi").await;
        let token = r.json()["token"].as_str().expect("token").to_owned();
        accounts::disable_user(&db.conn, &system, "can-bo")
            .await
            .expect("disable");
        anonymous
            .send(with(&token, Method::GET, "/api/v1/auth/me"))
            .await
            .problem(401, "unauthenticated");
        login("mat-khau-dung-roi")
            .await
            .problem(401, "unauthenticated");
    }
);

db_test!(
    pages_need_a_session_and_forms_their_csrf_token,
    |db: TestDb| async move {
        let w = world(&db).await;
        let admin = Client::new(&db);
        let anonymous = Client::anonymous(&db);

        // Strangers go to the login page, which remembers where they were going.
        let r = anonymous.get("/packages?q=abc").await;
        assert_eq!(r.status, 303);
        assert_eq!(
            r.header("location"),
            Some("/login?next=%2Fpackages%3Fq%3Dabc")
        );

        // The login form carries a token that must match its cookie.
        accounts::create_user(
            &db.conn,
            &Actor::system(),
            accounts::NewUser {
                username: "xem".to_owned(),
                display_name: "Người xem".to_owned(),
                password: "mat-khau-nguoi-xem".to_owned(),
                role: Role::Viewer,
                unit_id: None,
            },
        )
        .await
        .expect("user");
        let page = anonymous.get("/login?next=%2Fpackages").await;
        let cookie = page.header("set-cookie").expect("login cookie").to_owned();
        assert!(
            cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
            "{cookie}"
        );
        let csrf = page.csrf();
        let r = anonymous
            .form(
                "/login",
                &[
                    ("csrf", &csrf),
                    ("username", "xem"),
                    ("password", "mat-khau-nguoi-xem"),
                ],
            )
            .await;
        assert_eq!(r.status, 403, "no cookie, no login");
        let post_login = |password: &str| {
            form_urlencoded::Serializer::new(String::new())
                .extend_pairs([
                    ("csrf", csrf.as_str()),
                    ("username", "xem"),
                    ("password", password),
                    ("next", "/packages"),
                ])
                .finish()
        };
        let login_cookie = cookie.split(';').next().expect("pair").to_owned();
        let send_login = |body: String| {
            Request::post("/login")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::COOKIE, login_cookie.clone())
                .body(Body::from(body))
                .expect("request")
        };
        let r = anonymous.send(send_login(post_login("sai"))).await;
        assert_eq!(r.status, 401);
        assert_eq!(
            texts(&r, "#login-error"),
            ["Tên đăng nhập hoặc mật khẩu không đúng"]
        );
        let r = anonymous
            .send(send_login(post_login("mat-khau-nguoi-xem")))
            .await;
        assert_eq!(r.status, 303, "{}", r.text);
        assert_eq!(r.header("location"), Some("/packages"));
        let session = r
            .headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|c| c.starts_with("bidtrack_session="))
            .expect("session cookie")
            .to_owned();
        assert!(
            session.contains("HttpOnly") && session.contains("SameSite=Lax"),
            "{session}"
        );
        let session_pair = session.split(';').next().expect("pair").to_owned();
        let viewer_page = anonymous
            .send(
                Request::get("/packages")
                    .header(header::COOKIE, session_pair.clone())
                    .body(Body::empty())
                    .expect("request"),
            )
            .await;
        assert_eq!(viewer_page.status, 200);
        assert_eq!(texts(&viewer_page, ".who"), ["Người xem (Người xem)"]);
        // Sessions live in the database: another instance behind the same proxy knows it.
        let elsewhere = Client::anonymous(&db)
            .elsewhere()
            .send(
                Request::get("/packages")
                    .header(header::COOKIE, session_pair.clone())
                    .body(Body::empty())
                    .expect("request"),
            )
            .await;
        assert_eq!(elsewhere.status, 200, "{}", elsewhere.text);
        assert_eq!(texts(&elsewhere, ".who"), ["Người xem (Người xem)"]);
        // The session cookie reads through the API (the pages' report downloads) but never writes.
        let with_cookie = |method: Method, uri: &str| {
            Request::builder()
                .method(method)
                .uri(uri)
                .header(header::COOKIE, session_pair.clone())
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(package_body(w.own, "Gói từ cookie").to_string()))
                .expect("request")
        };
        assert_eq!(
            anonymous
                .send(with_cookie(Method::GET, "/api/v1/units"))
                .await
                .status,
            200
        );
        anonymous
            .send(with_cookie(Method::POST, "/api/v1/packages"))
            .await
            .problem(401, "unauthenticated");

        // A viewer is offered no change at all, and is refused one.
        fresh_package(&admin, w.own, "Gói để xem").await;
        assert!(texts(&viewer_page, "a[href='/packages/new']").is_empty());
        let viewer = Client::as_role(&db, Role::Viewer, None);
        let page = viewer.get("/packages").await;
        assert_eq!(page.status, 200);
        assert!(
            texts(&page, "tbody form").is_empty(),
            "no switch for a viewer"
        );
        let r = viewer.get("/packages/new").await;
        assert_eq!(r.status, 403);
        assert_eq!(
            texts(&r, "h1"),
            ["Bạn không có quyền thực hiện thao tác này"]
        );
        let id = fresh_package(&admin, w.own, "Gói của quận một").await;
        let r = viewer
            .form(
                &format!("/packages/{id}/online"),
                &[("version", "1"), ("online", "true")],
            )
            .await;
        assert_eq!(r.status, 403);

        // An officer sees switches for their own subtree only.
        fresh_package(&admin, w.other, "Gói của quận hai").await;
        let officer = Client::as_role(&db, Role::Officer, Some(w.own));
        let page = officer.get("/packages?sort=name").await;
        let rows = texts(&page, "tbody tr");
        let own_row = rows
            .iter()
            .find(|r| r.contains("Gói của quận một"))
            .expect("own");
        let other_row = rows
            .iter()
            .find(|r| r.contains("Gói của quận hai"))
            .expect("other");
        assert!(own_row.contains("Chuyển qua mạng"), "{own_row}");
        assert!(!other_row.contains("Chuyển qua mạng"), "{other_row}");

        // A form without the session's token changes nothing.
        let r = admin
            .form(
                &format!("/packages/{id}/online"),
                &[("csrf", "forged"), ("version", "1"), ("online", "true")],
            )
            .await;
        assert_eq!(r.status, 403);
        assert!(texts(&r, "main p")[0].starts_with("Biểu mẫu đã hết hạn"));
        assert_eq!(
            admin.get(&format!("/api/v1/packages/{id}")).await.json()["online"],
            false
        );
        let r = admin
            .form(
                &format!("/packages/{id}/online"),
                &[("version", "1"), ("online", "true")],
            )
            .await;
        assert_eq!(r.status, 303);

        // Security headers on pages and on the API.
        for uri in ["/packages", "/api/v1/units", "/login"] {
            let r = admin.get(uri).await;
            let csp = r.header("content-security-policy").expect("CSP");
            assert!(
                csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe-inline"),
                "{uri}: {csp}"
            );
            assert_eq!(r.header("x-content-type-options"), Some("nosniff"), "{uri}");
            assert_eq!(r.header("referrer-policy"), Some("same-origin"), "{uri}");
        }

        // Logging out ends the session.
        let logout = form_urlencoded::Serializer::new(String::new())
            .append_pair("csrf", &viewer_page.csrf())
            .finish();
        let r = anonymous
            .send(
                Request::post("/logout")
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .header(header::COOKIE, session_pair.clone())
                    .body(Body::from(logout))
                    .expect("request"),
            )
            .await;
        assert_eq!(r.status, 303);
        let r = anonymous
            .send(
                Request::get("/packages")
                    .header(header::COOKIE, session_pair)
                    .body(Body::empty())
                    .expect("request"),
            )
            .await;
        assert_eq!(r.status, 303, "the old cookie no longer opens pages");
    }
);

db_test!(
    audit_trail_records_who_changed_what,
    |db: TestDb| async move {
        let w = world(&db).await;
        let admin = Client::new(&db);
        let officer = Client::as_role(&db, Role::Officer, Some(w.own));
        let finance = Client::as_role(&db, Role::Finance, None);

        let before = admin
            .get(&format!(
                "/api/v1/compliance?unit_id={}&year=2019",
                w.province
            ))
            .await
            .json()["targets"][0]["in_scope"]
            .as_i64()
            .expect("in scope");
        // created by the officer through the API
        let created = officer.package(package_body(w.own, "Mua máy tính")).await;
        let id = created["id"].as_i64().expect("id");
        // renamed by the administrator through the form
        let unit = w.own.to_string();
        let r = admin
            .form(
                &format!("/packages/{id}/edit"),
                &[
                    ("version", "1"),
                    ("unit_id", &unit),
                    ("name", "Mua máy tính xách tay"),
                    ("plan_year", "2019"),
                    ("field", "goods"),
                    ("method", "competitive_offers"),
                    ("status", "planned"),
                    ("package_price_vnd", "500.000.000"),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.text);
        // switched online by the officer on the page
        let r = officer
            .form(
                &format!("/packages/{id}/online"),
                &[("version", "2"), ("online", "true")],
            )
            .await;
        assert_eq!(r.status, 303);

        let history = officer
            .get(&format!("/api/v1/packages/{id}/history"))
            .await
            .json();
        let rows = history.as_array().expect("rows");
        assert_eq!(rows.len(), 3, "{history}");
        let officer_name = officer.get("/api/v1/auth/me").await.json()["username"].clone();
        let admin_name = admin.get("/api/v1/auth/me").await.json()["username"].clone();
        assert_eq!(rows[0]["action"], "create");
        assert_eq!(rows[0]["username"], officer_name);
        assert_eq!(
            rows[0]["changes"]["name"],
            json!({"old": null, "new": "Mua máy tính"})
        );
        assert_eq!(rows[1]["action"], "update");
        assert_eq!(rows[1]["username"], admin_name);
        assert_eq!(
            rows[1]["changes"],
            json!({"name": {"old": "Mua máy tính", "new": "Mua máy tính xách tay"}}),
            "only what changed"
        );
        assert_eq!(rows[2]["username"], officer_name);
        assert_eq!(
            rows[2]["changes"],
            json!({"online": {"old": false, "new": true}})
        );

        // The package page shows the history, newest first, in words.
        let page = officer.get(&format!("/packages/{id}")).await;
        let lines = texts(&page, "#history ~ table tbody tr");
        assert_eq!(lines.len(), 3);
        assert!(
            lines[0].contains("Sửa") && lines[0].contains("Lựa chọn nhà thầu qua mạng: Không → Có"),
            "{lines:?}"
        );
        assert!(
            lines[2].contains("Tạo") && lines[2].contains("Giá gói thầu: – → 500.000.000 ₫"),
            "{lines:?}"
        );

        // Deleting moves the package out of every figure; its history stays, ending with the delete.
        let with_it = admin
            .get(&format!(
                "/api/v1/compliance?unit_id={}&year=2019",
                w.province
            ))
            .await
            .json()["targets"][0]["in_scope"]
            .as_i64()
            .expect("in scope");
        assert_eq!(with_it, before + 1);
        assert_eq!(
            officer
                .delete(&format!("/api/v1/packages/{id}"), Some("\"3\""))
                .await
                .status,
            204
        );
        assert_eq!(
            admin.get(&format!("/api/v1/packages/{id}")).await.status,
            404
        );
        let after = admin
            .get(&format!(
                "/api/v1/compliance?unit_id={}&year=2019",
                w.province
            ))
            .await
            .json()["targets"][0]["in_scope"]
            .as_i64()
            .expect("in scope");
        assert_eq!(after, before);
        let history = admin
            .get(&format!("/api/v1/packages/{id}/history"))
            .await
            .json();
        let last = &history.as_array().expect("rows")[3];
        assert_eq!(last["action"], "delete");
        assert_eq!(
            last["changes"]["name"],
            json!({"old": "Mua máy tính xách tay", "new": null})
        );
        let archived = entity::deleted_package::Entity::find_by_id(id)
            .one(&db.conn)
            .await
            .expect("query")
            .expect("archived");
        let data: Value = serde_json::from_str(&archived.data).expect("json");
        assert_eq!(data["name"], "Mua máy tính xách tay");
        assert_eq!(data["online"], true);

        // The trail, filtered; for administrators and finance only.
        let r = finance
            .get(&format!(
                "/api/v1/audit?entity=package&user={}",
                officer_name.as_str().expect("name")
            ))
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        let trail = r.json();
        assert_eq!(trail["total"], 3);
        assert_eq!(trail["items"][0]["action"], "delete", "newest first");
        let units = admin.get("/api/v1/audit?entity=unit").await.json();
        assert_eq!(units["total"], 4, "the four units of the world");
        assert_eq!(units["items"][0]["username"], "system");
        let today = chrono::Utc::now().date_naive();
        let r = admin
            .get(&format!("/api/v1/audit?from={today}&to={today}&per_page=1"))
            .await
            .json();
        assert!(r["total"].as_u64().expect("total") >= 8);
        let r = admin
            .get("/api/v1/audit?from=2000-01-01&to=2000-12-31")
            .await
            .json();
        assert_eq!(r["total"], 0);
        officer.get("/api/v1/audit").await.problem(403, "forbidden");
        admin
            .get("/api/v1/packages/999999/history")
            .await
            .problem(404, "not_found");
    }
);

db_test!(
    two_instances_starting_together_make_one_administrator,
    |db: TestDb| async move {
        let starts: Vec<_> = (0..2)
            .map(|_| {
                let conn = db.conn.clone();
                tokio::spawn(
                    async move { accounts::ensure_admin(&conn, "mat-khau-quan-tri").await },
                )
            })
            .collect();
        let mut made = Vec::new();
        for s in starts {
            made.push(s.await.expect("task").expect("a start never fails on this"));
        }
        made.sort_unstable();
        assert_eq!(made, [false, true], "exactly one start made it");
        assert_eq!(accounts::count_users(&db.conn).await.expect("count"), 1);
    }
);

db_test!(
    failed_logins_are_counted_together_and_forgotten,
    |db: TestDb| async move {
        // Checks for all five at once: a machine with fewer by default would refuse some.
        let anonymous = std::sync::Arc::new(with_password_checks(&db, 1000));
        let failures = |name: &'static str| {
            let db = &db;
            async move {
                entity::login_failure::Entity::find_by_id(name.to_owned())
                    .one(&db.conn)
                    .await
                    .expect("login_failures")
                    .map(|f| f.failures)
            }
        };
        // No account can have this name: it is refused like any wrong login, and not stored.
        let huge = "x".repeat(100_000);
        anonymous
            .post(
                "/api/v1/auth/login",
                &json!({"username": huge, "password": "sai"}),
            )
            .await
            .problem(401, "unauthenticated");
        let stored = entity::login_failure::Entity::find()
            .count(&db.conn)
            .await
            .expect("count");
        assert_eq!(stored, 0);

        // Five wrong passwords at once for a name with no count yet: five 401s, five counted.
        let tries: Vec<_> = (0..5)
            .map(|_| {
                let anonymous = anonymous.clone();
                tokio::spawn(async move {
                    anonymous
                        .post(
                            "/api/v1/auth/login",
                            &json!({"username": "ai-do", "password": "sai"}),
                        )
                        .await
                })
            })
            .collect();
        for t in tries {
            t.await.expect("task").problem(401, "unauthenticated");
        }
        assert_eq!(failures("ai-do").await, Some(5));

        // A day without failures forgets the name; the next failure elsewhere clears it.
        sea_orm::ConnectionTrait::execute_unprepared(
            &db.conn,
            "UPDATE login_failures SET last_failure_at = '2000-01-01 00:00:00+00:00'",
        )
        .await
        .expect("age the failures");
        anonymous
            .post(
                "/api/v1/auth/login",
                &json!({"username": "nguoi-khac", "password": "sai"}),
            )
            .await
            .problem(401, "unauthenticated");
        assert_eq!(failures("ai-do").await, None);
        assert_eq!(failures("nguoi-khac").await, Some(1));

        // Sessions that ended without a logout go when the next one opens.
        let user = accounts::create_user(
            &db.conn,
            &Actor::system(),
            accounts::NewUser {
                username: "phien".to_owned(),
                display_name: "Phiên".to_owned(),
                password: "mat-khau-dung-roi".to_owned(),
                role: Role::Viewer,
                unit_id: None,
            },
        )
        .await
        .expect("user");
        let now = chrono::Utc::now();
        let (ended, _) = accounts::open_session(&db.conn, user.id, now - chrono::Duration::days(2))
            .await
            .expect("old session");
        let (live, _) = accounts::open_session(&db.conn, user.id, now)
            .await
            .expect("session");
        let sessions = entity::session::Entity::find()
            .count(&db.conn)
            .await
            .expect("sessions");
        assert_eq!(sessions, 1);
        assert!(
            accounts::session_user(&db.conn, &ended, now)
                .await
                .expect("lookup")
                .is_none()
        );
        assert!(
            accounts::session_user(&db.conn, &live, now)
                .await
                .expect("lookup")
                .is_some()
        );
    }
);

/// A client of an instance whose password checks are not the limit (many at once, here).
fn with_password_checks(db: &TestDb, at_once: usize) -> Client {
    Client::anonymous(db).with_limits(Limits {
        max_concurrent_password_checks: at_once,
        ..Limits::default()
    })
}

async fn add_viewer(db: &TestDb, username: &str, password: &str) {
    accounts::create_user(
        &db.conn,
        &Actor::system(),
        accounts::NewUser {
            username: username.to_owned(),
            display_name: "Người dùng".to_owned(),
            password: password.to_owned(),
            role: Role::Viewer,
            unit_id: None,
        },
    )
    .await
    .expect("user");
}

fn retry_after(r: &Response) -> u64 {
    r.header("retry-after")
        .expect("Retry-After")
        .parse()
        .expect("seconds")
}

db_test!(
    a_burst_of_wrong_passwords_checks_five,
    |db: TestDb| async move {
        add_viewer(&db, "bi-tan-cong", "mat-khau-dung-roi").await;
        // Enough password checks for the whole burst, so only the count can stop it.
        let anonymous = std::sync::Arc::new(with_password_checks(&db, 1000));
        let login = |password: &'static str| {
            let anonymous = anonymous.clone();
            async move {
                anonymous
                    .post(
                        "/api/v1/auth/login",
                        &json!({"username": "bi-tan-cong", "password": password}),
                    )
                    .await
            }
        };
        let burst: Vec<_> = (0..100)
            .map(|_| tokio::spawn(login("sai-mat-khau")))
            .collect();
        let (mut wrong, mut throttled, mut other) = (0, 0, Vec::new());
        for t in burst {
            let r = t.await.expect("task");
            match r.status.as_u16() {
                401 => wrong += 1,
                429 => {
                    r.problem(429, "too_many_attempts");
                    assert!((1..=30).contains(&retry_after(&r)), "{}", retry_after(&r));
                    throttled += 1;
                }
                s => other.push(format!("{s}: {}", r.text)),
            }
        }
        assert!(other.is_empty(), "{other:?}");
        // Exactly five: the count lets five through, and each of them is checked.
        assert_eq!(
            (wrong, throttled),
            (5, 95),
            "{wrong} passwords checked, {throttled} refused"
        );
        let counted = |db: &TestDb| {
            let conn = db.conn.clone();
            async move {
                entity::login_failure::Entity::find_by_id("bi-tan-cong".to_owned())
                    .one(&conn)
                    .await
                    .expect("login_failures")
                    .map(|f| f.failures)
            }
        };
        assert_eq!(counted(&db).await, Some(5), "refused tries are not counted");

        // The right password, after the fifth failure, waits like any other.
        let r = login("mat-khau-dung-roi").await;
        r.problem(429, "too_many_attempts");
        assert!((1..=30).contains(&retry_after(&r)));
        assert_eq!(counted(&db).await, Some(5));

        // Once the wait is over (moved into the past here) it signs in and the count goes.
        sea_orm::ConnectionTrait::execute_unprepared(
            &db.conn,
            "UPDATE login_failures SET last_failure_at = '2000-01-01 00:00:00+00:00'",
        )
        .await
        .expect("age the failures");
        let r = login("mat-khau-dung-roi").await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(counted(&db).await, None);
    }
);

db_test!(
    each_failure_past_the_fifth_doubles_the_wait,
    |db: TestDb| async move {
        let anonymous = with_password_checks(&db, 1000);
        let set = |failures: i32, seconds_ago: i64| {
            let conn = db.conn.clone();
            async move {
                entity::login_failure::Entity::delete_many()
                    .exec(&conn)
                    .await
                    .expect("clear");
                entity::login_failure::ActiveModel {
                    username: sea_orm::Set("ai-do".to_owned()),
                    failures: sea_orm::Set(failures),
                    last_failure_at: sea_orm::Set(
                        chrono::Utc::now() - chrono::Duration::seconds(seconds_ago),
                    ),
                }
                .insert(&conn)
                .await
                .expect("failures");
            }
        };
        let try_once = || async {
            anonymous
                .post(
                    "/api/v1/auth/login",
                    &json!({"username": "ai-do", "password": "sai-mat-khau"}),
                )
                .await
        };
        // (failures, seconds since the last, what the next try gets): the waits are 30 s after
        // the fifth, then 60, 120, 240, 480 and 900 s from the tenth on. Each refused case is
        // 10 s or more inside its wait: only a 10 s stall between writing the row and the try
        // could change its answer.
        for (failures, ago, status) in [
            (4, 0, 401),
            (5, 20, 429),
            (5, 45, 401),
            (6, 45, 429),
            (6, 75, 401),
            (7, 100, 429),
            (7, 130, 401),
            (9, 400, 429),
            (9, 500, 401),
            (10, 800, 429),
            (10, 910, 401),
            (40, 800, 429),
            (40, 910, 401),
        ] {
            set(failures, ago).await;
            let r = try_once().await;
            assert_eq!(
                r.status.as_u16(),
                status,
                "{failures} failures, the last {ago} s ago: {}",
                r.text
            );
        }
    }
);

db_test!(
    logins_beyond_the_password_checks_are_refused_at_once,
    |db: TestDb| async move {
        add_viewer(&db, "xem", "mat-khau-nguoi-xem").await;
        let anonymous = with_password_checks(&db, 1);
        // The only check is taken, as by a login whose hash is running.
        let running = anonymous.password_checks().try_permit().expect("permit");
        let r = anonymous
            .post(
                "/api/v1/auth/login",
                &json!({"username": "xem", "password": "mat-khau-nguoi-xem"}),
            )
            .await;
        r.problem(429, "login_busy");
        assert_eq!(retry_after(&r), 1);
        let stored = entity::login_failure::Entity::find()
            .count(&db.conn)
            .await
            .expect("count");
        assert_eq!(
            stored, 0,
            "a try refused for want of a check is not counted"
        );

        // The login form goes through the same checks.
        let page = anonymous.get("/login").await;
        let cookie = page.header("set-cookie").expect("login cookie");
        let cookie = cookie.split(';').next().expect("pair").to_owned();
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs([
                ("csrf", page.csrf().as_str()),
                ("username", "xem"),
                ("password", "mat-khau-nguoi-xem"),
            ])
            .finish();
        let send = || {
            Request::post("/login")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::COOKIE, cookie.clone())
                .body(Body::from(body.clone()))
                .expect("request")
        };
        let r = anonymous.send(send()).await;
        assert_eq!(r.status, 429, "{}", r.text);
        assert_eq!(retry_after(&r), 1);
        assert_eq!(
            texts(&r, "#login-error"),
            ["Máy chủ đang bận kiểm tra các lần đăng nhập khác. Hãy thử lại sau giây lát."]
        );

        // Once the check is done, both sign in.
        drop(running);
        let r = anonymous.send(send()).await;
        assert_eq!(r.status, 303, "{}", r.text);
        let r = anonymous
            .post(
                "/api/v1/auth/login",
                &json!({"username": "xem", "password": "mat-khau-nguoi-xem"}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
    }
);
