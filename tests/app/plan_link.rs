//! A package belongs to a selection plan, and through it to a project (issue 19), on both
//! engines: the migration that files typed plan numbers as plans, the plan set through the API
//! and the form under the unit rule, the plan and project filters of the API, the register and
//! the list report, the OCDS planning section, the import by plan code, the plan's page.

use crate::client::Client;
use crate::db_test;
use crate::support::*;
use crate::web_forms::{attr, doc, location, posted, set, submit, texts};
use bidtrack::db;
use entity::{Field, Method, Role, UnitKind};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};

/// How many migrations `name` and those after it are (see tests/app/migrations.rs).
fn since(name: &str) -> u32 {
    use migration::MigratorTrait;
    let all = migration::Migrator::migrations();
    let at = all
        .iter()
        .position(|m| m.name() == name)
        .unwrap_or_else(|| panic!("no migration {name}"));
    u32::try_from(all.len() - at).expect("a few migrations")
}

const PACKAGE_PLANS: &str = "m20261210_000015_package_plans";

/// The plans and projects as (unit, year, code, name), sorted.
async fn plans(db: &TestDb) -> Vec<(i64, i32, Option<String>, String)> {
    let mut out: Vec<_> = entity::selection_plan::Entity::find()
        .find_also_related(entity::project::Entity)
        .all(&db.conn)
        .await
        .expect("plans")
        .into_iter()
        .map(|(s, j)| (j.expect("project").unit_id, s.year, s.code, s.name))
        .collect();
    out.sort();
    out
}

