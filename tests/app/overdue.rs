//! Overdue packages (issue 19): still planned after the last day of their planned start period
//! (month, else quarter, else plan year), today taken in Vietnam. Flagged in the API, the
//! register, the package's page and the list report; filterable; counted on the dashboard. The
//! SQL filter and the domain rule are two encodings of one definition: a grid of packages and
//! days around the boundaries checks that they agree.

use crate::client::Client;
use crate::db_test;
use crate::support::*;
use crate::web_forms::{attr, doc, posted, set, texts};
use bidtrack::db;
use bidtrack::db::packages::{ListFilter, SortColumn};
use bidtrack::domain::overdue::{LABEL_VI, is_overdue, today_key};
use bidtrack::services::today_in_vietnam;
use chrono::{Datelike, NaiveDate, Utc};
use entity::{Field, Method, PackageStatus, UnitKind, package};
use sea_orm::{ActiveValue::Set, DatabaseConnection, EntityTrait, NotSet};
use serde_json::{Value, json};

/// The month before `today`'s, as (year, month): December of last year in January.
fn last_month(today: NaiveDate) -> (i32, i16) {
    if today.month() == 1 {
        (today.year() - 1, 12)
    } else {
        (today.year(), today.month() as i16 - 1)
    }
}

/// One package of the API cases: its name, planned start, status, and whether it is overdue
/// today.
struct Case {
    name: &'static str,
    plan_year: i32,
    month: Option<i16>,
    quarter: Option<i16>,
    status: &'static str,
    overdue: bool,
}

/// Packages on either side of the boundary, from today's date in Vietnam at test time.
fn cases(today: NaiveDate) -> Vec<Case> {
    let (y, m) = (today.year(), today.month() as i16);
    let (py, pm) = last_month(today);
    let case = |name, plan_year, month, quarter, status, overdue| Case {
        name,
        plan_year,
        month,
        quarter,
        status,
        overdue,
    };
    vec![
        case("Gói tháng trước", py, Some(pm), None, "planned", true),
        case("Gói tháng này", y, Some(m), None, "planned", false),
        case("Gói năm sau", y + 1, Some(1), None, "planned", false),
        case(
            "Gói tháng trước đã đăng TBMT",
            py,
            Some(pm),
            None,
            "notice_published",
            false,
        ),
        case(
            "Gói tháng trước đang đánh giá",
            py,
            Some(pm),
            None,
            "under_evaluation",
            false,
        ),
        case(
            "Gói quý IV năm trước",
            y - 1,
            None,
            Some(4),
            "planned",
            true,
        ),
        case(
            "Gói quý này",
            y,
            None,
            Some((m - 1) / 3 + 1),
            "planned",
            false,
        ),
        case("Gói cả năm trước", y - 1, None, None, "planned", true),
        case("Gói cả năm nay", y, None, None, "planned", false),
    ]
}

fn body(unit: i64, c: &Case) -> Value {
    let mut b = package_body(unit, c.name);
    b["plan_year"] = c.plan_year.into();
    b["planned_start_month"] = json!(c.month);
    b["planned_start_quarter"] = json!(c.quarter);
    b["status"] = c.status.into();
    noticed_if_past_planning(&mut b);
    b
}

/// A package past planning has the notice its status needs: a code and a posting date.
fn noticed_if_past_planning(b: &mut Value) {
    static SERIAL: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(1);
    if b["status"] != "planned" {
        let n = SERIAL.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        b["code"] = json!(format!("IB19{n:08}"));
        b["notice_date"] = json!("2019-01-10");
    }
}

fn names(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|p| p["name"].as_str().expect("name").to_owned())
        .collect()
}

