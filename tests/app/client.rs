//! Requests through the real router, in process.

use crate::support::TestDb;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use bidtrack::config::Settings;
use bidtrack::{AppState, app};
use http_body_util::BodyExt;
use serde_json::Value;
use std::sync::Arc;
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

pub struct Client {
    state: AppState,
}

impl Client {
    pub fn new(db: &TestDb) -> Self {
        let settings = Settings {
            database_url: db.url.clone(),
            bind: "127.0.0.1:0".parse().expect("addr"),
        };
        Client {
            state: AppState {
                db: db.conn.clone(),
                settings: Arc::new(settings),
            },
        }
    }

    pub async fn send(&self, req: Request<Body>) -> Response {
        let response = app(self.state.clone())
            .oneshot(req)
            .await
            .expect("infallible");
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

    /// Posts a form as a browser does (urlencoded), without following the redirect.
    pub async fn form(&self, uri: &str, fields: &[(&str, &str)]) -> Response {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
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
        let response = app(self.state.clone())
            .oneshot(Request::get(uri).body(Body::empty()).expect("request"))
            .await
            .expect("infallible");
        assert_eq!(response.status(), StatusCode::OK);
        response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes()
            .to_vec()
    }
}
