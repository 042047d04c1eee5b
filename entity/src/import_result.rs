//! `import_results`: the errors an import found, kept for a day so the officer who saw them can
//! download them as CSV. The download reads them here, by id and owner, instead of taking back
//! from the browser a list it could have changed.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "import_results")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Who imported: nobody else may read the errors (they quote the file's cells).
    pub user_id: i64,
    pub created_at: DateTimeUtc,
    /// The errors, a JSON array of `{row, column, value, message}`.
    #[sea_orm(column_type = "Text")]
    pub errors: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
