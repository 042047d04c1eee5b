//! Importing packages from CSV and XLSX: every accepted value form, all or nothing, idempotent
//! re-import, the bad-file paths, the officer's subtree, the command line and the upload page.

use crate::client::Client;
use crate::db_test;
use crate::support::*;
use entity::{Field, Method, Role, UnitKind};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::Value;

const URI: &str = "/api/v1/imports/packages";

async fn units(db: &TestDb) -> (i64, i64) {
    let p = add_unit(&db.conn, "HN", UnitKind::Province, None).await;
    let d = add_unit(&db.conn, "HN-HD", UnitKind::District, Some(p.id)).await;
    let other = add_unit(&db.conn, "HN-HK", UnitKind::District, Some(p.id)).await;
    (d.id, other.id)
}

async fn count(db: &TestDb) -> u64 {
    entity::package::Entity::find()
        .count(&db.conn)
        .await
        .expect("count")
}

/// Vietnamese headers, the national codes, labels and wire names mixed as officers mix them.
const CSV: &str = "\u{feff}Mã đơn vị,Tên gói thầu,Số TBMT,Năm kế hoạch,Lĩnh vực,Hình thức lựa chọn nhà thầu,Giá gói thầu,Qua mạng,Trạng thái,Ngày phê duyệt kết quả,Giá trúng thầu,Ghi chú nội bộ
HN-HD,Mua máy tính,IB1900000001,2019,HH,CHCT,\"1.200.000.000\",Có,,,,a
HN-HD,Sửa trụ sở,IB1900000002,2019,Xây lắp,Chào hàng cạnh tranh,\"3,500,000,000\",x,Trong kế hoạch,,,b
HN-HD,Thuê xe,,2019,non_consulting,competitive_offers,800000000,0,planned,,,
HN-HD,Tư vấn thiết kế,IB1900000004,2019,TV,CDT,450.000.000 đ,Không,Đã có kết quả lựa chọn nhà thầu,15/03/2019,440.000.000,
HN-HK,Mua bàn ghế,IB1900000005,2019,Hàng hóa,DTRR,2.000.000.000,true,awarded,2019-06-30,1.900.000.000,
";

