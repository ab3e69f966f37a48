//! Integration tests of the rule language, built as one binary:
//!
//! - `agreement`: the evaluator and the compiled SQL select the same records,
//!   on SQLite and (when configured) PostgreSQL, for generated schemas,
//!   records and well-typed expressions;
//! - `robustness`: nothing panics on arbitrary text or generated trees, and
//!   printed trees parse back;
//! - `hostile`: injection attempts and resource attacks are refused or bound;
//! - `index`: a list query filtered on an indexed field searches the index;
//! - `sdk`: the SDK's filter dialect compiles like the rule syntax.

mod agreement;
mod db;
mod gen;
mod hostile;
mod index;
mod robustness;
mod sdk;
