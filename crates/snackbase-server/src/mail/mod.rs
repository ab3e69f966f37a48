//! Outgoing email over SMTP, from templates the superadmin can edit.

mod compose;
mod logs;
mod server;
mod templates;

use lettre::message::{header::ContentType, Mailbox};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

pub use logs::EmailLog;
pub use server::{check_public, from_values, server_for};
pub use templates::{render, template, Template};

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;
use crate::config::{SmtpConfig, SmtpSecurity};
use crate::db::Db;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(templates::list_templates))
        .routes(routes!(templates::get_template, templates::put_template))
        .routes(routes!(compose::render_email_template))
        .routes(routes!(compose::send_test_email))
        .routes(routes!(logs::list_email_logs))
        .routes(routes!(logs::get_email_log))
}

/// A message from a template, as [`deliver`] sends and logs it.
pub struct Outgoing<'a> {
    pub account_id: Option<&'a str>,
    /// The template's key.
    pub template_type: &'a str,
    pub to: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
    /// The template's values (secret-looking ones are redacted in the log).
    pub variables: &'a [(&'a str, &'a str)],
}

/// Whether the SMTP server accepts connections (a TCP connect within two
/// seconds; no message, no login): the readiness probe's mail check.
pub async fn reachable(config: &SmtpConfig) -> bool {
    let connect = tokio::net::TcpStream::connect((config.host.as_str(), config.port));
    matches!(
        tokio::time::timeout(std::time::Duration::from_secs(2), connect).await,
        Ok(Ok(_))
    )
}

/// Sends a message and records the attempt in the email log. Every mail the
/// server sends goes through here.
pub async fn deliver(db: &Db, config: &SmtpConfig, mail: Outgoing<'_>) -> Result<(), String> {
    let outcome = send(config, mail.to, mail.subject, mail.body).await;
    logs::record(
        db,
        logs::Entry {
            account_id: mail.account_id,
            template_type: mail.template_type,
            recipient: mail.to,
            subject: mail.subject,
            variables: mail.variables,
            outcome: &outcome,
        },
    )
    .await;
    outcome
}

/// Sends one plain-text message. Errors are for logging, not for clients.
async fn send(config: &SmtpConfig, to: &str, subject: &str, body: &str) -> Result<(), String> {
    check_public(config).await?;
    let from: Mailbox = config
        .from
        .parse()
        .map_err(|e| format!("the sender address: {e}"))?;
    let to: Mailbox = to.parse().map_err(|e| format!("recipient: {e}"))?;
    let message = Message::builder()
        .from(from)
        .to(to)
        .subject(subject)
        .header(ContentType::TEXT_PLAIN)
        .body(body.to_string())
        .map_err(|e| e.to_string())?;
    transport(config)?
        .send(message)
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// A client for the server (nothing is sent until it is used).
fn transport(config: &SmtpConfig) -> Result<AsyncSmtpTransport<Tokio1Executor>, String> {
    let builder = match config.security {
        SmtpSecurity::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.host),
        SmtpSecurity::StartTls => {
            AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&config.host)
                .map_err(|e| e.to_string())?
        }
        SmtpSecurity::Tls => {
            AsyncSmtpTransport::<Tokio1Executor>::relay(&config.host).map_err(|e| e.to_string())?
        }
    };
    let mut builder = builder
        .port(config.port)
        .timeout(Some(std::time::Duration::from_secs(15)));
    if let (Some(user), Some(password)) = (&config.username, &config.password) {
        builder = builder.credentials(Credentials::new(
            user.clone(),
            password.expose().to_string(),
        ));
    }
    Ok(builder.build())
}

/// Connects, greets, upgrades to TLS and logs in as a mail would, without
/// sending one (test-connection). The error is a sentence for an admin.
pub async fn probe(config: &SmtpConfig) -> Result<(), String> {
    check_public(config).await?;
    match transport(config)?.test_connection().await {
        Ok(true) => Ok(()),
        Ok(false) => Err(format!(
            "{}:{} did not accept the connection",
            config.host, config.port
        )),
        Err(e) => Err(format!("{}:{}: {e}", config.host, config.port)),
    }
}
