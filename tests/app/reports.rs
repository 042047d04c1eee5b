//! Reports: the XLSX read back (values, types, totals), the CSV byte for byte, the HTML chart, and
//! the figures equal to `/api/v1/compliance`.

use crate::client::Client;
use crate::db_test;
use crate::support::*;
use bidtrack::seed::demo;
use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use serde_json::Value;

pub(crate) async fn unit_id(c: &Client, code: &str) -> i64 {
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

/// One part of an XLSX file (a zip), as text.
pub(crate) fn xlsx_part(bytes: &[u8], name: &str) -> String {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip");
    let mut part = zip.by_name(name).expect(name);
    let mut out = String::new();
    part.read_to_string(&mut out).expect("UTF-8 XML");
    out
}

/// The value of attribute `name` in the XML tag starting `tag`.
fn attr_of<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let end = tag.find('>').unwrap_or(tag.len());
    let tag = &tag[..end];
    let at = tag.find(&format!(" {name}=\""))? + name.len() + 3;
    tag[at..].split('"').next()
}

/// The number format of cell (row, col) of the first sheet (calamine does not expose formats):
/// the cell's style index, its `xf` in styles.xml, then its format code (built-in ids as Excel
/// numbers them).
fn number_format(bytes: &[u8], row: u32, col: u32) -> String {
    let reference = rust_xlsxwriter::row_col_to_cell(row, u16::try_from(col).expect("col"));
    let sheet = xlsx_part(bytes, "xl/worksheets/sheet1.xml");
    let cell = sheet
        .find(&format!("<c r=\"{reference}\""))
        .unwrap_or_else(|| panic!("no cell {reference}"));
    let style: usize = attr_of(&sheet[cell..], "s").map_or(0, |s| s.parse().expect("index"));
    let styles = xlsx_part(bytes, "xl/styles.xml");
    let xfs = &styles[styles.find("<cellXfs").expect("cellXfs")..];
    let xf = xfs.match_indices("<xf ").nth(style).expect("the xf").0;
    let id: u32 = attr_of(&xfs[xf..], "numFmtId")
        .expect("numFmtId")
        .parse()
        .expect("id");
    match id {
        0 => "General".to_owned(),
        1 => "0".to_owned(),
        3 => "#,##0".to_owned(),
        10 => "0.00%".to_owned(),
        _ => {
            let at = styles
                .find(&format!("<numFmt numFmtId=\"{id}\""))
                .expect("a custom format");
            attr_of(&styles[at..], "formatCode")
                .expect("formatCode")
                .to_owned()
        }
    }
}

pub(crate) fn number(range: &calamine::Range<Data>, row: u32, col: u32) -> f64 {
    match range.get_value((row, col)) {
        Some(Data::Float(v)) => *v,
        Some(Data::Int(v)) => *v as f64,
        other => panic!("({row}, {col}) is not a number: {other:?}"),
    }
}

pub(crate) fn text(range: &calamine::Range<Data>, row: u32, col: u32) -> String {
    match range.get_value((row, col)) {
        Some(Data::String(s)) => s.clone(),
        other => panic!("({row}, {col}) is not text: {other:?}"),
    }
}