db_test!(
    the_migration_files_typed_plan_codes_as_plans,
    |db: TestDb| async move {
        use migration::MigratorTrait;
        let conn = &db.conn;
        let p = add_unit(conn, "P", UnitKind::Province, None).await;
        let d1 = add_unit(conn, "P-D1", UnitKind::District, Some(p.id))
            .await
            .id;
        let d2 = add_unit(conn, "P-D2", UnitKind::District, Some(p.id))
            .await
            .id;
        let typed = |unit: i64, year: i32, code: Option<&str>, name: &str| {
            bidtrack::services::packages::NewPackage {
                plan_code: code.map(str::to_owned),
                plan_year: year,
                ..new_package(
                    unit,
                    name,
                    Method::CompetitiveOffers,
                    Field::Goods,
                    BN,
                    true,
                )
            }
        };
        // A plan recorded by hand before the migration, with the code D2 typed.
        let c = Client::new(&db);
        let own = c
            .post(
                "/api/v1/projects",
                &json!({"unit_id": d2, "name": "Dự án D2", "kind": "investment_project",
                        "project_group": "c", "funding_kind": "state_budget"}),
            )
            .await
            .json();
        let recorded = c
            .post(
                "/api/v1/plans",
                &json!({"project_id": own["id"], "code": "PL1900000009", "name": "KHLCNT D2",
                        "year": 2019}),
            )
            .await
            .json();
        let first = create(conn, typed(d1, 2019, Some("PL1900000001"), "a")).await;
        let second = create(conn, typed(d1, 2019, Some("PL1900000001"), "b")).await;
        let next_year = create(conn, typed(d1, 2020, Some("PL1900000001"), "c")).await;
        let other_unit = create(conn, typed(d2, 2019, Some("PL1900000001"), "d")).await;
        let other_code = create(conn, typed(d1, 2019, Some("PL1900000002"), "e")).await;
        let by_hand = create(conn, typed(d2, 2019, Some("PL1900000009"), "f")).await;
        let untyped = create(conn, typed(d1, 2019, None, "g")).await;

        // The packages as they were before the column: roll 000015 back, then migrate.
        migration::Migrator::down(conn, Some(since(PACKAGE_PLANS)))
            .await
            .expect("roll back 000015");
        db::migrate(conn).await.expect("migrate again");

        let catch_all = entity::project::Entity::find()
            .filter(entity::project::Column::Name.eq(migration::BACKFILL_PROJECT_NAME))
            .order_by_asc(entity::project::Column::UnitId)
            .all(conn)
            .await
            .expect("projects");
        assert_eq!(
            catch_all.iter().map(|j| j.unit_id).collect::<Vec<_>>(),
            [d1, d2],
            "one project per unit that needed plans"
        );
        for j in &catch_all {
            assert_eq!(
                (j.kind, j.funding_kind, j.version, j.code.as_deref()),
                (
                    entity::ProjectKind::Other,
                    entity::FundingKind::Other,
                    1,
                    None
                )
            );
            assert_eq!(
                j.search_text,
                bidtrack::domain::text::search_text(&j.name, None),
                "searchable as the application folds it"
            );
            assert_eq!(migration::BACKFILL_PROJECT_SEARCH, j.search_text);
        }
        let s = |c: &str| Some(c.to_owned());
        let expected = vec![
            (
                d1,
                2019,
                s("PL1900000001"),
                "KHLCNT PL1900000001".to_owned(),
            ),
            (
                d1,
                2019,
                s("PL1900000002"),
                "KHLCNT PL1900000002".to_owned(),
            ),
            // The code was given to the group entered first; the others keep it in the name.
            (d1, 2020, None, "KHLCNT PL1900000001".to_owned()),
            (d2, 2019, None, "KHLCNT PL1900000001".to_owned()),
            (d2, 2019, s("PL1900000009"), "KHLCNT D2".to_owned()),
        ];
        assert_eq!(plans(&db).await, expected);

        let plan_of = |id: i64| async move {
            db::packages::find(conn, id)
                .await
                .expect("find")
                .expect("package")
        };
        let a = plan_of(first.id).await;
        assert_eq!(a.version, 2, "a linked package is a changed row");
        assert!(a.updated_at > first.updated_at);
        assert_eq!(plan_of(second.id).await.plan_id, a.plan_id);
        let plan = entity::selection_plan::Entity::find_by_id(a.plan_id.expect("linked"))
            .one(conn)
            .await
            .expect("q")
            .expect("plan");
        assert_eq!(
            (plan.code.as_deref(), plan.year),
            (Some("PL1900000001"), 2019)
        );
        for (package, year) in [(next_year.id, 2020), (other_unit.id, 2019)] {
            let p = plan_of(package).await;
            let plan = entity::selection_plan::Entity::find_by_id(p.plan_id.expect("linked"))
                .one(conn)
                .await
                .expect("q")
                .expect("plan");
            assert_eq!((plan.code, plan.year), (None, year));
        }
        assert_ne!(plan_of(other_code.id).await.plan_id, a.plan_id);
        assert_eq!(plan_of(by_hand.id).await.plan_id, recorded["id"].as_i64());
        let u = plan_of(untyped.id).await;
        assert_eq!(
            (u.plan_id, u.version),
            (None, 1),
            "nothing typed, nothing changed"
        );

        // What the migration made reads back through the API like any record.
        let r = c.get(&format!("/api/v1/plans/{}", plan.id)).await;
        assert_eq!(r.status, 200, "{}", r.text);
        let r = c
            .get(&format!("/api/v1/projects/{}", catch_all[0].id))
            .await;
        assert_eq!(r.status, 200, "{}", r.text);

        // Down and up again makes nothing twice and links the same plans.
        migration::Migrator::down(conn, Some(since(PACKAGE_PLANS)))
            .await
            .expect("roll back again");
        db::migrate(conn).await.expect("and forward");
        assert_eq!(plans(&db).await, expected);
        assert_eq!(plan_of(first.id).await.plan_id, a.plan_id);
        assert_eq!(plan_of(by_hand.id).await.plan_id, recorded["id"].as_i64());
    }
);

/// A province `P` with districts `D1` (and its commune `X`) and `D2`, and one plan each of a
/// project of P (recurrent procurement), D1 (investment, group C) and D2 (other).
struct World {
    d1: i64,
    x: i64,
    d2: i64,
    project_p: i64,
    project_d1: i64,
    plan_p: i64,
    plan_d1: i64,
    plan_d2: i64,
}

