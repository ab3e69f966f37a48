//! `snackbase audit …`: verify the trail in the database, verify an export
//! offline, print the public key.

use std::process::ExitCode;

use anyhow::Context as _;
use clap::Subcommand;
use snackbase_server::audit::{chain::Verifier, offline, signer_for, verify};
use snackbase_server::config::Config;

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Walk every chain and checkpoint and report the first broken link.
    Verify {
        /// Only this account's chain (`system` for system events).
        #[arg(long)]
        account: Option<String>,
        /// Verify signatures with this public key (hex) instead of the one
        /// derived from the secret key.
        #[arg(long)]
        public_key: Option<String>,
    },
    /// Verify a JSON or CSV export offline (no database needed).
    VerifyExport {
        file: std::path::PathBuf,
        /// The server's public key (hex); default: the one the file names.
        #[arg(long)]
        public_key: Option<String>,
    },
    /// Print the public key that verifies the trail's signatures.
    PublicKey,
}

pub async fn run(config: &Config, cmd: AuditCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        AuditCommand::PublicKey => {
            println!("{}", signer_for(config)?.public_key_hex());
            Ok(ExitCode::SUCCESS)
        }
        AuditCommand::VerifyExport { file, public_key } => {
            let bytes =
                std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            match offline::verify_export(&bytes, public_key.as_deref()) {
                Ok(c) => {
                    println!(
                        "OK: {} entries, generated {}, signed by {}",
                        c.entries, c.generated_at, c.public_key
                    );
                    if public_key.is_none() {
                        println!("(the key is the one the file names: compare it with the server's `snackbase audit public-key`)");
                    }
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    println!("FAILED: {e}");
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        AuditCommand::Verify {
            account,
            public_key,
        } => {
            let verifier = match public_key {
                Some(k) => Verifier::from_hex(&k)
                    .context("--public-key is not an ed25519 public key in hex")?,
                None => signer_for(config)?.verifier(),
            };
            let db = crate::cli::connect(config).await?;
            let chain = account.map(|a| {
                if a.eq_ignore_ascii_case("system") {
                    snackbase_server::audit::chain::SYSTEM_CHAIN.to_string()
                } else {
                    snackbase_server::audit::chain::chain_of(Some(&a.to_ascii_uppercase()))
                }
            });
            let started = std::time::Instant::now();
            let report = verify::verify(&db, &verifier, chain.as_deref()).await?;
            db.close().await;
            let mut entries = 0;
            for c in &report.chains {
                entries += c.entries;
                match &c.error {
                    None => println!(
                        "ok      {}: {} entries, head {}, {} checkpoints",
                        c.chain, c.entries, c.head_sequence, c.checkpoints
                    ),
                    Some(b) => println!(
                        "BROKEN  {}: at entry {}: {} ({})",
                        c.chain, b.sequence, b.message, b.kind
                    ),
                }
            }
            println!(
                "{}: {} chains, {entries} entries, verified in {:.2} s",
                if report.ok { "OK" } else { "FAILED" },
                report.chains.len(),
                started.elapsed().as_secs_f64()
            );
            if report.staged > 0 {
                println!(
                    "{} staged transactions are not chained yet (a running server's sealer chains them; start one to finish)",
                    report.staged
                );
            }
            Ok(if report.ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
    }
}
