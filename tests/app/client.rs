//! Requests through the real router, in process.

use crate::support::TestDb;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use bidtrack::config::Settings;
use bidtrack::services::accounts;
use bidtrack::{AppState, app};
use entity::Role;
use http_body_util::BodyExt;
use serde_json::Value;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use tower::ServiceExt;

pub struct Response {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
}

impl Response {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The `name=value` pair of the cookie this response sets.
    pub fn cookie(&self, name: &str) -> String {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .filter_map(|v| v.split(';').next())
            .find(|pair| {
                pair.strip_prefix(name)
                    .is_some_and(|rest| rest.starts_with('='))
            })
            .unwrap_or_else(|| panic!("no {name} cookie: {:?}", self.headers))
            .to_owned()
    }

    /// The CSRF token of the page's forms (every form of a page carries the same one).
    pub fn csrf(&self) -> String {
        let page = scraper::Html::parse_document(&self.text);
        let input = scraper::Selector::parse("input[name=csrf]").expect("selector");
        page.select(&input)
            .next()
            .and_then(|i| i.value().attr("value"))
            .unwrap_or_else(|| panic!("no csrf field: {}", self.text))
            .to_owned()
    }

    /// Asserts a problem+json answer with this status and code; returns the document.
    pub fn problem(&self, status: u16, code: &str) -> Value {
        assert_eq!(self.status.as_u16(), status, "{}", self.text);
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json"),
            "{}",
            self.text
        );
        let p = self.json();
        assert_eq!(p["code"], code, "{p}");
        assert_eq!(p["status"], status, "{p}");
        assert!(
            p["title"].is_string() && p["detail"].is_string() && p["type"].is_string(),
            "{p}"
        );
        p
    }
}

/// A signed-in user's credentials: an API token and a web session with its CSRF token.
#[derive(Clone)]
pub struct Credentials {
    pub token: String,
    pub session: String,
    pub csrf: String,
}

/// Who the client acts as. Credentials are made on first use, so a test that never sends a
/// request creates no user.
enum Identity {
    Anonymous,
    User {
        role: Role,
        unit_id: Option<i64>,
        made: tokio::sync::OnceCell<Credentials>,
    },
}

pub struct Client {
    state: AppState,
    identity: Identity,
    /// A server process this client talks to over TCP instead of the router in process.
    remote: Option<Remote>,
}

struct Remote {
    address: String,
    http: hyper_util::client::legacy::Client<
        hyper_util::client::legacy::connect::HttpConnector,
        Body,
    >,
}

static USERS: AtomicU32 = AtomicU32::new(0);

impl Client {
    /// An administrator.
    pub fn new(db: &TestDb) -> Self {
        Self::with(
            db,
            Identity::User {
                role: Role::Admin,
                unit_id: None,
                made: tokio::sync::OnceCell::new(),
            },
        )
    }

    /// A user of this role (and unit, for an officer).
    pub fn as_role(db: &TestDb, role: Role, unit_id: Option<i64>) -> Self {
        Self::with(
            db,
            Identity::User {
                role,
                unit_id,
                made: tokio::sync::OnceCell::new(),
            },
        )
    }

    /// The same client on an instance with other limits (its own request permits and metrics).
    pub fn with_limits(mut self, limits: bidtrack::config::Limits) -> Self {
        let mut settings = (*self.state.settings).clone();
        settings.limits = limits.clone();
        self.state.settings = Arc::new(settings);
        self.state.passwords = bidtrack::services::accounts::PasswordChecks::new(
            limits.max_concurrent_password_checks,
        );
        self.state.ops = bidtrack::ops::Ops::new(limits);
        self
    }

    /// The password checks of this client's instance, to take them all in a test.
    pub fn password_checks(&self) -> &bidtrack::services::accounts::PasswordChecks {
        &self.state.passwords
    }

    /// The same client on an instance whose `/metrics` asks for this token.
    pub fn with_metrics_token(mut self, token: &str) -> Self {
        let mut settings = (*self.state.settings).clone();
        settings.metrics_token = Some(token.to_owned());
        self.state.settings = Arc::new(settings);
        self
    }

    /// Nobody: no token, no session.
    pub fn anonymous(db: &TestDb) -> Self {
        Self::with(db, Identity::Anonymous)
    }

    /// An administrator of a second server instance on the same database: its own memory
    /// (`services::cache`), as behind a load balancer.
    pub fn on_another_instance(db: &TestDb) -> Self {
        Self::new(db).elsewhere()
    }

