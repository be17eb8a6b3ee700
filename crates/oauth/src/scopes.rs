//! The product's scope list: the 22 scopes an operator can select for a tenant.
//!
//! These are the gateway's own names. Most are Auth0 scopes verbatim; `manage:organization_members`
//! is not (Auth0 has no such scope), so it is requested as the two Auth0 scopes it stands for and
//! counts as granted only when Auth0 granted both.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

macro_rules! scopes {
    ($( $variant:ident = $name:literal, $description:literal, [$($auth0:literal),+]; )+) => {
        /// One selectable scope of the product's scope list.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Scope { $($variant),+ }

        impl Scope {
            /// Every selectable scope, in the order operators see them.
            pub const ALL: &'static [Scope] = &[$(Scope::$variant),+];

            /// The scope's name as operators and tool listings show it.
            pub const fn as_str(self) -> &'static str {
                match self { $(Scope::$variant => $name),+ }
            }

            /// What the scope lets a caller do, in words for an operator.
            pub const fn description(self) -> &'static str {
                match self { $(Scope::$variant => $description),+ }
            }

            /// The Auth0 scopes requested for this scope.
            pub const fn auth0_scopes(self) -> &'static [&'static str] {
                match self { $(Scope::$variant => &[$($auth0),+]),+ }
            }
        }
    };
}

scopes! {
    Openid = "openid", "Required for OpenID Connect authentication", ["openid"];
    Profile = "profile", "The connected user's profile", ["profile"];
    Email = "email", "The connected user's email address", ["email"];
    OfflineAccess = "offline_access", "Refresh tokens for long-lived access", ["offline_access"];
    ReadUsers = "read:users", "Read users", ["read:users"];
    UpdateUsers = "update:users", "Update users", ["update:users"];
    DeleteUsers = "delete:users", "Delete users", ["delete:users"];
    CreateUsers = "create:users", "Create users", ["create:users"];
    ReadUserIdpTokens = "read:user_idp_tokens", "Read users' identity-provider tokens", ["read:user_idp_tokens"];
    ReadOrganizations = "read:organizations", "Read organizations", ["read:organizations"];
    UpdateOrganizations = "update:organizations", "Update organizations", ["update:organizations"];
    CreateOrganizations = "create:organizations", "Create organizations", ["create:organizations"];
    DeleteOrganizations = "delete:organizations", "Delete organizations", ["delete:organizations"];
    ReadOrganizationMembers = "read:organization_members", "Read organization members", ["read:organization_members"];
    ManageOrganizationMembers = "manage:organization_members", "Add and remove organization members",
        ["create:organization_members", "delete:organization_members"];
    ReadRoles = "read:roles", "Read roles", ["read:roles"];
    CreateRoles = "create:roles", "Create roles", ["create:roles"];
    UpdateRoles = "update:roles", "Update roles", ["update:roles"];
    DeleteRoles = "delete:roles", "Delete roles", ["delete:roles"];
    ReadLogs = "read:logs", "Read log events", ["read:logs"];
    ReadClients = "read:clients", "Read applications", ["read:clients"];
    UpdateClients = "update:clients", "Update applications", ["update:clients"];
}

impl Scope {
    const fn bit(self) -> u32 {
        1 << (self as u32)
    }
}

/// A scope name that is not on the product's list.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown scope `{0}`; the selectable scopes are: {list}", list = Scope::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", "))]
pub struct UnknownScope(pub String);

impl FromStr for Scope {
    type Err = UnknownScope;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Scope::ALL
            .iter()
            .copied()
            .find(|scope| scope.as_str() == s)
            .ok_or_else(|| UnknownScope(s.to_owned()))
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Scope {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Scope {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        name.parse().map_err(serde::de::Error::custom)
    }
}

/// A set of product scopes. Copy-cheap, so principals and tools can hold one by value.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ScopeSet(u32);

impl ScopeSet {
    pub const EMPTY: ScopeSet = ScopeSet(0);

    /// Every selectable scope.
    pub fn all() -> ScopeSet {
        Scope::ALL.iter().copied().collect()
    }

    /// The identity scopes (`openid`, `profile`, `email`, `offline_access`): they describe a
    /// login, not a Management API permission.
    pub const IDENTITY: ScopeSet = ScopeSet::from_slice(&[
        Scope::Openid,
        Scope::Profile,
        Scope::Email,
        Scope::OfflineAccess,
    ]);

    pub const fn from_slice(scopes: &[Scope]) -> ScopeSet {
        let mut bits = 0;
        let mut i = 0;
        while i < scopes.len() {
            bits |= scopes[i].bit();
            i += 1;
        }
        ScopeSet(bits)
    }

    pub const fn contains(self, scope: Scope) -> bool {
        self.0 & scope.bit() != 0
    }

