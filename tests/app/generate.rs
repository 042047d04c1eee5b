//! `bidtrack gen`: the shape promised, every row valid under the domain rules, and only into an
//! empty database.

use crate::db_test;
use crate::support::*;
use bidtrack::domain::compliance::View;
use bidtrack::domain::package_rules;
use bidtrack::seed::generate::{Spec, generate};
use entity::{UnitKind, package, unit};
use sea_orm::{EntityTrait, PaginatorTrait};

db_test!(generates_a_valid_province, |db: TestDb| async move {
    let conn = &db.conn;
    let spec = Spec {
        packages: 3_000,
        units: 100,
        seed: 7,
    };
    let g = generate(conn, spec).await.expect("generate");
    assert_eq!((g.units, g.packages), (100, 3_000));
    assert_eq!(
        package::Entity::find().count(conn).await.expect("count"),
        3_000
    );
    let units = unit::Entity::find().all(conn).await.expect("units");
    assert_eq!(
        units
            .iter()
            .filter(|u| u.kind == UnitKind::Province)
            .count(),
        1
    );
    assert_eq!(
        units
            .iter()
            .filter(|u| u.kind == UnitKind::District)
            .count(),
        5
    );

    let regimes = bidtrack::db::reference::regimes(conn)
        .await
        .expect("regimes");
    let packages = package::Entity::find().all(conn).await.expect("packages");
    for p in &packages {
        let draft = bidtrack::services::packages::draft_of(p);
        let findings = package_rules::check(&draft, &regimes);
        assert!(
            findings.violations.is_empty(),
            "package {}: {:?}",
            p.id,
            findings.violations
        );
        assert!((20_000_000..=200_000_000_000).contains(&p.package_price_vnd));
    }
    // Every package in a plan of its own unit and year (the procurement record's links).
    let plans: std::collections::HashMap<i64, entity::selection_plan::Model> =
        entity::selection_plan::Entity::find()
            .all(conn)
            .await
            .expect("plans")
            .into_iter()
            .map(|p| (p.id, p))
            .collect();
    let projects: std::collections::HashMap<i64, entity::project::Model> =
        entity::project::Entity::find()
            .all(conn)
            .await
            .expect("projects")
            .into_iter()
            .map(|p| (p.id, p))
            .collect();
    for p in &packages {
        let plan = &plans[&p.plan_id.expect("a plan")];
        assert_eq!(plan.year, p.plan_year, "package {}", p.id);
        assert_eq!(
            projects[&plan.project_id].unit_id, p.unit_id,
            "package {}",
            p.id
        );
        // Works and mixed packages in the unit's investment project, the rest in its purchase
        // estimate: what the annual report's two tables split on.
        let project = &projects[&plan.project_id];
        let expected = if matches!(p.field, entity::Field::Works | entity::Field::Mixed) {
            entity::ProjectKind::InvestmentProject
        } else {
            entity::ProjectKind::RecurrentProcurement
        };
        assert_eq!(project.kind, expected, "package {}", p.id);
        assert_eq!(
            project.project_group.is_some(),
            expected == entity::ProjectKind::InvestmentProject
        );
    }
    // Projects of every group, so the annual report's every column group has figures.
    for group in entity::ProjectGroup::ALL {
        assert!(
            projects.values().any(|p| p.project_group == Some(*group)),
            "a project of group {group}"
        );
    }
    let online = packages.iter().filter(|p| p.online).count() as f64 / packages.len() as f64;
    assert!((0.25..0.55).contains(&online), "about 40% online: {online}");

    let province = bidtrack::db::units::find_by_code(conn, "GEN")
        .await
        .expect("query")
        .expect("GEN");
    let c = bidtrack::services::compliance::check(conn, province.id, 2019, View::Plan)
        .await
        .expect("check");
    let f = &c.targets[0].figures;
    assert!(f.in_scope > 0 && c.overall.packages > f.in_scope);

    let again = generate(conn, spec)
        .await
        .expect_err("not into a filled database");
    assert_eq!(again.code(), "database_not_empty");
});
