//! The `snackbase` command: `serve`, `migrate`, `create-superadmin`, `info`,
//! `collections`, `audit`, `backup`, `restore`.

mod audit;
mod backup;
mod cli;

/// mimalloc returns freed memory to the system promptly and keeps no
/// per-thread arenas full of freed blocks, where glibc's malloc held on to
/// the memory of every thread that ever hashed a password (peak RSS under a
/// login burst), and it allocates faster.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    cli::main()
}
