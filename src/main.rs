fn main() -> std::process::ExitCode {
    promua_sync::cli::main()
}
