//! The official annual report (issue 20): every cell equal to sums computed here from the
//! package list (counts, package price, winning price, savings, by project group, field,
//! method, domestic or international, online, in millions rounded as the footnote says), the
//! reconciliation equal to the list's totals, the half-year cut, the XLSX read back (merged
//! headers, page setup, print titles, frozen panes, signature block), the printable HTML, the
//! page and the command line.

use crate::client::Client;
use crate::db_test;
use crate::reports::{unit_id, xlsx_part};
use crate::support::*;
use bidtrack::seed::demo;
use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use entity::{Field, Method, PackageStatus};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};

/// A package as this test reads it from the list, with its project's kind and group.
#[derive(Debug, Clone)]
struct Pkg {
    table: Option<&'static str>,
    group: Option<String>,
    field: String,
    method: String,
    international: bool,
    online: bool,
    status: String,
    result_date: Option<String>,
    price: i128,
    winning: i128,
}

/// Every package of the unit's subtree and plan year 2019, from `GET /api/v1/packages`, page
/// by page; the project through the plan read from the tables.
async fn package_list(c: &Client, db: &TestDb, unit: i64) -> (Vec<Pkg>, u64) {
    let mut out = Vec::new();
    let mut total = 0;
    for page in 1.. {
        let r = c
            .get(&format!(
                "/api/v1/packages?unit_id={unit}&plan_year=2019&per_page=500&page={page}"
            ))
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        let body = r.json();
        total = body["total"].as_u64().expect("total");
        let items = body["items"].as_array().expect("items").clone();
        if items.is_empty() {
            break;
        }
        for p in items {
            let (table, group) = match p["plan_id"].as_i64() {
                None => (None, None),
                Some(plan) => {
                    let plan = entity::selection_plan::Entity::find_by_id(plan)
                        .one(&db.conn)
                        .await
                        .expect("plan")
                        .expect("a plan");
                    let project = entity::project::Entity::find_by_id(plan.project_id)
                        .one(&db.conn)
                        .await
                        .expect("project")
                        .expect("a project");
                    let group = project.project_group.map(|g| g.as_str().to_owned());
                    let table = match (project.kind.as_str(), &group) {
                        ("investment_project", Some(_)) => Some("investment"),
                        ("recurrent_procurement", _) => Some("recurrent"),
                        _ => None,
                    };
                    (table, group)
                }
            };
            let s = |k: &str| p[k].as_str().expect(k).to_owned();
            out.push(Pkg {
                table,
                group,
                field: s("field"),
                method: s("method"),
                international: p["international"].as_bool().expect("international"),
                online: p["online"].as_bool().expect("online"),
                status: s("status"),
                result_date: p["result_date"].as_str().map(str::to_owned),
                price: i128::from(p["package_price_vnd"].as_i64().expect("price")),
                winning: p["winning_price_vnd"].as_i64().map_or(0, i128::from),
            });
        }
    }
    assert_eq!(out.len() as u64, total, "every page read");
    (out, total)
}

impl Pkg {
    /// Awarded by `end` (ISO dates compare as text).
    fn has_result(&self, end: &str) -> bool {
        self.status == "awarded" && self.result_date.as_deref().is_some_and(|d| d <= end)
    }
}

/// The form's words for fields and methods, as the circular prints them (not the report's code).
fn field_of(label: &str) -> Option<&'static str> {
    Some(match label {
        "Phi tư vấn" => "non_consulting",
        "Tư vấn" => "consulting",
        "Mua sắm hàng hóa" => "goods",
        "Xây lắp" => "works",
        "Hỗn hợp" => "mixed",
        _ => return None,
    })
}

fn method_of(label: &str) -> Option<&'static str> {
    Some(match label {
        "Đấu thầu rộng rãi" => "open_bidding",
        "Đấu thầu hạn chế" => "limited_bidding",
        "Chỉ định thầu" => "direct_appointment",
        "Chào hàng cạnh tranh" => "competitive_offers",
        "Mua sắm trực tiếp" => "direct_procurement",
        "Tự thực hiện" => "self_performance",
        "Lựa chọn nhà thầu trong trường hợp đặc biệt" => "special_case",
        "Tham gia thực hiện của cộng đồng" => "community_participation",
        "Đàm phán giá" => "price_negotiation",
        "Đặt hàng" => "ordering",
        "Chào giá trực tuyến" => "online_price_offer",
        "Mua sắm trực tuyến" => "online_shopping",
        _ => return None,
    })
}