db_test!(
    the_api_flags_and_filters_overdue_packages,
    |db: TestDb| async move {
        let c = Client::new(&db);
        let unit = c.unit("OD", "district", None).await;
        let other = c.unit("OD-2", "district", None).await;
        let today = today_in_vietnam();
        let cases = cases(today);
        let mut ids = Vec::new();
        for case in &cases {
            let p = c.package(body(unit, case)).await;
            assert_eq!(p["overdue"], case.overdue, "{}: {p}", case.name);
            ids.push(p["id"].as_i64().expect("id"));
        }
        // Another unit's overdue package stays out of this unit's lists.
        c.package(body(other, &cases[0])).await;

        let wanted = |overdue: bool| -> Vec<String> {
            cases
                .iter()
                .filter(|c| c.overdue == overdue)
                .map(|c| c.name.to_owned())
                .collect()
        };
        for want in [true, false] {
            let list = c
                .get(&format!(
                    "/api/v1/packages?unit_id={unit}&overdue={want}&per_page=100"
                ))
                .await;
            assert_eq!(list.status, 200, "{}", list.text);
            let list = list.json();
            assert_eq!(names(&list), wanted(want), "overdue={want}");
            assert_eq!(list["total"], wanted(want).len());
            for p in list["items"].as_array().expect("items") {
                assert_eq!(p["overdue"], want, "{p}");
            }
        }
        // The filter combines with the others.
        let last_year = today.year() - 1;
        let list = c
            .get(&format!(
                "/api/v1/packages?unit_id={unit}&plan_year={last_year}&overdue=true"
            ))
            .await
            .json();
        let expected: Vec<String> = cases
            .iter()
            .filter(|c| c.overdue && c.plan_year == last_year)
            .map(|c| c.name.to_owned())
            .collect();
        assert_eq!(names(&list), expected);
        // Every response carries the flag, a single package's too.
        for (case, id) in cases.iter().zip(&ids) {
            let p = c.get(&format!("/api/v1/packages/{id}")).await.json();
            assert_eq!(p["overdue"], case.overdue, "{}", case.name);
        }
        c.get("/api/v1/packages?overdue=maybe")
            .await
            .problem(400, "invalid_query");

        // Once its notice is published, a package is no longer overdue.
        let late = ids[0];
        let r = c
            .patch(
                &format!("/api/v1/packages/{late}"),
                &json!({"status": "notice_published", "code": "IB1999999999", "notice_date": "2019-01-10"}),
                Some("\"1\""),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.json()["overdue"], false);
        let list = c
            .get(&format!("/api/v1/packages?unit_id={unit}&overdue=true"))
            .await
            .json();
        assert_eq!(list["total"], wanted(true).len() - 1);

        // The list report takes the same filter and shows the flag as a column.
        let report = c
            .get(&format!(
                "/api/v1/reports/packages?unit_id={unit}&overdue=true"
            ))
            .await;
        assert_eq!(report.status, 200, "{}", report.text);
        let report = report.json();
        let rows = report["rows"].as_array().expect("rows");
        assert_eq!(rows.len(), wanted(true).len() - 1);
        for row in rows {
            assert_eq!(row["cells"]["overdue"], true, "{row}");
        }
        let csv = c
            .get(&format!(
                "/api/v1/reports/packages?unit_id={unit}&overdue=false&format=csv"
            ))
            .await;
        assert_eq!(csv.status, 200);
        assert!(csv.text.contains("Quá hạn tổ chức LCNT"), "{}", csv.text);
    }
);

