//! Importing spreadsheets in the national e-procurement system's shape (issue 20): a title row
//! above the header, an STT column, the system's own column names and values, notice codes
//! with versions, investors by name, amounts with "VND", a total row at the end; the plan year
//! from the upload or the posting date; unit names that are unknown or ambiguous; the mapping
//! preview of the API, the upload page and the command line.

use crate::client::Client;
use crate::db_test;
use crate::support::*;
use crate::web_forms::posted;
use entity::{Role, UnitKind};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
use serde_json::{Value, json};

const URI: &str = "/api/v1/imports/packages";
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

async fn unit(db: &TestDb, code: &str, name: &str, kind: UnitKind, parent: Option<i64>) -> i64 {
    bidtrack::services::units::create(
        &db.conn,
        &bidtrack::services::accounts::Actor::system(),
        bidtrack::services::units::NewUnit {
            code: code.to_owned(),
            name: name.to_owned(),
            kind,
            parent_id: parent,
            valid_from: None,
            valid_to: None,
        },
    )
    .await
    .expect("unit")
    .id
}

/// Hà Nội, two districts, and a ward of the same name in each (as there are).
struct Units {
    hd: i64,
    hk: i64,
    hd_qt: i64,
}

async fn units(db: &TestDb) -> Units {
    let hn = unit(db, "HN", "Thành phố Hà Nội", UnitKind::Province, None).await;
    let hd = unit(db, "HN-HD", "Quận Hà Đông", UnitKind::District, Some(hn)).await;
    let hk = unit(db, "HN-HK", "Quận Hoàn Kiếm", UnitKind::District, Some(hn)).await;
    let hd_qt = unit(
        db,
        "HN-HD-QT",
        "Phường Quang Trung",
        UnitKind::Commune,
        Some(hd),
    )
    .await;
    unit(
        db,
        "HN-HK-QT",
        "Phường Quang Trung",
        UnitKind::Commune,
        Some(hk),
    )
    .await;
    Units { hd, hk, hd_qt }
}

/// The national system's list headers, as it exports them, and one column it has that
/// bidtrack does not read.
const HEADERS: [&str; 19] = [
    "STT",
    "Số TBMT",
    "Tên gói thầu",
    "Chủ đầu tư",
    "Bên mời thầu",
    "Lĩnh vực",
    "Hình thức lựa chọn nhà thầu",
    "Phương thức lựa chọn nhà thầu",
    "Hình thức dự thầu",
    "Giá gói thầu (VND)",
    "Ngày đăng tải",
    "Thời điểm đóng thầu",
    "Trạng thái",
    "Giá trúng thầu (VND)",
    "Tên nhà thầu trúng thầu",
    "Mã số thuế nhà thầu",
    "Số quyết định phê duyệt KQLCNT",
    "Ngày phê duyệt KQLCNT",
    "Người theo dõi",
];

/// What each header is read as.
const FIELDS: [Option<&str>; 19] = [
    Some("row_number"),
    Some("code"),
    Some("name"),
    Some("investor"),
    Some("procuring_entity"),
    Some("field"),
    Some("method"),
    Some("procedure"),
    Some("online"),
    Some("package_price_vnd"),
    Some("notice_date"),
    Some("bid_closing_at"),
    Some("status"),
    Some("winning_price_vnd"),
    Some("contractor_name"),
    Some("contractor_tax_code"),
    Some("award_decision_no"),
    Some("result_date"),
    None,
];

fn tax_code() -> String {
    bidtrack::domain::identifiers::tax_code_for(100_109_106)
}

