//! The tenant's data: every record the Management API reads and writes, and the
//! relations between them. One lock guards it all; requests hold it briefly and never
//! across an await.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use crate::authn::sessions::Sessions;
use crate::model::client::Client;
use crate::model::ids::log_id;
use crate::model::log_event::LogEvent;
use crate::model::organization::Organization;
use crate::model::resource_server::{PermissionRef, ResourceServer};
use crate::model::role::Role;
use crate::model::user::User;

/// A connection users can belong to.
#[derive(Clone, Debug)]
pub(crate) struct Connection {
    pub(crate) id: String,
    pub(crate) name: String,
    /// `auth0` for a database connection, else the social provider.
    pub(crate) strategy: String,
}

impl Connection {
    pub(crate) fn is_database(&self) -> bool {
        self.strategy == "auth0"
    }
}

#[derive(Debug, Default)]
pub(crate) struct Tenant {
    /// The tenant name Auth0 puts in a client's `tenant` field (first label of the domain).
    pub(crate) name: String,
    /// The logical domain, for `hostname` in log events.
    pub(crate) domain: String,
    pub(crate) users: BTreeMap<String, User>,
    pub(crate) organizations: BTreeMap<String, Organization>,
    pub(crate) roles: BTreeMap<String, Role>,
    /// Always sorted by `log_id`, which is date order.
    pub(crate) logs: Vec<LogEvent>,
    pub(crate) clients: BTreeMap<String, Client>,
    pub(crate) resource_servers: Vec<ResourceServer>,
    pub(crate) connections: Vec<Connection>,
    /// Users' login sessions, which decide `auth_time` and `amr` at the next login.
    pub(crate) sessions: Sessions,
    log_seq: u64,
}

/// What a new log event says; the tenant adds the id and the date.
pub(crate) struct NewLog<'a> {
    pub(crate) kind: &'a str,
    pub(crate) description: &'a str,
    pub(crate) client_id: Option<&'a str>,
    pub(crate) user_id: Option<&'a str>,
    pub(crate) details: Value,
}

impl Tenant {
    pub(crate) fn new(name: String, domain: String) -> Self {
        Tenant {
            name,
            domain,
            ..Tenant::default()
        }
    }

    pub(crate) fn connection(&self, name: &str) -> Option<&Connection> {
        self.connections.iter().find(|c| c.name == name)
    }

    pub(crate) fn role_ids_of(&self, user_id: &str) -> Vec<String> {
        self.roles
            .values()
            .filter(|r| r.users.contains(user_id))
            .map(|r| r.id.clone())
            .collect()
    }

    pub(crate) fn organizations_of(&self, user_id: &str) -> Vec<&Organization> {
        let mut orgs: Vec<&Organization> = self
            .organizations
            .values()
            .filter(|o| o.members.contains(user_id))
            .collect();
        orgs.sort_by(|a, b| a.name.cmp(&b.name));
        orgs
    }

    pub(crate) fn resource_server(&self, identifier: &str) -> Option<&ResourceServer> {
        self.resource_servers
            .iter()
            .find(|r| r.identifier == identifier)
    }

    /// The JSON Auth0 shows for a permission in role and user permission lists.
    pub(crate) fn render_permission(&self, p: &PermissionRef) -> Map<String, Value> {
        let rs = self.resource_server(&p.resource_server_identifier);
        let mut out = Map::new();
        out.insert("permission_name".into(), json!(p.permission_name));
        out.insert(
            "description".into(),
            json!(
                rs.and_then(|r| r.describe(&p.permission_name))
                    .unwrap_or("")
            ),
        );
        out.insert(
            "resource_server_name".into(),
            json!(rs.map(|r| r.name.as_str()).unwrap_or("")),
        );
        out.insert(
            "resource_server_identifier".into(),
            json!(p.resource_server_identifier),
        );
        out
    }

    /// Deletes a user, its session and every membership that points at it.
    pub(crate) fn remove_user(&mut self, user_id: &str) -> bool {
        let existed = self.users.remove(user_id).is_some();
        self.sessions.forget(user_id);
        for r in self.roles.values_mut() {
            r.users.remove(user_id);
        }
        for o in self.organizations.values_mut() {
            o.members.remove(user_id);
        }
        existed
    }

    /// Records a log event now. Ids stay in date order even if the clock steps back.
    pub(crate) fn log(&mut self, new: NewLog<'_>) {
        self.log_at(OffsetDateTime::now_utc(), new);
    }

    pub(crate) fn log_at(&mut self, date: OffsetDateTime, new: NewLog<'_>) {
        let date = match self.logs.last() {
            Some(last) if last.date > date => last.date,
            _ => date,
        };
        self.log_seq += 1;
        let mut fields = Map::new();
        fields.insert("type".into(), json!(new.kind));
        fields.insert("description".into(), json!(new.description));
        if let Some(cid) = new.client_id {
            fields.insert("client_id".into(), json!(cid));
            if let Some(c) = self.clients.get(cid) {
                fields.insert("client_name".into(), json!(c.name()));
            }
        }
        if let Some(uid) = new.user_id {
            fields.insert("user_id".into(), json!(uid));
            if let Some(u) = self.users.get(uid) {
                let name = u
                    .email
                    .clone()
                    .or_else(|| u.name.clone())
                    .unwrap_or_default();
                fields.insert("user_name".into(), json!(name));
                fields.insert("connection".into(), json!(u.connection()));
                if let Some(c) = self.connection(u.connection()) {
                    fields.insert("connection_id".into(), json!(c.id));
                    fields.insert("strategy".into(), json!(c.strategy));
                    let strategy_type = if c.is_database() {
                        "database"
                    } else {
                        "social"
                    };
                    fields.insert("strategy_type".into(), json!(strategy_type));
                }
            }
        }
        fields.insert("ip".into(), json!("127.0.0.1"));
        fields.insert("user_agent".into(), json!("fake-auth0"));
        fields.insert("hostname".into(), json!(self.domain));
        fields.insert("isMobile".into(), json!(false));
        fields.insert("details".into(), new.details);
        self.logs.push(LogEvent {
            log_id: log_id(date, self.log_seq),
            date,
            fields,
        });
    }

    /// Adds a fully formed event (seed data); keeps the log sorted.
    pub(crate) fn push_log(&mut self, date: OffsetDateTime, fields: Map<String, Value>) {
        self.log_seq += 1;
        self.logs.push(LogEvent {
            log_id: log_id(date, self.log_seq),
            date,
            fields,
        });
        self.logs.sort_by(|a, b| a.log_id.cmp(&b.log_id));
    }
}