/// A grid of packages: three plan years, every kind of planned start (none, each month, each
/// quarter, and a month with a quarter, which the service refuses but a row could carry), every
/// status.
async fn insert_grid(conn: &DatabaseConnection, unit: i64) -> Vec<package::Model> {
    let mut periods: Vec<(Option<i16>, Option<i16>)> = vec![(None, None), (Some(3), Some(4))];
    periods.extend((1..=12).map(|m| (Some(m), None)));
    periods.extend((1..=4).map(|q| (None, Some(q))));
    let now = Utc::now();
    let mut rows = Vec::new();
    for plan_year in 2018..=2020 {
        for (month, quarter) in &periods {
            for status in PackageStatus::ALL {
                let name = format!("{plan_year} {month:?} {quarter:?} {status:?}");
                rows.push(package::ActiveModel {
                    id: NotSet,
                    unit_id: Set(unit),
                    name: Set(name.clone()),
                    plan_id: Set(None),
                    code: Set(None),
                    plan_code: Set(None),
                    plan_year: Set(plan_year),
                    planned_start_month: Set(*month),
                    planned_start_quarter: Set(*quarter),
                    field: Set(Field::Goods),
                    method: Set(Method::CompetitiveOffers),
                    procedure: Set(None),
                    international: Set(false),
                    package_price_vnd: Set(BN),
                    funding_source: Set(None),
                    contract_type: Set(None),
                    online: Set(false),
                    online_exempt_reason: Set(None),
                    status: Set(*status),
                    result_date: Set(None),
                    winning_price_vnd: Set(None),
                    contractor_name: Set(None),
                    notes: Set(None),
                    version: Set(1),
                    search_text: Set(name),
                    created_at: Set(now),
                    updated_at: Set(now),
                    // The procurement record's columns: NULL.
                    ..Default::default()
                });
            }
        }
    }
    for chunk in rows.chunks(200) {
        package::Entity::insert_many(chunk.to_vec())
            .exec(conn)
            .await
            .expect("insert packages");
    }
    package::Entity::find()
        .all(conn)
        .await
        .expect("load packages")
}

db_test!(
    the_sql_filter_agrees_with_the_domain_rule,
    |db: TestDb| async move {
        let conn = &db.conn;
        let unit = add_unit(conn, "GRID", UnitKind::District, None).await.id;
        let packages = insert_grid(conn, unit).await;
        assert_eq!(packages.len(), 3 * 18 * PackageStatus::ALL.len());

        // The last and the first day of every month from before the grid's first period ends
        // to after its last one: each boundary from both sides, and the year rollovers.
        let mut days = Vec::new();
        for year in 2017..=2021 {
            for month in 1..=12 {
                let first = NaiveDate::from_ymd_opt(year, month, 1).expect("a date");
                days.push(first);
                days.push(first.pred_opt().expect("the day before"));
            }
        }
        let mut seen = (0, 0);
        for today in days {
            let expected: Vec<i64> = packages
                .iter()
                .filter(|p| {
                    is_overdue(
                        p.status,
                        p.plan_year,
                        p.planned_start_month,
                        p.planned_start_quarter,
                        today,
                    )
                })
                .map(|p| p.id)
                .collect();
            let expected_not: Vec<i64> = packages
                .iter()
                .map(|p| p.id)
                .filter(|id| !expected.contains(id))
                .collect();
            for (want, ids) in [(true, &expected), (false, &expected_not)] {
                let filter = ListFilter {
                    overdue: Some((want, today_key(today))),
                    ..ListFilter::default()
                };
                let found = db::packages::ids(conn, &filter, (SortColumn::Id, false))
                    .await
                    .expect("ids");
                assert_eq!(&found, ids, "overdue={want} on {today}");
                let count = db::packages::count(conn, &filter).await.expect("count");
                assert_eq!(count, ids.len() as u64, "overdue={want} on {today}");
            }
            // The dashboard's count: one plan year of the unit's subtree.
            let in_2019 = packages
                .iter()
                .filter(|p| p.plan_year == 2019 && expected.contains(&p.id))
                .count() as u64;
            let counted =
                bidtrack::services::compliance::overdue_count(conn, unit, 2019, today_key(today))
                    .await
                    .expect("count");
            assert_eq!(counted, in_2019, "2019 on {today}");
            seen.0 += usize::from(!expected.is_empty());
            seen.1 += usize::from(!expected_not.is_empty());
        }
        assert!(
            seen.0 > 50 && seen.1 > 50,
            "both sides are exercised: {seen:?}"
        );
    }
);