db_test!(
    csv_every_value_form_and_idempotent_reimport,
    |db: TestDb| async move {
        let (hd, hk) = units(&db).await;
        let c = Client::new(&db);
        let r = c.post_bytes(URI, "text/csv", CSV.as_bytes().to_vec()).await;
        assert_eq!(r.status, 200, "{}", r.text);
        let report = r.json();
        assert_eq!(
            (
                report["rows"].as_u64(),
                report["created"].as_u64(),
                report["updated"].as_u64(),
                report["unchanged"].as_u64()
            ),
            (Some(5), Some(5), Some(0), Some(0))
        );
        assert_eq!(
            report["ignored_columns"],
            serde_json::json!(["Ghi chú nội bộ"])
        );
        let list = c.get("/api/v1/packages?sort=name&per_page=10").await.json();
        let by_name = |name: &str| -> Value {
            list["items"]
                .as_array()
                .expect("items")
                .iter()
                .find(|p| p["name"] == name)
                .cloned()
                .unwrap_or_else(|| panic!("{name}"))
        };
        let p = by_name("Mua máy tính");
        assert_eq!(
            (
                p["unit_id"].as_i64(),
                p["field"].as_str(),
                p["method"].as_str()
            ),
            (Some(hd), Some("goods"), Some("competitive_offers"))
        );
        assert_eq!(
            (
                p["package_price_vnd"].as_i64(),
                p["online"].as_bool(),
                p["status"].as_str()
            ),
            (Some(1_200_000_000), Some(true), Some("planned"))
        );
        let p = by_name("Sửa trụ sở");
        assert_eq!(
            (
                p["field"].as_str(),
                p["package_price_vnd"].as_i64(),
                p["online"].as_bool()
            ),
            (Some("works"), Some(3_500_000_000), Some(true))
        );
        let p = by_name("Thuê xe");
        assert_eq!(
            (
                p["field"].as_str(),
                p["online"].as_bool(),
                p["code"].as_str()
            ),
            (Some("non_consulting"), Some(false), None)
        );
        let p = by_name("Tư vấn thiết kế");
        assert_eq!(
            (
                p["method"].as_str(),
                p["status"].as_str(),
                p["result_date"].as_str(),
                p["winning_price_vnd"].as_i64()
            ),
            (
                Some("direct_appointment"),
                Some("awarded"),
                Some("2019-03-15"),
                Some(440_000_000)
            )
        );
        let p = by_name("Mua bàn ghế");
        assert_eq!(
            (
                p["unit_id"].as_i64(),
                p["method"].as_str(),
                p["result_date"].as_str()
            ),
            (Some(hk), Some("open_bidding"), Some("2019-06-30"))
        );
        // every created package has its audit row
        let trail = c.get("/api/v1/audit?entity=package").await.json();
        assert_eq!(trail["total"], 5);

        // The same file again changes nothing; one changed price updates one package.
        let again = c
            .post_bytes(URI, "text/csv", CSV.as_bytes().to_vec())
            .await
            .json();
        assert_eq!(
            (again["created"].as_u64(), again["unchanged"].as_u64()),
            (Some(0), Some(5))
        );
        assert_eq!(count(&db).await, 5);
        let changed = CSV
            .replace("\"1.200.000.000\"", "\"1.250.000.000\"")
            .replace(
                "Thuê xe,,2019,non_consulting,competitive_offers,800000000,0",
                "Thuê xe,,2019,non_consulting,competitive_offers,800000000,1",
            );
        let r = c
            .post_bytes(URI, "text/csv", changed.clone().into_bytes())
            .await
            .json();
        assert_eq!(
            (
                r["created"].as_u64(),
                r["updated"].as_u64(),
                r["unchanged"].as_u64()
            ),
            (Some(0), Some(2), Some(3)),
            "{r}"
        );
        assert_eq!(count(&db).await, 5);
        let id = by_name("Mua máy tính")["id"].as_i64().expect("id");
        let history = c
            .get(&format!("/api/v1/packages/{id}/history"))
            .await
            .json();
        assert_eq!(
            history[1]["changes"]["package_price_vnd"],
            serde_json::json!({"old": 1_200_000_000i64, "new": 1_250_000_000i64})
        );
        assert_eq!(
            c.get(&format!("/api/v1/packages/{id}")).await.json()["version"],
            2
        );
        // The plan came first without a notice code; the code arriving later updates it.
        let noticed = changed.replace("Thuê xe,,", "Thuê xe,IB1900000003,");
        let r = c
            .post_bytes(URI, "text/csv", noticed.into_bytes())
            .await
            .json();
        assert_eq!(
            (r["created"].as_u64(), r["updated"].as_u64()),
            (Some(0), Some(1)),
            "{r}"
        );
        assert_eq!(count(&db).await, 5);
        let p = c.get("/api/v1/packages?q=IB1900000003").await.json();
        assert_eq!(p["items"][0]["name"], "Thuê xe");
    }
);