/// What a row selects, read from its label and the rows above it.
#[derive(Debug, Clone, Default)]
struct Sel {
    part: u8,
    item: Option<&'static str>,
    international: Option<bool>,
    online: Option<bool>,
}

impl Sel {
    fn next(&self, row: &Value) -> Sel {
        let label = row["label"].as_str().expect("label");
        let style = row["style"].as_str().expect("style");
        match (style, label) {
            ("heading", _) => Sel {
                part: self.part + 1,
                ..Sel::default()
            },
            ("item", _) => Sel {
                part: self.part,
                item: Some(if self.part == 1 {
                    field_of(label).unwrap_or_else(|| panic!("field {label}"))
                } else {
                    method_of(label).unwrap_or_else(|| panic!("method {label}"))
                }),
                ..Sel::default()
            },
            ("total", l) if l.starts_with("Tổng cộng") => Sel {
                part: self.part,
                ..Sel::default()
            },
            (_, "Trong nước" | "Quốc tế") => Sel {
                international: Some(label == "Quốc tế"),
                online: None,
                ..self.clone()
            },
            (_, "Không qua mạng" | "Qua mạng") => Sel {
                online: Some(label == "Qua mạng"),
                ..self.clone()
            },
            other => panic!("unexpected row {other:?}"),
        }
    }

    fn matches(&self, p: &Pkg) -> bool {
        let item = match (self.part, self.item) {
            (_, None) => true,
            (1, Some(f)) => p.field == f,
            (_, Some(m)) => p.method == m,
        };
        item && self.international.is_none_or(|i| i == p.international)
            && self.online.is_none_or(|o| o == p.online)
    }
}

/// Half up to whole millions, per group of packages alike in project group, field, method,
/// scope and online (the footnote's rule), then added.
fn millions(packages: &[&Pkg], amount: impl Fn(&Pkg) -> i128) -> i128 {
    let mut atoms: BTreeMap<(Option<String>, &str, &str, bool, bool), i128> = BTreeMap::new();
    for p in packages {
        *atoms
            .entry((
                p.group.clone(),
                &p.field,
                &p.method,
                p.international,
                p.online,
            ))
            .or_default() += amount(p);
    }
    atoms
        .values()
        .map(|v| (v + 500_000).div_euclid(1_000_000))
        .sum()
}

fn rate(savings: i128, price: i128) -> Value {
    if price == 0 {
        return Value::Null;
    }
    let h = savings * 10_000 / price;
    json!(format!(
        "{}{}.{:02}",
        if h < 0 { "-" } else { "" },
        h.abs() / 100,
        h.abs() % 100
    ))
}

/// Every cell of both tables against the list; how many hold packages, per table.
fn check_tables(report: &Value, packages: &[Pkg], end: &str) -> Vec<usize> {
    let mut held = Vec::new();
    for table in report["tables"].as_array().expect("tables") {
        let key = table["key"].as_str().expect("key");
        let groups: Vec<&str> = table["groups"]
            .as_array()
            .expect("groups")
            .iter()
            .map(|g| g["key"].as_str().expect("group key"))
            .collect();
        let mut sel = Sel::default();
        let mut checked = 0;
        for row in table["rows"].as_array().expect("rows") {
            sel = sel.next(row);
            let cells = row["cells"].as_array().expect("cells");
            if row["style"] == "heading" {
                assert!(cells.is_empty());
                continue;
            }
            assert_eq!(cells.len(), groups.len());
            for (g, cell) in groups.iter().zip(cells) {
                let these: Vec<&Pkg> = packages
                    .iter()
                    .filter(|p| p.table == Some(key) && p.has_result(end))
                    .filter(|p| *g == "total" || p.group.as_deref() == Some(*g))
                    .filter(|p| sel.matches(p))
                    .collect();
                let price: i128 = these.iter().map(|p| p.price).sum();
                let winning: i128 = these.iter().map(|p| p.winning).sum();
                let (pm, wm) = (
                    millions(&these, |p| p.price),
                    millions(&these, |p| p.winning),
                );
                let at = format!("{key} {} {g}", row["label"]);
                assert_eq!(cell["count"], json!(these.len()), "{at}");
                assert_eq!(cell["package_price_vnd"], json!(price), "{at}");
                assert_eq!(cell["winning_price_vnd"], json!(winning), "{at}");
                assert_eq!(cell["savings_vnd"], json!(price - winning), "{at}");
                assert_eq!(cell["package_price"], json!(pm), "{at}");
                assert_eq!(cell["winning_price"], json!(wm), "{at}");
                assert_eq!(cell["savings"], json!(pm - wm), "{at}");
                assert_eq!(cell["savings_rate"], rate(price - winning, price), "{at}");
                checked += usize::from(!these.is_empty());
            }
        }
        held.push(checked);
    }
    held
}