db_test!(
    the_register_filters_and_flags_overdue_packages,
    |db: TestDb| async move {
        let c = Client::new(&db);
        let unit = c.unit("OD", "district", None).await;
        let today = today_in_vietnam();
        let cases = cases(today);
        let mut ids = Vec::new();
        for case in &cases {
            ids.push(c.package(body(unit, case)).await["id"].clone());
        }

        // The filter is offered in the register's form; choose it as an officer would.
        let register = doc(&c.get(&format!("/packages?unit_id={unit}")).await);
        assert_eq!(
            texts(&register, "select#overdue option"),
            ["Tất cả", "Quá hạn tổ chức LCNT", "Chưa quá hạn"]
        );
        assert!(texts(&register, "label[for=overdue]")[0].starts_with("Tiến độ "));
        // Unfiltered, exactly the overdue rows carry the flag beside their status.
        let flagged = |page: &scraper::Html| -> Vec<String> {
            let sel = scraper::Selector::parse("tbody tr").expect("selector");
            let flag = scraper::Selector::parse("td .badge.late").expect("selector");
            let name = scraper::Selector::parse("td.title a").expect("selector");
            page.select(&sel)
                .filter(|tr| tr.select(&flag).next().is_some())
                .map(|tr| {
                    tr.select(&name)
                        .next()
                        .map(|a| a.text().collect())
                        .unwrap_or_default()
                })
                .collect()
        };
        let overdue: Vec<String> = cases
            .iter()
            .filter(|c| c.overdue)
            .map(|c| c.name.to_owned())
            .collect();
        assert_eq!(flagged(&register), overdue);
        assert_eq!(
            texts(&register, "tbody td[data-label='Trạng thái'] .badge.late")[0],
            LABEL_VI
        );

        let (action, mut fields) = posted(&register);
        assert_eq!(action, "/packages");
        set(&mut fields, "overdue", "true");
        let query = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(&fields)
            .finish();
        let r = c.get(&format!("{action}?{query}")).await;
        assert_eq!(r.status, 200, "{}", r.text);
        let filtered = doc(&r);
        assert_eq!(
            texts(&filtered, "main p.muted")[0],
            format!("{} gói thầu", overdue.len())
        );
        assert_eq!(flagged(&filtered), overdue, "every row listed is flagged");
        assert_eq!(texts(&filtered, "tbody tr").len(), overdue.len());
        assert_eq!(
            attr(&filtered, "select#overdue option[selected]", "value").as_deref(),
            Some("true"),
            "the choice is shown back"
        );
        set(&mut fields, "overdue", "false");
        let query = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(&fields)
            .finish();
        let not = doc(&c.get(&format!("{action}?{query}")).await);
        assert_eq!(texts(&not, "tbody tr").len(), cases.len() - overdue.len());
        assert!(flagged(&not).is_empty());
        let r = c.get("/packages?overdue=maybe").await;
        assert_eq!(r.status, 422);
        assert_eq!(
            texts(&doc(&r), "[role=alert]")[0],
            "Giá trị không hợp lệ: quá hạn. Hãy chọn lại."
        );

        // The package's page: the flag beside the status, with its planned start.
        let (py, pm) = last_month(today);
        let page = doc(&c.get(&format!("/packages/{}", ids[0])).await);
        assert_eq!(texts(&page, "dl.facts dd .badge.late"), [LABEL_VI]);
        assert_eq!(
            texts(&page, "dl.facts dd .flag-why"),
            [format!(
                "Kế hoạch bắt đầu {pm:02}/{py}, chưa đăng thông báo mời thầu"
            )]
        );
        let status: Vec<String> = texts(&page, "dl.facts dd")
            .into_iter()
            .filter(|dd| dd.contains(LABEL_VI))
            .collect();
        assert_eq!(
            status,
            [format!(
                "Trong kế hoạch {LABEL_VI} Kế hoạch bắt đầu {pm:02}/{py}, chưa đăng thông báo mời thầu"
            )],
            "the flag stands beside the status"
        );
        let year_only = cases
            .iter()
            .position(|c| c.name == "Gói cả năm trước")
            .expect("a year-only case");
        let page = doc(&c.get(&format!("/packages/{}", ids[year_only])).await);
        assert_eq!(
            texts(&page, "dl.facts dd .flag-why"),
            [format!(
                "Kế hoạch bắt đầu năm {}, chưa đăng thông báo mời thầu",
                today.year() - 1
            )]
        );
        for (case, id) in cases.iter().zip(&ids).filter(|(c, _)| !c.overdue) {
            let page = doc(&c.get(&format!("/packages/{id}")).await);
            assert!(
                texts(&page, ".badge.late").is_empty(),
                "{} is not flagged",
                case.name
            );
        }
    }
);