pub(crate) fn sheet_named(bytes: &[u8], name: &str) -> calamine::Range<Data> {
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
        ["Theo đơn vị", "Theo hình thức", "Theo lĩnh vực", "Xu hướng"]
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
    assert_eq!(
        number(&s, header + 1, 12),
        target["online"].as_f64().expect("n") / target["in_scope"].as_f64().expect("n"),
        "shares are the exact ratio, with a percent format"
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
        ["units", "methods", "fields", "trend"]
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

    // HTML: printable, the four tables (the trend last), the chart drawn on the server, no
    // script
    let r = c
        .get(&format!(
            "/api/v1/reports/compliance?unit_id={hn}&year=2019&format=html"
        ))
        .await;
    assert_eq!(r.header("content-type"), Some("text/html; charset=utf-8"));
    assert!(r.text.contains("@page { size: A4 landscape"));
    assert!(!r.text.contains("<script"));
    assert_eq!(r.text.matches("<table").count(), 4);
    assert_eq!(
        r.text.matches("<rect class=\"met\"").count()
            + r.text.matches("<rect class=\"not-met\"").count(),
        children
    );
    assert!(
        r.text.contains("class=\"not-met\"") && r.text.contains("class=\"met\""),
        "Phúc Thọ misses, Hoàn Kiếm meets"
    );
    assert!(r.text.contains("Chỉ tiêu 50,00%"));

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

fn cell_i64(row: &Value, key: &str) -> i64 {
    row["cells"][key]
        .as_i64()
        .unwrap_or_else(|| panic!("{key} is not an integer in {row}"))
}

const SIDES: [&str; 3] = ["online", "offline", "total"];

/// The counted packages of the city in 2019 (plan view), from the package API.
async fn counted_2019(c: &Client, unit: i64) -> Vec<Value> {
    let all = c
        .get(&format!(
            "/api/v1/packages?unit_id={unit}&plan_year=2019&per_page=500"
        ))
        .await
        .json();
    all["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|p| p["status"] != "cancelled")
        .cloned()
        .collect()
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
                .filter(|c| c["kind"] == "integer" || c["kind"] == "money")
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
            // online + not online = total, on every row and every amount
            for r in &rows {
                for measure in [
                    "awarded_count",
                    "awarded_package_price",
                    "winning_price",
                    "savings",
                    "pending_count",
                    "pending_package_price",
                ] {
                    assert_eq!(
                        cell_i64(r, &format!("online_{measure}"))
                            + cell_i64(r, &format!("offline_{measure}")),
                        cell_i64(r, &format!("total_{measure}")),
                        "{unit} {measure}"
                    );
                }
            }
            assert_eq!(
                cell_i64(total, "total_awarded_count") + cell_i64(total, "total_pending_count"),
                292,
                "every package counted in 2019, with a result or without"
            );
        }
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

db_test!(
    summary_money_columns_reconcile_on_every_line,
    |db: TestDb| async move {
        demo::load(&db.conn).await.expect("demo");
        let c = Client::new(&db);
        let hn = unit_id(&c, "HN").await;
        let report =
            |unit: &str| format!("/api/v1/reports/summary?unit_id={hn}&year=2019&unit={unit}");
        let dong = c.get(&report("dong")).await.json();
        let million = c.get(&report("million")).await.json();
        let dong_rows = dong["rows"].as_array().expect("rows");
        let million_rows = million["rows"].as_array().expect("rows");
        assert_eq!(dong_rows.len(), million_rows.len());

        // On every line, subtotal and total, on each side, in đồng and in millions: package price
        // − winning price = savings, over the same (awarded) packages.
        for (unit, rows) in [("dong", dong_rows), ("million", million_rows)] {
            for r in rows {
                for side in SIDES {
                    assert_eq!(
                        cell_i64(r, &format!("{side}_awarded_package_price"))
                            - cell_i64(r, &format!("{side}_winning_price")),
                        cell_i64(r, &format!("{side}_savings")),
                        "{unit} {side}: {}",
                        r["cells"]
                    );
                }
            }
        }
        // Millions are the đồng figures rounded half up per line and side, never re-derived.
        let round = |v: i64| (v + 500_000).div_euclid(1_000_000);
        for (d, m) in dong_rows.iter().zip(million_rows) {
            if d["kind"] != "data" {
                continue;
            }
            for side in ["online", "offline"] {
                for measure in [
                    "awarded_package_price",
                    "winning_price",
                    "pending_package_price",
                ] {
                    let key = format!("{side}_{measure}");
                    assert_eq!(round(cell_i64(d, &key)), cell_i64(m, &key), "{key}");
                }
            }
        }
        let scope = million["scope"].to_string();
        assert!(
            scope.contains("tiết kiệm là hiệu của hai số đã làm tròn"),
            "the report says how millions keep the identity: {scope}"
        );

        // The đồng totals are the packages': awarded ones in the savings columns, the others in
        // their own columns.
        let total = dong_rows
            .iter()
            .find(|r| r["kind"] == "total")
            .expect("total");
        let counted = counted_2019(&c, hn).await;
        let price = |p: &Value| p["package_price_vnd"].as_i64().expect("price");
        let (awarded, pending): (Vec<&Value>, Vec<&Value>) = counted
            .iter()
            .partition(|p| p["status"] == "awarded" && p["winning_price_vnd"].is_i64());
        assert!(!awarded.is_empty() && !pending.is_empty());
        let awarded_price: i64 = awarded.iter().map(|p| price(p)).sum();
        let winning: i64 = awarded
            .iter()
            .map(|p| p["winning_price_vnd"].as_i64().expect("winning"))
            .sum();
        let pending_price: i64 = pending.iter().map(|p| price(p)).sum();
        assert_eq!(cell_i64(total, "total_awarded_count"), awarded.len() as i64);
        assert_eq!(
            cell_i64(total, "total_awarded_package_price"),
            awarded_price
        );
        assert_eq!(cell_i64(total, "total_winning_price"), winning);
        assert_eq!(cell_i64(total, "total_savings"), awarded_price - winning);
        assert_eq!(cell_i64(total, "total_pending_count"), pending.len() as i64);
        assert_eq!(
            cell_i64(total, "total_pending_package_price"),
            pending_price
        );
        // The savings rate over the same packages, truncated to two decimals in JSON…
        let savings = i128::from(awarded_price - winning);
        let hundredths = savings * 10_000 / i128::from(awarded_price);
        assert_eq!(
            total["cells"]["total_savings_rate"],
            format!("{}.{:02}", hundredths / 100, hundredths % 100)
        );

        // …and the exact ratio in XLSX, whose last row is the grand total.
        let bytes = c
            .get_bytes(&format!(
                "/api/v1/reports/summary?unit_id={hn}&year=2019&format=xlsx"
            ))
            .await;
        let s = sheet(&bytes);
        let last = s.end().expect("cells").0;
        assert_eq!(text(&s, last, 0), "Tổng cộng");
        let columns: Vec<String> = dong["columns"]
            .as_array()
            .expect("columns")
            .iter()
            .map(|c| c["key"].as_str().expect("key").to_owned())
            .collect();
        let at = |key: &str| columns.iter().position(|k| k == key).expect(key) as u32;
        assert_eq!(
            number(&s, last, at("total_savings_rate")),
            (awarded_price - winning) as f64 / awarded_price as f64
        );
        assert_eq!(
            number(&s, last, at("total_savings")),
            (awarded_price - winning) as f64
        );
        assert_eq!(
            number_format(&bytes, last, at("total_savings_rate")),
            "0.00%"
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
        6 + 10 + 1,
        "the header at row 6 (title, 4 scope lines, a blank line), 10 rows, the totals"
    );
    // Sent from a temporary file: its length is announced and it is a download. (Each
    // workbook carries its own time, so two downloads can differ by a byte: one is compared
    // with itself.)
    let (headers, file) = c
        .download(&format!(
            "/api/v1/reports/packages?unit_id={ha_dong}&plan_year=2019&format=xlsx"
        ))
        .await;
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    assert_eq!(
        header("content-length"),
        Some(file.len().to_string().as_str())
    );
    assert_eq!(
        header("content-disposition"),
        Some("attachment; filename=\"danh-sach-goi-thau_HN-HADONG_2019.xlsx\"")
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

/// `1234567000` → `1.234.567.000`, written out here so the test does not borrow the code's own.
fn dots(v: i64) -> String {
    let digits = v.unsigned_abs().to_string();
    let mut out = String::from(if v < 0 { "-" } else { "" });
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(ch);
    }
    out
}

db_test!(
    package_list_xlsx_and_print_read_right,
    |db: TestDb| async move {
        demo::load(&db.conn).await.expect("demo");
        let c = Client::new(&db);
        let ha_dong = unit_id(&c, "HN-HADONG").await;
        let list = format!("/api/v1/reports/packages?unit_id={ha_dong}&plan_year=2019");
        let j = c.get(&list).await.json();
        let rows = j["rows"].as_array().expect("rows");
        let keys: Vec<&str> = j["columns"]
            .as_array()
            .expect("columns")
            .iter()
            .map(|c| c["key"].as_str().expect("key"))
            .collect();
        let col = |key: &str| keys.iter().position(|k| *k == key).expect(key) as u32;
        let api = c
            .get(&format!(
                "/api/v1/packages?unit_id={ha_dong}&plan_year=2019&per_page=100"
            ))
            .await
            .json();
        let by_id: std::collections::HashMap<i64, &Value> = api["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|p| (p["id"].as_i64().expect("id"), p))
            .collect();
        let sum = |key: &str| -> i64 { rows.iter().filter_map(|r| r["cells"][key].as_i64()).sum() };
        let (price, winning, savings) = (
            sum("package_price_vnd"),
            sum("winning_price_vnd"),
            sum("savings_vnd"),
        );
        assert!(winning > 0 && savings > 0, "some packages have a result");

        let bytes = c.get_bytes(&format!("{list}&format=xlsx")).await;
        let s = sheet(&bytes);
        let header = 6;
        let first = header + 1;
        let vietnam = chrono::FixedOffset::east_opt(7 * 3600).expect("UTC+7");
        let mut law_names = 0;
        for (i, r) in rows.iter().enumerate() {
            let at = first + i as u32;
            // The plan year: a number, shown without a thousands separator.
            assert_eq!(number(&s, at, col("plan_year")), 2019.0);
            assert_eq!(number_format(&bytes, at, col("plan_year")), "0");
            assert_eq!(number_format(&bytes, at, col("id")), "0");
            assert_eq!(number_format(&bytes, at, col("package_price_vnd")), "#,##0");
            // Updated at: a date-time cell in Vietnam's time, shown to the minute.
            let id = r["cells"]["id"].as_i64().expect("id");
            let updated = chrono::DateTime::parse_from_rfc3339(
                by_id[&id]["updated_at"].as_str().expect("updated_at"),
            )
            .expect("RFC 3339")
            .with_timezone(&vietnam)
            .naive_local();
            let cell = match s.get_value((at, col("updated_at"))) {
                Some(Data::DateTime(d)) => d.as_datetime().expect("a date-time"),
                other => panic!("updated_at is not a date-time cell: {other:?}"),
            };
            assert!(
                (cell - updated).num_milliseconds().abs() < 1000,
                "{cell} is {updated} in Vietnam"
            );
            assert_eq!(
                number_format(&bytes, at, col("updated_at")),
                "dd/mm/yyyy hh:mm"
            );
            // The law by its name, never its code.
            match s.get_value((at, col("regime"))) {
                Some(Data::String(name)) => {
                    assert!(!name.contains('_'), "{name}");
                    law_names += usize::from(
                        name == "Luật Đấu thầu 43/2013/QH13 và Nghị định 63/2014/NĐ-CP",
                    );
                }
                other => panic!("regime: {other:?}"),
            }
        }
        assert_eq!(law_names, rows.len(), "2019 is under Law 43 and Decree 63");
        // The totals: SUBTOTAL formulas over the rows, with their results cached.
        let totals = first + rows.len() as u32;
        assert_eq!(
            s.end().expect("cells").0,
            totals,
            "the totals row is the last"
        );
        assert_eq!(text(&s, totals, col("unit_name")), "Tổng cộng");
        let mut wb: Xlsx<_> =
            open_workbook_from_rs(std::io::Cursor::new(bytes.clone())).expect("an XLSX file");
        let formulas = wb.worksheet_formula("Báo cáo").expect("formulas");
        for (key, expected) in [
            ("package_price_vnd", price),
            ("winning_price_vnd", winning),
            ("savings_vnd", savings),
        ] {
            assert_eq!(number(&s, totals, col(key)), expected as f64, "{key}");
            let letter = rust_xlsxwriter::column_number_to_name(col(key) as u16);
            assert_eq!(
                formulas.get_value((totals, col(key))).map(String::as_str),
                Some(format!("SUBTOTAL(109,{letter}{}:{letter}{totals})", first + 1).as_str()),
                "{key}"
            );
        }
        // Page setup: A4 landscape, one page wide, the header row on every page.
        let sheet_xml = xlsx_part(&bytes, "xl/worksheets/sheet1.xml");
        let setup = &sheet_xml[sheet_xml.find("<pageSetup ").expect("a page setup")..];
        assert_eq!(attr_of(setup, "paperSize"), Some("9"));
        assert_eq!(attr_of(setup, "orientation"), Some("landscape"));
        assert_eq!(attr_of(setup, "fitToHeight"), Some("0"));
        assert!(sheet_xml.contains("<pageSetUpPr fitToPage=\"1\"/>"));
        let workbook_xml = xlsx_part(&bytes, "xl/workbook.xml");
        assert!(
            workbook_xml.contains(&format!(
                "<definedName name=\"_xlnm.Print_Titles\" localSheetId=\"0\">'Báo cáo'!${0}:${0}</definedName>",
                header + 1
            )),
            "{workbook_xml}"
        );

        // Print: the columns that fit A4 across, Vietnamese numbers, a totals line.
        let r = c.get(&format!("{list}&format=html")).await;
        let page = scraper::Html::parse_document(&r.text);
        let select = |css: &str| {
            let sel = scraper::Selector::parse(css).expect("selector");
            page.select(&sel)
                .map(|e| e.text().collect::<String>())
                .collect::<Vec<_>>()
        };
        let headers = select("thead th");
        assert!(headers.len() <= 12, "{headers:?}");
        for shown in [
            "Tên gói thầu",
            "Giá gói thầu (đồng)",
            "Giá trúng thầu (đồng)",
        ] {
            assert!(headers.iter().any(|h| h == shown), "{shown} is printed");
        }
        for hidden in ["Cập nhật lúc", "Quy định áp dụng", "Lưu ý"] {
            assert!(
                !headers.iter().any(|h| h == hidden),
                "{hidden} is not printed"
            );
        }
        let total = select("tbody tr.total td");
        assert_eq!(total.len(), headers.len());
        for expected in [price, winning, savings] {
            assert!(
                total.contains(&dots(expected)),
                "{total:?} has {}",
                dots(expected)
            );
        }
        assert!(total.contains(&"Tổng cộng".to_owned()));

        // CSV keeps every column, one line per package and no totals, instants with their offset.
        let r = c.get(&format!("{list}&format=csv")).await;
        let mut csv = ::csv::Reader::from_reader(r.text.trim_start_matches('\u{feff}').as_bytes());
        assert_eq!(csv.headers().expect("header").len(), keys.len());
        let records: Vec<_> = csv.records().map(|r| r.expect("a record")).collect();
        assert_eq!(records.len(), rows.len());
        for rec in &records {
            let updated = &rec[col("updated_at") as usize];
            assert!(updated.ends_with("+07:00"), "{updated}");
            assert_eq!(&rec[col("plan_year") as usize], "2019");
        }
    }
);

db_test!(
    shares_exact_in_xlsx_and_vietnamese_in_print,
    |db: TestDb| async move {
        demo::load(&db.conn).await.expect("demo");
        let c = Client::new(&db);
        let ha_dong = unit_id(&c, "HN-HADONG").await;
        let api = c
            .get(&format!("/api/v1/compliance?unit_id={ha_dong}&year=2019"))
            .await
            .json();
        let target = &api["targets"][0];
        let (value_online, value_in_scope) = (
            target["value_online_vnd"].as_i64().expect("online"),
            target["value_in_scope_vnd"].as_i64().expect("in scope"),
        );
        // Hà Đông's value share is 10.65 / 35.85 bn = 29.7071…%: truncated, 29.70%.
        assert_eq!(target["value_share_percent"], "29.70");
        let exact = value_online as f64 / value_in_scope as f64;
        assert!(
            (exact - 0.2970).abs() > 1e-6,
            "the example must not be exact"
        );

        let report = format!("/api/v1/reports/compliance?unit_id={ha_dong}&year=2019&depth=0");
        let bytes = c.get_bytes(&format!("{report}&format=xlsx")).await;
        let s = sheet_named(&bytes, "Theo đơn vị");
        let row = 7 + 1; // title, five scope lines, a blank line, the header
        assert_eq!(text(&s, row, 0), "HN-HADONG");
        assert_eq!(number(&s, row, 18), exact, "the ratio itself, not 0.2970");
        assert_eq!(number_format(&bytes, row, 18), "0.00%");
        assert_eq!(number(&s, row, 12), 0.5);

        // CSV and JSON keep the machine form, truncated.
        let csv = c.get(&format!("{report}&format=csv")).await.text;
        assert!(
            csv.lines().nth(1).expect("row").contains(",29.70,"),
            "{csv}"
        );
        let j = c.get(&report).await.json();
        assert_eq!(
            j["parts"][0]["rows"][0]["cells"]["target1_value_share_percent"],
            "29.70"
        );

        // Print: decimal comma, dot thousands.
        let html = c.get(&format!("{report}&format=html")).await.text;
        let page = scraper::Html::parse_document(&html);
        let sel = scraper::Selector::parse("tbody tr:first-child td").expect("selector");
        let cells: Vec<String> = page
            .select(&sel)
            .map(|e| e.text().collect::<String>())
            .collect();
        assert_eq!(cells[12], "50,00%");
        assert_eq!(cells[16], dots(value_in_scope));
        assert_eq!(cells[16], "35.850.000.000");
        assert_eq!(cells[17], "10.650.000.000");
        assert_eq!(cells[18], "29,70%");
        assert!(!html.contains("29.70%"));
    }
);

// Exports read packages through `db::package_rows`, by column position, not sea-orm's derived
// reader: both must give the same models, on both engines, for packages with every optional
// column filled and empty.
db_test!(
    positional_reader_equals_the_derived_one,
    |db: TestDb| async move {
        use entity::package;
        use sea_orm::{EntityTrait, QueryOrder};
        let conn = &db.conn;
        demo::load(conn).await.expect("demo");
        // One package with every optional column empty (the demo's are all in a plan).
        sea_orm::ConnectionTrait::execute_unprepared(
            conn,
            "UPDATE packages SET plan_id = NULL, plan_code = NULL, code = NULL, \
             notice_version = NULL, planned_start_month = NULL, planned_start_quarter = NULL, \
             procedure = NULL, funding_source = NULL, contract_type = NULL, \
             online_exempt_reason = NULL, result_date = NULL, winning_price_vnd = NULL, \
             contractor_name = NULL, procuring_entity = NULL, notice_date = NULL, \
             bid_closing_at = NULL, bidder_count = NULL, award_decision_no = NULL, \
             contractor_tax_code = NULL, contract_duration_days = NULL, \
             cancellation_decision_no = NULL, cancellation_reason = NULL, notes = NULL \
             WHERE id = (SELECT MIN(id) FROM packages)",
        )
        .await
        .expect("an empty package");
        sea_orm::ConnectionTrait::execute_unprepared(
            conn,
            "UPDATE packages SET planned_start_month = NULL, planned_start_quarter = 2, \
             online = FALSE, online_exempt_reason = 'secrecy', notes = 'Ghi chú' \
             WHERE id = (SELECT MAX(id) FROM packages)",
        )
        .await
        .expect("a package planned by quarter");
        let derived = package::Entity::find()
            .order_by_asc(package::Column::Id)
            .all(conn)
            .await
            .expect("packages");
        let ids: Vec<i64> = derived.iter().map(|p| p.id).collect();
        let positional = bidtrack::db::packages::by_ids(conn, &ids)
            .await
            .expect("packages by position");
        assert_eq!(positional, derived);
        // The comparison means something only if each optional column is seen both ways.
        type Probe = fn(&package::Model) -> bool;
        let optional: [(&str, Probe); 23] = [
            ("plan_id", |p| p.plan_id.is_some()),
            ("code", |p| p.code.is_some()),
            ("notice_version", |p| p.notice_version.is_some()),
            ("plan_code", |p| p.plan_code.is_some()),
            ("planned_start_month", |p| p.planned_start_month.is_some()),
            ("planned_start_quarter", |p| {
                p.planned_start_quarter.is_some()
            }),
            ("procedure", |p| p.procedure.is_some()),
            ("funding_source", |p| p.funding_source.is_some()),
            ("contract_type", |p| p.contract_type.is_some()),
            ("online_exempt_reason", |p| p.online_exempt_reason.is_some()),
            ("result_date", |p| p.result_date.is_some()),
            ("winning_price_vnd", |p| p.winning_price_vnd.is_some()),
            ("contractor_name", |p| p.contractor_name.is_some()),
            ("procuring_entity", |p| p.procuring_entity.is_some()),
            ("notice_date", |p| p.notice_date.is_some()),
            ("bid_closing_at", |p| p.bid_closing_at.is_some()),
            ("bidder_count", |p| p.bidder_count.is_some()),
            ("award_decision_no", |p| p.award_decision_no.is_some()),
            ("contractor_tax_code", |p| p.contractor_tax_code.is_some()),
            ("contract_duration_days", |p| {
                p.contract_duration_days.is_some()
            }),
            ("cancellation_decision_no", |p| {
                p.cancellation_decision_no.is_some()
            }),
            ("cancellation_reason", |p| p.cancellation_reason.is_some()),
            ("notes", |p| p.notes.is_some()),
        ];
        for (column, filled) in optional {
            let n = derived.iter().filter(|p| filled(p)).count();
            assert!(
                n > 0 && n < derived.len(),
                "{column}: filled in {n} of {} demo packages",
                derived.len()
            );
        }
    }
);