fn check_reconciliation(report: &Value, packages: &[Pkg], total: u64, end: &str) {
    let rec = &report["reconciliation"];
    let mut expected: HashMap<&str, (u64, i128)> = HashMap::new();
    for p in packages {
        let key = match (p.status.as_str(), p.table) {
            ("cancelled", _) => "cancelled",
            (_, None) => "unplaced",
            (_, Some("investment")) if p.has_result(end) => "investment_result",
            (_, Some(_)) if p.has_result(end) => "recurrent_result",
            (_, Some("investment")) => "investment_pending",
            (_, Some(_)) => "recurrent_pending",
        };
        let e = expected.entry(key).or_default();
        e.0 += 1;
        e.1 += p.price;
    }
    for line in rec["lines"].as_array().expect("lines") {
        let key = line["key"].as_str().expect("key");
        let (n, v) = expected.get(key).copied().unwrap_or_default();
        assert_eq!(line["count"], json!(n), "{key}");
        assert_eq!(line["package_price_vnd"], json!(v), "{key}");
    }
    // The report's total is the list's.
    assert_eq!(rec["total"]["count"], json!(total));
    let sum: i128 = packages.iter().map(|p| p.price).sum();
    assert_eq!(rec["total"]["package_price_vnd"], json!(sum));
    // And what the tables hold is their Tổng cộng, in both parts.
    for (table, line) in [("investment", 0), ("recurrent", 1)] {
        let t = report["tables"]
            .as_array()
            .expect("tables")
            .iter()
            .find(|t| t["key"] == table)
            .expect("table");
        let totals: Vec<&Value> = t["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .filter(|r| {
                r["label"]
                    .as_str()
                    .is_some_and(|l| l.starts_with("Tổng cộng"))
            })
            .map(|r| {
                r["cells"]
                    .as_array()
                    .expect("cells")
                    .last()
                    .expect("total column")
            })
            .collect();
        assert_eq!(totals.len(), 2);
        assert_eq!(totals[0], totals[1], "Tổng cộng I = Tổng cộng II");
        assert_eq!(totals[0]["count"], rec["lines"][line]["count"]);
        assert_eq!(
            totals[0]["package_price"],
            rec["lines"][line]["package_price"]
        );
    }
}

