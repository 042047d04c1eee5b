//! Reports: the XLSX read back (values, types, totals), the CSV byte for byte, the HTML chart, and
//! the figures equal to `/api/v1/compliance`.

use crate::client::Client;
use crate::db_test;
use crate::support::*;
use bidtrack::services::demo;
use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use serde_json::Value;

async fn unit_id(c: &Client, code: &str) -> i64 {
    let page = c.get(&format!("/api/v1/units?q={code}")).await.json();
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|u| u["code"] == code)
        .expect("unit")["id"]
        .as_i64()
        .expect("id")
}

fn sheet(bytes: &[u8]) -> calamine::Range<Data> {
    let mut wb: Xlsx<_> =
        open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).expect("an XLSX file");
    wb.worksheet_range("Báo cáo").expect("the report sheet")
}

fn number(range: &calamine::Range<Data>, row: u32, col: u32) -> f64 {
    match range.get_value((row, col)) {
        Some(Data::Float(v)) => *v,
        Some(Data::Int(v)) => *v as f64,
        other => panic!("({row}, {col}) is not a number: {other:?}"),
    }
}

fn text(range: &calamine::Range<Data>, row: u32, col: u32) -> String {
    match range.get_value((row, col)) {
        Some(Data::String(s)) => s.clone(),
        other => panic!("({row}, {col}) is not text: {other:?}"),
    }
}

fn sheet_named(bytes: &[u8], name: &str) -> calamine::Range<Data> {
    let mut wb: Xlsx<_> =
        open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).expect("an XLSX file");
    wb.worksheet_range(name)
        .unwrap_or_else(|e| panic!("sheet {name}: {e}"))
}

