//! Four demo roles with permissions on the Example API, assigned to demo users.

use std::collections::BTreeSet;

use super::EXAMPLE_API;
use super::demo_users::google_id;
use crate::model::resource_server::PermissionRef;
use crate::model::role::Role;
use crate::tenant::Tenant;

/// `(id, name, description, permissions, users)`; a user given as a number is the n-th
/// seeded Google user.
type RoleRow = (
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
    &'static [&'static str],
);

const ROLES: &[RoleRow] = &[
    (
        "rol_admin00000000000",
        "admin",
        "Full access to the Example API",
        &[
            "read:reports",
            "write:reports",
            "read:tickets",
            "write:tickets",
            "read:billing",
            "write:billing",
            "admin:settings",
        ],
        &["admin", "alice"],
    ),
    (
        "rol_support000000000",
        "support",
        "Answers customer tickets",
        &[
            "read:reports",
            "read:tickets",
            "write:tickets",
            "read:billing",
        ],
        &["bob", "carol", "grace", "1"],
    ),
    (
        "rol_viewer0000000000",
        "viewer",
        "Read-only access",
        &["read:reports", "read:tickets"],
        &["dave", "erin", "heidi", "ivan", "judy", "2", "3"],
    ),
    (
        "rol_billing000000000",
        "billing",
        "Manages plans and invoices",
        &["read:billing", "write:billing"],
        &["carol", "olivia"],
    ),
];

pub(super) fn seed(t: &mut Tenant) {
    for (id, name, description, perms, users) in ROLES {
        let users: BTreeSet<String> = users
            .iter()
            .map(|u| match u.parse::<usize>() {
                Ok(n) => google_id(n),
                Err(_) => format!("auth0|{u}"),
            })
            .collect();
        t.roles.insert(
            (*id).to_owned(),
            Role {
                id: (*id).to_owned(),
                name: (*name).to_owned(),
                description: Some((*description).to_owned()),
                permissions: perms
                    .iter()
                    .map(|p| PermissionRef::new(EXAMPLE_API, p))
                    .collect(),
                users,
            },
        );
    }
}
