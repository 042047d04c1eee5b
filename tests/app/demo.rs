//! `bidtrack demo` data: the shape promised, and idempotent.

use crate::db_test;
use crate::support::*;
use bidtrack::seed::demo;
use entity::{package, unit};
use sea_orm::{EntityTrait, PaginatorTrait};

db_test!(demo_loads_once, |db: TestDb| async move {
    let conn = &db.conn;
    let first = demo::load(conn).await.expect("first load");
    assert_eq!((first.units_created, first.units_existing), (28, 0));
    assert_eq!((first.packages_created, first.packages_existing), (748, 0));
    assert_eq!(first.successions_created, 23);
    let second = demo::load(conn).await.expect("second load");
    assert_eq!(second.successions_created, 0);
    assert_eq!((second.units_created, second.units_existing), (0, 28));
    assert_eq!(
        (second.packages_created, second.packages_existing),
        (0, 748)
    );
    assert_eq!(unit::Entity::find().count(conn).await.expect("count"), 28);
    assert_eq!(
        package::Entity::find().count(conn).await.expect("count"),
        748
    );
});