db_test!(compliance_report_in_every_format, |db: TestDb| async move {
    demo::load(&db.conn).await.expect("demo");
    let c = Client::new(&db);
    let hn = unit_id(&c, "HN").await;
    let api = c
        .get(&format!("/api/v1/compliance?unit_id={hn}&year=2019"))
        .await
        .json();
    let target = &api["targets"][0];
    let csv = |part: &str| {
        let c = &c;
        let part = part.to_owned();
        async move {
            let r = c
                .get(&format!(
                    "/api/v1/reports/compliance?unit_id={hn}&year=2019&format=csv{part}"
                ))
                .await;
            assert_eq!(r.status, 200, "{}", r.text);
            r
        }
    };

    // CSV: one table a file, units by default. BOM, one Vietnamese header row, plain integers;
    // the city row equals the API figures.
    let r = csv("").await;
    assert_eq!(r.header("content-type"), Some("text/csv; charset=utf-8"));
    assert_eq!(
        r.header("content-disposition"),
        Some("attachment; filename=\"tuan-thu-qua-mang_HN_2019_units.csv\"")
    );
    assert!(r.text.starts_with('\u{feff}'), "UTF-8 BOM");
    let lines: Vec<&str> = r.text.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(
        lines[0],
        "Mã đơn vị,Đơn vị,Loại đơn vị,Số gói thầu trong năm,Số gói qua mạng,Tỷ lệ qua mạng (số gói),\
         Giá gói thầu (đồng),Giá gói thầu qua mạng (đồng),Tỷ lệ qua mạng (giá trị),\
         Chỉ tiêu 1: quy định áp dụng,Chỉ tiêu 1: số gói thuộc phạm vi,Chỉ tiêu 1: số gói qua mạng,\
         Chỉ tiêu 1: tỷ lệ (số gói),Chỉ tiêu 1: mức yêu cầu (số gói),Chỉ tiêu 1: đánh giá (số gói),\
         Chỉ tiêu 1: còn thiếu (gói),Chỉ tiêu 1: giá trị thuộc phạm vi (đồng),\
         Chỉ tiêu 1: giá trị qua mạng (đồng),Chỉ tiêu 1: tỷ lệ (giá trị),\
         Chỉ tiêu 1: mức yêu cầu (giá trị),Chỉ tiêu 1: đánh giá (giá trị),Chỉ tiêu 1: còn thiếu (đồng)"
    );
    let o = &api["overall"];
    let city = format!(
        "HN,Thành phố Hà Nội,Tỉnh / thành phố,{},{},{},{},{},{},Nghị quyết 01/NQ-CP (2019),{},{},{},50.00,{},{},{},{},{},15.00,Đạt,0",
        o["packages"],
        o["online"],
        o["share_percent"].as_str().expect("share"),
        o["value_vnd"],
        o["value_online_vnd"],
        o["value_share_percent"].as_str().expect("share"),
        target["in_scope"],
        target["online"],
        target["share_percent"].as_str().expect("share"),
        if target["met"] == true {
            "Đạt"
        } else {
            "Chưa đạt"
        },
        target["shortfall"],
        target["value_in_scope_vnd"],
        target["value_online_vnd"],
        target["value_share_percent"].as_str().expect("share")
    );
    assert_eq!(lines[1], city);
    assert!(
        !lines[1].contains(",0,"),
        "no 0/1 level column: {}",
        lines[1]
    );
    let ha_dong = lines
        .iter()
        .find(|l| l.starts_with("HN-HADONG,"))
        .expect("Hà Đông row");
    assert!(
        ha_dong.ends_with(",Nghị quyết 01/NQ-CP (2019),8,4,50.00,50.00,Đạt,0,35850000000,10650000000,29.70,15.00,Đạt,0"),
        "{ha_dong}"
    );
    let children = api["by_unit"].as_array().expect("by_unit").len();
    assert_eq!(lines.len(), 1 + 1 + children);

    // Methods: Vietnamese names, never wire codes; a method the rule never counts (direct
    // appointment) has its figures and no target, verdict or shortfall.
    let methods = csv("&part=methods").await.text;
    assert!(!methods.contains("open_bidding") && !methods.contains("direct_appointment"));
    let direct = methods
        .lines()
        .find(|l| l.starts_with("Chỉ định thầu,"))
        .expect("direct appointment row");
    assert!(
        direct.ends_with(&",".repeat(12)),
        "no target on a method out of scope: {direct}"
    );
    assert!(!direct.contains("Không có gói thuộc phạm vi") && !direct.contains("50.00"));
    let fields = csv("&part=fields").await.text;
    assert!(fields.lines().nth(1).is_some_and(|l| !l.contains("goods")));
    c.get(&format!(
        "/api/v1/reports/compliance?unit_id={hn}&year=2019&format=csv&part=months"
    ))
    .await
    .problem(400, "invalid_query");

    // XLSX: one sheet a table, title and scope above, typed cells, the same figures.
    let r = c
        .get(&format!(
            "/api/v1/reports/compliance?unit_id={hn}&year=2019&format=xlsx"
        ))
        .await;
    assert_eq!(
        r.header("content-type"),
        Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    );
    assert_eq!(
        r.header("content-disposition"),
        Some("attachment; filename=\"tuan-thu-qua-mang_HN_2019.xlsx\"")
    );
    let bytes = c
        .get_bytes(&format!(
            "/api/v1/reports/compliance?unit_id={hn}&year=2019&format=xlsx"
        ))
        .await;
    let wb: Xlsx<_> =
        open_workbook_from_rs(std::io::Cursor::new(bytes.clone())).expect("an XLSX file");
    assert_eq!(
        wb.sheet_names(),
        ["Theo đơn vị", "Theo hình thức", "Theo lĩnh vực"]
    );
    let s = sheet_named(&bytes, "Theo đơn vị");
    assert!(text(&s, 0, 0).starts_with("Báo cáo thực hiện lựa chọn nhà thầu qua mạng năm 2019"));
    assert_eq!(
        (text(&s, 1, 0), text(&s, 1, 1)),
        ("Đơn vị".to_owned(), "Thành phố Hà Nội (HN)".to_owned())
    );
    let header = 7; // title, five scope lines, a blank line
    assert_eq!(text(&s, header, 0), "Mã đơn vị");
    assert_eq!(text(&s, header + 1, 0), "HN");
    assert_eq!(
        number(&s, header + 1, 10),
        target["in_scope"].as_f64().expect("n")
    );
    assert_eq!(
        number(&s, header + 1, 11),
        target["online"].as_f64().expect("n")
    );
    let share: f64 = target["share_percent"]
        .as_str()
        .expect("share")
        .parse()
        .expect("decimal");
    assert!(
        (number(&s, header + 1, 12) - share / 100.0).abs() < 1e-4,
        "shares are numbers with a percent format"
    );
    assert_eq!(
        number(&s, header + 1, 16),
        target["value_in_scope_vnd"].as_f64().expect("n")
    );
    // the city's row is the total of its children's rows
    for col in [3, 4, 6, 10, 11, 16] {
        let children_sum: f64 = (0..children as u32)
            .map(|i| number(&s, header + 2 + i, col))
            .sum();
        assert_eq!(children_sum, number(&s, header + 1, col), "column {col}");
    }
    let m = sheet_named(&bytes, "Theo hình thức");
    assert_eq!(text(&m, header, 0), "Hình thức lựa chọn nhà thầu");

    // JSON: every part, columns and rows keyed by column
    let j = c
        .get(&format!(
            "/api/v1/reports/compliance?unit_id={hn}&year=2019&depth=0"
        ))
        .await
        .json();
    let parts = j["parts"].as_array().expect("parts");
    assert_eq!(
        parts
            .iter()
            .map(|p| p["part"].as_str().unwrap_or_default())
            .collect::<Vec<_>>(),
        ["units", "methods", "fields"]
    );
    assert_eq!(
        parts[0]["rows"][0]["cells"]["target1_in_scope"],
        target["in_scope"]
    );
    assert_eq!(parts[0]["rows"][0]["kind"], "total");
    assert_eq!(
        parts[0]["rows"].as_array().map(Vec::len),
        Some(1),
        "depth 0: the unit only"
    );
    assert_eq!(
        parts[1]["rows"].as_array().map(Vec::len),
        api["by_method"].as_array().map(Vec::len)
    );

    // HTML: printable, the three tables, the chart drawn on the server, no script
    let r = c
        .get(&format!(
            "/api/v1/reports/compliance?unit_id={hn}&year=2019&format=html"
        ))
        .await;
    assert_eq!(r.header("content-type"), Some("text/html; charset=utf-8"));
    assert!(r.text.contains("@page { size: A4 landscape"));
    assert!(!r.text.contains("<script"));
    assert_eq!(r.text.matches("<table").count(), 3);
    assert_eq!(
        r.text.matches("<rect class=\"met\"").count()
            + r.text.matches("<rect class=\"not-met\"").count(),
        children
    );
    assert!(
        r.text.contains("class=\"not-met\"") && r.text.contains("class=\"met\""),
        "Phúc Thọ misses, Hoàn Kiếm meets"
    );
    assert!(r.text.contains("Chỉ tiêu 50.00%"));

    // A year without a rule: the figures, and the scope line says why there is no verdict.
    let none = c
        .get(&format!(
            "/api/v1/reports/compliance?unit_id={hn}&year=2022&format=csv"
        ))
        .await;
    assert_eq!(none.status, 200, "{}", none.text);
    assert!(!none.text.contains("Chỉ tiêu 1"));

    // bad input
    c.get(&format!(
        "/api/v1/reports/compliance?unit_id={hn}&year=2019&depth=11"
    ))
    .await
    .problem(422, "validation_failed");
    c.get(&format!(
        "/api/v1/reports/compliance?unit_id={hn}&year=2019&format=pdf"
    ))
    .await
    .problem(400, "invalid_query");
    c.get("/api/v1/reports/compliance?unit_id=987654&year=2019")
        .await
        .problem(404, "not_found");
});

