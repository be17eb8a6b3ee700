//! APIs registered in the tenant, whose permissions roles and users can hold.

/// `(resource_server_identifier, permission_name)`: how Auth0 names a permission.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct PermissionRef {
    pub(crate) resource_server_identifier: String,
    pub(crate) permission_name: String,
}

impl PermissionRef {
    pub(crate) fn new(rs: &str, name: &str) -> Self {
        PermissionRef {
            resource_server_identifier: rs.to_owned(),
            permission_name: name.to_owned(),
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct ResourceServer {
    pub(crate) identifier: String,
    pub(crate) name: String,
    /// `(permission value, description)`.
    pub(crate) scopes: Vec<(String, String)>,
}

impl ResourceServer {
    pub(crate) fn describe(&self, permission: &str) -> Option<&str> {
        self.scopes
            .iter()
            .find(|(v, _)| v == permission)
            .map(|(_, d)| d.as_str())
    }
}
