//! One function per user intention. Services own the transaction, apply the domain rules and
//! call `db`; every interface (CLI, API, web, reports) goes through them.

pub mod compliance;
pub mod demo;
pub mod packages;