fn sum_column(rows: &[Value], key: &str, kind: &str) -> i64 {
    rows.iter()
        .filter(|r| r["kind"] == kind)
        .map(|r| r["cells"][key].as_i64().expect("integer"))
        .sum()
}

db_test!(
    summary_adds_up_in_dong_and_millions,
    |db: TestDb| async move {
        demo::load(&db.conn).await.expect("demo");
        let c = Client::new(&db);
        let hn = unit_id(&c, "HN").await;
        for unit in ["dong", "million"] {
            let j = c
                .get(&format!(
                    "/api/v1/reports/summary?unit_id={hn}&year=2019&unit={unit}"
                ))
                .await
                .json();
            let rows = j["rows"].as_array().expect("rows").clone();
            let total = rows
                .iter()
                .find(|r| r["kind"] == "total")
                .expect("a total row");
            for col in j["columns"]
                .as_array()
                .expect("columns")
                .iter()
                .filter(|c| c["kind"] != "text")
            {
                let key = col["key"].as_str().expect("key");
                let data = sum_column(&rows, key, "data");
                let subtotals = sum_column(&rows, key, "subtotal");
                assert_eq!(data, subtotals, "{unit} {key}: subtotals add the lines");
                assert_eq!(
                    total["cells"][key].as_i64(),
                    Some(data),
                    "{unit} {key}: the total adds the lines as printed"
                );
            }
            // online + not online = total, on every row
            for r in &rows {
                for (a, b, t) in [
                    ("online_count", "offline_count", "total_count"),
                    (
                        "online_package_price",
                        "offline_package_price",
                        "total_package_price",
                    ),
                ] {
                    assert_eq!(
                        r["cells"][a].as_i64().expect("a") + r["cells"][b].as_i64().expect("b"),
                        r["cells"][t].as_i64().expect("t")
                    );
                }
            }
            assert_eq!(
                total["cells"]["total_count"], 292,
                "every package counted in 2019"
            );
        }
        // The đồng figures are the database's: Σ package price over the city's counted packages.
        let j = c
            .get(&format!("/api/v1/reports/summary?unit_id={hn}&year=2019"))
            .await
            .json();
        let total = j["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .find(|r| r["kind"] == "total")
            .cloned()
            .expect("total");
        let all = c
            .get(&format!(
                "/api/v1/packages?unit_id={hn}&plan_year=2019&per_page=500"
            ))
            .await
            .json();
        let counted: Vec<&Value> = all["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter(|p| p["status"] != "cancelled")
            .collect();
        let price: i64 = counted
            .iter()
            .map(|p| p["package_price_vnd"].as_i64().expect("price"))
            .sum();
        assert_eq!(total["cells"]["total_package_price"].as_i64(), Some(price));
        let awarded: Vec<&&Value> = counted
            .iter()
            .filter(|p| p["status"] == "awarded")
            .collect();
        let winning: i64 = awarded
            .iter()
            .map(|p| p["winning_price_vnd"].as_i64().expect("winning"))
            .sum();
        let savings: i64 = awarded
            .iter()
            .map(|p| {
                p["package_price_vnd"].as_i64().expect("p")
                    - p["winning_price_vnd"].as_i64().expect("w")
            })
            .sum();
        assert_eq!(
            total["cells"]["total_winning_price"].as_i64(),
            Some(winning)
        );
        assert_eq!(total["cells"]["total_savings"].as_i64(), Some(savings));

        // XLSX in millions: numeric cells; the last row is the grand total
        let bytes = c
            .get_bytes(&format!(
                "/api/v1/reports/summary?unit_id={hn}&year=2019&unit=million&format=xlsx"
            ))
            .await;
        let s = sheet(&bytes);
        let last = s.end().expect("cells").0;
        assert_eq!(text(&s, last, 0), "Tổng cộng");
        assert_eq!(number(&s, last, 10), 292.0);
        let r = c
            .get(&format!(
                "/api/v1/reports/summary?unit_id={hn}&year=2019&format=csv"
            ))
            .await;
        assert_eq!(
            r.header("content-disposition"),
            Some("attachment; filename=\"tong-hop-lcnt_HN_2019.csv\"")
        );
    }
);

db_test!(package_list_report, |db: TestDb| async move {
    demo::load(&db.conn).await.expect("demo");
    let c = Client::new(&db);
    let ha_dong = unit_id(&c, "HN-HADONG").await;
    let j = c
        .get(&format!(
            "/api/v1/reports/packages?unit_id={ha_dong}&plan_year=2019&sort=-package_price_vnd"
        ))
        .await
        .json();
    let rows = j["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), 10);
    assert_eq!(rows[0]["cells"]["package_price_vnd"], 25_000_000_000_i64);
    assert_eq!(rows[0]["cells"]["in_target_scope"], false);
    assert_eq!(rows[0]["cells"]["method"], "Đấu thầu rộng rãi");
    assert_eq!(rows[0]["cells"]["unit_code"], "HN-HADONG-BQLDA");
    let bytes = c
        .get_bytes(&format!(
            "/api/v1/reports/packages?unit_id={ha_dong}&plan_year=2019&format=xlsx"
        ))
        .await;
    let s = sheet(&bytes);
    assert_eq!(
        s.end().expect("cells").0,
        6 + 10,
        "the header at row 6 (title, 4 scope lines, a blank line), then 10 rows"
    );
    let r = c
        .get(&format!(
            "/api/v1/reports/packages?unit_id={ha_dong}&plan_year=2019&format=csv"
        ))
        .await;
    assert_eq!(
        r.header("content-disposition"),
        Some("attachment; filename=\"danh-sach-goi-thau_HN-HADONG_2019.csv\"")
    );
    assert_eq!(r.text.lines().count(), 11);
    c.get("/api/v1/reports/packages?unit_id=987654")
        .await
        .problem(422, "validation_failed");
});
