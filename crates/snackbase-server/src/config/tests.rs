//! Unit tests of the configuration.

use super::*;

fn vars(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn defaults_match_the_original() {
    let c = Config::from_vars(vars(&[])).unwrap();
    assert_eq!(c.port, 8000);
    assert_eq!(c.host, "0.0.0.0");
    assert_eq!(c.api_prefix, "/api/v1");
    assert_eq!(c.access_token_expire_minutes, 60);
    assert_eq!(c.refresh_token_expire_days, 7);
    assert_eq!(
        c.cors_origins,
        vec!["http://localhost:3000", "http://localhost:8000"]
    );
    assert!(c.secret_key.is_none());
}

#[test]
fn lists_accept_json_and_commas() {
    let c = Config::from_vars(vars(&[("SNACKBASE_CORS_ORIGINS", "http://a, http://b")])).unwrap();
    assert_eq!(c.cors_origins, vec!["http://a", "http://b"]);
    let c = Config::from_vars(vars(&[("snackbase_cors_origins", r#"["http://c"]"#)])).unwrap();
    assert_eq!(c.cors_origins, vec!["http://c"]);
}

#[test]
fn bad_values_name_the_variable() {
    let e = Config::from_vars(vars(&[("SNACKBASE_PORT", "eighty")])).unwrap_err();
    assert_eq!(e.var, "SNACKBASE_PORT");
    let e = Config::from_vars(vars(&[("SNACKBASE_DEBUG", "maybe")])).unwrap_err();
    assert_eq!(e.var, "SNACKBASE_DEBUG");
    let e = Config::from_vars(vars(&[("SNACKBASE_DATABASE_URL", "mysql://x")])).unwrap_err();
    assert_eq!(e.var, "SNACKBASE_DATABASE_URL");
    let e = Config::from_vars(vars(&[("SNACKBASE_SECRET_KEY", "short")])).unwrap_err();
    assert_eq!(e.var, "SNACKBASE_SECRET_KEY");
    let e =
        Config::from_vars(vars(&[("SNACKBASE_REQUEST_LOGS_RETENTION_DAYS", "-1")])).unwrap_err();
    assert_eq!(
        Config::from_vars(vars(&[("SNACKBASE_CHANGE_LOG_RETENTION_SECONDS", "5")]))
            .unwrap_err()
            .var,
        "SNACKBASE_CHANGE_LOG_RETENTION_SECONDS"
    );
    assert_eq!(e.var, "SNACKBASE_REQUEST_LOGS_RETENTION_DAYS");
    let e = Config::from_vars(vars(&[("SNACKBASE_CORS_ORIGINS", "[1,2]")])).unwrap_err();
    assert_eq!(e.var, "SNACKBASE_CORS_ORIGINS");
    let c = Config::from_vars(vars(&[("SNACKBASE_SUPERADMIN_EMAIL", "a@b.com")])).unwrap();
    assert_eq!(
        c.check_superadmin_pair().unwrap_err().var,
        "SNACKBASE_SUPERADMIN_PASSWORD"
    );
}

#[test]
fn describe_redacts_secrets() {
    let c = Config::from_vars(vars(&[
        (
            "SNACKBASE_SECRET_KEY",
            "super-secret-value-that-is-long-enough-1234",
        ),
        (
            "SNACKBASE_DATABASE_URL",
            "postgres://u:hunter2@localhost/db",
        ),
        ("SNACKBASE_SUPERADMIN_EMAIL", "a@example.com"),
        ("SNACKBASE_SUPERADMIN_PASSWORD", "Sup3r-Secret!pw"),
    ]))
    .unwrap();
    let text = format!("{:?} {:?}", c.describe(), c);
    assert!(!text.contains("super-secret-value"));
    assert!(!text.contains("hunter2"));
    assert!(!text.contains("Sup3r-Secret"));
}

#[test]
fn protection_is_on_by_default_and_validated() {
    let c = Config::from_vars(vars(&[])).unwrap();
    assert!(c.rate_limits.enabled);
    assert_eq!(c.rate_limits.lockout_threshold, 5);
    assert_eq!(c.rate_limits.lockout_max_failures, 100);
    assert_eq!(c.server_limits.header_read_timeout.as_secs(), 10);
    assert!(c.server_limits.trusted_proxies.is_empty());
    let c = Config::from_vars(vars(&[(
        "SNACKBASE_TRUSTED_PROXIES",
        "10.0.0.0/8, 192.168.1.7,::1",
    )]))
    .unwrap();
    assert_eq!(c.server_limits.trusted_proxies.len(), 3);
    for (var, value) in [
        ("SNACKBASE_RATE_LIMIT_PER_MINUTE", "0"),
        ("SNACKBASE_RATE_LIMIT_PER_HOUR", "10"),
        ("SNACKBASE_AUTH_LOCKOUT_MAX_FAILURES", "101"),
        ("SNACKBASE_AUTH_LOCKOUT_MAX_SECONDS", "1"),
        ("SNACKBASE_TRUSTED_PROXIES", "10.0.0.0/33"),
        ("SNACKBASE_MAX_CONNECTIONS", "0"),
        ("SNACKBASE_BODY_TIMEOUT_SECONDS", "soon"),
        ("SNACKBASE_PERMISSION_CACHE_TTL_SECONDS", "300"),
    ] {
        let e = Config::from_vars(vars(&[(var, value)])).unwrap_err();
        assert_eq!(e.var, var, "{value}");
    }
    let e = Config::from_vars(vars(&[
        ("SNACKBASE_ENVIRONMENT", "production"),
        ("SNACKBASE_DEBUG", "true"),
    ]))
    .unwrap_err();
    assert_eq!(e.var, "SNACKBASE_DEBUG");
}

#[test]
fn storage_is_local_by_default_and_s3_is_validated() {
    let c = Config::from_vars(vars(&[])).unwrap();
    assert_eq!(c.storage, StorageBackend::Local);
    let s3 = [
        ("SNACKBASE_STORAGE_BACKEND", "s3"),
        ("SNACKBASE_STORAGE_S3_BUCKET", "my-files"),
        ("SNACKBASE_STORAGE_S3_ENDPOINT", "http://127.0.0.1:9000/"),
        ("SNACKBASE_STORAGE_S3_ACCESS_KEY_ID", "AKIDEXAMPLE"),
        (
            "SNACKBASE_STORAGE_S3_SECRET_ACCESS_KEY",
            "wJalrXUtnFEMI-very-secret",
        ),
        ("SNACKBASE_STORAGE_S3_FORCE_PATH_STYLE", "true"),
    ];
    let c = Config::from_vars(vars(&s3)).unwrap();
    let StorageBackend::S3(s) = &c.storage else {
        panic!("not s3")
    };
    assert_eq!(s.endpoint.as_deref(), Some("http://127.0.0.1:9000"));
    assert_eq!(s.region, "us-east-1");
    assert!(s.force_path_style);
    let text = format!("{:?} {:?}", c.describe(), c);
    assert!(!text.contains("very-secret"), "{text}");
    assert!(text.contains("AKIDEXAMPLE"));

    for (var, value) in [
        ("SNACKBASE_STORAGE_BACKEND", "ftp"),
        ("SNACKBASE_STORAGE_S3_BUCKET", "Bad_Bucket"),
        ("SNACKBASE_STORAGE_S3_ENDPOINT", "ftp://host"),
        ("SNACKBASE_STORAGE_S3_FORCE_PATH_STYLE", "maybe"),
        ("SNACKBASE_FILE_TOKEN_SECONDS", "1"),
        ("SNACKBASE_MAX_FILE_SIZE", "0"),
        ("SNACKBASE_FILES_SWEEP_INTERVAL_SECONDS", "30"),
        ("SNACKBASE_FILES_SWEEP_INTERVAL_SECONDS", "-1"),
        ("SNACKBASE_FILES_SWEEP_GRACE_SECONDS", "0"),
        ("SNACKBASE_FILES_SWEEP_GRACE_SECONDS", "99999999"),
    ] {
        let mut all: Vec<(&str, &str)> = s3.iter().copied().filter(|(k, _)| *k != var).collect();
        all.push((var, value));
        let e = Config::from_vars(vars(&all)).unwrap_err();
        assert_eq!(e.var, var, "{value}");
    }
    let e = Config::from_vars(vars(&[("SNACKBASE_STORAGE_BACKEND", "s3")])).unwrap_err();
    assert_eq!(e.var, "SNACKBASE_STORAGE_S3_BUCKET");
    let mut half = s3.to_vec();
    half.retain(|(k, _)| *k != "SNACKBASE_STORAGE_S3_ACCESS_KEY_ID");
    let e = Config::from_vars(vars(&half)).unwrap_err();
    assert_eq!(e.var, "SNACKBASE_STORAGE_S3_SECRET_ACCESS_KEY");
}

#[test]
fn backups_run_at_idle_cpu_priority_unless_told_otherwise() {
    let c = Config::from_vars(vars(&[])).unwrap();
    assert!(c.backup.idle_cpu);
    assert_eq!(c.backup.write_rate, 50 * 1024 * 1024);
    let c = Config::from_vars(vars(&[("SNACKBASE_BACKUP_IDLE_CPU", "false")])).unwrap();
    assert!(!c.backup.idle_cpu);
    let e = Config::from_vars(vars(&[("SNACKBASE_BACKUP_IDLE_CPU", "sometimes")])).unwrap_err();
    assert_eq!(e.var, "SNACKBASE_BACKUP_IDLE_CPU");
}
