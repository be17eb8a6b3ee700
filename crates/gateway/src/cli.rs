//! The command line.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "mcp-gateway",
    version,
    about = "An MCP gateway for Auth0: manage a tenant's users, organizations, roles, logs and applications from AI agents, each tool guarded by its OAuth scope."
)]
pub struct Cli {
    /// The configuration file, for the commands that read one (before or after the command).
    #[arg(long, global = true, default_value = "gateway.toml")]
    pub config: PathBuf,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run against a built-in, seeded fake Auth0 tenant: nothing to configure.
    #[cfg(feature = "demo")]
    Demo {
        /// Serve over stdio instead of HTTP.
        #[arg(long)]
        stdio: bool,
        /// Narrow the scopes, e.g. `read:users,read:roles` (default: every scope).
        #[arg(long, value_delimiter = ',')]
        scopes: Option<Vec<String>>,
        /// HTTP: where to listen.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: std::net::SocketAddr,
        /// HTTP: where to keep the store (default: a temporary directory, removed on exit).
        #[arg(long)]
        data_dir: Option<PathBuf>,
        /// HTTP: accept requests without an access key. Refused unless listening on loopback.
        #[arg(long)]
        insecure_no_auth: bool,
        /// Turn on an example set of tool policies: organization deletes are refused, other
        /// deletes wait for an approval (`mcp-gateway approvals`), user and application updates
        /// ask the person at the client to confirm.
        #[arg(long)]
        policies: bool,
        /// HTTP: mask personal data in tool results: emails and phone numbers become pseudonyms
        /// the model can pass back (`pii:email:…`), IP addresses are redacted, user metadata is
        /// left out.
        #[arg(long)]
        data_protection: bool,
        /// How the demo tenant's calls are authorized: the gateway's machine token with every
        /// connected user allowed everything, or each connected user's own token (which, as on
        /// real Auth0, carries only current-user scopes: no tool beyond auth0_whoami).
        #[arg(long, value_enum, default_value_t = DemoGrant::ClientCredentials)]
        grant: DemoGrant,
        /// HTTP: accept Client ID Metadata Documents served on this machine (127.0.0.1,
        /// localhost, [::1]) with a certificate from this PEM file, to try a metadata-document
        /// client locally. Without it, documents are fetched from public addresses only.
        #[arg(long)]
        client_metadata_ca: Option<PathBuf>,
    },
    /// Serve every configured tenant over HTTP: streamable HTTP at /mcp, with access keys.
    Serve,
    /// Serve one tenant's tools over stdio (for Claude Desktop, Cursor, VS Code and other local MCP clients).
    Stdio {
        /// Which tenant of the configuration to serve, as the local operator.
        #[arg(long, required_unless_present = "connection")]
        tenant: Option<String>,
        /// Act as this connected user (`con_…`, from `mcp-gateway connect` or `connections list`).
        #[arg(long)]
        connection: Option<String>,
    },
    /// Check a configuration file and report every problem with its key and the reason.
    Check {
        /// Also check each tenant's application against its Auth0: domain, client ID, callback URL,
        /// secret and the Management API grant. Exits 1 when one fails.
        #[arg(long)]
        online: bool,
    },
    /// Create, list and revoke access keys for agents.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Connect a user to a tenant from the terminal: prints the sign-in URL, waits for Auth0's
    /// callback on the configured public URL, and stores the connection.
    Connect {
        #[arg(long)]
        tenant: String,
    },
    /// List and revoke connected users.
    Connections {
        #[command(subcommand)]
        command: ConnectionsCommand,
    },
    /// Create, list and revoke the operator portal's admin keys (sign in at /admin with one).
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// List and remove the MCP clients registered with the gateway's authorization server.
    OauthClients {
        #[command(subcommand)]
        command: OAuthClientsCommand,
    },
    /// List the tool calls waiting for approval under the tenants' policies, and approve or deny them.
    Approvals {
        #[command(subcommand)]
        command: ApprovalsCommand,
    },
    /// Show the tool calls recorded in the store's audit log.
    Audit(AuditCommand),
    /// Print the tool catalogue: name, description, scopes, annotations and input schema.
    Tools {
        #[arg(long, value_enum, default_value_t = ToolsFormat::Markdown)]
        format: ToolsFormat,
    },
    /// Print a fresh key for [store] encryption_key_env / encryption_key_file (32 random bytes, base64).
    GenKey,
    /// Re-seal every token in the store under a new encryption key (stop every replica first;
    /// restart them with the new key).
    Rekey {
        /// The environment variable holding the new key (`mcp-gateway gen-key`).
        #[arg(long)]
        new_key_env: String,
    },
    /// Exit 0 when an HTTP endpoint (e.g. /healthz) answers 2xx within 3 s: a container
    /// healthcheck that needs no curl in the image.
    Probe { url: String },
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Create a key; it is printed once and stored only as a hash.
    Create {
        #[arg(long)]
        tenant: String,
        /// Comma-separated scopes, e.g. `read:users,read:roles` (at most the tenant's).
        #[arg(long)]
        scopes: String,
        /// A name to recognise the key by.
        #[arg(long, default_value = "agent")]
        name: String,
        /// Days until the key expires (default: never).
        #[arg(long)]
        expires: Option<u32>,
    },
    /// List keys (never the keys themselves).
    List {
        #[arg(long)]
        tenant: Option<String>,
    },
    /// Revoke a key by its id (`key_…`); it is refused from the next request on.
    Revoke { id: String },
}

