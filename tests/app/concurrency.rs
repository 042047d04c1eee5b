//! Concurrent edits: 32 clients updating the same few packages at once through the API of two
//! instances sharing the database, for a bounded time. Every update that succeeded is in the
//! record (the version counts them, the audit trail lists them), every conflicting one got 412
//! and changed nothing, and nothing else was answered: no 5xx, and SQLite's "database is
//! locked" never reaches a client. Here the instances are in this process; `instances.rs` runs
//! the same race against two server processes.

use crate::client::Client;
use crate::db_test;
use crate::support::*;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use entity::UnitKind;
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

const CLIENTS: usize = 32;
const PACKAGES: usize = 4;
const RUN_FOR: Duration = Duration::from_secs(3);

#[derive(Default)]
struct Tally {
    /// (package id, version it became, the notes it was given) of every 200.
    succeeded: Vec<(i64, i64, String)>,
    conflicts: usize,
    unexpected: Vec<String>,
}

db_test!(
    thirty_two_clients_editing_the_same_packages_lose_nothing,
    |db: TestDb| async move {
        // Half the clients go through a second instance (its own memory), as behind a proxy.
        let one = Arc::new(Client::new(&db));
        let other = Arc::new(Client::new(&db).elsewhere());
        race(&db, [one, other]).await;
    }
);

/// Runs `CLIENTS` editors for `RUN_FOR`, alternating between the two instances, on packages
/// created through the first, then checks that every update that succeeded is the record.
pub async fn race(db: &TestDb, instances: [Arc<Client>; 2]) {
    let unit = add_unit(&db.conn, "HN", UnitKind::Province, None).await;
    let c = instances[0].clone();
    let mut ids = Vec::new();
    for n in 0..PACKAGES {
        let p = c.package(package_body(unit.id, &format!("Gói {n}"))).await;
        ids.push(p["id"].as_i64().expect("id"));
    }
    let deadline = Instant::now() + RUN_FOR;
    let mut tasks = Vec::new();
    for client in 0..CLIENTS {
        let c = &instances[client % 2];
        let (c, ids) = (c.clone(), ids.clone());
        tasks.push(tokio::spawn(async move {
            let mut tally = Tally::default();
            let mut i = 0;
            while Instant::now() < deadline {
                let id = ids[(client + i) % ids.len()];
                i += 1;
                let read = c.get(&format!("/api/v1/packages/{id}")).await;
                if read.status != StatusCode::OK {
                    tally
                        .unexpected
                        .push(format!("GET {}: {}", read.status, read.text));
                    continue;
                }
                let etag = read.headers[header::ETAG]
                    .to_str()
                    .expect("etag")
                    .to_owned();
                let notes = format!("client {client} edit {i}");
                let r = c
                    .send(
                        Request::patch(format!("/api/v1/packages/{id}"))
                            .header(header::CONTENT_TYPE, "application/json")
                            .header(header::IF_MATCH, &etag)
                            .body(Body::from(json!({ "notes": notes }).to_string()))
                            .expect("request"),
                    )
                    .await;
                match r.status {
                    StatusCode::OK => {
                        let version = r.json()["version"].as_i64().expect("version");
                        tally.succeeded.push((id, version, notes));
                    }
                    StatusCode::PRECONDITION_FAILED if r.json()["code"] == "stale_version" => {
                        tally.conflicts += 1;
                    }
                    other => tally.unexpected.push(format!("PATCH {other}: {}", r.text)),
                }
            }
            tally
        }));
    }
    let mut all = Tally::default();
    for t in tasks {
        let t = t.await.expect("client task");
        all.succeeded.extend(t.succeeded);
        all.conflicts += t.conflicts;
        all.unexpected.extend(t.unexpected);
    }
    assert!(all.unexpected.is_empty(), "{:#?}", all.unexpected);
    eprintln!(
        "{} concurrent clients on {}: {} updates, {} conflicts (412) in {RUN_FOR:?}",
        CLIENTS,
        db.engine_name(),
        all.succeeded.len(),
        all.conflicts
    );
    assert!(
        all.succeeded.len() >= PACKAGES && all.conflicts > 0,
        "the run must both succeed and collide to prove anything: {} updates, {} conflicts",
        all.succeeded.len(),
        all.conflicts
    );

    let mut by_package: HashMap<i64, Vec<(i64, String)>> = HashMap::new();
    for (id, version, notes) in all.succeeded {
        by_package.entry(id).or_default().push((version, notes));
    }
    for id in ids {
        let mut edits = by_package.remove(&id).unwrap_or_default();
        edits.sort();
        let stored = c.get(&format!("/api/v1/packages/{id}")).await.json();
        // Each success made exactly one version: no two writers won with the same one.
        let versions: Vec<i64> = edits.iter().map(|(v, _)| *v).collect();
        let expected: Vec<i64> = (2..2 + edits.len() as i64).collect();
        assert_eq!(versions, expected, "package {id}");
        assert_eq!(stored["version"].as_i64(), Some(1 + edits.len() as i64));
        // The last success is what is stored, and the trail has every one of them.
        let last = edits.last().map(|(_, n)| n.as_str());
        assert_eq!(stored["notes"].as_str(), last.or(None), "package {id}");
        let history = c
            .get(&format!("/api/v1/packages/{id}/history"))
            .await
            .json();
        let updates: Vec<&str> = history
            .as_array()
            .expect("history")
            .iter()
            .filter(|h| h["action"] == "update")
            .filter_map(|h| h["changes"]["notes"]["new"].as_str())
            .collect();
        let mut written: Vec<&str> = edits.iter().map(|(_, n)| n.as_str()).collect();
        let mut trail = updates.clone();
        written.sort_unstable();
        trail.sort_unstable();
        assert_eq!(
            trail, written,
            "package {id}: the audit trail lists every update"
        );
    }
}
