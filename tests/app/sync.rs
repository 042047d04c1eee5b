//! Mirroring bidtrack through the API: the change feed of `/api/v1/packages` (`updated_since`,
//! `cursor`) and the deletions feed `/api/v1/packages/deleted`, on both engines' timestamps.

use crate::client::Client;
use crate::db_test;
use crate::support::*;
use chrono::{DateTime, Duration, Utc};
use entity::Role;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::Value;
use std::collections::{HashMap, HashSet};

/// A page of a feed: (id, version) of each item, `next_cursor`, `has_more`.
async fn page(c: &Client, uri: &str) -> (Vec<(i64, i64)>, String, bool) {
    let r = c.get(uri).await;
    assert_eq!(r.status, 200, "{uri}: {}", r.text);
    let body = r.json();
    assert!(
        body.get("page").is_none() && body.get("total").is_none(),
        "{body}"
    );
    let items = body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|p| {
            (
                p["id"].as_i64().expect("id"),
                p["version"].as_i64().unwrap_or(0),
            )
        })
        .collect();
    (
        items,
        body["next_cursor"]
            .as_str()
            .expect("next_cursor")
            .to_owned(),
        body["has_more"].as_bool().expect("has_more"),
    )
}

fn ids(items: &[(i64, i64)]) -> Vec<i64> {
    items.iter().map(|(id, _)| *id).collect()
}

fn q(instant: &str) -> String {
    instant.replace('+', "%2B")
}

