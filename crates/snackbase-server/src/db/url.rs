//! Parsing of `SNACKBASE_DATABASE_URL`.

use std::path::PathBuf;

/// Which database a URL names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Sqlite(PathBuf),
    Postgres(String),
}

impl DatabaseUrl {
    /// Accepts `sqlite:///path`, `sqlite://path`, `sqlite:path`, the original's
    /// `sqlite+aiosqlite:///./path`, and `postgres://` / `postgresql://` /
    /// `postgresql+asyncpg://` URLs.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        let (scheme, rest) = raw
            .split_once(':')
            .ok_or_else(|| "expected a URL such as sqlite:///./sb_data/snackbase.db".to_string())?;
        let driver = scheme
            .split('+')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        match driver.as_str() {
            "sqlite" => {
                // `sqlite:///./a.db` and `sqlite:///abs.db` (three slashes, SQLAlchemy style),
                // `sqlite://a.db` and `sqlite:a.db`.
                let path = if let Some(p) = rest.strip_prefix("///") {
                    if p.starts_with('.') || p.starts_with('~') {
                        p.to_string()
                    } else {
                        format!("/{p}")
                    }
                } else if let Some(p) = rest.strip_prefix("//") {
                    p.to_string()
                } else {
                    rest.to_string()
                };
                let path = path.split('?').next().unwrap_or_default().to_string();
                if path.is_empty() || path == ":memory:" {
                    return Err("a SQLite database needs a file path".into());
                }
                Ok(Self::Sqlite(PathBuf::from(path)))
            }
            "postgres" | "postgresql" => {
                if !rest.starts_with("//") {
                    return Err("expected postgres://user@host:port/database".into());
                }
                Ok(Self::Postgres(format!("postgres:{rest}")))
            }
            _ => Err(format!(
                "unsupported database {scheme:?}: use sqlite:// or postgres://"
            )),
        }
    }

    /// The URL with any password replaced by `***`.
    pub fn redacted(raw: &str) -> String {
        match raw.split_once("://") {
            Some((scheme, rest)) => match rest.split_once('@') {
                Some((userinfo, host)) => {
                    let user = userinfo.split(':').next().unwrap_or_default();
                    if userinfo.contains(':') {
                        format!("{scheme}://{user}:***@{host}")
                    } else {
                        format!("{scheme}://{user}@{host}")
                    }
                }
                None => raw.to_string(),
            },
            None => raw.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_original_forms() {
        assert_eq!(
            DatabaseUrl::parse("sqlite+aiosqlite:///./sb_data/snackbase.db").unwrap(),
            DatabaseUrl::Sqlite("./sb_data/snackbase.db".into())
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite:///tmp/x.db").unwrap(),
            DatabaseUrl::Sqlite("/tmp/x.db".into())
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite://data.db").unwrap(),
            DatabaseUrl::Sqlite("data.db".into())
        );
        assert_eq!(
            DatabaseUrl::parse("postgresql+asyncpg://u:p@h:5432/d").unwrap(),
            DatabaseUrl::Postgres("postgres://u:p@h:5432/d".into())
        );
        assert!(DatabaseUrl::parse("mysql://x").is_err());
        assert!(DatabaseUrl::parse("nonsense").is_err());
    }

    #[test]
    fn redacts_passwords() {
        assert_eq!(
            DatabaseUrl::redacted("postgres://u:secret@h/d"),
            "postgres://u:***@h/d"
        );
        assert_eq!(
            DatabaseUrl::redacted("postgres://u@h/d"),
            "postgres://u@h/d"
        );
    }
}
