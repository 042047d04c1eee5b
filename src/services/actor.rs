//! Who is acting, and what they may change: every write carries an [`Actor`]; a page or an
//! import that checks many units loads the actor's [`WriteScope`] once.

use crate::db;
use crate::error::AppError;
use entity::{Role, user};
use sea_orm::ConnectionTrait;

/// Who is acting: a signed-in user, or the system itself (command line, demo, migrations).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// `None` for the system.
    pub user_id: Option<i64>,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// An officer writes the packages of this unit's subtree.
    pub unit_id: Option<i64>,
}

impl Actor {
    /// The command line and the demo loader: whoever can run the binary owns the database.
    pub fn system() -> Self {
        Actor {
            user_id: None,
            username: "system".to_owned(),
            display_name: "Hệ thống".to_owned(),
            role: Role::Admin,
            unit_id: None,
        }
    }

    pub fn of(u: &user::Model) -> Self {
        Actor {
            user_id: Some(u.id),
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            role: u.role,
            unit_id: u.unit_id,
        }
    }

    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// Administrators and officers change packages (officers only within their unit's subtree).
    pub fn writes_packages(&self) -> bool {
        matches!(self.role, Role::Admin | Role::Officer)
    }

    /// Units, target rules and users are the administrators'.
    pub fn require_admin(&self) -> Result<(), AppError> {
        if self.is_admin() {
            Ok(())
        } else {
            Err(AppError::Forbidden {
                message: format!(
                    "Chỉ quản trị viên được thực hiện thao tác này (bạn đăng nhập với vai trò {})",
                    self.role.label_vi()
                ),
            })
        }
    }

    /// May this actor write packages of `unit_id`? `lineage` is the unit and its ancestors.
    pub fn may_write_unit(&self, lineage: &[i64]) -> bool {
        match self.role {
            Role::Admin => true,
            Role::Officer => self.unit_id.is_some_and(|own| lineage.contains(&own)),
            Role::Finance | Role::Viewer => false,
        }
    }

    /// Errors unless this actor may write the packages of `unit_id`.
    pub async fn require_package_write(
        &self,
        db: &impl ConnectionTrait,
        unit_id: i64,
    ) -> Result<(), AppError> {
        if self.is_admin() {
            return Ok(());
        }
        if !self.writes_packages() {
            return Err(AppError::Forbidden {
                message: format!(
                    "Vai trò {} chỉ được xem, không được sửa gói thầu",
                    self.role.label_vi()
                ),
            });
        }
        let lineage = db::units::lineage(db, unit_id).await?;
        if self.may_write_unit(&lineage) {
            Ok(())
        } else {
            Err(AppError::Forbidden {
                message: "Bạn chỉ được sửa gói thầu của đơn vị mình và các đơn vị trực thuộc"
                    .to_owned(),
            })
        }
    }
}

/// Which units' packages an actor may change, loaded once for a page or a whole import.
pub enum WriteScope {
    All,
    Units(std::collections::HashSet<i64>),
    Nothing,
}

impl WriteScope {
    pub async fn of(db: &impl ConnectionTrait, actor: &Actor) -> Result<Self, AppError> {
        Ok(match (actor.role, actor.unit_id) {
            (entity::Role::Admin, _) => WriteScope::All,
            (entity::Role::Officer, Some(unit)) => WriteScope::Units(
                db::units::subtree_ids(db, unit)
                    .await?
                    .into_iter()
                    .collect(),
            ),
            _ => WriteScope::Nothing,
        })
    }

    pub fn allows(&self, unit_id: i64) -> bool {
        match self {
            WriteScope::All => true,
            WriteScope::Units(units) => units.contains(&unit_id),
            WriteScope::Nothing => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn officers_write_within_their_subtree_only() {
        let officer = Actor {
            user_id: Some(1),
            username: "o".into(),
            display_name: "O".into(),
            role: Role::Officer,
            unit_id: Some(4),
        };
        assert!(officer.may_write_unit(&[8, 4, 1]));
        assert!(!officer.may_write_unit(&[9, 1]));
        assert!(!officer.may_write_unit(&[1]), "not the parent either");
        let finance = Actor {
            role: Role::Finance,
            ..officer.clone()
        };
        assert!(!finance.may_write_unit(&[8, 4, 1]));
        assert!(Actor::system().may_write_unit(&[]));
    }
}
