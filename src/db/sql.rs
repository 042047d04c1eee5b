//! A small builder for hand-written SQL that must run on SQLite and PostgreSQL: it writes each
//! bound value's placeholder in the engine's syntax (`?` or `$n`) as the text is built, so the
//! text and the value list cannot get out of step.

use sea_orm::{DbBackend, Statement, Value};

pub struct Sql {
    backend: DbBackend,
    text: String,
    values: Vec<Value>,
}

impl Sql {
    pub fn new(backend: DbBackend) -> Self {
        Sql {
            backend,
            text: String::new(),
            values: Vec::new(),
        }
    }

    pub fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Appends a placeholder bound to `value`.
    pub fn bind(&mut self, value: impl Into<Value>) -> &mut Self {
        self.values.push(value.into());
        match self.backend {
            DbBackend::Postgres => {
                self.text.push('$');
                self.text.push_str(&self.values.len().to_string());
            }
            _ => self.text.push('?'),
        }
        self
    }

    /// Appends `(?, ?, …)` bound to `values`; `(NULL)` when empty, which matches nothing.
    pub fn bind_list<V: Into<Value>>(&mut self, values: impl IntoIterator<Item = V>) -> &mut Self {
        self.push("(");
        let mut first = true;
        for v in values {
            if !first {
                self.push(", ");
            }
            first = false;
            self.bind(v);
        }
        if first {
            self.push("NULL");
        }
        self.push(")")
    }

    pub fn build(self) -> Statement {
        Statement::from_sql_and_values(self.backend, self.text, self.values)
    }

    #[cfg(test)]
    pub fn text(&self) -> &str {
        &self.text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_follow_the_engine() {
        for (backend, expected) in [
            (DbBackend::Sqlite, "a = ? AND b IN (?, ?) AND c IN (NULL)"),
            (
                DbBackend::Postgres,
                "a = $1 AND b IN ($2, $3) AND c IN (NULL)",
            ),
        ] {
            let mut sql = Sql::new(backend);
            sql.push("a = ")
                .bind(1)
                .push(" AND b IN ")
                .bind_list(["x", "y"]);
            sql.push(" AND c IN ").bind_list(Vec::<i64>::new());
            assert_eq!(sql.text(), expected);
            assert_eq!(sql.build().values.map(|v| v.0.len()), Some(3));
        }
    }
}