    /// True when every scope of `other` is in `self`.
    pub const fn covers(self, other: ScopeSet) -> bool {
        self.0 & other.0 == other.0
    }

    pub const fn intersection(self, other: ScopeSet) -> ScopeSet {
        ScopeSet(self.0 & other.0)
    }

    pub const fn union(self, other: ScopeSet) -> ScopeSet {
        ScopeSet(self.0 | other.0)
    }

    /// The scopes of `self` that are missing from `other`.
    pub const fn difference(self, other: ScopeSet) -> ScopeSet {
        ScopeSet(self.0 & !other.0)
    }

    pub fn insert(&mut self, scope: Scope) {
        self.0 |= scope.bit();
    }

    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn iter(self) -> impl Iterator<Item = Scope> {
        Scope::ALL
            .iter()
            .copied()
            .filter(move |scope| self.contains(*scope))
    }

    /// The space-separated Auth0 scope string to request for these scopes.
    pub fn to_auth0_request(self) -> String {
        self.iter()
            .flat_map(|scope| scope.auth0_scopes().iter().copied())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Maps what Auth0 granted (the token response's space-separated `scope`) back to product
    /// scopes. A product scope counts only when every Auth0 scope it stands for was granted;
    /// Auth0 scopes outside the product list are ignored.
    pub fn from_auth0_grant(granted: &str) -> ScopeSet {
        let granted: Vec<&str> = granted.split_whitespace().collect();
        Scope::ALL
            .iter()
            .copied()
            .filter(|scope| {
                scope
                    .auth0_scopes()
                    .iter()
                    .all(|needed| granted.contains(needed))
            })
            .collect()
    }

    /// Parses a comma- or space-separated list of product scope names.
    pub fn parse_list(list: &str) -> Result<ScopeSet, UnknownScope> {
        list.split([',', ' '])
            .filter(|s| !s.is_empty())
            .map(|s| s.trim().parse::<Scope>())
            .collect()
    }

    pub fn names(self) -> Vec<&'static str> {
        self.iter().map(Scope::as_str).collect()
    }
}

impl FromIterator<Scope> for ScopeSet {
    fn from_iter<I: IntoIterator<Item = Scope>>(iter: I) -> Self {
        let mut set = ScopeSet::EMPTY;
        for scope in iter {
            set.insert(scope);
        }
        set
    }
}

impl fmt::Debug for ScopeSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set()
            .entries(self.iter().map(Scope::as_str))
            .finish()
    }
}

impl fmt::Display for ScopeSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.names().join(" "))
    }
}

impl Serialize for ScopeSet {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for ScopeSet {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Vec::<Scope>::deserialize(deserializer)?
            .into_iter()
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalog_has_the_twenty_two_selectable_scopes() {
        assert_eq!(Scope::ALL.len(), 22);
        for scope in Scope::ALL {
            assert_eq!(scope.as_str().parse::<Scope>().unwrap(), *scope);
            assert!(!scope.description().is_empty());
        }
    }

    #[test]
    fn manage_organization_members_is_requested_as_the_two_auth0_scopes() {
        let request = ScopeSet::from_slice(&[Scope::Openid, Scope::ManageOrganizationMembers])
            .to_auth0_request();
        assert_eq!(
            request,
            "openid create:organization_members delete:organization_members"
        );
    }

    #[test]
    fn manage_organization_members_counts_as_granted_only_with_both_auth0_scopes() {
        let half = ScopeSet::from_auth0_grant("read:users create:organization_members");
        assert!(!half.contains(Scope::ManageOrganizationMembers));
        assert!(half.contains(Scope::ReadUsers));
        let both =
            ScopeSet::from_auth0_grant("delete:organization_members create:organization_members");
        assert!(both.contains(Scope::ManageOrganizationMembers));
    }

    #[test]
    fn auth0_scopes_outside_the_product_list_are_ignored() {
        let granted = ScopeSet::from_auth0_grant("read:client_keys read:logs create:clients");
        assert_eq!(granted.names(), vec!["read:logs"]);
    }

    #[test]
    fn unknown_scope_names_are_refused_with_the_list() {
        let err = ScopeSet::parse_list("read:users,write:everything").unwrap_err();
        assert!(err.to_string().contains("write:everything"));
        assert!(err.to_string().contains("read:logs"));
    }

    #[test]
    fn set_algebra() {
        let a = ScopeSet::from_slice(&[Scope::ReadUsers, Scope::ReadRoles]);
        let b = ScopeSet::from_slice(&[Scope::ReadUsers]);
        assert!(a.covers(b));
        assert!(!b.covers(a));
        assert_eq!(a.difference(b).names(), vec!["read:roles"]);
        assert_eq!(a.intersection(b), b);
    }
}