async fn world(db: &TestDb, c: &Client) -> World {
    let p = add_unit(&db.conn, "P", UnitKind::Province, None).await.id;
    let d1 = add_unit(&db.conn, "P-D1", UnitKind::District, Some(p))
        .await
        .id;
    let x = add_unit(&db.conn, "P-D1-X", UnitKind::Commune, Some(d1))
        .await
        .id;
    let d2 = add_unit(&db.conn, "P-D2", UnitKind::District, Some(p))
        .await
        .id;
    let project = |body: Value| async move {
        let r = c.post("/api/v1/projects", &body).await;
        assert_eq!(r.status, 201, "{}", r.text);
        r.json()["id"].as_i64().expect("id")
    };
    let project_p = project(json!({"unit_id": p, "name": "Mua sắm thường xuyên tỉnh",
        "kind": "recurrent_procurement", "funding_kind": "state_budget",
        "funding_source": "Ngân sách tỉnh năm 2019", "total_vnd": 9_000_000_000i64}))
    .await;
    let project_d1 = project(json!({"unit_id": d1, "code": "PR1900000001",
        "name": "Cải tạo trường học", "kind": "investment_project", "project_group": "c",
        "funding_kind": "state_budget", "total_vnd": 45_000_000_000i64}))
    .await;
    let project_d2 = project(
        json!({"unit_id": d2, "name": "Dự án D2", "kind": "other", "funding_kind": "other"}),
    )
    .await;
    let plan = |project: i64, code: &str| {
        let body = json!({"project_id": project, "code": code, "name": format!("KHLCNT {code}"),
                          "year": 2019});
        async move {
            let r = c.post("/api/v1/plans", &body).await;
            assert_eq!(r.status, 201, "{}", r.text);
            r.json()["id"].as_i64().expect("id")
        }
    };
    World {
        d1,
        x,
        d2,
        project_p,
        project_d1,
        plan_p: plan(project_p, "PL1900000100").await,
        plan_d1: plan(project_d1, "PL1900000101").await,
        plan_d2: plan(project_d2, "PL1900000102").await,
    }
}

fn with_plan(unit: i64, name: &str, plan: Option<i64>) -> Value {
    let mut body = package_body(unit, name);
    body["plan_id"] = json!(plan);
    body
}

