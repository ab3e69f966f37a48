//! SnackBase as a library: the server with two hooks and a route of our own.
//!
//! - records of `posts` get a `slug` made from their `title` (a hook that enriches);
//! - records of `posts` whose title contains "spam" are refused (a hook that rejects);
//! - `GET /hello` answers from our own handler, next to the SnackBase API.
//!
//! Run it with `cargo run -p snackbase-example-embedded` and the usual
//! `SNACKBASE_*` configuration.

use std::sync::Arc;

use axum::routing::get;
use serde_json::Value;
use snackbase_server::config::Config;
use snackbase_server::hooks::{Event, HookError, Hooks};
use snackbase_server::AppState;

fn slugify(title: &str) -> String {
    let words: Vec<String> = title
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    words.join("-")
}

/// The program's hooks.
fn hooks() -> Arc<Hooks> {
    let hooks = Hooks::new();
    // Enrich: runs first (priority 10) and fills `slug` from `title`.
    hooks.register(
        Event::RecordBeforeCreate,
        Some("posts"),
        10,
        |_app, mut event| async move {
            if let Some(record) = event.record.as_mut() {
                if let Some(title) = record
                    .get("title")
                    .and_then(Value::as_str)
                    .map(str::to_string)
                {
                    record.insert("slug".into(), Value::String(slugify(&title)));
                }
            }
            Ok(event)
        },
    );
    // Reject: a 422 with this message, and nothing is stored.
    hooks.register(
        Event::RecordBeforeCreate,
        Some("posts"),
        0,
        |_app, event| async move {
            let spam = event
                .record
                .as_ref()
                .and_then(|r| r.get("title"))
                .and_then(Value::as_str)
                .is_some_and(|t| t.contains("spam"));
            if spam {
                return Err(HookError::invalid("Posts about spam are not accepted"));
            }
            Ok(event)
        },
    );
    // Observe: after-hooks see what was committed.
    hooks.register(
        Event::RecordAfterCreate,
        Some("posts"),
        0,
        |_app, event| async move {
            println!("new post in {}", event.account_id.as_deref().unwrap_or("?"));
            Ok(event)
        },
    );
    Arc::new(hooks)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = Config::from_env()?;
    let address = format!("{}:{}", config.host, config.port);
    let state = AppState::build_with_hooks(config, hooks()).await?;
    let routes = axum::Router::new().route(
        "/hello",
        get(|| async { "Hello from the embedding program" }),
    );
    let listener = tokio::net::TcpListener::bind(&address).await?;
    println!("listening on {address}");
    snackbase_server::serve(state, listener, routes, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::slugify;

    #[test]
    fn slugs() {
        assert_eq!(slugify("Hello, World!"), "hello-world");
    }
}
