//! The gateway end to end, in one test binary: a fake Auth0 tenant on 127.0.0.1:0 and the gateway
//! in this process, as the real binary serving HTTP, or over stdio (see `harness`). One binary
//! links the dependency tree once, where one binary per file linked it thirty times.
//!
//! Every test here shares this process: nothing may set the environment, the current directory
//! or a global logger in-process (what needs the process to itself runs the real binary as a
//! child), and the metrics recorder is shared (gauges are set at scrape time from the app's own
//! state, so a test still reads its own gateway's numbers).

mod harness;

mod admin_portal;
mod approval_page;
mod audit_journal;
mod check_online;
mod cli_startup;
mod client_metadata;
mod client_snippets;
mod confirm_link;
mod connect_cli;
mod connect_flow;
mod data_protection;
mod demo_http;
mod graceful_shutdown;
mod hostile_http;
mod http_transport;
mod incremental_consent;
mod input_properties;
mod keys_cli;
mod legacy_sse;
mod limits;
mod logs_and_clients_tools;
mod machine_token;
mod message_logging;
mod misuse_audit;
mod oauth_clients_cli;
mod oauth_server;
mod organizations_tools;
mod otlp_export;
mod policies;
mod portal_least_privilege;
mod portal_masking_preview;
mod portal_policies;
mod replicas;
mod resources_and_prompts;
mod roles_tools;
mod scope_challenges;
mod session_limits;
mod shipped_files;
mod stdio_protocol;
mod step_up;
mod store_outage;
mod token_vault;
mod tool_listing;
mod upstream_errors;
mod upstream_faults;
mod users_tools;
