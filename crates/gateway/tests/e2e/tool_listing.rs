//! What `tools/list` shows, and that `tools/call` refuses what it does not show.

use serde_json::json;

use crate::harness::world;

#[tokio::test]
async fn a_fully_granted_tenant_lists_all_37_tools_with_schemas_and_annotations() {
    let (_world, gateway) = world().stdio().await;
    let tools = gateway.tools().await;
    assert_eq!(tools.len(), 37);
    for tool in &tools {
        assert!(
            tool.description.as_deref().is_some_and(|d| !d.is_empty()),
            "{} has no description",
            tool.name
        );
        assert_eq!(
            tool.input_schema.get("type"),
            Some(&json!("object")),
            "{}",
            tool.name
        );
        assert_eq!(
            tool.input_schema.get("additionalProperties"),
            Some(&json!(false)),
            "{} accepts unknown arguments",
            tool.name
        );
        for (field, schema) in tool
            .input_schema
            .get("properties")
            .and_then(|p| p.as_object())
            .into_iter()
            .flatten()
        {
            assert!(
                schema.get("description").is_some(),
                "{}.{field} has no description",
                tool.name
            );
        }
        assert!(
            tool.output_schema.is_some(),
            "{} has no output schema",
            tool.name
        );
        let annotations = tool.annotations.as_ref().unwrap();
        assert_eq!(annotations.open_world_hint, Some(true));
        if tool.name.contains("_list_")
            || tool.name.contains("_get_")
            || tool.name.contains("_find_")
            || tool.name == "auth0_whoami"
        {
            assert_eq!(
                annotations.read_only_hint,
                Some(true),
                "{} should be read-only",
                tool.name
            );
        }
        if tool.name.contains("_delete_") || tool.name.contains("_remove_") {
            assert_eq!(
                annotations.destructive_hint,
                Some(true),
                "{} should be destructive",
                tool.name
            );
        }
    }
    gateway.stop().await;
}

#[tokio::test]
async fn a_tenant_granted_only_read_users_lists_exactly_the_read_users_tools() {
    let (world, gateway) = world()
        .machine_token_scopes(vec!["read:users".into()])
        .stdio()
        .await;
    let names = gateway.tool_names().await;
    // auth0_whoami needs only openid, an identity scope of the principal, not of the machine token.
    assert_eq!(
        names,
        [
            "auth0_whoami",
            "auth0_list_users",
            "auth0_get_user",
            "auth0_find_users_by_email",
            "auth0_list_user_permissions"
        ]
    );
    let refused = gateway.err("auth0_list_roles", json!({})).await;
    assert!(refused.contains("read:roles"), "{refused}");
    let refused = gateway
        .err("auth0_delete_user", json!({"user_id": "auth0|alice"}))
        .await;
    assert!(refused.contains("delete:users"), "{refused}");
    assert!(world.fake.fake.user("auth0|alice").is_some());
    gateway.stop().await;
}

#[tokio::test]
async fn tenant_scopes_cap_what_auth0_granted() {
    let (_world, gateway) = world().scopes("openid,read:roles,read:logs").stdio().await;
    let names = gateway.tool_names().await;
    assert_eq!(
        names,
        [
            "auth0_whoami",
            "auth0_list_user_logs",
            "auth0_list_roles",
            "auth0_get_role",
            "auth0_list_role_permissions",
            "auth0_list_logs",
            "auth0_get_log"
        ]
    );
    let whoami = gateway.ok("auth0_whoami", json!({})).await;
    assert_eq!(
        whoami["scopes"],
        json!(["openid", "read:roles", "read:logs"])
    );
    gateway.stop().await;
}

#[tokio::test]
async fn read_only_and_deny_lists_hide_and_refuse_tools() {
    let (_world, gateway) = world().read_only().deny(&["auth0_list_logs"]).stdio().await;
    let names = gateway.tool_names().await;
    assert_eq!(names.len(), 19, "{names:?}");
    assert!(
        !names
            .iter()
            .any(|n| n == "auth0_list_logs" || n == "auth0_create_user")
    );
    let refused = gateway
        .err("auth0_create_role", json!({"name": "sneaky"}))
        .await;
    assert!(refused.contains("read-only"), "{refused}");
    assert!(
        gateway
            .err("auth0_list_logs", json!({}))
            .await
            .contains("deny list")
    );
    gateway.stop().await;
}

#[tokio::test]
async fn an_unknown_tool_is_a_protocol_error() {
    let (_world, gateway) = world().stdio().await;
    let Value::Object(args) = json!({}) else {
        unreachable!()
    };
    let error = gateway
        .client
        .call_tool(
            rmcp::model::CallToolRequestParams::new("auth0_drop_tenant").with_arguments(args),
        )
        .await
        .unwrap_err();
    assert!(error.to_string().contains("auth0_drop_tenant"), "{error}");
    gateway.stop().await;
}

use serde_json::Value;
