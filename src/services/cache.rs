//! What a server instance keeps in memory between requests, so that a read costs one query
//! instead of six: who a token or session belongs to, and the reference data every package is
//! described with (regimes, target rules, the unit tree).
//!
//! Freshness: computed figures (the compliance check) are kept per data version and are always
//! exact (`Cache::versioned`). For the rest, any write through this instance (every request that is not GET/HEAD/OPTIONS) drops
//! everything at once, so an instance always sees its own changes. A change made elsewhere — on
//! another instance sharing the PostgreSQL database, or with the command line — is seen within
//! [`TTL`]: a revoked token or a disabled user keeps working there for at most that long, and a
//! changed target rule or unit takes as long to show. Measured in BENCHMARKS.md: without this
//! cache `GET /api/v1/packages/{id}` managed about 1,600 requests/s.

use crate::db;
use crate::domain::regime::Regimes;
use crate::domain::target::TargetRule;
use crate::error::AppError;
use crate::services::accounts::{self, Actor};
use chrono::{DateTime, Utc};
use entity::unit;
use sea_orm::{ConnectionTrait, DbErr};
use std::any::Any;
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

/// How long another instance's change may stay unseen.
pub const TTL: Duration = Duration::from_secs(5);

/// Past this many cached tokens and sessions the map is emptied rather than grown: a flood of
/// made-up tokens never reaches it (only valid ones are cached), but the bound keeps memory flat.
const MAX_IDENTITIES: usize = 10_000;

/// Regimes, target rules and the unit tree, read together.
#[derive(Debug)]
pub struct Reference {
    pub regimes: Regimes,
    pub rules: Vec<TargetRule>,
    /// Every unit, by code: the tree walks below and the pages' unit pickers read the same copy.
    units: Vec<unit::Model>,
    /// Where each unit id sits in `units`.
    index: HashMap<i64, usize>,
}

impl Reference {
    pub async fn load(db: &impl ConnectionTrait) -> Result<Self, DbErr> {
        Ok(Reference::new(
            db::reference::regimes(db).await?,
            db::reference::target_rules(db).await?,
            db::units::all(db).await?,
        ))
    }

    fn new(regimes: Regimes, rules: Vec<TargetRule>, units: Vec<unit::Model>) -> Self {
        let index = units.iter().enumerate().map(|(i, u)| (u.id, i)).collect();
        Reference {
            regimes,
            rules,
            units,
            index,
        }
    }

    pub fn knows_unit(&self, id: i64) -> bool {
        self.index.contains_key(&id)
    }

    /// Every unit, by code.
    pub fn units(&self) -> &[unit::Model] {
        &self.units
    }

    pub fn unit(&self, id: i64) -> Option<&unit::Model> {
        self.index.get(&id).map(|i| &self.units[*i])
    }

    /// The unit and every unit below it (as `db::units::subtree_ids`).
    pub fn subtree(&self, root: i64) -> Vec<i64> {
        self.units
            .iter()
            .map(|u| u.id)
            .filter(|id| self.lineage(*id).contains(&root))
            .collect()
    }

    /// The unit itself, then its parent, up to the root (as `db::units::lineage`).
    pub fn lineage(&self, id: i64) -> Vec<i64> {
        let mut out = Vec::new();
        let mut current = self.knows_unit(id).then_some(id);
        while let Some(unit) = current {
            // A cycle cannot be stored (units refuse one), but a walk must end regardless.
            if out.len() > self.units.len() {
                break;
            }
            out.push(unit);
            current = self.unit(unit).and_then(|u| u.parent_id);
        }
        out
    }
}

#[derive(Clone)]
struct Identity {
    actor: Actor,
    /// The token's id (API) or the session's CSRF token (pages).
    detail: IdentityDetail,
    until: Instant,
}

#[derive(Clone)]
enum IdentityDetail {
    Token(entity::api_token::Model),
    Session(String),
}

/// A computed result and the data version it was computed at.
type Versioned = (i64, Arc<dyn Any + Send + Sync>);

/// The data version read at one moment (`db::data_version`; none on a database without the
/// table, where nothing is cached). Results computed after reading it hold at least its data.
#[derive(Debug, Clone, Copy)]
pub struct DataVersion(Option<i64>);

impl DataVersion {
    pub async fn read(db: &impl ConnectionTrait) -> Result<Self, AppError> {
        Ok(DataVersion(db::data_version(db).await?))
    }

    pub fn get(self) -> Option<i64> {
        self.0
    }
}

/// Past this many cached results the map is emptied rather than grown.
const MAX_RESULTS: usize = 1_000;

#[derive(Default)]
pub struct Cache {
    reference: RwLock<Option<(Instant, Arc<Reference>)>>,
    identities: RwLock<HashMap<String, Identity>>,
    results: RwLock<HashMap<String, Versioned>>,
}

impl Cache {
    pub fn new() -> Arc<Self> {
        Arc::new(Cache::default())
    }

    /// Forgets everything: called after every write through this instance.
    pub fn clear(&self) {
        if let Ok(mut r) = self.reference.write() {
            *r = None;
        }
        if let Ok(mut ids) = self.identities.write() {
            ids.clear();
        }
        if let Ok(mut results) = self.results.write() {
            results.clear();
        }
    }