/// A workbook as the national system exports a list: a merged title, a blank row, the header
/// in row 3, an amended notice (-00 then -01), dates as text and as date cells, amounts as text
/// with "VND" or "đồng" and as numbers, and a total row.
fn national_xlsx() -> Vec<u8> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let bold = Format::new().set_bold();
    sheet
        .merge_range(0, 0, 0, 18, "DANH SÁCH THÔNG BÁO MỜI THẦU", &bold)
        .expect("title");
    for (col, h) in HEADERS.iter().enumerate() {
        sheet
            .write_string_with_format(2, col as u16, *h, &bold)
            .expect("header");
    }
    let text = |sheet: &mut rust_xlsxwriter::Worksheet, row: u32, cells: &[(u16, &str)]| {
        for (col, v) in cells {
            sheet.write_string(row, *col, *v).expect("cell");
        }
    };
    // Row 4: the first version of a notice; row 5: its amendment, which wins.
    for (row, version, price, posted, closing) in [
        (
            3,
            "00",
            "1.200.000.000 VND",
            "15/03/2019 09:00",
            "25/03/2019 09:00",
        ),
        (
            4,
            "01",
            "1.150.000.000 VND",
            "18/03/2019 10:00",
            "28/03/2019 09:00",
        ),
    ] {
        sheet.write_number(row, 0, row - 2).expect("stt");
        text(
            sheet,
            row,
            &[
                (1, &format!("IB1900000101-{version}")),
                (2, "Mua máy tính"),
                (3, "Quận Hà Đông"),
                (4, "Ban QLDA quận Hà Đông"),
                (5, "Hàng hóa"),
                (6, "Chào hàng cạnh tranh trong nước"),
                (7, "Một giai đoạn một túi hồ sơ"),
                (8, "Qua mạng"),
                (9, price),
                (10, posted),
                (11, closing),
                (12, "Đã đăng tải"),
            ],
        );
    }
    // Row 6: an awarded international open bidding; the investor without diacritics, amounts
    // as numbers, dates as date cells.
    sheet.write_number(5, 0, 3).expect("stt");
    let tax = tax_code();
    text(
        sheet,
        5,
        &[
            (1, "IB1900000102-00"),
            (2, "Xây dựng trường tiểu học"),
            (3, "QUAN HA DONG"),
            (5, "Xây lắp"),
            (6, "Đấu thầu rộng rãi quốc tế"),
            (7, "Hai giai đoạn một túi hồ sơ"),
            (8, "Không qua mạng"),
            (12, "Có nhà thầu trúng thầu"),
            (14, "Công ty CP Xây dựng Số 1"),
            (15, &tax),
            (16, "123/QĐ-UBND"),
            (17, "30/06/2019"),
        ],
    );
    sheet.write_number(5, 9, 25_000_000_000.0).expect("price");
    sheet.write_number(5, 13, 24_500_000_000.0).expect("price");
    let day = Format::new().set_num_format("dd/mm/yyyy");
    let moment = Format::new().set_num_format("dd/mm/yyyy hh:mm");
    sheet
        .write_datetime_with_format(
            5,
            10,
            ExcelDateTime::from_ymd(2019, 4, 1).expect("date"),
            &day,
        )
        .expect("date");
    sheet
        .write_datetime_with_format(
            5,
            11,
            ExcelDateTime::from_ymd(2019, 4, 20)
                .and_then(|d| d.and_hms(9, 0, 0))
                .expect("date"),
            &moment,
        )
        .expect("date");
    // Row 7: a shortened direct appointment, no notice (so no posting date), in đồng.
    sheet.write_number(6, 0, 4).expect("stt");
    text(
        sheet,
        6,
        &[
            (2, "Tư vấn giám sát trường tiểu học"),
            (3, "Quận Hà Đông"),
            (5, "Tư vấn"),
            (6, "Chỉ định thầu rút gọn"),
            (8, "Không qua mạng"),
            (9, "450.000.000 đồng"),
            (18, "Chị Lan"),
        ],
    );
    // Row 8: the total.
    text(sheet, 7, &[(2, "Tổng cộng"), (9, "26.600.000.000 VND")]);
    book.save_to_buffer().expect("xlsx")
}

