//! The one table definition every report writer reads: columns with Vietnamese headers and a
//! kind, rows of typed cells. Writers decide presentation (thousands separators, percent formats),
//! never figures.

use crate::domain::compliance::Percent;
use serde::Serialize;

/// How a column's values are typed and shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Text,
    /// A count.
    Integer,
    /// An amount of money (in đồng, or in millions when the report says so).
    Money,
    /// A share, two decimals.
    Percent,
    Bool,
    Date,
}

#[derive(Debug, Clone, Serialize)]
pub struct Column {
    /// Stable snake_case key (JSON); built for reports whose columns depend on the data (one
    /// block per target in force).
    pub key: std::borrow::Cow<'static, str>,
    /// Vietnamese header (CSV, XLSX, HTML).
    pub header: String,
    pub kind: Kind,
}

impl Column {
    pub fn new(
        key: impl Into<std::borrow::Cow<'static, str>>,
        header: impl Into<String>,
        kind: Kind,
    ) -> Self {
        Column {
            key: key.into(),
            header: header.into(),
            kind,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    Empty,
    Text(String),
    Int(i64),
    /// Sums of amounts are `i128` (see `domain::compliance`).
    Money(i128),
    Percent(Option<Percent>),
    Bool(Option<bool>),
    Date(Option<chrono::NaiveDate>),
}

impl Cell {
    pub fn text(s: impl Into<String>) -> Self {
        Cell::Text(s.into())
    }

    /// The value in plain text: integers without separators, shares as `50.00`, booleans as
    /// Có/Không, dates ISO; what CSV writes and what JSON strings carry.
    pub fn plain(&self) -> std::borrow::Cow<'_, str> {
        use std::borrow::Cow;
        match self {
            Cell::Empty => Cow::Borrowed(""),
            Cell::Text(s) => Cow::Borrowed(s),
            Cell::Int(v) => Cow::Owned(v.to_string()),
            Cell::Money(v) => Cow::Owned(v.to_string()),
            Cell::Percent(p) => Cow::Owned(p.map(|p| p.to_string()).unwrap_or_default()),
            Cell::Bool(b) => Cow::Borrowed(
                b.map(|b| if b { "Có" } else { "Không" })
                    .unwrap_or_default(),
            ),
            Cell::Date(d) => Cow::Owned(d.map(|d| d.to_string()).unwrap_or_default()),
        }
    }
}

impl Serialize for Cell {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Cell::Empty => s.serialize_none(),
            Cell::Text(v) => s.serialize_str(v),
            Cell::Int(v) => s.serialize_i64(*v),
            Cell::Money(v) => s.serialize_i128(*v),
            Cell::Percent(p) => match p {
                Some(p) => s.collect_str(p),
                None => s.serialize_none(),
            },
            Cell::Bool(b) => match b {
                Some(b) => s.serialize_bool(*b),
                None => s.serialize_none(),
            },
            Cell::Date(d) => match d {
                Some(d) => s.collect_str(d),
                None => s.serialize_none(),
            },
        }
    }
}

/// What a row is: a data row, a subtotal of the rows above it, or the grand total.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RowKind {
    Data,
    Subtotal,
    Total,
}

#[derive(Debug, Clone)]
pub struct Row {
    pub kind: RowKind,
    /// Indentation level of the first text column (a unit's depth in the tree).
    pub level: u32,
    pub cells: Vec<Cell>,
}

impl Row {
    pub fn data(cells: Vec<Cell>) -> Self {
        Row {
            kind: RowKind::Data,
            level: 0,
            cells,
        }
    }
}

/// A report: a title, the lines that say what it covers, and one table.
#[derive(Debug, Clone)]
pub struct Table {
    pub title: String,
    /// (label, value) lines shown above the table: unit, year, view, rule, generated at.
    pub scope: Vec<(String, String)>,
    pub columns: Vec<Column>,
    pub rows: Vec<Row>,
    /// File name without extension, ASCII: `tuan-thu-qua-mang_HN-HADONG_2019`.
    pub file_stem: String,
}

impl Table {
    /// Rows as JSON objects keyed by column key.
    pub fn json(&self) -> serde_json::Value {
        let rows: Vec<serde_json::Value> = self
            .rows
            .iter()
            .map(|r| {
                let mut cells = serde_json::Map::new();
                for (col, cell) in self.columns.iter().zip(&r.cells) {
                    cells.insert(
                        col.key.to_string(),
                        serde_json::to_value(cell).unwrap_or_default(),
                    );
                }
                serde_json::json!({ "kind": r.kind, "level": r.level, "cells": cells })
            })
            .collect();
        serde_json::json!({
            "title": self.title,
            "scope": self.scope.iter().map(|(k, v)| serde_json::json!({"label": k, "value": v})).collect::<Vec<_>>(),
            "columns": self.columns,
            "rows": rows,
        })
    }
}