    /// The result of `compute` under `key`, reused while no write transaction has committed
    /// anywhere since it was computed: exact on every instance, unlike the rest of this cache.
    /// `at` is the data version read before (a primary-key read): an answer made of several
    /// cached results (the dashboard has five) reads it once, not once each.
    pub async fn versioned<T, F, Fut>(
        &self,
        at: DataVersion,
        key: String,
        compute: F,
    ) -> Result<Arc<T>, AppError>
    where
        T: Send + Sync + 'static,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, AppError>>,
    {
        let Some(version) = at.0 else {
            return Ok(Arc::new(compute().await?));
        };
        let hit = self.results.read().ok().and_then(|results| {
            results
                .get(&key)
                .filter(|(v, _)| *v == version)
                .map(|(_, value)| value.clone())
        });
        if let Some(value) = hit.and_then(|v| v.downcast::<T>().ok()) {
            return Ok(value);
        }
        // Computed after reading the version, so it holds at least that version's data; a
        // write committing meanwhile moves the version and the next read recomputes.
        let value = Arc::new(compute().await?);
        if let Ok(mut results) = self.results.write() {
            if results.len() >= MAX_RESULTS {
                results.clear();
            }
            results.insert(key, (version, value.clone()));
        }
        Ok(value)
    }

    /// The reference data, fresh within [`TTL`], and reloaded at once when it does not know one
    /// of `units` (a unit created elsewhere a moment ago) or knows no unit at all: a database
    /// being set up (`bidtrack demo`, a first unit) shows its units at once, and reading an empty
    /// tree again costs nothing.
    pub async fn reference(
        &self,
        db: &impl ConnectionTrait,
        units: &[i64],
    ) -> Result<Arc<Reference>, DbErr> {
        if let Ok(guard) = self.reference.read()
            && let Some((loaded, reference)) = guard.as_ref()
            && loaded.elapsed() < TTL
            && !reference.units.is_empty()
            && units.iter().all(|u| reference.knows_unit(*u))
        {
            return Ok(reference.clone());
        }
        let loaded = Instant::now();
        let reference = Arc::new(Reference::load(db).await?);
        if let Ok(mut guard) = self.reference.write() {
            *guard = Some((loaded, reference.clone()));
        }
        Ok(reference)
    }

    /// `accounts::authenticate_token`, remembered for [`TTL`].
    pub async fn token(
        &self,
        db: &impl ConnectionTrait,
        secret: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<(Actor, entity::api_token::Model)>, AppError> {
        let key = format!("t{}", accounts::digest(secret));
        if let Some(Identity {
            actor,
            detail: IdentityDetail::Token(token),
            ..
        }) = self.remembered(&key)
            && token.expires_at.is_none_or(|e| e > now)
        {
            return Ok(Some((actor, token)));
        }
        let found = accounts::authenticate_token(db, secret, now).await?;
        if let Some((actor, token)) = &found {
            self.remember(key, actor, IdentityDetail::Token(token.clone()));
        }
        Ok(found)
    }

    /// `accounts::session_user`, remembered for [`TTL`] (and never past the session's expiry,
    /// which `session_user` checks again on the next miss).
    pub async fn session(
        &self,
        db: &impl ConnectionTrait,
        secret: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<(Actor, String)>, AppError> {
        let key = format!("s{}", accounts::digest(secret));
        if let Some(Identity {
            actor,
            detail: IdentityDetail::Session(csrf),
            ..
        }) = self.remembered(&key)
        {
            return Ok(Some((actor, csrf)));
        }
        let Some((actor, csrf, expires_at)) = accounts::session_user(db, secret, now).await? else {
            return Ok(None);
        };
        let left = (expires_at - now).to_std().unwrap_or_default();
        self.remember_for(key, &actor, IdentityDetail::Session(csrf.clone()), left);
        Ok(Some((actor, csrf)))
    }

    fn remembered(&self, key: &str) -> Option<Identity> {
        let ids = self.identities.read().ok()?;
        ids.get(key).filter(|i| Instant::now() < i.until).cloned()
    }

    fn remember(&self, key: String, actor: &Actor, detail: IdentityDetail) {
        self.remember_for(key, actor, detail, TTL);
    }

    fn remember_for(&self, key: String, actor: &Actor, detail: IdentityDetail, at_most: Duration) {
        if let Ok(mut ids) = self.identities.write() {
            if ids.len() >= MAX_IDENTITIES {
                ids.clear();
            }
            ids.insert(
                key,
                Identity {
                    actor: actor.clone(),
                    detail,
                    until: Instant::now() + TTL.min(at_most),
                },
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference(parents: &[(i64, Option<i64>)]) -> Reference {
        let units = parents
            .iter()
            .map(|(id, parent_id)| unit::Model {
                id: *id,
                code: format!("U{id}"),
                name: format!("Đơn vị {id}"),
                search_text: String::new(),
                kind: entity::UnitKind::Agency,
                parent_id: *parent_id,
                valid_from: None,
                valid_to: None,
                created_at: Utc::now(),
                updated_at: Utc::now(),
            })
            .collect();
        Reference::new(Regimes::default(), Vec::new(), units)
    }

    #[test]
    fn lineage_walks_up_to_the_root() {
        let r = reference(&[(1, None), (2, Some(1)), (3, Some(2)), (4, Some(1))]);
        assert_eq!(r.lineage(3), vec![3, 2, 1]);
        assert_eq!(r.lineage(4), vec![4, 1]);
        assert_eq!(r.lineage(1), vec![1]);
        assert_eq!(r.lineage(9), Vec::<i64>::new(), "unknown unit");
        let mut below_one = r.subtree(1);
        below_one.sort_unstable();
        assert_eq!(below_one, vec![1, 2, 3, 4]);
        assert_eq!(r.subtree(2).len(), 2);
        assert!(r.subtree(9).is_empty());
    }

    #[test]
    fn lineage_ends_on_a_cycle() {
        let r = reference(&[(1, Some(2)), (2, Some(1))]);
        assert!(r.lineage(1).len() <= 3);
    }
}