db_test!(
    the_dashboard_counts_overdue_packages_and_links_to_them,
    |db: TestDb| async move {
        let c = Client::new(&db);
        let city = c.unit("OD", "province", None).await;
        let district = c.unit("OD-Q1", "district", Some(city)).await;
        let elsewhere = c.unit("XX", "province", None).await;
        let today = today_in_vietnam();
        let year = today.year() - 1;
        // Last year's packages: overdue whatever their month, unless noticed; one of this year
        // planned for December is not yet.
        let p = |unit: i64, name: &str, month: Option<i16>, status: &str| {
            let mut b = package_body(unit, name);
            b["plan_year"] = year.into();
            b["planned_start_month"] = json!(month);
            b["status"] = status.into();
            noticed_if_past_planning(&mut b);
            b
        };
        for b in [
            p(city, "Gói của thành phố", Some(5), "planned"),
            p(district, "Gói của quận", Some(12), "planned"),
            p(district, "Gói cả năm của quận", None, "planned"),
            p(district, "Gói đã đăng TBMT", Some(5), "notice_published"),
            p(elsewhere, "Gói của tỉnh khác", Some(5), "planned"),
        ] {
            c.package(b).await;
        }
        let mut this_year = package_body(district, "Gói tháng 12 năm nay");
        this_year["plan_year"] = (year + 1).into();
        this_year["planned_start_month"] = 12.into();
        c.package(this_year).await;

        let dashboard = |unit: i64, year: i32| {
            let c = &c;
            async move { doc(&c.get(&format!("/?unit_id={unit}&year={year}")).await) }
        };
        let page = dashboard(city, year).await;
        assert_eq!(
            texts(&page, ".overdue-count"),
            ["Quá hạn tổ chức lựa chọn nhà thầu: 3 gói thầu"]
        );
        let link = attr(&page, ".overdue-count a", "href").expect("a link");
        assert_eq!(
            link,
            format!("/packages?unit_id={city}&plan_year={year}&overdue=true")
        );
        let register = doc(&c.get(&link).await);
        assert_eq!(texts(&register, "main p.muted")[0], "3 gói thầu");
        assert_eq!(texts(&register, "tbody .badge.late").len(), 3);

        // A district counts its own subtree; a new overdue package counts at once.
        let page = dashboard(district, year).await;
        assert_eq!(texts(&page, ".overdue-count a"), ["2 gói thầu"]);
        c.package(p(district, "Gói mới quá hạn", Some(1), "planned"))
            .await;
        let page = dashboard(district, year).await;
        assert_eq!(texts(&page, ".overdue-count a"), ["3 gói thầu"]);
        // This year's package is not overdue yet.
        let page = dashboard(district, year + 1).await;
        assert_eq!(
            texts(&page, ".overdue-count"),
            ["Quá hạn tổ chức lựa chọn nhà thầu: không có gói thầu nào"]
        );
        assert!(attr(&page, ".overdue-count a", "href").is_none());
    }
);