    /// The same identity, on a server instance of its own (memory, permits, metrics) that
    /// shares only the database.
    pub fn elsewhere(mut self) -> Self {
        self.state.cache = bidtrack::services::cache::Cache::new();
        self.state.ops = bidtrack::ops::Ops::new(self.state.settings.limits.clone());
        self.state.passwords = bidtrack::services::accounts::PasswordChecks::new(
            self.state.settings.limits.max_concurrent_password_checks,
        );
        self
    }

    /// An administrator of a server that accepts import files up to `bytes`.
    pub fn with_import_limit(db: &TestDb, bytes: usize) -> Self {
        let mut c = Self::new(db);
        let mut settings = (*c.state.settings).clone();
        settings.import_limit_bytes = bytes;
        c.state.settings = Arc::new(settings);
        c
    }

    /// The same client on a server that reads import files within these bounds.
    pub fn with_import_bounds(mut self, bounds: bidtrack::import::Bounds) -> Self {
        let mut settings = (*self.state.settings).clone();
        settings.import_bounds = bounds;
        self.state.settings = Arc::new(settings);
        self
    }

    /// Sends a body as is, with this content type.
    pub async fn post_bytes(&self, uri: &str, content_type: &str, body: Vec<u8>) -> Response {
        self.send(
            Request::post(uri)
                .header(header::CONTENT_TYPE, content_type)
                .body(Body::from(body))
                .expect("request"),
        )
        .await
    }

    fn with(db: &TestDb, identity: Identity) -> Self {
        let settings = Settings {
            database_url: db.url.clone(),
            bind: "127.0.0.1:0".parse().expect("addr"),
            cookie_secure: false,
            import_limit_bytes: bidtrack::config::DEFAULT_IMPORT_LIMIT,
            import_bounds: Default::default(),
            ocds: Default::default(),
            limits: Default::default(),
            metrics_token: None,
        };
        let mut state = AppState::new(db.conn.clone(), settings);
        state.cache = db.cache.clone();
        Client {
            state,
            identity,
            remote: None,
        }
    }

    /// The same user, sending to the server listening at `address` (`host:port`), another
    /// process on this test's database.
    pub fn at(mut self, address: &str) -> Self {
        self.remote = Some(Remote {
            address: address.to_owned(),
            http: hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
                .build_http(),
        });
        self
    }

    /// This client's credentials (made now if need be); `None` for the anonymous client.
    pub async fn credentials(&self) -> Option<Credentials> {
        let Identity::User {
            role,
            unit_id,
            made,
        } = &self.identity
        else {
            return None;
        };
        let db = &self.state.db;
        let creds = made
            .get_or_init(|| async {
                let n = USERS.fetch_add(1, Ordering::Relaxed);
                let user = accounts::create_user(
                    db,
                    &accounts::Actor::system(),
                    accounts::NewUser {
                        username: format!("test-{}-{n}", role.as_str()),
                        display_name: format!("Người thử {n}"),
                        password: "mat-khau-thu-nghiem".to_owned(),
                        role: *role,
                        unit_id: *unit_id,
                    },
                )
                .await
                .expect("test user");
                let (token, _) =
                    accounts::issue_token(db, user.id, entity::TokenKind::Personal, "tests", None)
                        .await
                        .expect("token");
                let (session, csrf) = accounts::open_session(db, user.id, chrono::Utc::now())
                    .await
                    .expect("session");
                Credentials {
                    token,
                    session,
                    csrf,
                }
            })
            .await;
        Some(creds.clone())
    }

    /// Sends as this client: its token and session cookie are added unless the request has
    /// its own `Authorization`.
    pub async fn send(&self, mut req: Request<Body>) -> Response {
        if let Some(creds) = self.credentials().await
            && !req.headers().contains_key(header::AUTHORIZATION)
        {
            let headers = req.headers_mut();
            headers.insert(
                header::AUTHORIZATION,
                format!("Bearer {}", creds.token).parse().expect("header"),
            );
            let cookie = match headers.get(header::COOKIE).and_then(|v| v.to_str().ok()) {
                Some(existing) => format!("{existing}; bidtrack_session={}", creds.session),
                None => format!("bidtrack_session={}", creds.session),
            };
            headers.insert(header::COOKIE, cookie.parse().expect("header"));
        }
        self.send_raw(req).await
    }