async fn patch_name(c: &Client, id: i64, name: &str) -> Value {
    let url = format!("/api/v1/packages/{id}");
    let version = c.get(&url).await.json()["version"]
        .as_i64()
        .expect("version");
    let r = c
        .patch(
            &url,
            &serde_json::json!({ "name": name }),
            Some(&format!("\"{version}\"")),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.json()
}

db_test!(
    updated_since_is_strictly_after_the_instant,
    |db: TestDb| async move {
        let c = Client::new(&db);
        let unit = c.unit("U", "district", None).await;
        let a = c.package(package_body(unit, "A")).await;
        let b = c.package(package_body(unit, "B")).await;
        let cc = c.package(package_body(unit, "C")).await;
        let id = |p: &Value| p["id"].as_i64().expect("id");
        // The stamp as the API gave it (nanoseconds on SQLite, microseconds on PostgreSQL).
        let t = b["updated_at"].as_str().expect("updated_at").to_owned();
        let (items, _, more) = page(&c, &format!("/api/v1/packages?updated_since={}", q(&t))).await;
        assert_eq!(
            ids(&items),
            [id(&cc)],
            "B itself is not after its own stamp"
        );
        assert!(!more);
        // The same instant in Vietnam's offset.
        let local = DateTime::parse_from_rfc3339(&t)
            .expect("stamp")
            .with_timezone(&chrono::FixedOffset::east_opt(7 * 3600).expect("offset"))
            .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false);
        let (items, _, _) =
            page(&c, &format!("/api/v1/packages?updated_since={}", q(&local))).await;
        assert_eq!(ids(&items), [id(&cc)]);
        // A change moves A after the instant, at the end of the order.
        patch_name(&c, id(&a), "A2").await;
        let (items, _, _) = page(&c, &format!("/api/v1/packages?updated_since={}", q(&t))).await;
        assert_eq!(items, [(id(&cc), 1), (id(&a), 2)]);
        // Filters still apply.
        let other = c.unit("V", "district", None).await;
        c.package(package_body(other, "D")).await;
        let (items, _, _) = page(
            &c,
            &format!("/api/v1/packages?updated_since={}&unit_id={unit}", q(&t)),
        )
        .await;
        assert_eq!(ids(&items), [id(&cc), id(&a)]);

        // Stamps on and off the second, a microsecond apart: compared as instants on both
        // engines (SQLite keeps them as text of varying length).
        let t0 = DateTime::parse_from_rfc3339("2030-01-01T00:00:00Z")
            .expect("t0")
            .with_timezone(&Utc);
        let stamps = [
            t0 + Duration::seconds(1),
            t0 + Duration::microseconds(1),
            t0,
            t0 + Duration::milliseconds(500),
        ];
        let all: Vec<i64> = [&a, &b, &cc].iter().map(|p| id(p)).collect();
        let d = c.package(package_body(unit, "E")).await;
        for (pid, at) in all.iter().chain([id(&d)].iter()).zip(stamps) {
            entity::package::Entity::update_many()
                .col_expr(entity::package::Column::UpdatedAt, Expr::value(at))
                .filter(entity::package::Column::Id.eq(*pid))
                .exec(&db.conn)
                .await
                .expect("stamp");
        }
        let since = |at: DateTime<Utc>| {
            format!(
                "/api/v1/packages?updated_since={}&unit_id={unit}",
                q(&at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
            )
        };
        // a: t0+1s, b: t0+1µs, c: t0, e: t0+0.5s
        assert_eq!(ids(&page(&c, &since(t0)).await.0), [all[1], id(&d), all[0]]);
        assert_eq!(
            ids(&page(&c, &since(t0 + Duration::microseconds(1))).await.0),
            [id(&d), all[0]]
        );
        assert_eq!(
            ids(&page(&c, &since(t0 - Duration::nanoseconds(1))).await.0),
            [all[2], all[1], id(&d), all[0]]
        );
        assert!(
            page(&c, &since(t0 + Duration::seconds(1)))
                .await
                .0
                .is_empty()
        );
    }
);

db_test!(
    pages_miss_nothing_while_rows_change,
    |db: TestDb| async move {
        let c = Client::new(&db);
        let unit = c.unit("U", "district", None).await;
        let start = "2000-01-01T00:00:00Z";
        let mut created = Vec::new();
        for i in 0..25 {
            created.push(
                c.package(package_body(unit, &format!("Gói {i}"))).await["id"]
                    .as_i64()
                    .expect("id"),
            );
        }
        let mut seen: Vec<(i64, i64)> = Vec::new();
        let mut uri = format!("/api/v1/packages?updated_since={start}&per_page=10");
        let mut round = 0;
        let cursor = loop {
            let (items, next, more) = page(&c, &uri).await;
            seen.extend(&items);
            match round {
                // Between pages: one row already read changes, one not yet read changes, one
                // is new.
                0 => {
                    patch_name(&c, created[0], "đổi sau khi đọc").await;
                    patch_name(&c, created[15], "đổi trước khi đọc").await;
                    created.push(
                        c.package(package_body(unit, "mới")).await["id"]
                            .as_i64()
                            .expect("id"),
                    );
                }
                1 => {
                    patch_name(&c, created[0], "đổi lần nữa").await;
                }
                _ => {}
            }
            round += 1;
            uri = format!("/api/v1/packages?cursor={next}&per_page=10");
            if !more {
                break next;
            }
            assert!(round < 10, "the feed ends");
        };
        let unique: HashSet<(i64, i64)> = seen.iter().copied().collect();
        assert_eq!(unique.len(), seen.len(), "no version twice: {seen:?}");
        let mut last: HashMap<i64, i64> = HashMap::new();
        for (id, version) in &seen {
            let before = last.insert(*id, *version);
            assert!(before.is_none_or(|v| v < *version), "{seen:?}");
        }
        let every: HashSet<i64> = created.iter().copied().collect();
        assert_eq!(last.keys().copied().collect::<HashSet<_>>(), every);
        for id in &created {
            let now = c.get(&format!("/api/v1/packages/{id}")).await.json()["version"]
                .as_i64()
                .expect("version");
            assert_eq!(last[id], now, "package {id} seen at its latest version");
        }
        assert_eq!(last[&created[0]], 3);
        assert_eq!(seen.iter().filter(|(id, _)| *id == created[15]).count(), 1);
        // The last cursor is where the next sync starts: nothing now, then exactly what changes.
        let (items, same, more) = page(&c, &format!("/api/v1/packages?cursor={cursor}")).await;
        assert!(items.is_empty() && !more);
        assert_eq!(same, cursor);
        patch_name(&c, created[7], "sau lần đồng bộ").await;
        let (items, _, _) = page(&c, &format!("/api/v1/packages?cursor={cursor}")).await;
        assert_eq!(items, [(created[7], 2)]);
    }
);

db_test!(
    deletions_are_listed_after_an_instant,
    |db: TestDb| async move {
        let c = Client::new(&db);
        let city = c.unit("HN", "province", None).await;
        let district = c.unit("HN-HD", "district", Some(city)).await;
        let other = c.unit("HN-HK", "district", Some(city)).await;
        let mut ids = Vec::new();
        for (unit, name) in [
            (district, "A"),
            (district, "B"),
            (other, "C"),
            (district, "D"),
        ] {
            ids.push(
                c.package(package_body(unit, name)).await["id"]
                    .as_i64()
                    .expect("id"),
            );
        }
        let delete = |id: i64| {
            let c = &c;
            async move {
                let r = c
                    .delete(&format!("/api/v1/packages/{id}"), Some("\"1\""))
                    .await;
                assert_eq!(r.status, 204, "{}", r.text);
            }
        };
        delete(ids[0]).await;
        let before = c.get("/api/v1/packages/deleted").await.json();
        let first_at = before["items"][0]["deleted_at"]
            .as_str()
            .expect("deleted_at")
            .to_owned();
        assert_eq!(before["items"][0]["id"], ids[0]);
        assert_eq!(before["items"][0]["unit_id"], district);
        delete(ids[2]).await;
        delete(ids[1]).await;

        // Strictly after the first deletion, one a page.
        let viewer = Client::as_role(&db, Role::Viewer, None);
        let mut uri = format!(
            "/api/v1/packages/deleted?deleted_since={}&per_page=1",
            q(&first_at)
        );
        let mut seen = Vec::new();
        loop {
            let (items, next, more) = page(&viewer, &uri).await;
            seen.extend(ids_of(&items));
            uri = format!("/api/v1/packages/deleted?cursor={next}&per_page=1");
            if !more {
                break;
            }
        }
        assert_eq!(seen, [ids[2], ids[1]]);
        // The district's subtree only.
        let (items, cursor, _) =
            page(&c, &format!("/api/v1/packages/deleted?unit_id={district}")).await;
        assert_eq!(ids_of(&items), [ids[0], ids[1]]);
        let (items, _, _) = page(&c, &format!("/api/v1/packages/deleted?unit_id={city}")).await;
        assert_eq!(ids_of(&items), [ids[0], ids[2], ids[1]]);
        // Resuming later gives only the new deletions.
        delete(ids[3]).await;
        let (items, _, _) = page(
            &c,
            &format!("/api/v1/packages/deleted?unit_id={district}&cursor={cursor}"),
        )
        .await;
        assert_eq!(ids_of(&items), [ids[3]]);
        // Gone from the change feed, present in the deletions feed.
        let (items, _, _) = page(&c, "/api/v1/packages?updated_since=2000-01-01T00:00:00Z").await;
        assert!(ids_of(&items).iter().all(|id| !ids.contains(id)));
        c.get("/api/v1/packages/deleted?unit_id=987654")
            .await
            .problem(422, "validation_failed");
    }
);

fn ids_of(items: &[(i64, i64)]) -> Vec<i64> {
    ids(items)
}

db_test!(
    bad_feed_parameters_are_422_naming_them,
    |db: TestDb| async move {
        let c = Client::new(&db);
        let unit = c.unit("U", "district", None).await;
        c.package(package_body(unit, "A")).await;
        let (_, deletions_cursor, _) = page(&c, "/api/v1/packages/deleted").await;
        let (_, packages_cursor, _) =
            page(&c, "/api/v1/packages?updated_since=2000-01-01T00:00:00Z").await;
        let cases = [
            (
                "/api/v1/packages?updated_since=yesterday".to_owned(),
                "updated_since",
                "invalid_date",
            ),
            (
                "/api/v1/packages?updated_since=2026-12-01".to_owned(),
                "updated_since",
                "invalid_date",
            ),
            (
                "/api/v1/packages?updated_since=2026-12-01T08:00:00".to_owned(),
                "updated_since",
                "invalid_date",
            ),
            (
                "/api/v1/packages?updated_since=".to_owned(),
                "updated_since",
                "invalid_date",
            ),
            (
                "/api/v1/packages?updated_since=0000-01-01T00:00:00Z".to_owned(),
                "updated_since",
                "invalid_date",
            ),
            (
                "/api/v1/packages?cursor=abc".to_owned(),
                "cursor",
                "invalid_cursor",
            ),
            (
                "/api/v1/packages?cursor=".to_owned(),
                "cursor",
                "invalid_cursor",
            ),
            (
                format!("/api/v1/packages?cursor={deletions_cursor}"),
                "cursor",
                "invalid_cursor",
            ),
            (
                format!("/api/v1/packages/deleted?cursor={packages_cursor}"),
                "cursor",
                "invalid_cursor",
            ),
            (
                "/api/v1/packages/deleted?deleted_since=2026-13-01T00:00:00Z".to_owned(),
                "deleted_since",
                "invalid_date",
            ),
            (
                format!("/api/v1/packages?cursor={packages_cursor}&page=2"),
                "page",
                "not_with_cursor",
            ),
            (
                format!("/api/v1/packages?cursor={packages_cursor}&sort=name"),
                "sort",
                "not_with_cursor",
            ),
            (
                format!("/api/v1/packages?cursor={packages_cursor}&per_page=0"),
                "per_page",
                "range",
            ),
            (
                "/api/v1/packages/deleted?per_page=501".to_owned(),
                "per_page",
                "range",
            ),
        ];
        for (uri, field, code) in cases {
            let p = c.get(&uri).await.problem(422, "validation_failed");
            assert_eq!(
                (
                    p["errors"][0]["field"].as_str(),
                    p["errors"][0]["code"].as_str()
                ),
                (Some(field), Some(code)),
                "{uri}: {p}"
            );
        }
        // The feed's own order is accepted by name.
        let (items, _, _) = page(
            &c,
            &format!("/api/v1/packages?cursor={packages_cursor}&sort=updated_at"),
        )
        .await;
        assert!(items.is_empty());
        // Without the feed's parameters the list is the numbered one, as before.
        let list = c.get("/api/v1/packages").await.json();
        assert_eq!(
            (list["page"].as_u64(), list["total"].as_u64()),
            (Some(1), Some(1))
        );
        assert!(list.get("next_cursor").is_none());
    }
);
