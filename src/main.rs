fn main() -> std::process::ExitCode {
    brine::cli::main()
}
