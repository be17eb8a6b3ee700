fn main() -> std::process::ExitCode {
    mcp_gateway::run()
}