    /// Sends exactly this request.
    pub async fn send_raw(&self, req: Request<Body>) -> Response {
        let response = match &self.remote {
            None => app(self.state.clone())
                .oneshot(req)
                .await
                .expect("infallible"),
            Some(remote) => {
                let (mut parts, body) = req.into_parts();
                let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
                parts.uri = format!("http://{}{path}", remote.address)
                    .parse()
                    .expect("uri");
                remote
                    .http
                    .request(Request::from_parts(parts, body))
                    .await
                    .unwrap_or_else(|e| panic!("{}: {e}", remote.address))
                    .map(Body::new)
            }
        };
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        Response {
            status,
            headers,
            text: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    pub async fn get(&self, uri: &str) -> Response {
        self.send(Request::get(uri).body(Body::empty()).expect("request"))
            .await
    }

    pub async fn json(
        &self,
        method: Method,
        uri: &str,
        body: &Value,
        if_match: Option<&str>,
    ) -> Response {
        let mut req = Request::builder()
            .method(method)
            .uri(uri)
            .header(header::CONTENT_TYPE, "application/json");
        if let Some(tag) = if_match {
            req = req.header(header::IF_MATCH, tag);
        }
        self.send(req.body(Body::from(body.to_string())).expect("request"))
            .await
    }

    /// Posts a form as a browser does (urlencoded), without following the redirect. The
    /// session's CSRF token is added unless the form has a `csrf` field already.
    pub async fn form(&self, uri: &str, fields: &[(&str, &str)]) -> Response {
        let mut body = form_urlencoded::Serializer::new(String::new());
        body.extend_pairs(fields);
        if !fields.iter().any(|(k, _)| *k == "csrf")
            && let Some(creds) = self.credentials().await
        {
            body.append_pair("csrf", &creds.csrf);
        }
        let body = body.finish();
        self.send(
            Request::post(uri)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(body))
                .expect("request"),
        )
        .await
    }

    /// A GET carrying the cookies a previous response set (the flash notice).
    pub async fn get_after(&self, uri: &str, previous: &Response) -> Response {
        let cookies: Vec<String> = previous
            .headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .filter_map(|v| v.split(';').next().map(str::to_owned))
            .collect();
        self.send(
            Request::get(uri)
                .header(header::COOKIE, cookies.join("; "))
                .body(Body::empty())
                .expect("request"),
        )
        .await
    }

    pub async fn post(&self, uri: &str, body: &Value) -> Response {
        self.json(Method::POST, uri, body, None).await
    }

    pub async fn patch(&self, uri: &str, body: &Value, if_match: Option<&str>) -> Response {
        self.json(Method::PATCH, uri, body, if_match).await
    }

    pub async fn delete(&self, uri: &str, if_match: Option<&str>) -> Response {
        let mut req = Request::delete(uri);
        if let Some(tag) = if_match {
            req = req.header(header::IF_MATCH, tag);
        }
        self.send(req.body(Body::empty()).expect("request")).await
    }

    /// Creates a unit; returns its id.
    pub async fn unit(&self, code: &str, kind: &str, parent: Option<i64>) -> i64 {
        let r = self.post("/api/v1/units", &serde_json::json!({"code": code, "name": format!("Đơn vị {code}"), "kind": kind, "parent_id": parent})).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        r.json()["id"].as_i64().expect("id")
    }

    /// Creates a package from the given fields; returns the created package.
    pub async fn package(&self, body: Value) -> Value {
        let r = self.post("/api/v1/packages", &body).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        r.json()
    }
}

impl Client {
    /// Serves the same application on a real socket (127.0.0.1, a free port) for clients that
    /// are other processes, such as a browser. The server lives as long as the test's runtime.
    pub async fn serve(&self) -> std::net::SocketAddr {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a free port");
        let addr = listener.local_addr().expect("local address");
        let app = app(self.state.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        addr
    }

    /// The raw body of a GET (binary files).
    pub async fn get_bytes(&self, uri: &str) -> Vec<u8> {
        self.download(uri).await.1
    }

    /// The headers and raw body of a GET answered 200 (binary files).
    pub async fn download(&self, uri: &str) -> (HeaderMap, Vec<u8>) {
        let mut req = Request::get(uri).body(Body::empty()).expect("request");
        if let Some(creds) = self.credentials().await {
            req.headers_mut().insert(
                header::AUTHORIZATION,
                format!("Bearer {}", creds.token).parse().expect("header"),
            );
        }
        let response = app(self.state.clone())
            .oneshot(req)
            .await
            .expect("infallible");
        assert_eq!(response.status(), StatusCode::OK);
        let headers = response.headers().clone();
        let body = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes()
            .to_vec();
        (headers, body)
    }
}
