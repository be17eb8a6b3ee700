//! The `[[tenants]]` tables: each Auth0 tenant's application, scopes, tool lists and user policy.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use gw_oauth::{ClientSecret, GrantMode, Scope, ScopeSet, TenantSettings, UserGrant, UserMatch};
use gw_policy::{LimitSpec, MaskingSpec, RuleSpec};
use secrecy::ExposeSecret;
use url::Url;

use super::TenantPolicies;
use super::check::{Checker, is_loopback_host};
use super::raw::{RawTenant, RawUserGrant};

impl Checker<'_> {
    /// The tenants, and the policies of those that have any.
    pub(super) fn tenants(
        &mut self,
        raw: Vec<RawTenant>,
    ) -> (Vec<TenantSettings>, BTreeMap<String, TenantPolicies>) {
        let mut tenants = Vec::new();
        let mut policies = BTreeMap::new();
        let mut names = HashSet::new();
        for (i, raw) in raw.into_iter().enumerate() {
            if let Some((tenant, rules)) = self.tenant(&format!("tenants[{i}]"), raw) {
                if !rules.rules.is_empty() || !rules.masking.is_empty() || !rules.limits.is_empty()
                {
                    policies.insert(tenant.name.clone(), rules);
                }
                if !names.insert(tenant.name.clone()) {
                    self.problem(
                        format!("tenants[{i}].name"),
                        format!(
                            "`{}` is used by an earlier tenant; names must be unique",
                            tenant.name
                        ),
                    );
                }
                tenants.push(tenant);
            }
        }
        (tenants, policies)
    }

    fn tenant(&mut self, key: &str, raw: RawTenant) -> Option<(TenantSettings, TenantPolicies)> {
        let before = self.problem_count();
        let name = self.required(key, "name", raw.name);
        if let Some(name) = &name
            && !valid_tenant_name(name)
        {
            self.problem(format!("{key}.name"), format!("`{name}` must be 1–63 lowercase letters, digits, `-` or `_`, starting with a letter or digit"));
        }
        let domain = self
            .required(key, "domain", raw.domain)
            .and_then(|domain| self.domain(key, domain));
        let base_url = match (&raw.base_url, &domain) {
            (Some(text), _) => self.base_url(key, text),
            (None, Some(domain)) => Url::parse(&format!("https://{domain}")).ok(),
            (None, None) => None,
        };
        let client_id = self.required(key, "client_id", raw.client_id);
        let client_secret = self
            .secret(
                key,
                "client_secret",
                "the client secret",
                raw.client_secret,
                raw.client_secret_env,
                raw.client_secret_file,
            )
            .map(|secret| ClientSecret::new(secret.expose_secret()));
        let grant = match raw.grant.as_deref() {
            None | Some("client_credentials") => Some(GrantMode::ClientCredentials),
            Some("authorization_code") => Some(GrantMode::AuthorizationCode),
            Some(other) => {
                self.problem(
                    format!("{key}.grant"),
                    format!("`{other}` is neither `client_credentials` nor `authorization_code`"),
                );
                None
            }
        };
        let scopes = self.scopes(key, raw.scopes);
        let allow = raw
            .allow
            .map(|list| self.tool_names(&format!("{key}.allow"), list));
        let deny = raw
            .deny
            .map(|list| self.tool_names(&format!("{key}.deny"), list))
            .unwrap_or_default();
        let user_policy = match (raw.users, grant, scopes) {
            (None, _, _) => Vec::new(),
            (Some(_), Some(GrantMode::AuthorizationCode), _) => {
                self.problem(
                    format!("{key}.users"),
                    "applies only to client_credentials tenants: with authorization_code each user gets what Auth0 grants their own token",
                );
                Vec::new()
            }
            (Some(users), _, scopes) => self.user_policy(key, users, scopes.unwrap_or_default()),
        };
        let policies = self.policies(
            key,
            raw.policies.unwrap_or_default(),
            raw.masking.unwrap_or_default(),
            raw.limits.unwrap_or_default(),
        );
        if self.problem_count() > before {
            return None;
        }
        let settings = TenantSettings {
            name: name?,
            domain: domain?,
            base_url: base_url?,
            client_id: client_id?,
            client_secret: client_secret?,
            grant: grant?,
            scopes: scopes?,
            read_only: raw.read_only.unwrap_or(false),
            allow,
            deny,
            user_policy,
        };
        Some((settings, policies?))
    }

    /// `[[tenants.policies]]`, `[[tenants.masking]]` and `[[tenants.limits]]`, checked against
    /// the tools this gateway has (as the portal's are).
    fn policies(
        &mut self,
        key: &str,
        rules: Vec<RuleSpec>,
        masking: Vec<MaskingSpec>,
        limits: Vec<LimitSpec>,
    ) -> Option<TenantPolicies> {
        match crate::tenant_policies::check(&rules, &masking, &limits) {
            Ok(set) => Some(TenantPolicies {
                rules,
                masking,
                limits,
                set: Arc::new(set),
            }),
            Err(problems) => {
                for problem in problems {
                    self.problem(format!("{key}.{}", problem.key), problem.why);
                }
                None
            }
        }
    }

    fn user_policy(
        &mut self,
        key: &str,
        users: Vec<RawUserGrant>,
        tenant_scopes: ScopeSet,
    ) -> Vec<UserGrant> {
        let mut policy = Vec::new();
        for (i, raw) in users.into_iter().enumerate() {
            let key = format!("{key}.users[{i}]");
            let matches = match (raw.user_id, raw.email, raw.email_domain) {
                (Some(id), None, None) => Some(UserMatch::UserId(id)),
                (None, Some(email), None) if email.contains('@') => Some(UserMatch::Email(email)),
                (None, Some(email), None) => {
                    self.problem(
                        format!("{key}.email"),
                        format!("`{email}` is not an email address"),
                    );
                    None
                }
                (None, None, Some(domain))
                    if gw_oauth::is_hostname(domain.trim_start_matches('@')) =>
                {
                    Some(UserMatch::EmailDomain(
                        domain.trim_start_matches('@').to_owned(),
                    ))
                }
                (None, None, Some(domain)) => {
                    self.problem(
                        format!("{key}.email_domain"),
                        format!("`{domain}` is not a domain, e.g. example.com"),
                    );
                    None
                }
                _ => {
                    self.problem(
                        key.clone(),
                        "give exactly one of user_id, email or email_domain",
                    );
                    None
                }
            };
            let scopes = match raw.scopes {
                None => {
                    self.problem(
                        format!("{key}.scopes"),
                        "is required: list what these users get",
                    );
                    None
                }
                Some(names) => match ScopeSet::parse_list(&names.join(",")) {
                    Err(e) => {
                        self.problem(format!("{key}.scopes"), e.to_string());
                        None
                    }
                    Ok(set) if !set.difference(tenant_scopes).is_empty() => {
                        self.problem(
                            format!("{key}.scopes"),
                            format!(
                                "{} not in the tenant's scopes",
                                set.difference(tenant_scopes).names().join(", ")
                            ),
                        );
                        None
                    }
                    Ok(set) => Some(set),
                },
            };
            if let (Some(matches), Some(scopes)) = (matches, scopes) {
                policy.push(UserGrant { matches, scopes });
            }
        }
        policy
    }

    fn domain(&mut self, key: &str, domain: String) -> Option<String> {
        if gw_oauth::is_hostname(&domain) {
            Some(domain.to_ascii_lowercase())
        } else {
            self.problem(
                format!("{key}.domain"),
                format!("`{domain}` is not a hostname; give the tenant's domain as shown in Auth0, e.g. my-tenant.us.auth0.com (no https://, no path)"),
            );
            None
        }
    }

    fn base_url(&mut self, key: &str, text: &str) -> Option<Url> {
        match Url::parse(text) {
            Ok(url) if url.scheme() == "https" && url.host().is_some() => Some(url),
            Ok(url) if url.scheme() == "http" && is_loopback_host(&url) => Some(url),
            Ok(url) if url.scheme() == "http" => {
                self.problem(
                    format!("{key}.base_url"),
                    "must be https unless the host is loopback: tokens travel over it",
                );
                None
            }
            _ => {
                self.problem(
                    format!("{key}.base_url"),
                    format!("`{text}` is not an http(s) URL"),
                );
                None
            }
        }
    }

    fn scopes(&mut self, key: &str, scopes: Option<Vec<String>>) -> Option<ScopeSet> {
        let Some(scopes) = scopes else {
            self.problem(
                format!("{key}.scopes"),
                "is required: list the scopes the gateway may use on this tenant",
            );
            return None;
        };
        let mut set = ScopeSet::EMPTY;
        let mut ok = true;
        for (i, name) in scopes.iter().enumerate() {
            match name.parse::<Scope>() {
                Ok(scope) => set.insert(scope),
                Err(e) => {
                    self.problem(format!("{key}.scopes[{i}]"), e.to_string());
                    ok = false;
                }
            }
        }
        if ok && !set.contains(Scope::Openid) {
            self.problem(
                format!("{key}.scopes"),
                "must include `openid`: every connection identifies its user with OpenID Connect",
            );
            ok = false;
        }
        ok.then_some(set)
    }

    fn tool_names(&mut self, key: &str, names: Vec<String>) -> Vec<String> {
        for (i, name) in names.iter().enumerate() {
            if gw_mcp::catalog().get(name).is_none() {
                self.problem(
                    format!("{key}[{i}]"),
                    format!("`{name}` is not a tool; `mcp-gateway tools` lists them"),
                );
            }
        }
        names
    }
}

/// A tenant name: it appears in URLs (`/connect/NAME`) and audit records.
pub(crate) fn valid_tenant_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 63
        && bytes[0].is_ascii_alphanumeric()
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-' || *b == b'_')
}