/// Packages the demo lacks: an international online award of odd amounts in a group A project
/// (dated in August: in the year, not the half), one awarded the next January, one with no
/// plan, one under a project of another kind, one cancelled.
async fn edge_cases(c: &Client, db: &TestDb) {
    let unit = |code: &str| {
        let db = &db.conn;
        let code = code.to_owned();
        async move {
            bidtrack::db::units::find_by_code(db, &code)
                .await
                .expect("unit")
                .expect("a unit")
        }
    };
    let plan_of = |project_code: &str| {
        let db = &db.conn;
        let code = project_code.to_owned();
        async move {
            let project = entity::project::Entity::find()
                .filter(entity::project::Column::Code.eq(code))
                .one(db)
                .await
                .expect("project")
                .expect("a project");
            entity::selection_plan::Entity::find()
                .filter(entity::selection_plan::Column::ProjectId.eq(project.id))
                .one(db)
                .await
                .expect("plan")
                .expect("a plan")
                .id
        }
    };
    let date = |y, m, d| chrono::NaiveDate::from_ymd_opt(y, m, d);
    let sgddt = unit("HN-SGDDT").await;
    let awarded = |name: &str, price: i64, winning: i64, on: Option<chrono::NaiveDate>| {
        let mut p = new_package(
            sgddt.id,
            name,
            Method::OpenBidding,
            Field::Goods,
            price,
            true,
        );
        p.status = PackageStatus::Awarded;
        p.result_date = on;
        p.winning_price_vnd = Some(winning);
        p.award_decision_no = Some(format!("{price}/QĐ-UBND"));
        p.contractor_name = Some("Công ty TNHH Mẫu".to_owned());
        p.code = Some(format!("IB19{:08}", price % 100_000_000));
        p.notice_date = date(2019, 3, 1);
        p
    };
    let group_a = plan_of("PR1900000002").await;
    let mut intl = awarded(
        "Thiết bị nhập khẩu",
        1_234_567_890,
        1_100_499_999,
        date(2019, 8, 15),
    );
    intl.international = true;
    intl.plan_id = Some(group_a);
    create(&db.conn, intl).await;
    let mut late = awarded(
        "Kết quả tháng Giêng",
        2_500_400_000,
        2_400_600_000,
        date(2020, 1, 10),
    );
    late.plan_id = Some(group_a);
    create(&db.conn, late).await;
    create(
        &db.conn,
        awarded(
            "Không gắn kế hoạch",
            777_777_777,
            700_000_001,
            date(2019, 5, 2),
        ),
    )
    .await;
    // A project of kind "other", and a plan of it.
    let other = c
        .post(
            "/api/v1/projects",
            &json!({"unit_id": sgddt.id, "name": "Khác", "kind": "other", "funding_kind": "other"}),
        )
        .await;
    assert_eq!(other.status, 201, "{}", other.text);
    let plan = c
        .post(
            "/api/v1/plans",
            &json!({"project_id": other.json()["id"], "name": "KHLCNT khác", "year": 2019}),
        )
        .await;
    assert_eq!(plan.status, 201, "{}", plan.text);
    let mut odd = awarded(
        "Thuộc dự án loại khác",
        3_333_333_333,
        3_000_000_000,
        date(2019, 4, 4),
    );
    odd.plan_id = plan.json()["id"].as_i64();
    create(&db.conn, odd).await;
    let mut cancelled = new_package(
        sgddt.id,
        "Đã hủy",
        Method::CompetitiveOffers,
        Field::Goods,
        900_000_000,
        false,
    );
    cancelled.status = PackageStatus::Cancelled;
    cancelled.plan_id = Some(group_a);
    cancelled.cancellation_reason = Some("Không có nhà thầu".to_owned());
    create(&db.conn, cancelled).await;
}

db_test!(
    annual_report_cells_equal_sums_from_the_package_list,
    |db: TestDb| async move {
        demo::load(&db.conn).await.expect("demo");
        let c = Client::new(&db);
        edge_cases(&c, &db).await;
        for code in ["HN", "HN-HADONG"] {
            let unit = unit_id(&c, code).await;
            let (packages, total) = package_list(&c, &db, unit).await;
            for (period, end) in [("year", "2019-12-31"), ("half", "2019-06-30")] {
                let r = c
                    .get(&format!(
                        "/api/v1/reports/annual?unit_id={unit}&year=2019&period={period}"
                    ))
                    .await;
                assert_eq!(r.status, 200, "{}", r.text);
                let report = r.json();
                assert_eq!(report["period"], period);
                let held = check_tables(&report, &packages, end);
                if period == "year" {
                    assert!(
                        held.iter().all(|n| *n > 0),
                        "{code}: both tables hold packages"
                    );
                }
                check_reconciliation(&report, &packages, total, end);
            }
        }
        // The edge cases are where the note says (checked line by line above): two unplaced,
        // one for want of a plan, one for its project's kind.
        let hn = unit_id(&c, "HN").await;
        let year = c
            .get(&format!("/api/v1/reports/annual?unit_id={hn}&year=2019"))
            .await
            .json();
        let line = |r: &Value, key: &str| {
            r["reconciliation"]["lines"]
                .as_array()
                .expect("lines")
                .iter()
                .find(|l| l["key"] == key)
                .expect("line")
                .clone()
        };
        assert_eq!(line(&year, "unplaced")["count"], 2);
        assert_eq!(
            line(&year, "unplaced")["package_price_vnd"],
            777_777_777_i64 + 3_333_333_333
        );
        // The international online award sits on its own row of part II.
        let rows = year["tables"][0]["rows"].as_array().expect("rows");
        let open = rows
            .iter()
            .position(|r| r["label"] == "Đấu thầu rộng rãi")
            .expect("open bidding");
        let intl_online = &rows[open..]
            .iter()
            .skip_while(|r| r["label"] != "Quốc tế")
            .nth(2)
            .expect("Quốc tế – Qua mạng");
        assert_eq!(intl_online["label"], "Qua mạng");
        let a = &intl_online["cells"][1];
        assert_eq!(
            (a["count"].clone(), a["package_price"].clone()),
            (json!(1), json!(1235))
        );
        assert_eq!(a["winning_price"], 1100);
        // The comparison is the compliance check's.
        let check = c
            .get(&format!("/api/v1/compliance?unit_id={hn}&year=2019"))
            .await
            .json();
        let target = &year["comparison"]["targets"][0];
        assert_eq!(target["code"], check["targets"][0]["rule"]["code"]);
        assert_eq!(target["in_scope"], check["targets"][0]["in_scope"]);
        assert_eq!(target["online"], check["targets"][0]["online"]);
        assert_eq!(
            target["share_percent"],
            check["targets"][0]["share_percent"]
        );
        assert_eq!(
            target["value_share_percent"],
            check["targets"][0]["value_share_percent"]
        );
        let roadmap = year["comparison"]["roadmap"].as_array().expect("roadmap");
        assert!(roadmap.len() > 1, "the years around 2019 too");
        assert!(
            roadmap
                .iter()
                .any(|s| s["in_force"] == true && s["code"] == target["code"])
        );
        for b in year["comparison"]["below_target"]
            .as_array()
            .expect("below")
        {
            let share: f64 = b["share_percent"]
                .as_str()
                .map_or(0.0, |s| s.parse().expect("share"));
            let value: f64 = b["value_share_percent"]
                .as_str()
                .map_or(100.0, |s| s.parse().expect("share"));
            let min_value = b["min_value_percent"].as_f64().unwrap_or(0.0);
            assert!(
                share < b["min_count_percent"].as_f64().expect("min") || value < min_value,
                "{b}"
            );
        }
    }
);

