//! The package's field table is the one source of its words: the form, the package page, its
//! history, the import template and the package list report all say what the table says.

use crate::client::Client;
use crate::db_test;
use crate::support::*;
use crate::web_forms::{doc, ha_dong, location, posted, set, submit, texts};
use bidtrack::domain::fields::package::{PackageField, UNIT_CODE};
use bidtrack::seed::demo;

db_test!(
    every_view_of_a_package_uses_the_table_words,
    |db: TestDb| async move {
        demo::load(&db.conn).await.expect("demo");
        let c = Client::new(&db);
        let unit = ha_dong(&db).await.to_string();
        // A plan of Hà Đông's, for the plan field.
        let project = c
            .post(
                "/api/v1/projects",
                &serde_json::json!({"unit_id": ha_dong(&db).await, "name": "Dự án của quận",
                        "kind": "recurrent_procurement", "funding_kind": "state_budget"}),
            )
            .await;
        assert_eq!(project.status, 201, "{}", project.text);
        let plan = c
            .post(
                "/api/v1/plans",
                &serde_json::json!({"project_id": project.json()["id"], "code": "PL1900099998",
                        "name": "KHLCNT quận", "year": 2019}),
            )
            .await;
        assert_eq!(plan.status, 201, "{}", plan.text);
        let plan = plan.json()["id"].as_i64().expect("plan id").to_string();

        // The form: one labelled input per field, labelled as the table says.
        let form = doc(&c.get("/packages/new").await);
        for f in PackageField::ALL {
            let label = texts(&form, &format!("label[for={}]", f.wire()));
            assert_eq!(
                label.first().map(|l| l.trim_end_matches(" *")),
                Some(f.label()),
                "{f:?}"
            );
        }

        // Every field filled, through the form as rendered.
        let (action, mut fields) = posted(&form);
        for (name, value) in [
            ("unit_id", unit.as_str()),
            ("name", "Gói đủ mọi trường"),
            ("plan_id", plan.as_str()),
            ("code", "IB1900099999"),
            ("plan_code", "PL1900099999"),
            ("plan_year", "2019"),
            ("planned_start_month", "3"),
            ("funding_source", "Ngân sách quận"),
            ("field", "goods"),
            ("method", "competitive_offers"),
            ("procedure", "one_stage_one_envelope"),
            ("contract_type", "lump_sum"),
            ("international", "on"),
            ("package_price_vnd", "1.200.000.000"),
            ("online", "on"),
            ("status", "awarded"),
            ("result_date", "15/03/2019"),
            ("winning_price_vnd", "1.100.000.000"),
            ("contractor_name", "Công ty B"),
            ("notice_version", "1"),
            ("notice_date", "01/03/2019"),
            ("bid_closing_at", "11/03/2019 09:30"),
            ("procuring_entity", "Ban QLDA quận"),
            ("bidder_count", "3"),
            ("award_decision_no", "15/QĐ-UBND"),
            ("contractor_tax_code", "0100109106"),
            ("contract_duration_days", "90"),
            ("cancellation_decision_no", "1/QĐ"),
            ("cancellation_reason", "Không"),
            ("notes", "Ghi chú"),
        ] {
            set(&mut fields, name, value);
        }
        let r = submit(&c, &action, &fields).await;
        let package = location(&r);
        let page_response = c.get(&package).await;
        let page = doc(&page_response);

        // The page: every field, in table order, with the table's label.
        let labels: Vec<&str> = PackageField::ALL.iter().map(|f| f.label()).collect();
        assert_eq!(
            texts(&page, "#fields + dl.facts dt"),
            labels,
            "the page's fields"
        );
        assert_eq!(texts(&page, "title"), ["Gói đủ mọi trường – bidtrack"]);
        assert!(
            texts(&page, "#fields + dl.facts dd")
                .contains(&"PL1900099998 – KHLCNT quận".to_owned()),
            "the plan by its code and name"
        );
        assert!(
            texts(&page, "#fields + dl.facts dd").contains(&"15/03/2019".to_owned()),
            "dates read dd/mm/yyyy"
        );
        assert!(
            texts(&page, "#fields + dl.facts dd").contains(&"11/03/2019 09:30".to_owned()),
            "times read dd/mm/yyyy HH:MM, Vietnam time"
        );

        // The history: the creation names each field it set with the table's label.
        let history: Vec<String> = texts(&page, ".changes .field-name")
            .into_iter()
            .map(|l| l.trim_end_matches(':').to_owned())
            .collect();
        let set_fields: Vec<&str> = PackageField::ALL
            .iter()
            // An online package has no exemption; a month leaves the quarter empty.
            .filter(|f| {
                ![
                    PackageField::OnlineExemptReason,
                    PackageField::PlannedStartQuarter,
                ]
                .contains(f)
            })
            .map(|f| f.label())
            .collect();
        assert_eq!(history, set_fields, "the history's fields");

        // The import template: the unit's code, then every other field by its short label.
        let template = c.get("/api/v1/imports/packages/template").await;
        assert_eq!(template.status, 200, "{}", template.text);
        let header = template
            .text
            .trim_start_matches('\u{feff}')
            .lines()
            .next()
            .expect("a header line")
            .to_owned();
        let expected: Vec<&str> = std::iter::once(UNIT_CODE)
            .chain(
                PackageField::ALL
                    .iter()
                    .filter(|f| **f != PackageField::UnitId)
                    .map(|f| f.short()),
            )
            .collect();
        assert_eq!(header.split(',').collect::<Vec<_>>(), expected);

        // The package list report: each field's column headed by the table.
        let report = c
            .get(&format!(
                "/api/v1/reports/packages?unit_id={unit}&plan_year=2019&format=csv"
            ))
            .await;
        assert_eq!(report.status, 200, "{}", report.text);
        let mut rows =
            csv::Reader::from_reader(report.text.trim_start_matches('\u{feff}').as_bytes());
        let headers: Vec<String> = rows
            .headers()
            .expect("headers")
            .iter()
            .map(str::to_owned)
            .collect();
        for f in PackageField::ALL {
            if *f != PackageField::UnitId {
                assert!(
                    headers.contains(&f.spec().header()),
                    "{} in {headers:?}",
                    f.spec().header()
                );
            }
        }
    }
);