#[derive(Debug, Subcommand)]
pub enum ApprovalsCommand {
    /// List requests, newest first: by default those still waiting for a decision.
    List {
        /// Print JSON (every field, arguments with secrets masked) instead of one line each.
        #[arg(long)]
        json: bool,
        /// Every request kept (decided, used and expired ones too), not only those waiting.
        #[arg(long)]
        all: bool,
        /// Only this tenant's.
        #[arg(long)]
        tenant: Option<String>,
    },
    /// Approve a request by its id (`preq_…`), as the operator (one approval).
    Approve {
        id: String,
        /// Why, kept with the decision.
        #[arg(long)]
        note: Option<String>,
    },
    /// Deny a request by its id; the caller is told, with the note.
    Deny {
        id: String,
        #[arg(long)]
        note: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum OAuthClientsCommand {
    /// List registrations (never their secrets): id, name, whether a user ever authorized it,
    /// when it was registered, redirect URIs.
    List,
    /// Remove a registration by its id (`mcpc_…`): its tokens stop working at once and it can
    /// no longer be authorized.
    Remove { id: String },
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create an admin key for the operator portal; it is printed once and stored only as a hash.
    CreateKey {
        /// Whose key it is (shown in the portal).
        #[arg(long, default_value = "operator")]
        name: String,
    },
    /// List admin keys (never the keys themselves).
    ListKeys,
    /// Revoke an admin key by its id (`adm_…`); its portal sessions end at once.
    RevokeKey { id: String },
}

#[derive(Debug, clap::Args)]
pub struct AuditCommand {
    /// How far back: a duration (90s, 15m, 2h, 7d) or an RFC 3339 time.
    #[arg(long, default_value = "24h")]
    pub since: String,
    #[arg(long)]
    pub tenant: Option<String>,
    /// At most this many records, oldest first.
    #[arg(long, default_value_t = 1000)]
    pub limit: i64,
    /// One JSON object per line.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum ConnectionsCommand {
    /// List connections (never their tokens).
    List {
        #[arg(long)]
        tenant: Option<String>,
    },
    /// Revoke a connection: its refresh token is revoked at Auth0, its tokens erased, and every
    /// access key bound to it stops working.
    Revoke { id: String },
}

/// Spelled as in gateway.toml's `grant`.
#[cfg(feature = "demo")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
#[value(rename_all = "snake_case")]
pub enum DemoGrant {
    ClientCredentials,
    AuthorizationCode,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ToolsFormat {
    Json,
    Markdown,
}
