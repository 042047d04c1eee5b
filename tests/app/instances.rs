//! Several instances: two server processes on different ports sharing one database, as behind
//! a reverse proxy. A session opened on one works on the other and, closed on the other, stops
//! working on the first once its memory expires; edits through both never lose an update.

use crate::client::Client;
use crate::concurrency::race;
use crate::db_test;
use crate::signals::start_server;
use crate::support::*;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use std::process::Child;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A server process, killed when the test ends, passed or not.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn with_cookie(
    method: &str,
    uri: &str,
    cookie: &str,
    form: Option<&[(&str, &str)]>,
) -> Request<Body> {
    let req = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::COOKIE, cookie);
    match form {
        None => req.body(Body::empty()),
        Some(fields) => req
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(
                form_urlencoded::Serializer::new(String::new())
                    .extend_pairs(fields)
                    .finish(),
            )),
    }
    .expect("request")
}

db_test!(
    two_servers_on_two_ports_share_sessions_and_edits,
    |db: TestDb| async move {
        let (a, address_a) = start_server(&db.url);
        let a = Server(a);
        let (b, address_b) = start_server(&db.url);
        let b = Server(b);
        assert_ne!(address_a, address_b);
        let (browser_a, browser_b) = (
            Client::anonymous(&db).at(&address_a),
            Client::anonymous(&db).at(&address_b),
        );

        // Signed in on A.
        let form = browser_a.get("/login").await;
        assert_eq!(form.status, StatusCode::OK, "{}", form.text);
        let login_csrf = form.cookie("bidtrack_login_csrf");
        let signed_in = browser_a
            .send_raw(with_cookie(
                "POST",
                "/login",
                &login_csrf,
                Some(&[
                    ("username", "admin"),
                    ("password", "correct horse battery"),
                    ("csrf", &form.csrf()),
                ]),
            ))
            .await;
        assert_eq!(
            signed_in.status,
            StatusCode::SEE_OTHER,
            "{}",
            signed_in.text
        );
        let session = signed_in.cookie("bidtrack_session");

        // A remembers the session once it has served it (`services::cache`).
        let on_a = browser_a
            .send_raw(with_cookie("GET", "/packages", &session, None))
            .await;
        assert_eq!(on_a.status, StatusCode::OK, "{}", on_a.text);
        // B knows the session: its pages open, with a logout form for it.
        let page = browser_b
            .send_raw(with_cookie("GET", "/packages", &session, None))
            .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text);
        let signed_out = browser_b
            .send_raw(with_cookie(
                "POST",
                "/logout",
                &session,
                Some(&[("csrf", &page.csrf())]),
            ))
            .await;
        assert_eq!(
            signed_out.status,
            StatusCode::SEE_OTHER,
            "{}",
            signed_out.text
        );
        assert_eq!(signed_out.header("location"), Some("/login"));

        // Closed on B, the session stops working on A once A's memory of it expires
        // (`services::cache::TTL`): a bound the README states.
        let closed = Instant::now();
        loop {
            let r = browser_a
                .send_raw(with_cookie("GET", "/packages", &session, None))
                .await;
            if r.status == StatusCode::SEE_OTHER {
                assert!(
                    r.header("location")
                        .is_some_and(|l| l.starts_with("/login"))
                );
                eprintln!(
                    "{}: the session closed on B was refused on A after {:?}",
                    db.engine_name(),
                    closed.elapsed()
                );
                break;
            }
            assert_eq!(r.status, StatusCode::OK, "{}", r.text);
            assert!(
                closed.elapsed() <= bidtrack::services::cache::TTL + Duration::from_secs(2),
                "A still accepts the session closed on B after {:?}",
                closed.elapsed()
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }

        // Edits through both processes: every success is in the record, every conflict a 412.
        race(
            &db,
            [
                Arc::new(Client::new(&db).at(&address_a)),
                Arc::new(Client::new(&db).at(&address_b)),
            ],
        )
        .await;
        drop((a, b));
    }
);
