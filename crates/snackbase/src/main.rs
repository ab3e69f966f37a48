//! The `snackbase` command: `serve`, `migrate`, `create-superadmin`, `info`.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