db_test!(one_bad_row_writes_nothing, |db: TestDb| async move {
    units(&db).await;
    let c = Client::new(&db);
    // The last row is wrong; the fourth repeats the first's notice code.
    let bad = format!(
        "{}HN-HD,Gói trùng số,IB1900000001,2019,HH,CHCT,100.000.000,Có,,,,\nHN-XX,Gói sai,,20x9,Đất đai,Đấu giá,1.2,có lẽ,,31/02/2019,,\n",
        CSV.lines()
            .take(4)
            .map(|l| format!("{l}\n"))
            .collect::<String>()
    );
    let r = c
        .post_bytes(URI, "text/csv", bad.clone().into_bytes())
        .await;
    let problem = r.problem(422, "import_rejected");
    assert_eq!(count(&db).await, 0, "nothing written");
    assert_eq!(problem["report"]["created"], 0);
    let errors = problem["report"]["errors"].as_array().expect("errors");
    let at = |row: u64| {
        errors
            .iter()
            .filter(|e| e["row"] == row)
            .map(|e| {
                (
                    e["column"].as_str().unwrap_or_default().to_owned(),
                    e["value"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(
        at(5),
        [("Số TBMT".to_owned(), "IB1900000001".to_owned())],
        "{errors:?}"
    );
    assert!(
        errors
            .iter()
            .any(|e| e["row"] == 5 && e["message"] == "Trùng với dòng 2 của tệp")
    );
    let row6: Vec<String> = at(6).into_iter().map(|(c, _)| c).collect();
    for column in [
        "Mã đơn vị",
        "Năm kế hoạch",
        "Lĩnh vực",
        "Hình thức lựa chọn nhà thầu",
        "Giá gói thầu",
        "Qua mạng",
        "Ngày phê duyệt kết quả",
    ] {
        assert!(row6.contains(&column.to_owned()), "{column} in {row6:?}");
    }
    // The same list as CSV.
    let r = c
        .post_bytes(&format!("{URI}?errors=csv"), "text/csv", bad.into_bytes())
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.header("content-type"), Some("text/csv; charset=utf-8"));
    assert!(
        r.text
            .trim_start_matches('\u{feff}')
            .starts_with("Dòng,Cột,Giá trị,Lỗi\n5,Số TBMT,IB1900000001,Trùng với dòng 2 của tệp"),
        "{}",
        r.text
    );

    // A dry run of a good file says what would happen and writes nothing.
    let r = c
        .post_bytes(
            &format!("{URI}?dry_run=true"),
            "text/csv",
            CSV.as_bytes().to_vec(),
        )
        .await
        .json();
    assert_eq!(
        (r["dry_run"].as_bool(), r["created"].as_u64()),
        (Some(true), Some(5))
    );
    assert_eq!(count(&db).await, 0);
    // A domain rule: consulting cannot use competitive offers.
    let rule = "Mã đơn vị,Tên gói thầu,Năm kế hoạch,Lĩnh vực,Hình thức lựa chọn nhà thầu,Giá gói thầu,Qua mạng\nHN-HD,Tư vấn,2019,TV,CHCT,100000000,Có\n";
    let problem = c
        .post_bytes(URI, "text/csv", rule.as_bytes().to_vec())
        .await
        .problem(422, "import_rejected");
    assert_eq!(
        problem["report"]["errors"][0]["column"],
        "Hình thức lựa chọn nhà thầu"
    );
    assert_eq!(
        problem["report"]["errors"][0]["message"],
        "Gói thầu tư vấn không được áp dụng hình thức chào hàng cạnh tranh"
    );
});

db_test!(bad_files_get_clear_errors, |db: TestDb| async move {
    units(&db).await;
    let c = Client::new(&db);
    let post = |body: &[u8]| c.post_bytes(URI, "text/csv", body.to_vec());
    // "Tên gói thầu,Giá" saved by Excel in Windows-1258
    let p = post(b"T\xEAn g\xF3i th\xE2\xF2u,Gi\xE1\nA,1\n")
        .await
        .problem(422, "not_utf8");
    assert!(
        p["detail"]
            .as_str()
            .is_some_and(|d| d.contains("windows-125") && d.contains("CSV UTF-8")),
        "{p}"
    );
    let p = post(b"Ten goi thau|Gia\nA|1\n")
        .await
        .problem(422, "unknown_delimiter");
    assert!(
        p["detail"].as_str().is_some_and(|d| d.contains("dấu phẩy")),
        "{p}"
    );
    post(b"").await.problem(422, "empty_file");
    post(b"\n\n").await.problem(422, "empty_file");
    let p = post("Tên gói thầu,Ghi chú\nA,2019\n".as_bytes())
        .await
        .problem(422, "missing_columns");
    assert_eq!(
        p["detail"],
        "Thiếu cột bắt buộc: Mã đơn vị (unit_code; hoặc cột Chủ đầu tư ghi tên đơn vị), Năm kế hoạch (plan_year; hoặc chọn năm khi tải lên, hoặc cột Ngày đăng tải), Lĩnh vực (field), Hình thức lựa chọn nhà thầu (method), Giá gói thầu (package_price_vnd), Qua mạng (online)"
    );
    c.post_bytes(
        URI,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        b"PK\x03\x04not a workbook".to_vec(),
    )
    .await
    .problem(422, "unreadable_file");
    // Over the configured limit: 413, as problem+json.
    let small = Client::with_import_limit(&db, 1024);
    small
        .post_bytes(URI, "text/csv", CSV.repeat(10).into_bytes())
        .await
        .problem(413, "payload_too_large");
    assert_eq!(count(&db).await, 0);
    // A viewer may not import at all.
    Client::as_role(&db, Role::Viewer, None)
        .post_bytes(URI, "text/csv", CSV.as_bytes().to_vec())
        .await
        .problem(403, "forbidden");
});

db_test!(
    xlsx_cells_officers_subtree_and_template,
    |db: TestDb| async move {
        let (hd, _) = units(&db).await;
        // A workbook as Excel writes it: numbers as numbers, dates as dates.
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        let date = rust_xlsxwriter::Format::new().set_num_format("dd/mm/yyyy");
        for (col, h) in [
            "unit_code",
            "name",
            "plan_year",
            "field",
            "method",
            "package_price_vnd",
            "online",
            "status",
            "result_date",
            "winning_price_vnd",
        ]
        .iter()
        .enumerate()
        {
            sheet.write_string(0, col as u16, *h).expect("header");
        }
        sheet.write_string(1, 0, "HN-HD").expect("cell");
        sheet.write_string(1, 1, "Mua máy chiếu").expect("cell");
        sheet.write_number(1, 2, 2019).expect("cell");
        sheet.write_string(1, 3, "HH").expect("cell");
        sheet.write_string(1, 4, "CHCT").expect("cell");
        sheet.write_number(1, 5, 750_000_000).expect("cell");
        sheet.write_boolean(1, 6, true).expect("cell");
        sheet.write_string(1, 7, "awarded").expect("cell");
        sheet
            .write_datetime_with_format(
                1,
                8,
                rust_xlsxwriter::ExcelDateTime::from_ymd(2019, 5, 20).expect("date"),
                &date,
            )
            .expect("cell");
        sheet.write_number(1, 9, 700_000_000).expect("cell");
        sheet.write_string(2, 0, "HN-HK").expect("cell");
        sheet.write_string(2, 1, "Gói của quận khác").expect("cell");
        sheet.write_number(2, 2, 2019).expect("cell");
        sheet.write_string(2, 3, "HH").expect("cell");
        sheet.write_string(2, 4, "CHCT").expect("cell");
        sheet.write_number(2, 5, 100_000_000).expect("cell");
        sheet.write_string(2, 6, "Không").expect("cell");
        let bytes = book.save_to_buffer().expect("xlsx");

        // An officer of Hà Đông may not import the other district's row: nothing is written.
        let officer = Client::as_role(&db, Role::Officer, Some(hd));
        let problem = officer
            .post_bytes(URI, "application/octet-stream", bytes.clone())
            .await
            .problem(422, "import_rejected");
        assert_eq!(problem["report"]["errors"][0]["row"], 3);
        assert_eq!(problem["report"]["errors"][0]["column"], "unit_code");
        assert_eq!(count(&db).await, 0);
        let admin = Client::new(&db);
        let r = admin
            .post_bytes(URI, "application/octet-stream", bytes)
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        let p = admin.get("/api/v1/packages?q=may+chieu").await.json()["items"][0].clone();
        assert_eq!(
            (
                p["package_price_vnd"].as_i64(),
                p["online"].as_bool(),
                p["result_date"].as_str(),
                p["winning_price_vnd"].as_i64()
            ),
            (
                Some(750_000_000),
                Some(true),
                Some("2019-05-20"),
                Some(700_000_000)
            )
        );

        // The template reads back as an import of its example row (in dry run).
        let template = admin
            .get_bytes("/api/v1/imports/packages/template?format=xlsx")
            .await;
        let sheet = bidtrack::services::imports::read_file(&template, &Default::default())
            .expect("template");
        assert_eq!(sheet.headers[0], "Mã đơn vị");
        let csv = admin.get("/api/v1/imports/packages/template").await;
        assert!(csv.text.contains("Tên gói thầu"));
    }
);

db_test!(upload_page_and_command_line, |db: TestDb| async move {
    units(&db).await;
    let c = Client::new(&db);
    let page = c.get("/import").await;
    assert_eq!(page.status, 200);
    // The token the upload form carries, as the browser sends it back.
    let token = scraper::Html::parse_document(&page.text)
        .select(&scraper::Selector::parse("main form input[name=csrf]").expect("selector"))
        .next()
        .and_then(|i| i.value().attr("value"))
        .expect("the form's token")
        .to_owned();
    let multipart = |csrf: &str, dry_run: bool, file: &str| {
        let mut body = String::new();
        for (name, value) in [("csrf", csrf), ("unit", "")] {
            body.push_str(&format!(
                "--X\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            ));
        }
        if dry_run {
            body.push_str("--X\r\nContent-Disposition: form-data; name=\"dry_run\"\r\n\r\non\r\n");
        }
        body.push_str(&format!("--X\r\nContent-Disposition: form-data; name=\"file\"; filename=\"goi-thau.csv\"\r\nContent-Type: text/csv\r\n\r\n{file}\r\n--X--\r\n"));
        body.into_bytes()
    };
    let r = c
        .post_bytes(
            "/import",
            "multipart/form-data; boundary=X",
            multipart(&token, true, CSV),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(
        r.text.contains("Kiểm tra xong: có thể nhập") && r.text.contains("5 dòng: 5 thêm mới"),
        "{}",
        r.text
    );
    assert_eq!(count(&db).await, 0);
    // A file before any token (not how the page sends it) is refused before it is read.
    let file_first = format!(
        "--X\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\nContent-Type: text/csv\r\n\r\n{CSV}\r\n--X\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{token}\r\n--X--\r\n"
    );
    let r = c
        .post_bytes(
            "/import",
            "multipart/form-data; boundary=X",
            file_first.into_bytes(),
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.text);
    assert_eq!(count(&db).await, 0);
    let broken = CSV.replace("HH,CHCT", "HH,Đấu giá");
    let r = c
        .post_bytes(
            "/import",
            "multipart/form-data; boundary=X",
            multipart(&token, false, &broken),
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(
        r.text.contains("Chưa nhập: có 1 lỗi") && r.text.contains("Đấu giá"),
        "{}",
        r.text
    );
    // The errors download from where the upload kept them, by the link the page shows, and
    // only for the officer who uploaded.
    let shown = scraper::Html::parse_document(&r.text);
    let link = scraper::Selector::parse("a[download]").expect("selector");
    let href = shown
        .select(&link)
        .next()
        .and_then(|a| a.value().attr("href"))
        .expect("a download link")
        .to_owned();
    let csv = c.get(&href).await;
    assert_eq!(csv.status, 200, "{}", csv.text);
    assert_eq!(csv.header("content-type"), Some("text/csv; charset=utf-8"));
    assert!(
        csv.text.contains("Đấu giá") && csv.text.lines().count() == 2,
        "{}",
        csv.text
    );
    assert_eq!(
        Client::new(&db).get(&href).await.status,
        404,
        "another user's"
    );
    let viewer = Client::as_role(&db, Role::Viewer, None);
    assert_eq!(viewer.get(&href).await.status, 403);
    assert_eq!(c.get("/import/x/errors.csv").await.status, 404);
    // A file wrong in every row keeps its first errors, each value cut short, and says how
    // many more there were.
    let long = "x".repeat(1000);
    let mut many = String::from(
        "Mã đơn vị,Tên gói thầu,Năm kế hoạch,Lĩnh vực,Hình thức lựa chọn nhà thầu,Giá gói thầu,Qua mạng\n",
    );
    for i in 0..10_050 {
        many.push_str(&format!("HN-HD,Gói {i},2019,HH,{long},1.000.000,Có\n"));
    }
    let r = c
        .post_bytes(
            "/import",
            "multipart/form-data; boundary=X",
            multipart(&token, true, &many),
        )
        .await;
    assert_eq!(r.status, 422);
    let shown = scraper::Html::parse_document(&r.text);
    let href = shown
        .select(&link)
        .next()
        .and_then(|a| a.value().attr("href"))
        .expect("a download link")
        .to_owned();
    let csv = c.get(&href).await;
    let lines: Vec<&str> = csv.text.lines().collect();
    assert_eq!(
        lines.len(),
        1 + 10_000 + 1,
        "header, the kept errors, the rest counted"
    );
    assert!(
        lines[1].contains(&format!("{}…", "x".repeat(200))) && !lines[1].contains(&"x".repeat(201))
    );
    assert!(
        lines[10_001].contains("Còn 50 lỗi nữa"),
        "{}",
        lines[10_001]
    );
    let r = c
        .post_bytes(
            "/import",
            "multipart/form-data; boundary=X",
            multipart("forged", false, CSV),
        )
        .await;
    assert_eq!(r.status, 403);
    let r = c
        .post_bytes(
            "/import",
            "multipart/form-data; boundary=X",
            multipart(&token, false, CSV),
        )
        .await;
    assert!(
        r.text.contains("Đã nhập") && r.text.contains("5 thêm mới"),
        "{}",
        r.text
    );
    assert_eq!(count(&db).await, 5);

    // The command line: a dry run, then the real thing, with a summary line.
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("goi-thau.csv");
    std::fs::write(
        &file,
        CSV.replace("IB19000000", "IB19000001")
            .replace("Mua", "Mua thêm"),
    )
    .expect("file");
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_bidtrack"))
            .args(args)
            .env("DATABASE_URL", &db.url)
            .env_remove("RUST_LOG")
            .output()
            .expect("run")
    };
    let path = file.to_str().expect("path");
    let dry = run(&["import", path, "--dry-run"]);
    assert!(
        dry.status.success(),
        "{}",
        String::from_utf8_lossy(&dry.stderr)
    );
    assert!(
        String::from_utf8_lossy(&dry.stdout)
            .starts_with("dry run, nothing written: 5 rows: 4 created, 0 updated, 1 unchanged"),
        "{}",
        String::from_utf8_lossy(&dry.stdout)
    );
    let real = run(&["import", path]);
    assert!(
        String::from_utf8_lossy(&real.stdout)
            .starts_with("5 rows: 4 created, 0 updated, 1 unchanged, 0 errors"),
        "{}",
        String::from_utf8_lossy(&real.stdout)
    );
    // "Thuê xe" has no notice or plan code: the same unit, year and name is the same package.
    assert_eq!(count(&db).await, 9);
    std::fs::write(&file, "Mã đơn vị,Tên gói thầu,Năm kế hoạch,Lĩnh vực,Hình thức lựa chọn nhà thầu,Giá gói thầu,Qua mạng\nHN-HD,X,2019,HH,CHCT,1.2,Có\n").expect("file");
    let bad = run(&["import", path]);
    assert!(!bad.status.success());
    assert_eq!(
        String::from_utf8_lossy(&bad.stderr).trim(),
        "error: 1 errors in 1 rows: nothing was imported"
    );
    assert!(String::from_utf8_lossy(&bad.stdout).starts_with("dòng 2\tGiá gói thầu\t«1.2»"));
});

db_test!(
    imported_packages_take_fresh_ids_and_full_audit_rows,
    |db: TestDb| async move {
        let (hd, _) = units(&db).await;
        let c = Client::new(&db);
        // The highest id ever given is deleted first: AUTOINCREMENT (and a sequence) never
        // hands it out again, and an import reserving its own ids must not either.
        let first = create(
            &db.conn,
            new_package(hd, "Gói A", Method::OpenBidding, Field::Goods, BN, true),
        )
        .await;
        let last = create(
            &db.conn,
            new_package(hd, "Gói B", Method::OpenBidding, Field::Goods, BN, true),
        )
        .await;
        let r = c
            .delete(&format!("/api/v1/packages/{}", last.id), Some("\"1\""))
            .await;
        assert_eq!(r.status, 204, "{}", r.text);
        let file = "Mã đơn vị,Tên gói thầu,Năm kế hoạch,Lĩnh vực,Hình thức lựa chọn nhà thầu,Giá gói thầu,Qua mạng\n\
                    HN-HD,Gói C,2019,HH,DTRR,2.000.000.000,Có\n\
                    HN-HD,Gói D,2019,XL,CHCT,900.000.000,Không\n";
        let r = c
            .post_bytes(URI, "text/csv", file.as_bytes().to_vec())
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        let list = c.get("/api/v1/packages?sort=id").await.json();
        let ids: Vec<i64> = list["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter_map(|p| p["id"].as_i64())
            .collect();
        assert_eq!(ids.len(), 3, "{list}");
        assert_eq!(ids[0], first.id);
        assert!(
            ids[1] > last.id && ids[2] > ids[1],
            "{ids:?} after {}",
            last.id
        );
        // Each new package is whole through the API and has its creation in the trail.
        let d = c.get(&format!("/api/v1/packages/{}", ids[2])).await.json();
        assert_eq!(
            (
                d["name"].as_str(),
                d["method"].as_str(),
                d["version"].as_i64()
            ),
            (Some("Gói D"), Some("competitive_offers"), Some(1))
        );
        let history = c
            .get(&format!("/api/v1/packages/{}/history", ids[2]))
            .await
            .json();
        assert_eq!(history[0]["action"], "create", "{history}");
        assert_eq!(
            history[0]["changes"]["package_price_vnd"],
            serde_json::json!({"old": null, "new": 900_000_000i64})
        );
        assert_eq!(c.get("/api/v1/packages?q=goi%20d").await.json()["total"], 1);
    }
);

db_test!(
    an_import_never_overwrites_a_package_edited_since_it_was_read,
    |db: TestDb| async move {
        let (hd, _) = units(&db).await;
        let stored = create(
            &db.conn,
            new_package(hd, "Gói A", Method::OpenBidding, Field::Goods, BN, true),
        )
        .await;
        let mut changed = stored.clone();
        changed.name = "Gói A (sửa)".to_owned();
        changed.version = 2;
        // Read at version 0 (never was): the statement must match nothing and say so.
        let wrote = bidtrack::db::packages::overwrite(&db.conn, changed.clone(), 0)
            .await
            .expect("overwrite");
        assert!(!wrote);
        let now = entity::package::Entity::find_by_id(stored.id)
            .one(&db.conn)
            .await
            .expect("read")
            .expect("package");
        assert_eq!((now.name.as_str(), now.version), ("Gói A", 1));
        assert!(
            bidtrack::db::packages::overwrite(&db.conn, changed, 1)
                .await
                .expect("overwrite")
        );
        let now = entity::package::Entity::find_by_id(stored.id)
            .one(&db.conn)
            .await
            .expect("read")
            .expect("package");
        assert_eq!((now.name.as_str(), now.version), ("Gói A (sửa)", 2));
    }
);

/// The rows of the import's errors.
fn error_rows(problem: &Value) -> Vec<u64> {
    problem["report"]["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["row"].as_u64())
        .collect()
}

db_test!(
    error_rows_are_the_rows_a_spreadsheet_shows,
    |db: TestDb| async move {
        units(&db).await;
        let c = Client::new(&db);
        // Data row 4 (spreadsheet row 5, under the header) has a bad price; the notes of rows
        // 1 and 3 hold line breaks, as Excel saves a cell typed with Alt+Enter.
        let rows = [
            [
                "Mã đơn vị",
                "Tên gói thầu",
                "Năm kế hoạch",
                "Lĩnh vực",
                "Hình thức lựa chọn nhà thầu",
                "Giá gói thầu",
                "Qua mạng",
                "Ghi chú",
            ],
            [
                "HN-HD",
                "Gói 1",
                "2019",
                "HH",
                "CHCT",
                "100.000.000",
                "Có",
                "dòng 1{br}dòng 2{br}dòng 3",
            ],
            [
                "HN-HD",
                "Gói 2",
                "2019",
                "HH",
                "CHCT",
                "100.000.000",
                "Có",
                "",
            ],
            [
                "HN-HD",
                "Gói 3",
                "2019",
                "HH",
                "CHCT",
                "100.000.000",
                "Có",
                "a{br}b",
            ],
            ["HN-HD", "Gói 4", "2019", "HH", "CHCT", "một trăm", "Có", ""],
        ];
        for (end, br) in [
            ("\n", "\n"),
            ("\r\n", "\n"),
            ("\r\n", "\r\n"),
            ("\r", "\n"),
            ("\r", "\r"),
        ] {
            let csv: String = rows
                .iter()
                .map(|r| {
                    r.iter()
                        .map(|cell| {
                            let cell = cell.replace("{br}", br);
                            if cell.contains(['\r', '\n']) {
                                format!("\"{cell}\"")
                            } else {
                                cell
                            }
                        })
                        .collect::<Vec<_>>()
                        .join(",")
                        + end
                })
                .collect();
            let r = c.post_bytes(URI, "text/csv", csv.into_bytes()).await;
            let problem = r.problem(422, "import_rejected");
            assert_eq!(
                error_rows(&problem),
                [5],
                "lines end {end:?}, cells break {br:?}"
            );
            assert_eq!(problem["report"]["errors"][0]["column"], "Giá gói thầu");
        }
        // The same sheet as a workbook: the same row.
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        for (r, row) in rows.iter().enumerate() {
            for (col, cell) in row.iter().enumerate() {
                sheet
                    .write_string(r as u32, col as u16, cell.replace("{br}", "\n"))
                    .expect("cell");
            }
        }
        let bytes = book.save_to_buffer().expect("xlsx");
        let r = c
            .post_bytes(
                URI,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                bytes,
            )
            .await;
        assert_eq!(error_rows(&r.problem(422, "import_rejected")), [5]);
        assert_eq!(count(&db).await, 0);
    }
);
