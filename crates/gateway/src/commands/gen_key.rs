//! `mcp-gateway gen-key`: a fresh key for sealing tokens at rest.

use std::process::ExitCode;

pub(super) fn execute() -> ExitCode {
    println!("{}", gw_oauth::TokenCipher::generate_key());
    ExitCode::SUCCESS
}
