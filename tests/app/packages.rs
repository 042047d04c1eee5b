//! Creating packages through the service: shape checks, domain rules, unique notice codes.

use crate::db_test;
use crate::support::*;
use bidtrack::error::AppError;
use bidtrack::services::accounts::Actor;
use bidtrack::services::packages::create as create_package;
use chrono::NaiveDate;
use entity::{Field, Method, OnlineExemptReason, PackageStatus, Procedure, UnitKind};

fn fields(err: &AppError) -> Vec<(String, String)> {
    match err {
        AppError::Validation(errors) => errors
            .iter()
            .map(|e| (e.field.clone(), e.code.clone()))
            .collect(),
        other => panic!("expected a validation error, got {other:?}"),
    }
}

db_test!(shape_errors_name_their_fields, |db: TestDb| async move {
    let conn = &db.conn;
    let unit = add_unit(conn, "U", UnitKind::District, None).await;
    let mut p = new_package(unit.id, "   ", Method::OpenBidding, Field::Goods, 0, false);
    p.planned_start_month = Some(13);
    p.plan_year = 1999;
    let err = create_package(conn, &Actor::system(), p)
        .await
        .expect_err("invalid");
    let f: Vec<_> = fields(&err).into_iter().map(|(f, _)| f).collect();
    assert_eq!(
        f,
        [
            "name",
            "package_price_vnd",
            "plan_year",
            "planned_start_month"
        ]
    );
});

db_test!(domain_rules_block_and_warn, |db: TestDb| async move {
    let conn = &db.conn;
    let unit = add_unit(conn, "U", UnitKind::District, None).await;

    let mut awarded = new_package(
        unit.id,
        "awarded",
        Method::OpenBidding,
        Field::Goods,
        BN,
        true,
    );
    awarded.status = PackageStatus::Awarded;
    awarded.award_decision_no = Some("15/QĐ-UBND".to_owned());
    awarded.contractor_name = Some("Công ty A".to_owned());
    awarded.winning_price_vnd = Some(BN + 1);
    let err = create_package(conn, &Actor::system(), awarded.clone())
        .await
        .expect_err("winning above price");
    let expected: Vec<(String, String)> = vec![
        ("result_date".into(), "result_date_required".into()),
        (
            "winning_price_vnd".into(),
            "winning_price_above_package_price".into(),
        ),
    ];
    assert_eq!(fields(&err), expected);
    awarded.winning_price_vnd = Some(BN);
    awarded.result_date = NaiveDate::from_ymd_opt(2019, 6, 1);
    create_package(conn, &Actor::system(), awarded)
        .await
        .expect("valid award");

    let consulting = new_package(
        unit.id,
        "tv",
        Method::CompetitiveOffers,
        Field::Consulting,
        BN,
        true,
    );
    let err = create_package(conn, &Actor::system(), consulting)
        .await
        .expect_err("consulting by competitive offers");
    assert_eq!(
        fields(&err),
        [(
            "method".to_string(),
            "consulting_competitive_offers".to_string()
        )]
    );

    let mut exempt = new_package(
        unit.id,
        "exempt",
        Method::OpenBidding,
        Field::Goods,
        BN,
        true,
    );
    exempt.online_exempt_reason = Some(OnlineExemptReason::Secrecy);
    let err = create_package(conn, &Actor::system(), exempt)
        .await
        .expect_err("exempt while online");
    assert_eq!(
        fields(&err),
        [(
            "online_exempt_reason".to_string(),
            "exempt_while_online".to_string()
        )]
    );

    let mut shortened = new_package(
        unit.id,
        "short",
        Method::OpenBidding,
        Field::Goods,
        BN,
        false,
    );
    shortened.procedure = Some(Procedure::Shortened);
    let err = create_package(conn, &Actor::system(), shortened.clone())
        .await
        .expect_err("shortened open bidding");
    assert_eq!(
        fields(&err),
        [(
            "procedure".to_string(),
            "shortened_not_direct_appointment".to_string()
        )]
    );
    shortened.method = Method::DirectAppointment;
    create_package(conn, &Actor::system(), shortened)
        .await
        .expect("a shortened direct appointment");

    let big = new_package(
        unit.id,
        "big",
        Method::CompetitiveOffers,
        Field::Goods,
        6 * BN,
        true,
    );
    let created = create_package(conn, &Actor::system(), big)
        .await
        .expect("a warning does not block");
    let warnings: Vec<_> = created.derived.warnings.iter().map(|w| w.code()).collect();
    assert_eq!(warnings, ["competitive_offers_above_limit"]);
    assert_eq!(created.package.version, 1);
});

db_test!(
    notice_codes_are_unique_when_present,
    |db: TestDb| async move {
        let conn = &db.conn;
        let unit = add_unit(conn, "U", UnitKind::District, None).await;
        let mut a = new_package(unit.id, "a", Method::OpenBidding, Field::Goods, BN, true);
        a.code = Some(" IB1900012345 ".into());
        let created = create_package(conn, &Actor::system(), a.clone())
            .await
            .expect("first");
        assert_eq!(created.package.code.as_deref(), Some("IB1900012345"));
        let err = create_package(conn, &Actor::system(), a)
            .await
            .expect_err("duplicate");
        assert_eq!(err.code(), "duplicate_code");
        // Empty codes are absent, and absent codes never collide.
        for name in ["b", "c"] {
            let mut p = new_package(unit.id, name, Method::OpenBidding, Field::Goods, BN, true);
            p.code = Some(String::new());
            assert_eq!(
                create_package(conn, &Actor::system(), p)
                    .await
                    .expect("no code")
                    .package
                    .code,
                None
            );
        }
    }
);

db_test!(unknown_unit_is_a_field_error, |db: TestDb| async move {
    let p = new_package(
        424_242,
        "orphan",
        Method::OpenBidding,
        Field::Goods,
        BN,
        true,
    );
    let err = create_package(&db.conn, &Actor::system(), p)
        .await
        .expect_err("unknown unit");
    assert_eq!(
        fields(&err),
        [("unit_id".to_string(), "unknown_unit".to_string())]
    );
});