fn field_errors(problem: &Value) -> Vec<(String, String, String)> {
    problem["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| {
            (
                e["field"].as_str().unwrap_or_default().to_owned(),
                e["code"].as_str().unwrap_or_default().to_owned(),
                e["message"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

db_test!(
    a_package_takes_a_plan_of_its_unit_or_above,
    |db: TestDb| async move {
        let c = Client::new(&db);
        let w = world(&db, &c).await;

        // Its own unit's plan, and a plan of a unit above it.
        let own = c
            .package(with_plan(w.x, "Gói của xã", Some(w.plan_d1)))
            .await;
        assert_eq!(own["plan_id"].as_i64(), Some(w.plan_d1));
        let above = c.package(with_plan(w.d1, "Gói quận", Some(w.plan_p))).await;
        assert_eq!(above["plan_id"].as_i64(), Some(w.plan_p));

        // A sibling's plan, and a plan that does not exist.
        let p = c
            .post("/api/v1/packages", &with_plan(w.d1, "Sai", Some(w.plan_d2)))
            .await
            .problem(422, "validation_failed");
        let errors = field_errors(&p);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(
            (errors[0].0.as_str(), errors[0].1.as_str()),
            ("plan_id", "plan_of_other_unit")
        );
        assert!(
            errors[0].2.contains("PL1900000102") && errors[0].2.contains("trực thuộc"),
            "{}",
            errors[0].2
        );
        let p = c
            .post("/api/v1/packages", &with_plan(w.d1, "Sai", Some(999_999)))
            .await
            .problem(422, "validation_failed");
        assert_eq!(field_errors(&p)[0].1, "unknown_plan");

        // A change: cleared, then refused, then a move of unit that leaves the plan behind.
        let uri = format!("/api/v1/packages/{}", above["id"]);
        let r = c
            .patch(&uri, &json!({"plan_id": null}), Some("\"1\""))
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.json()["plan_id"], Value::Null);
        c.patch(&uri, &json!({"plan_id": w.plan_d2}), Some("\"2\""))
            .await
            .problem(422, "validation_failed");
        let own_uri = format!("/api/v1/packages/{}", own["id"]);
        let p = c
            .patch(&own_uri, &json!({"unit_id": w.d2}), Some("\"1\""))
            .await
            .problem(422, "validation_failed");
        assert_eq!(field_errors(&p)[0].0, "plan_id");

        // The history records the plan.
        let history = c.get(&format!("{uri}/history")).await;
        assert_eq!(history.status, 200, "{}", history.text);
        assert!(history.text.contains("plan_id"), "{}", history.text);

        // An officer of D1 too; not a plan of D2's.
        let officer = Client::as_role(&db, Role::Officer, Some(w.d1));
        let r = officer
            .post(
                "/api/v1/packages",
                &with_plan(w.d1, "Gói của cán bộ", Some(w.plan_d1)),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
        officer
            .post(
                "/api/v1/packages",
                &with_plan(w.d1, "Gói sai", Some(w.plan_d2)),
            )
            .await
            .problem(422, "validation_failed");
    }
);

db_test!(
    the_form_offers_the_officers_plans,
    |db: TestDb| async move {
        let c = Client::new(&db);
        let w = world(&db, &c).await;
        let officer = Client::as_role(&db, Role::Officer, Some(w.d1));
        let form = doc(&officer.get("/packages/new").await);
        let offered: Vec<String> = {
            let sel = scraper::Selector::parse("select#plan_id option").expect("selector");
            form.select(&sel)
                .filter_map(|o| o.value().attr("value").map(str::to_owned))
                .collect()
        };
        assert_eq!(
            offered,
            ["".to_owned(), w.plan_d1.to_string()],
            "no plan, or a plan of the officer's units"
        );
        assert_eq!(
            texts(&form, "label[for=plan_id]")
                .first()
                .map(String::as_str),
            Some("Kế hoạch lựa chọn nhà thầu (KHLCNT)")
        );

        let (action, mut fields) = posted(&form);
        for (name, value) in [
            ("unit_id", w.d1.to_string()),
            ("name", "Gói có kế hoạch".to_owned()),
            ("plan_id", w.plan_d1.to_string()),
            ("plan_year", "2019".to_owned()),
            ("field", "goods".to_owned()),
            ("method", "competitive_offers".to_owned()),
            ("package_price_vnd", "500.000.000".to_owned()),
        ] {
            set(&mut fields, name, &value);
        }
        let page_uri = location(&submit(&officer, &action, &fields).await);
        let page = doc(&officer.get(&page_uri).await);
        assert_eq!(
            attr(&page, "#fields + dl.facts dd a", "href"),
            Some(format!("/plans/{}", w.plan_d1))
        );

        // A plan of another district, sent all the same: the message beside the select.
        set(&mut fields, "plan_id", &w.plan_d2.to_string());
        set(&mut fields, "name", "Gói khác");
        let r = submit(&officer, &action, &fields).await;
        assert_eq!(r.status, 422, "{}", r.text);
        let back = doc(&r);
        let message = texts(&back, "#plan_id-error");
        assert!(
            message.first().is_some_and(|m| m.contains("trực thuộc")),
            "{message:?}"
        );

        // An administrator may write every unit: the plans of the form's year and beside it.
        let offered = |uri: &'static str| {
            let c = &c;
            async move {
                let form = doc(&c.get(uri).await);
                let sel = scraper::Selector::parse("select#plan_id option").expect("selector");
                form.select(&sel)
                    .filter_map(|o| o.value().attr("value").map(str::to_owned))
                    .filter(|v| !v.is_empty())
                    .count()
            }
        };
        assert_eq!(offered("/packages/new?plan_year=2019").await, 3);
        assert_eq!(offered("/packages/new?plan_year=2020").await, 3);
        assert_eq!(offered("/packages/new?plan_year=2023").await, 0);
    }
);

/// The names of the items of an API page.
fn names(page: &Value) -> Vec<String> {
    let mut out: Vec<String> = page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|p| p["name"].as_str().unwrap_or_default().to_owned())
        .collect();
    out.sort();
    out
}

db_test!(
    the_lists_filter_by_plan_and_project,
    |db: TestDb| async move {
        let c = Client::new(&db);
        let w = world(&db, &c).await;
        c.package(with_plan(w.d1, "Trong dự án quận", Some(w.plan_d1)))
            .await;
        c.package(with_plan(w.d1, "Trong mua sắm tỉnh", Some(w.plan_p)))
            .await;
        c.package(with_plan(w.d2, "Dự án khác", Some(w.plan_d2)))
            .await;
        c.package(with_plan(w.d1, "Không kế hoạch", None)).await;

        let api = |query: String| {
            let c = &c;
            async move {
                let r = c.get(&format!("/api/v1/packages?{query}")).await;
                assert_eq!(r.status, 200, "{query}: {}", r.text);
                names(&r.json())
            }
        };
        let cases = [
            (format!("plan_id={}", w.plan_d1), vec!["Trong dự án quận"]),
            (
                format!("project_id={}", w.project_d1),
                vec!["Trong dự án quận"],
            ),
            (
                format!("project_id={}", w.project_p),
                vec!["Trong mua sắm tỉnh"],
            ),
            (
                "project_kind=recurrent_procurement".to_owned(),
                vec!["Trong mua sắm tỉnh"],
            ),
            (
                "project_kind=investment_project".to_owned(),
                vec!["Trong dự án quận"],
            ),
            ("project_kind=other".to_owned(), vec!["Dự án khác"]),
            ("project_group=c".to_owned(), vec!["Trong dự án quận"]),
            ("project_group=a".to_owned(), vec![]),
            (
                format!("project_kind=investment_project&project_id={}", w.project_p),
                vec![],
            ),
            (
                format!("unit_id={}&project_kind=recurrent_procurement", w.d1),
                vec!["Trong mua sắm tỉnh"],
            ),
        ];
        for (query, expected) in &cases {
            assert_eq!(api(query.clone()).await, *expected, "{query}");
        }
        c.get("/api/v1/packages?plan_id=999999")
            .await
            .problem(422, "validation_failed");
        c.get("/api/v1/packages?project_id=999999")
            .await
            .problem(422, "validation_failed");
        c.get("/api/v1/packages?project_kind=nope")
            .await
            .problem(400, "invalid_query");

        // The register: the same filters, its controls in Vietnamese.
        for (query, expected) in &cases {
            let r = c.get(&format!("/packages?{query}")).await;
            assert_eq!(r.status, 200, "{query}: {}", r.text);
            let mut shown = texts(&doc(&r), "td.title a");
            shown.sort();
            assert_eq!(shown, *expected, "register {query}");
        }
        let register = doc(&c.get(&format!("/packages?plan_id={}", w.plan_d1)).await);
        for label in ["Loại dự án", "Nhóm dự án", "Kế hoạch LCNT"] {
            assert!(
                texts(&register, "form.filters label")
                    .iter()
                    .any(|l| l.starts_with(label)),
                "{label}"
            );
        }
        assert!(
            texts(&register, "select#plan_id option[selected]")
                .first()
                .is_some_and(|o| o.contains("PL1900000101")),
            "the chosen plan by its code"
        );

        // The list report: the plan's code in its column, the cut in its heading.
        let r = c
            .get(&format!(
                "/api/v1/reports/packages?project_id={}&format=csv",
                w.project_d1
            ))
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        let mut rows = csv::Reader::from_reader(r.text.trim_start_matches('\u{feff}').as_bytes());
        let headers = rows.headers().expect("headers").clone();
        let column = headers
            .iter()
            .position(|h| h == "KHLCNT")
            .expect("a KHLCNT column");
        let records: Vec<csv::StringRecord> = rows.records().map(|r| r.expect("row")).collect();
        let data: Vec<&csv::StringRecord> = records
            .iter()
            .filter(|r| r.get(column) == Some("PL1900000101"))
            .collect();
        assert_eq!(data.len(), 1, "{records:?}");

        // The plan's page lists its packages and links to the register; the project counts.
        let page = doc(&c.get(&format!("/plans/{}", w.plan_d1)).await);
        assert_eq!(
            texts(&page, "#packages ~ table td.title a"),
            ["Trong dự án quận"]
        );
        assert_eq!(
            attr(&page, "#packages + p a", "href"),
            Some(format!("/packages?plan_id={}", w.plan_d1))
        );
        let project = doc(&c.get(&format!("/projects/{}", w.project_d1)).await);
        assert!(
            texts(&project, ".packages-total")
                .first()
                .is_some_and(|t| t.contains("1 gói thầu")),
            "{:?}",
            texts(&project, ".packages-total")
        );
    }
);

fn fixture(name: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/ocds")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(&path).expect("fixture")).expect("JSON")
}

/// The release schema, served to the validator for the package schema's `$ref`.
struct Vendored(Value);

impl jsonschema::Retrieve for Vendored {
    fn retrieve(
        &self,
        uri: &jsonschema::Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        if uri.as_str().ends_with("/release-schema.json") {
            Ok(self.0.clone())
        } else {
            Err(format!("not vendored: {}", uri.as_str()).into())
        }
    }
}

db_test!(
    ocds_says_what_a_planned_package_is_funded_by,
    |db: TestDb| async move {
        let c = Client::new(&db);
        let w = world(&db, &c).await;
        let funded = c
            .package(with_plan(w.d1, "Gói của dự án", Some(w.plan_d1)))
            .await;
        let recurrent = c
            .package(with_plan(w.d1, "Gói mua sắm", Some(w.plan_p)))
            .await;
        let bare = c.package(with_plan(w.d1, "Gói lẻ", None)).await;
        let r = c
            .get(&format!(
                "/api/v1/ocds/release-package?unit_id={}&year=2019",
                w.d1
            ))
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        let package = r.json();
        let validator = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft4)
            .should_validate_formats(true)
            .with_retriever(Vendored(fixture("release-schema.json")))
            .build(&fixture("release-package-schema.json"))
            .expect("the package schema compiles");
        let errors: Vec<String> = validator
            .iter_errors(&package)
            .take(10)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{errors:#?}");
        let release = |id: &Value| -> Value {
            package["releases"]
                .as_array()
                .expect("releases")
                .iter()
                .find(|r| {
                    r["ocid"]
                        .as_str()
                        .is_some_and(|o| o.ends_with(&format!("-{id}")))
                })
                .cloned()
                .unwrap_or_else(|| panic!("release of {id}"))
        };
        assert_eq!(
            release(&funded["id"])["planning"],
            json!({"budget": {
                "id": format!("bidtrack-project-{}", w.project_d1),
                "description": "Vốn ngân sách nhà nước",
                "amount": {"amount": 45_000_000_000i64, "currency": "VND"},
                "project": "Cải tạo trường học",
                "projectID": "PR1900000001"
            }})
        );
        assert_eq!(
            release(&recurrent["id"])["planning"]["budget"]["description"],
            "Vốn ngân sách nhà nước: Ngân sách tỉnh năm 2019"
        );
        assert!(
            release(&recurrent["id"])["planning"]["budget"]
                .get("projectID")
                .is_none(),
            "no code, no projectID"
        );
        assert!(release(&bare["id"]).get("planning").is_none());
    }
);

db_test!(
    the_import_names_the_plan_by_its_code,
    |db: TestDb| async move {
        let c = Client::new(&db);
        let w = world(&db, &c).await;
        const URI: &str = "/api/v1/imports/packages";
        let header = "Mã đơn vị,Tên gói thầu,KHLCNT,Số KHLCNT,Năm kế hoạch,Lĩnh vực,Hình thức lựa chọn nhà thầu,Giá gói thầu,Qua mạng";
        let good = format!(
            "{header}\nP-D1,Nhập có kế hoạch,pl1900000101,PL-CU-01,2019,HH,CHCT,500.000.000,Có\n\
             P-D1-X,Nhập kế hoạch tỉnh,PL1900000100,,2019,HH,CHCT,500.000.000,Không\n\
             P-D1,Nhập không kế hoạch,,,2019,HH,CHCT,500.000.000,Không\n"
        );
        let r = c.post_bytes(URI, "text/csv", good.into_bytes()).await;
        assert_eq!(r.status, 200, "{}", r.text);
        let list = c.get("/api/v1/packages?per_page=50").await.json();
        let item = |name: &str| -> Value {
            list["items"]
                .as_array()
                .expect("items")
                .iter()
                .find(|p| p["name"] == name)
                .cloned()
                .unwrap_or_else(|| panic!("{name}"))
        };
        let linked = item("Nhập có kế hoạch");
        assert_eq!(linked["plan_id"].as_i64(), Some(w.plan_d1));
        assert_eq!(
            linked["plan_code"], "PL-CU-01",
            "the typed number is kept as typed"
        );
        assert_eq!(
            item("Nhập kế hoạch tỉnh")["plan_id"].as_i64(),
            Some(w.plan_p)
        );
        assert_eq!(item("Nhập không kế hoạch")["plan_id"], Value::Null);

        // An unknown code and a sibling's plan: row errors naming them, nothing written.
        let bad = format!(
            "{header}\nP-D1,Mã lạ,PL1999999999,,2019,HH,CHCT,500.000.000,Có\n\
             P-D1,Của huyện khác,PL1900000102,,2019,HH,CHCT,500.000.000,Có\n"
        );
        let problem = c
            .post_bytes(URI, "text/csv", bad.into_bytes())
            .await
            .problem(422, "import_rejected");
        let errors = problem["report"]["errors"].as_array().expect("errors");
        let at = |row: u64| -> Vec<(String, String)> {
            errors
                .iter()
                .filter(|e| e["row"] == row)
                .map(|e| {
                    (
                        e["column"].as_str().unwrap_or_default().to_owned(),
                        e["message"].as_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect()
        };
        let unknown = at(2);
        assert_eq!(unknown.len(), 1, "{unknown:?}");
        assert_eq!(unknown[0].0, "KHLCNT");
        assert!(unknown[0].1.contains("PL1999999999"), "{}", unknown[0].1);
        let sibling = at(3);
        assert_eq!(sibling.len(), 1, "{sibling:?}");
        assert_eq!(sibling[0].0, "KHLCNT");
        assert!(sibling[0].1.contains("trực thuộc"), "{}", sibling[0].1);
        assert_eq!(
            c.get("/api/v1/packages?per_page=1").await.json()["total"],
            3,
            "nothing written"
        );
        let _ = w.d2;
    }
);
