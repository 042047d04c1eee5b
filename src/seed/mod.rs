//! Seeding a database: the demo data set (`bidtrack demo`) and the large synthetic one
//! (`bidtrack gen`, benchmarks, tests). It sits at the level of the interfaces: it calls
//! `services` (and `db`, for `gen`'s multi-row inserts), and nothing in `services` or below
//! imports it.

pub mod demo;
pub mod generate;
pub mod projects;
