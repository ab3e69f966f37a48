// `sqlx::migrate!` embeds the migration files at compile time; rebuild when
// one is added or changed (sqlx's documented recipe).
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
