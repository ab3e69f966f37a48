//! Several server processes on one PostgreSQL (issue 19): what a user who
//! runs N stateless nodes behind a load balancer relies on, checked across
//! real `snackbase serve` processes. Skipped without
//! `SNACKBASE_TEST_POSTGRES_URL`, except in CI, where a skip fails.

#![allow(clippy::unwrap_used, reason = "tests fail loudly on purpose")]

mod audit;
mod cluster;
mod delivery;
mod failure;
mod files;
#[allow(
    dead_code,
    reason = "shared with the server's integration tests; not all of it is used here"
)]
#[path = "../../../snackbase-server/tests/integration/s3.rs"]
mod s3;
mod sessions;
#[path = "../../../snackbase-server/tests/integration/shared.rs"]
mod shared;
