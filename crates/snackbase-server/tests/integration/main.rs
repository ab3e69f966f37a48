//! Integration tests: the real router over real HTTP, on SQLite and PostgreSQL.

#![allow(clippy::unwrap_used, reason = "tests fail loudly on purpose")]

mod harness;

mod accounts;
mod auth;
mod dashboard;
mod health;
mod setup;
mod tenancy;
mod tokens;
mod users;
