//! Four demo applications, one of each common type. Their secrets (the client secrets and the
//! add-on keys) are fixtures, not credentials.

use serde_json::json;

use crate::model::client::{Client, new_client_doc};
use crate::tenant::Tenant;

/// `(client_id, name, app_type, callback, management scopes)`.
type ClientRow = (
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
    &'static [&'static str],
);

const CLIENTS: &[ClientRow] = &[
    (
        "AcmeDashboardRegularWeb000000001",
        "Acme Dashboard",
        "regular_web",
        Some("https://dashboard.example.com/callback"),
        &[],
    ),
    (
        "AcmeSinglePageApp000000000000002",
        "Acme SPA",
        "spa",
        Some("https://app.example.com/callback"),
        &[],
    ),
    (
        "ReportingJobMachineToMachine0003",
        "Reporting Job",
        "non_interactive",
        None,
        &["read:users", "read:logs", "read:organizations"],
    ),
    (
        "AcmeMobileNativeApp0000000000004",
        "Acme Mobile",
        "native",
        Some("com.example.acme://callback"),
        &[],
    ),
];

/// Add-on settings as Auth0 returns them (to any `read:clients` token): Firebase, Windows Azure
/// Mobile Services and Azure Service Bus hold third-party credentials.
fn addons(client_id: &str) -> Option<serde_json::Value> {
    match client_id {
        "AcmeDashboardRegularWeb000000001" => Some(json!({
            "firebase": {
                "secret": "seeded-firebase-secret-not-a-real-credential",
                "private_key_id": "seeded-firebase-key-id-0001",
                "private_key": "-----BEGIN PRIVATE KEY-----\nseeded-firebase-private-key-not-a-real-credential\n-----END PRIVATE KEY-----\n",
                "client_email": "firebase-adminsdk@acme-demo.iam.gserviceaccount.com",
                "lifetime_in_seconds": 3600
            },
            "wams": {"masterkey": "seeded-wams-masterkey-not-a-real-credential"}
        })),
        "ReportingJobMachineToMachine0003" => Some(json!({
            "azure_sb": {
                "namespace": "acme-reporting",
                "sasKeyName": "RootManageSharedAccessKey",
                "sasKey": "seeded-azure-sas-key-not-a-real-credential",
                "entityPath": "reports",
                "expiration": 3600
            }
        })),
        _ => None,
    }
}

pub(super) fn seed(t: &mut Tenant) {
    for (i, (id, name, app_type, callback, scopes)) in CLIENTS.iter().enumerate() {
        let callbacks: Vec<String> = callback.iter().map(|c| (*c).to_owned()).collect();
        let secret = format!(
            "seeded-{}-secret-not-a-real-credential-{:04}",
            app_type.replace('_', "-"),
            i + 1
        );
        let mut doc = new_client_doc(&t.name, id, &secret, name, app_type, &callbacks);
        doc.insert(
            "description".into(),
            json!(format!("Demo {name} application")),
        );
        doc.insert(
            "logo_uri".into(),
            json!(format!(
                "https://cdn.example.com/apps/{}.png",
                name.to_lowercase().replace(' ', "-")
            )),
        );
        if let Some(cb) = callback.filter(|c| c.starts_with("https://")) {
            let origin = cb.trim_end_matches("/callback");
            doc.insert("allowed_logout_urls".into(), json!([origin]));
            doc.insert("web_origins".into(), json!([origin]));
        }
        doc.insert(
            "client_metadata".into(),
            json!({"owner": "platform-team", "environment": "demo"}),
        );
        if let Some(addons) = addons(id) {
            doc.insert("addons".into(), addons);
        }
        t.clients.insert(
            (*id).to_owned(),
            Client {
                doc,
                management_scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
            },
        );
    }
}