fn item(list: &Value, name: &str) -> Value {
    list["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|p| p["name"] == name)
        .cloned()
        .unwrap_or_else(|| panic!("no package {name} in {list}"))
}

fn messages(problem: &Value) -> Vec<(u64, String, String)> {
    problem["report"]["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| {
            (
                e["row"].as_u64().unwrap_or_default(),
                e["column"].as_str().unwrap_or_default().to_owned(),
                e["message"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

db_test!(
    a_national_system_list_imports_with_every_column_mapped,
    |db: TestDb| async move {
        let u = units(&db).await;
        let c = Client::new(&db);
        let file = national_xlsx();

        // Without a year, the row with no posting date has none: nothing is written.
        let problem = c
            .post_bytes(&format!("{URI}?dry_run=true"), XLSX, file.clone())
            .await
            .problem(422, "import_rejected");
        assert_eq!(
            messages(&problem),
            [(
                7,
                "Năm kế hoạch".to_owned(),
                "Thiếu năm kế hoạch: ghi cột Năm kế hoạch, chọn năm khi tải lên hoặc ghi ngày đăng tải"
                    .to_owned()
            )]
        );

        // With the year of the upload: the preview, nothing written yet.
        let r = c
            .post_bytes(&format!("{URI}?dry_run=true&year=2019"), XLSX, file.clone())
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        let report = r.json();
        assert_eq!(report["header_row"], 3);
        assert_eq!(report["year_source"], "upload");
        let mapping = report["mapping"].as_array().expect("mapping");
        assert_eq!(mapping.len(), HEADERS.len());
        for ((m, header), field) in mapping.iter().zip(HEADERS).zip(FIELDS) {
            assert_eq!(m["column"], header);
            assert_eq!(m["field"].as_str(), field, "{header}");
            assert_eq!(m["label"].is_string(), field.is_some(), "{header}");
        }
        assert_eq!(mapping[18]["position"], 19);
        assert_eq!(report["ignored_columns"], json!(["Người theo dõi"]));
        assert_eq!(
            report["skipped_rows"],
            json!([{"row": 8, "column": "", "value": "", "message": "Dòng tổng cộng"}])
        );
        assert_eq!(report["not_applied"][0]["row"], 4);
        assert_eq!(report["not_applied"][0]["value"], "IB1900000101-00");
        assert_eq!(report["not_applied"].as_array().map(Vec::len), Some(1));
        assert_eq!(
            (&report["rows"], &report["created"], &report["updated"]),
            (&json!(4), &json!(3), &json!(0))
        );
        assert_eq!(c.get("/api/v1/packages").await.json()["total"], 0);

        let r = c
            .post_bytes(&format!("{URI}?year=2019"), XLSX, file.clone())
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        let list = c.get("/api/v1/packages?per_page=10").await.json();
        assert_eq!(list["total"], 3, "{list}");

        let p = item(&list, "Mua máy tính");
        let got: Value = [
            "unit_id",
            "code",
            "notice_version",
            "procuring_entity",
            "field",
            "method",
            "international",
            "procedure",
            "online",
            "package_price_vnd",
            "notice_date",
            "status",
            "plan_year",
        ]
        .iter()
        .map(|k| ((*k).to_owned(), p[*k].clone()))
        .collect::<serde_json::Map<_, _>>()
        .into();
        assert_eq!(
            got,
            json!({"unit_id": u.hd, "code": "IB1900000101", "notice_version": 1,
                "procuring_entity": "Ban QLDA quận Hà Đông", "field": "goods",
                "method": "competitive_offers", "international": false,
                "procedure": "one_stage_one_envelope", "online": true,
                "package_price_vnd": 1_150_000_000i64, "notice_date": "2019-03-18",
                "status": "notice_published", "plan_year": 2019})
        );
        assert!(
            p["bid_closing_at"]
                .as_str()
                .is_some_and(|t| t.starts_with("2019-03-28T09:00:00")),
            "{p}"
        );

        let p = item(&list, "Xây dựng trường tiểu học");
        let got: Value = [
            "unit_id",
            "code",
            "notice_version",
            "procuring_entity",
            "field",
            "method",
            "international",
            "procedure",
            "online",
            "package_price_vnd",
            "notice_date",
            "status",
            "winning_price_vnd",
            "contractor_name",
            "contractor_tax_code",
            "award_decision_no",
            "result_date",
            "plan_year",
        ]
        .iter()
        .map(|k| ((*k).to_owned(), p[*k].clone()))
        .collect::<serde_json::Map<_, _>>()
        .into();
        assert_eq!(
            got,
            json!({"unit_id": u.hd, "code": "IB1900000102", "notice_version": 0,
                "procuring_entity": null, "field": "works", "method": "open_bidding",
                "international": true, "procedure": "two_stage_one_envelope", "online": false,
                "package_price_vnd": 25_000_000_000i64, "notice_date": "2019-04-01",
                "status": "awarded", "winning_price_vnd": 24_500_000_000i64,
                "contractor_name": "Công ty CP Xây dựng Số 1",
                "contractor_tax_code": tax_code(), "award_decision_no": "123/QĐ-UBND",
                "result_date": "2019-06-30", "plan_year": 2019})
        );
        assert!(
            p["bid_closing_at"]
                .as_str()
                .is_some_and(|t| t.starts_with("2019-04-20T09:00:00")),
            "{p}"
        );

        let p = item(&list, "Tư vấn giám sát trường tiểu học");
        assert_eq!(
            (
                &p["unit_id"],
                &p["field"],
                &p["method"],
                &p["procedure"],
                &p["online"],
                &p["package_price_vnd"],
                &p["status"],
                &p["code"],
                &p["plan_year"]
            ),
            (
                &json!(u.hd),
                &json!("consulting"),
                &json!("direct_appointment"),
                &json!("shortened"),
                &json!(false),
                &json!(450_000_000),
                &json!("planned"),
                &Value::Null,
                &json!(2019)
            )
        );

        // The same file again: every package found, none changed, the -00 row still not
        // applied over the stored -01.
        let r = c.post_bytes(&format!("{URI}?year=2019"), XLSX, file).await;
        let report = r.json();
        assert_eq!(
            (&report["created"], &report["updated"], &report["unchanged"]),
            (&json!(0), &json!(0), &json!(3)),
            "{report}"
        );
        // The shortened procedure reads back in the API's words.
        assert!(
            c.get("/api/v1/openapi.json")
                .await
                .text
                .contains("\"shortened\"")
        );
        let _ = (u.hk, u.hd_qt);
    }
);

db_test!(
    a_year_from_the_posting_date_and_a_lower_version_than_stored,
    |db: TestDb| async move {
        let u = units(&db).await;
        let c = Client::new(&db);
        let csv = |version: &str, price: &str| {
            format!(
                "DANH SÁCH THÔNG BÁO MỜI THẦU\n\n\
                 STT,Số TBMT,Tên gói thầu,Chủ đầu tư,Lĩnh vực,Hình thức lựa chọn nhà thầu,Hình thức dự thầu,Giá gói thầu (VND),Ngày đăng tải\n\
                 1,IB2000000201-{version},Mua xe,quận hà đông,HH,Chào hàng cạnh tranh trong nước,Qua mạng,\"{price}\",05/01/2020 08:00\n\
                 ,Cộng,,,,,,\"{price}\",\n"
            )
            .into_bytes()
        };
        let r = c
            .post_bytes(URI, "text/csv", csv("02", "900.000.000 VND"))
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        let report = r.json();
        assert_eq!(
            (
                &report["year_source"],
                &report["header_row"],
                &report["created"]
            ),
            (&json!("notice_date"), &json!(3), &json!(1))
        );
        let p = c.get("/api/v1/packages?q=mua+xe").await.json()["items"][0].clone();
        assert_eq!(
            (&p["plan_year"], &p["notice_version"], &p["unit_id"]),
            (&json!(2020), &json!(2), &json!(u.hd))
        );
        // An older version than the stored one is reported and not applied; a newer one is.
        let r = c
            .post_bytes(URI, "text/csv", csv("01", "800.000.000 VND"))
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        let report = r.json();
        assert_eq!(report["not_applied"][0]["row"], 4);
        assert_eq!(report["not_applied"][0]["value"], "IB2000000201-01");
        assert!(
            report["not_applied"][0]["message"]
                .as_str()
                .is_some_and(|m| m.contains("IB2000000201-02")),
            "{report}"
        );
        assert_eq!(
            (&report["updated"], &report["unchanged"]),
            (&json!(0), &json!(0))
        );
        let p = c.get("/api/v1/packages?q=mua+xe").await.json()["items"][0].clone();
        assert_eq!(p["package_price_vnd"], 900_000_000);
        let r = c
            .post_bytes(URI, "text/csv", csv("03", "850.000.000 VND"))
            .await;
        assert_eq!(r.json()["updated"], 1, "{}", r.text);
        let p = c.get("/api/v1/packages?q=mua+xe").await.json()["items"][0].clone();
        assert_eq!(
            (&p["package_price_vnd"], &p["notice_version"]),
            (&json!(850_000_000), &json!(3))
        );
        // The year of the upload wins over the posting date when the file has no year column.
        let r = c
            .post_bytes(
                &format!("{URI}?year=2021&dry_run=true"),
                "text/csv",
                csv("04", "850.000.000 VND"),
            )
            .await;
        assert_eq!(r.json()["year_source"], "upload");
        let _ = (u.hk, u.hd_qt);
    }
);

db_test!(
    unknown_and_ambiguous_names_and_values_list_what_they_could_be,
    |db: TestDb| async move {
        let u = units(&db).await;
        let c = Client::new(&db);
        let file = "STT;Tên gói thầu;Chủ đầu tư;Lĩnh vực;Hình thức lựa chọn nhà thầu;Hình thức dự thầu;Giá gói thầu (VND);Năm kế hoạch\n\
                    1;Sửa trụ sở;Phường Quang Trung;Xây lắp;Chào hàng cạnh tranh;Không qua mạng;800.000.000 VND;2019\n\
                    2;Mua bàn ghế;Quận Đống Đa;Hàng hóa;Chào hàng cạnh tranh;Qua mạng;300.000.000 VND;2019\n\
                    3;Mua máy in;Quận Hà Đông;Hàng hóa;Đấu giá;Qua mạng;300.000.000 VND;2019\n\
                    4;Mua giấy;Quận Hà Đông;Văn phòng phẩm;Chào hàng cạnh tranh;Có;100.000.000 VND;2019\n\
                    5;Mua mực;Quận Hà Đông;Hàng hóa;Chào hàng cạnh tranh;Có;100.000.000 VND;2019\n";
        let problem = c
            .post_bytes(URI, "text/csv", file.as_bytes().to_vec())
            .await
            .problem(422, "import_rejected");
        let errors = messages(&problem);
        assert_eq!(
            errors
                .iter()
                .map(|e| (e.0, e.1.as_str()))
                .collect::<Vec<_>>(),
            [
                (2, "Chủ đầu tư"),
                (3, "Chủ đầu tư"),
                (4, "Hình thức lựa chọn nhà thầu"),
                (5, "Lĩnh vực")
            ],
            "{errors:?}"
        );
        // Ambiguous: both wards, each with its code and district.
        assert!(
            errors[0]
                .2
                .starts_with("Có 2 đơn vị tên «Phường Quang Trung»")
                && errors[0].2.contains("HN-HD-QT, thuộc Quận Hà Đông")
                && errors[0].2.contains("HN-HK-QT, thuộc Quận Hoàn Kiếm"),
            "{}",
            errors[0].2
        );
        assert!(
            errors[1]
                .2
                .starts_with("Không có đơn vị tên «Quận Đống Đa»"),
            "{}",
            errors[1].2
        );
        // An unknown value lists the accepted ones, in Vietnamese.
        assert!(
            errors[2].2.contains("ghi một trong: Đấu thầu rộng rãi; Đấu thầu hạn chế; Chào hàng cạnh tranh; Chỉ định thầu;")
                && errors[2].2.contains("«trong nước» hoặc «quốc tế»"),
            "{}",
            errors[2].2
        );
        assert!(
            errors[3]
                .2
                .contains("ghi một trong: Hàng hóa; Xây lắp; Tư vấn; Phi tư vấn; Hỗn hợp"),
            "{}",
            errors[3].2
        );
        assert_eq!(c.get("/api/v1/packages").await.json()["total"], 0);

        // Scoped to Hà Đông, the ward is Hà Đông's; names outside it are unknown there.
        let fixed = file
            .replace("Quận Đống Đa", "Quận Hà Đông")
            .replace("Đấu giá", "CHCT")
            .replace("Văn phòng phẩm", "HH");
        let r = c
            .post_bytes(
                &format!("{URI}?unit=HN-HD"),
                "text/csv",
                fixed.as_bytes().to_vec(),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        let p = c.get("/api/v1/packages?q=sua+tru+so").await.json()["items"][0].clone();
        assert_eq!(p["unit_id"], u.hd_qt);
        let elsewhere = fixed.replace("Sửa trụ sở;Phường Quang Trung", "Sửa kho;Quận Hoàn Kiếm");
        let problem = c
            .post_bytes(
                &format!("{URI}?unit=HN-HD"),
                "text/csv",
                elsewhere.as_bytes().to_vec(),
            )
            .await
            .problem(422, "import_rejected");
        assert!(
            messages(&problem)[0]
                .2
                .starts_with("Không có đơn vị tên «Quận Hoàn Kiếm» trong Quận Hà Đông (HN-HD)"),
            "{problem}"
        );

        // The lookup finds a unit; the officer's rights still decide: Hà Đông's officer may
        // not write Hoàn Kiếm's package, found by its name.
        let officer = Client::as_role(&db, Role::Officer, Some(u.hd));
        let theirs = "Tên gói thầu,Chủ đầu tư,Lĩnh vực,Hình thức lựa chọn nhà thầu,Hình thức dự thầu,Giá gói thầu (VND),Năm kế hoạch\n\
                      Sửa kho,Quận Hoàn Kiếm,XL,CHCT,Có,500.000.000 VND,2019\n";
        let problem = officer
            .post_bytes(URI, "text/csv", theirs.as_bytes().to_vec())
            .await
            .problem(422, "import_rejected");
        assert_eq!(problem["report"]["errors"][0]["column"], "unit_code");
        assert_eq!(c.get("/api/v1/packages?q=sua+kho").await.json()["total"], 0);
        // A method that says international against a column that says domestic is refused.
        let both = "Tên gói thầu,Mã đơn vị,Lĩnh vực,Hình thức lựa chọn nhà thầu,Đấu thầu quốc tế,Hình thức dự thầu,Giá gói thầu (VND),Năm kế hoạch\n\
                    Mua thiết bị,HN-HD,HH,Đấu thầu rộng rãi quốc tế,Không,Có,5.000.000.000 VND,2019\n";
        let problem = c
            .post_bytes(URI, "text/csv", both.as_bytes().to_vec())
            .await
            .problem(422, "import_rejected");
        assert_eq!(problem["report"]["errors"][0]["column"], "Đấu thầu quốc tế");
        // The shortened procedure is a direct appointment's only.
        let shortened = "Tên gói thầu,Mã đơn vị,Lĩnh vực,Hình thức lựa chọn nhà thầu,Phương thức lựa chọn nhà thầu,Hình thức dự thầu,Giá gói thầu (VND),Năm kế hoạch\n\
                    Mua thiết bị,HN-HD,HH,CHCT,Chỉ định thầu rút gọn,Có,500.000.000 VND,2019\n";
        let problem = c
            .post_bytes(URI, "text/csv", shortened.as_bytes().to_vec())
            .await
            .problem(422, "import_rejected");
        assert_eq!(
            problem["report"]["errors"][0]["message"],
            "Quy trình chỉ định thầu rút gọn chỉ áp dụng cho hình thức Chỉ định thầu"
        );
        // A year given with the upload must be a plan year.
        c.post_bytes(
            &format!("{URI}?year=1999"),
            "text/csv",
            both.as_bytes().to_vec(),
        )
        .await
        .problem(422, "validation_failed");
    }
);

/// A multipart body of a rendered form's fields and a file in its `file` input, in the form's
/// order (the token first, as the page has it).
fn multipart(fields: &[(String, String)], filename: &str, file: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in fields {
        if name == "file" {
            body.extend_from_slice(
                format!(
                    "--X\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\nContent-Type: {XLSX}\r\n\r\n"
                )
                .as_bytes(),
            );
            body.extend_from_slice(file);
            body.extend_from_slice(b"\r\n");
        } else {
            body.extend_from_slice(
                format!(
                    "--X\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
                )
                .as_bytes(),
            );
        }
    }
    body.extend_from_slice(b"--X--\r\n");
    body
}

db_test!(
    the_upload_page_previews_the_mapping_before_writing,
    |db: TestDb| async move {
        units(&db).await;
        let c = Client::new(&db);
        let page = scraper::Html::parse_document(&c.get("/import").await.text);
        let (action, mut fields) = posted(&page);
        let names: Vec<&str> = fields.iter().map(|(k, _)| k.as_str()).collect();
        for expected in ["csrf", "file", "year", "dry_run", "unit"] {
            assert!(names.contains(&expected), "{names:?}");
        }
        // The page offers a dry run first.
        assert_eq!(
            fields
                .iter()
                .find(|(k, _)| k == "dry_run")
                .map(|(_, v)| v.as_str()),
            Some("on")
        );
        crate::web_forms::set(&mut fields, "year", "2019");
        let r = c
            .post_bytes(
                &action,
                "multipart/form-data; boundary=X",
                multipart(&fields, "tbmt.xlsx", &national_xlsx()),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        let shown = scraper::Html::parse_document(&r.text);
        let sel = |css: &str| scraper::Selector::parse(css).expect("selector");
        let rows: Vec<(String, String)> = shown
            .select(&sel("table.import-mapping tbody tr"))
            .map(|tr| {
                let cells: Vec<String> = tr
                    .select(&sel("td"))
                    .map(|td| td.text().collect::<String>())
                    .collect();
                (
                    cells[1].clone(),
                    tr.value().attr("data-field").unwrap_or_default().to_owned(),
                )
            })
            .collect();
        let expected: Vec<(String, String)> = HEADERS
            .iter()
            .zip(FIELDS)
            .map(|(h, f)| ((*h).to_owned(), f.unwrap_or_default().to_owned()))
            .collect();
        assert_eq!(rows, expected);
        let text: String = shown
            .select(&sel(".import-source"))
            .flat_map(|e| e.text())
            .collect();
        assert!(
            text.contains("dòng 3") && text.contains("năm chọn khi tải lên"),
            "{text}"
        );
        assert!(r.text.contains("Cột «Người theo dõi» không thuộc mẫu"));
        assert!(r.text.contains("Dòng 8: Dòng tổng cộng, bỏ qua"));
        assert!(r.text.contains("IB1900000101-00"));
        assert_eq!(c.get("/api/v1/packages").await.json()["total"], 0);

        // Then for real, from the form the answer shows (the dry run unticked).
        let (action, mut fields) = posted(&shown);
        fields.retain(|(k, _)| k != "dry_run");
        assert!(
            fields.iter().any(|(k, v)| k == "year" && v == "2019"),
            "the form keeps the year typed"
        );
        let r = c
            .post_bytes(
                &action,
                "multipart/form-data; boundary=X",
                multipart(&fields, "tbmt.xlsx", &national_xlsx()),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert!(r.text.contains("3 thêm mới"), "{}", r.text);
        assert_eq!(c.get("/api/v1/packages").await.json()["total"], 3);

        // A year that is not one is the field's error, beside it.
        let (action, mut fields) = posted(&shown);
        crate::web_forms::set(&mut fields, "year", "19");
        let r = c
            .post_bytes(
                &action,
                "multipart/form-data; boundary=X",
                multipart(&fields, "tbmt.xlsx", &national_xlsx()),
            )
            .await;
        assert_eq!(r.status, 422);
        assert!(r.text.contains("id=\"year-error\""), "{}", r.text);

        // The command line: the year and the unit scope, a dry run.
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("tbmt.xlsx");
        std::fs::write(&path, national_xlsx()).expect("file");
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_bidtrack"))
            .args([
                "import",
                path.to_str().expect("path"),
                "--dry-run",
                "--year",
                "2019",
                "--unit",
                "HN",
            ])
            .env("DATABASE_URL", &db.url)
            .env_remove("RUST_LOG")
            .output()
            .expect("run");
        let (stdout, stderr) = (
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
        );
        assert!(out.status.success(), "{stderr}");
        assert!(
            stdout
                .starts_with("dry run, nothing written: 4 rows: 0 created, 0 updated, 3 unchanged"),
            "{stdout}"
        );
        assert!(
            stderr.contains("header found in row 3") && stderr.contains("IB1900000101-00"),
            "{stderr}"
        );
    }
);
