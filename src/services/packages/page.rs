//! What a package's page shows beyond the package itself, read in one call so the page handler
//! only renders.

use super::{AUDIT_ENTITY, PackageView, get};
use crate::error::AppError;
use crate::services::accounts::Actor;
use crate::services::audit;
use crate::services::cache::Cache;
use entity::{audit_log, package_event, user};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use std::collections::HashMap;

pub struct PackagePage {
    pub view: PackageView,
    /// The name of the regime its planned start falls under, when one does.
    pub regime_name: Option<String>,
    /// The actor may change (and delete) it.
    pub editable: bool,
    /// Its audit trail, oldest first.
    pub history: Vec<audit_log::Model>,
    /// Its life (status moves, re-planning), oldest first, each with who made it.
    pub timeline: Vec<(package_event::Model, String)>,
}

pub async fn page(
    db: &impl ConnectionTrait,
    cache: &Cache,
    actor: &Actor,
    id: i64,
) -> Result<PackagePage, AppError> {
    let view = get(db, cache, id).await?;
    let reference = cache.reference(db, &[view.package.unit_id]).await?;
    let regime_name = view.derived.regime.as_ref().and_then(|code| {
        reference
            .regimes
            .as_slice()
            .iter()
            .find(|r| &r.code == code)
            .map(|r| r.name.clone())
    });
    let editable = actor.may_write_unit(&reference.lineage(view.package.unit_id));
    let events = super::life::events_of(db, id).await?;
    let mut ids: Vec<i64> = events.iter().filter_map(|e| e.user_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let names: HashMap<i64, String> = user::Entity::find()
        .filter(user::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.display_name))
        .collect();
    let timeline = events
        .into_iter()
        .map(|e| {
            let who = e
                .user_id
                .and_then(|id| names.get(&id).cloned())
                .unwrap_or_else(|| "Hệ thống".to_owned());
            (e, who)
        })
        .collect();
    Ok(PackagePage {
        timeline,
        history: audit::history(db, AUDIT_ENTITY, id).await?,
        view,
        regime_name,
        editable,
    })
}