fn text_at(range: &calamine::Range<Data>, row: u32, col: u32) -> String {
    match range.get_value((row, col)) {
        Some(Data::String(s)) => s.clone(),
        other => panic!("({row}, {col}) is not text: {other:?}"),
    }
}

fn number_at(range: &calamine::Range<Data>, row: u32, col: u32) -> f64 {
    match range.get_value((row, col)) {
        Some(Data::Float(v)) => *v,
        Some(Data::Int(v)) => *v as f64,
        other => panic!("({row}, {col}) is not a number: {other:?}"),
    }
}

/// Every text of a sheet.
fn texts(range: &calamine::Range<Data>) -> Vec<String> {
    range
        .used_cells()
        .filter_map(|(_, _, d)| match d {
            Data::String(s) => Some(s.clone()),
            _ => None,
        })
        .collect()
}

db_test!(
    annual_report_xlsx_is_the_form_ready_to_print_and_sign,
    |db: TestDb| async move {
        demo::load(&db.conn).await.expect("demo");
        let c = Client::new(&db);
        let hd = unit_id(&c, "HN-HADONG").await;
        let report = c
            .get(&format!("/api/v1/reports/annual?unit_id={hd}&year=2019"))
            .await
            .json();
        let r = c
            .get(&format!(
                "/api/v1/reports/annual?unit_id={hd}&year=2019&format=xlsx"
            ))
            .await;
        assert_eq!(r.status, 200);
        assert_eq!(
            r.header("content-disposition"),
            Some("attachment; filename=\"bao-cao-dau-thau_HN-HADONG_2019.xlsx\"")
        );
        let bytes = c
            .get_bytes(&format!(
                "/api/v1/reports/annual?unit_id={hd}&year=2019&format=xlsx"
            ))
            .await;
        let mut wb: Xlsx<_> =
            open_workbook_from_rs(std::io::Cursor::new(bytes.clone())).expect("an XLSX file");
        assert_eq!(
            wb.sheet_names(),
            vec![
                "Biểu 1 - Dự án đầu tư",
                "Biểu 2 - Mua sắm thường xuyên",
                "Đối chiếu và so sánh"
            ]
        );
        let s = wb.worksheet_range("Biểu 1 - Dự án đầu tư").expect("sheet");
        // The heading: reporting unit left, the national heading right, title, period, unit.
        assert_eq!(
            text_at(&s, 0, 0),
            report["unit"]["name"]
                .as_str()
                .expect("name")
                .to_uppercase()
        );
        let all = texts(&s);
        for expected in [
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
            "Độc lập - Tự do - Hạnh phúc",
            "BÁO CÁO TÌNH HÌNH THỰC HIỆN CÔNG TÁC ĐẤU THẦU NĂM 2019",
            "Đơn vị tính: triệu đồng",
            "NGƯỜI LẬP BIỂU",
            "THỦ TRƯỞNG ĐƠN VỊ",
            "(Ký, ghi rõ họ tên)",
            "(Ký tên, đóng dấu)",
        ] {
            assert!(all.iter().any(|t| t == expected), "{expected} in {all:?}");
        }
        assert!(
            all.iter().any(|t| t.starts_with("Hà Nội, ngày ")),
            "place and date"
        );
        assert!(all.iter().any(|t| t.starts_with("Kỳ báo cáo: Năm 2019")));
        // Two header rows and the numbered row: STT, content, then 4 × 4 + 5 measures.
        let (h1, h2, h3) = (7, 8, 9);
        assert_eq!(text_at(&s, h1, 0), "STT");
        assert_eq!(text_at(&s, h1, 1), "Nội dung");
        assert_eq!(text_at(&s, h1, 2), "Dự án quan trọng quốc gia (1)");
        assert_eq!(text_at(&s, h1, 6), "Dự án nhóm A (2)");
        assert_eq!(text_at(&s, h1, 18), "Cộng (1+2+3+4)");
        assert_eq!(text_at(&s, h2, 2), "Tổng số gói thầu");
        assert_eq!(text_at(&s, h2, 5), "Chênh lệch");
        assert_eq!(text_at(&s, h2, 22), "Tỷ lệ tiết kiệm (%)");
        for col in 0..23 {
            assert_eq!(text_at(&s, h3, col), format!("({})", col + 1));
        }
        // The rows are the JSON's, figures as numbers.
        let rows = report["tables"][0]["rows"].as_array().expect("rows");
        for (i, row) in rows.iter().enumerate() {
            let at = h3 + 1 + i as u32;
            assert!(text_at(&s, at, 1).ends_with(row["label"].as_str().expect("label")));
            if let Some(total) = row["cells"].as_array().and_then(|c| c.last()) {
                assert_eq!(
                    number_at(&s, at, 18),
                    total["count"].as_f64().expect("count")
                );
                assert_eq!(
                    number_at(&s, at, 19),
                    total["package_price"].as_f64().expect("price")
                );
                assert_eq!(
                    number_at(&s, at, 21),
                    total["savings"].as_f64().expect("savings")
                );
            }
        }
        let total_row = h3
            + 1
            + rows
                .iter()
                .position(|r| r["label"] == "Tổng cộng I")
                .expect("total") as u32;
        let total = &rows[(total_row - h3 - 1) as usize]["cells"][4];
        assert!(total["count"].as_i64().expect("count") > 0);
        assert_eq!(
            number_at(&s, total_row, 22),
            total["savings_vnd"].as_f64().expect("savings")
                / total["package_price_vnd"].as_f64().expect("price")
        );

        // What calamine does not show: merged cells, page setup, print titles, frozen panes.
        let sheet1 = xlsx_part(&bytes, "xl/worksheets/sheet1.xml");
        for merged in ["A8:A9", "B8:B9", "C8:F8", "G8:J8", "S8:W8"] {
            assert!(
                sheet1.contains(&format!("<mergeCell ref=\"{merged}\"/>")),
                "{merged} merged"
            );
        }
        assert!(
            sheet1.contains("<pageSetUpPr fitToPage=\"1\"/>"),
            "fit to width"
        );
        let setup = &sheet1[sheet1.find("<pageSetup").expect("page setup")..];
        let setup = &setup[..setup.find("/>").expect("end")];
        for attr in [
            "paperSize=\"9\"",
            "orientation=\"landscape\"",
            "fitToHeight=\"0\"",
        ] {
            assert!(setup.contains(attr), "{attr} in {setup}");
        }
        assert!(
            sheet1.contains("<pane xSplit=\"2\" ySplit=\"10\" topLeftCell=\"C11\""),
            "frozen below the header and right of the content"
        );
        let workbook = xlsx_part(&bytes, "xl/workbook.xml");
        assert!(
            workbook.contains("<definedName name=\"_xlnm.Print_Titles\" localSheetId=\"0\">'Biểu 1 - Dự án đầu tư'!$8:$10</definedName>"),
            "header rows repeated: {workbook}"
        );
        let sheet2 = xlsx_part(&bytes, "xl/worksheets/sheet2.xml");
        assert!(
            sheet2.contains("<mergeCell ref=\"C8:G8\"/>"),
            "Biểu 2's one group"
        );

        // The last sheet: the reconciliation, its total the package list's.
        let notes = wb.worksheet_range("Đối chiếu và so sánh").expect("notes");
        let rec_total = notes
            .rows()
            .position(|r| matches!(&r[0], Data::String(s) if s.starts_with("Cộng: mọi gói thầu")))
            .expect("the total line") as u32;
        let list = c
            .get(&format!(
                "/api/v1/packages?unit_id={hd}&plan_year=2019&per_page=1"
            ))
            .await
            .json();
        assert_eq!(
            number_at(&notes, rec_total, 1),
            list["total"].as_f64().expect("total")
        );
        assert!(
            texts(&notes)
                .iter()
                .any(|t| t == "Đơn vị chưa đạt chỉ tiêu")
        );
    }
);

