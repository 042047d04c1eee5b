//! Integration tests: one binary, every test against a real database built by the real
//! migrations. Each test runs on SQLite (a fresh file) and, as its `_postgres` twin, on
//! PostgreSQL (a fresh database) when `TEST_DATABASE_URL` is set; under `CI=true` a missing
//! PostgreSQL fails the twin instead of skipping it.

mod support;

mod annual;
mod api;
mod auth;
mod browser;
mod cli;
mod client;
mod compliance;
mod concurrency;
mod demo;
mod fields;
mod generate;
mod http;
mod hygiene;
mod imports;
mod instances;
mod layers;
mod life;
mod migrations;
mod national;
mod ocds;
mod openapi;
mod ops;
mod overdue;
mod packages;
mod plan_link;
mod projects;
mod quarters;
mod reports;
mod scope_agreement;
mod security;
mod signals;
mod sync;
mod trend;
mod units_import;
mod units_validity;
mod web;
mod web_forms;
