//! Integration tests: the real router over real HTTP, on SQLite and PostgreSQL.

#![allow(clippy::unwrap_used, reason = "tests fail loudly on purpose")]

mod harness;
mod shared;

mod accounts;
mod aggregate;
mod api_keys;
mod audit;
mod audit_paths;
mod auth;
mod authz;
mod backups;
mod collection_rules;
mod collections;
mod collections_sdk;
mod configuration;
mod cursors;
mod dashboard;
mod email;
mod email_flows;
mod feed;
mod files;
mod files_modifiers;
mod files_sweep;
mod groups;
mod health;
mod hooks;
mod impersonation;
mod invitations;
mod jobs;
mod listing;
mod logs;
mod macros;
mod metrics;
mod migrations_api;
mod oauth;
mod oidc;
mod protection;
mod providers;
mod rate_limits;
mod realtime;
mod records;
mod row_security;
mod s3;
mod schema_changes;
mod sdk_filters;
mod search;
mod setup;
mod smtp;
mod tenancy;
mod tokens;
mod totp;
mod users;
mod webhooks;