db_test!(
    annual_report_html_csv_and_mistakes,
    |db: TestDb| async move {
        demo::load(&db.conn).await.expect("demo");
        let c = Client::new(&db);
        let hn = unit_id(&c, "HN").await;
        let report = c
            .get(&format!(
                "/api/v1/reports/annual?unit_id={hn}&year=2019&period=half"
            ))
            .await
            .json();
        let r = c
            .get(&format!(
                "/api/v1/reports/annual?unit_id={hn}&year=2019&period=half&format=html"
            ))
            .await;
        assert_eq!(r.status, 200);
        assert!(
            r.header("content-security-policy")
                .is_some_and(|p| p.contains("default-src 'none'"))
        );
        let page = scraper::Html::parse_document(&r.text);
        let all = |css: &str| {
            let sel = scraper::Selector::parse(css).expect("selector");
            page.select(&sel)
                .map(|e| e.text().collect::<String>().trim().to_owned())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            all(".annual-heading .national"),
            vec!["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"]
        );
        assert_eq!(
            all(".annual-heading .motto"),
            vec!["Độc lập - Tự do - Hạnh phúc"]
        );
        assert_eq!(
            all(".report-title"),
            vec!["BÁO CÁO TÌNH HÌNH THỰC HIỆN CÔNG TÁC ĐẤU THẦU 6 THÁNG ĐẦU NĂM 2019"]
        );
        // Biểu 1's merged header: STT and content over two rows, the groups across their
        // measures; the numbered row.
        assert_eq!(
            all("#bieu-investment thead th[rowspan=\"2\"]"),
            vec!["STT", "Nội dung"]
        );
        assert_eq!(all("#bieu-investment thead th[colspan=\"4\"]").len(), 4);
        assert_eq!(
            all("#bieu-investment thead th[colspan=\"5\"]"),
            vec!["Cộng (1+2+3+4)"]
        );
        assert_eq!(all("#bieu-investment tr.numbers th").len(), 23);
        // Its Tổng cộng I as the JSON has it, in Vietnamese number forms.
        let total = report["tables"][0]["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .find(|r| r["label"] == "Tổng cộng I")
            .expect("total")["cells"][4]
            .clone();
        let row: Vec<String> = {
            let sel = scraper::Selector::parse("#bieu-investment tbody tr.total").expect("sel");
            let td = scraper::Selector::parse("td").expect("td");
            page.select(&sel)
                .next()
                .expect("a total row")
                .select(&td)
                .map(|e| e.text().collect::<String>())
                .collect()
        };
        assert_eq!(row[1], "Tổng cộng I");
        assert_eq!(
            row[18],
            bidtrack::domain::money::group_thousands(total["count"].as_i64().expect("n"))
        );
        assert_eq!(
            row[19],
            bidtrack::domain::money::group_thousands(total["package_price"].as_i64().expect("p"))
        );
        assert_eq!(
            all(".signature .role"),
            vec!["NGƯỜI LẬP BIỂU", "THỦ TRƯỞNG ĐƠN VỊ"]
        );
        assert!(all(".reconciliation tr.total td")[0].starts_with("Cộng: mọi gói thầu"));
        assert!(!all(".comparison .roadmap tbody tr").is_empty());

        // CSV: one table, with a BOM, Biểu 2 on asking.
        let csv = c
            .get(&format!(
                "/api/v1/reports/annual?unit_id={hn}&year=2019&format=csv&part=recurrent"
            ))
            .await;
        assert_eq!(csv.status, 200);
        assert_eq!(
            csv.header("content-disposition"),
            Some("attachment; filename=\"bao-cao-dau-thau_HN_2019_bieu-2.csv\"")
        );
        assert!(
            csv.text
                .starts_with("\u{feff}STT,Nội dung,Mua sắm thường xuyên")
        );
        assert_eq!(
            csv.text.lines().count(),
            1 + report["tables"][1]["rows"].as_array().expect("rows").len()
        );

        // Mistakes are problems, not 500s.
        let base = format!("/api/v1/reports/annual?unit_id={hn}");
        c.get(&format!("{base}&year=2019&period=quarter"))
            .await
            .problem(400, "invalid_query");
        c.get(&format!("{base}&year=1990"))
            .await
            .problem(422, "validation_failed");
        c.get(&format!("{base}&year=2019&format=pdf"))
            .await
            .problem(400, "invalid_query");
        c.get("/api/v1/reports/annual?unit_id=999999&year=2019")
            .await
            .problem(404, "not_found");
        Client::anonymous(&db)
            .get(&format!("{base}&year=2019"))
            .await
            .problem(401, "unauthenticated");
    }
);

db_test!(
    reports_page_previews_the_annual_report_and_offers_its_files,
    |db: TestDb| async move {
        use crate::web_forms::{attr, doc, texts};
        demo::load(&db.conn).await.expect("demo");
        let c = Client::new(&db);
        // 2019 chosen first: the picker offers the units of the year being reported on, and
        // quận Hà Đông ended in 2025.
        let page = doc(&c.get("/reports?year=2019").await);
        // The picker as rendered: a GET form whose choices include the annual report and the
        // half-year period.
        let action = attr(&page, "form.picker", "action").expect("action");
        let option = |select: &str, value: &str| {
            let css = format!("select#{select} option[value=\"{value}\"]");
            assert_eq!(texts(&page, &css).len(), 1, "{css}");
            value.to_owned()
        };
        let hd = crate::web_forms::ha_dong(&db).await.to_string();
        let query = [
            ("report", option("report", "annual")),
            ("unit_id", option("unit_id", &hd)),
            // The year typed (the page opens on the current one; the demo's report is 2019's).
            ("year", "2019".to_owned()),
            ("view", option("view", "plan")),
            ("money", option("money", "dong")),
            ("period", option("period", "half")),
        ]
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
        let r = c.get(&format!("{action}?{query}")).await;
        assert_eq!(r.status, 200, "{}", r.text);
        let page = doc(&r);
        assert_eq!(
            texts(&page, ".report-preview .report-title"),
            ["BÁO CÁO TÌNH HÌNH THỰC HIỆN CÔNG TÁC ĐẤU THẦU 6 THÁNG ĐẦU NĂM 2019"]
        );
        assert_eq!(texts(&page, ".report-preview table.form").len(), 2);
        assert_eq!(
            texts(&page, ".report-preview .signature .role"),
            ["NGƯỜI LẬP BIỂU", "THỦ TRƯỞNG ĐƠN VỊ"]
        );
        let links: Vec<String> = {
            let sel = scraper::Selector::parse(".downloads a").expect("selector");
            page.select(&sel)
                .filter_map(|a| a.value().attr("href").map(str::to_owned))
                .collect()
        };
        assert_eq!(links.len(), 3);
        for (link, content_type) in links.iter().zip([
            "text/csv; charset=utf-8",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "text/html; charset=utf-8",
        ]) {
            assert!(link.starts_with("/api/v1/reports/annual?") && link.contains("period=half"));
            let file = c.get(link).await;
            assert_eq!(file.status, 200, "{link}");
            assert_eq!(file.header("content-type"), Some(content_type), "{link}");
        }
        // A period the page does not offer is explained, not a 500.
        let r = c
            .get(&format!("{action}?report=annual&year=2019&period=quarter"))
            .await;
        assert_eq!(r.status, 422);
        assert_eq!(
            texts(&doc(&r), "[role=alert]"),
            ["Hãy chọn kỳ báo cáo (cả năm hoặc 6 tháng đầu năm)."]
        );
    }
);
