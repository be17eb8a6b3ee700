//! What an operator types as their tenant's domain: the hostname
//! (`my-tenant.us.auth0.com`), a URL on it, or the Dashboard address they are looking at
//! (`https://manage.auth0.com/dashboard/us/my-tenant/...`). Anything else gets a sentence
//! saying what is wrong, because a wrong domain otherwise surfaces only as a failed connection.

use url::Url;

/// Why the input is not a tenant domain; `Display` is the message shown beside the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainProblem {
    #[error("Enter your tenant's domain, like my-tenant.us.auth0.com.")]
    Empty,
    #[error(
        "That is an address in the Auth0 Dashboard, but not of a tenant. Open your tenant in the Dashboard and paste that address, or enter the domain shown under Applications → your application → Settings → Domain (like my-tenant.us.auth0.com)."
    )]
    DashboardWithoutTenant,
    #[error(
        "“{0}” is not a domain name: a domain has only letters, digits, dots and hyphens, like my-tenant.us.auth0.com."
    )]
    NotAHostname(String),
    #[error(
        "“{0}” is not an Auth0 tenant domain. Tenant domains end in .auth0.com (like my-tenant.us.auth0.com). If this is a custom domain, enter the tenant's own Auth0 domain instead: the Management API answers only there."
    )]
    NotAuth0(String),
}

/// The tenant domain the input names, lowercased.
pub fn parse_tenant_domain(input: &str) -> Result<String, DomainProblem> {
    let input = input.trim();
    if input.is_empty() {
        return Err(DomainProblem::Empty);
    }
    let host = if input.contains("://") {
        let url = Url::parse(input).map_err(|_| DomainProblem::NotAHostname(input.to_owned()))?;
        let host = url
            .host_str()
            .ok_or_else(|| DomainProblem::NotAHostname(input.to_owned()))?
            .to_ascii_lowercase();
        if host == DASHBOARD {
            return from_dashboard_path(url.path());
        }
        host
    } else {
        // A hostname with a trailing path (`my-tenant.us.auth0.com/`) is still a hostname.
        let host = input.split('/').next().unwrap_or_default();
        if host.eq_ignore_ascii_case(DASHBOARD) {
            let path = &input[host.len()..];
            return from_dashboard_path(path);
        }
        host.to_ascii_lowercase()
    };
    check_hostname(&host)?;
    let is_auth0 = host
        .strip_suffix(".auth0.com")
        .is_some_and(|tenant| !tenant.is_empty() && host != DASHBOARD);
    if !is_auth0 {
        return Err(DomainProblem::NotAuth0(host));
    }
    Ok(host)
}

const DASHBOARD: &str = "manage.auth0.com";

/// `/dashboard/{region}/{tenant}/…` → `{tenant}.{region}.auth0.com`.
fn from_dashboard_path(path: &str) -> Result<String, DomainProblem> {
    let mut parts = path.split('/').filter(|p| !p.is_empty());
    let (Some("dashboard"), Some(region), Some(tenant)) =
        (parts.next(), parts.next(), parts.next())
    else {
        return Err(DomainProblem::DashboardWithoutTenant);
    };
    let domain = format!(
        "{}.{}.auth0.com",
        tenant.to_ascii_lowercase(),
        region.to_ascii_lowercase()
    );
    check_hostname(&domain).map_err(|_| DomainProblem::DashboardWithoutTenant)?;
    Ok(domain)
}

fn check_hostname(host: &str) -> Result<(), DomainProblem> {
    if is_hostname(host) {
        Ok(())
    } else {
        Err(DomainProblem::NotAHostname(host.to_owned()))
    }
}

/// A DNS name with at least two labels: letters, digits and inner hyphens, 63 per label.
pub fn is_hostname(host: &str) -> bool {
    host.len() <= 253
        && host.contains('.')
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostnames_and_urls_on_them_are_taken_as_they_are() {
        for input in [
            "my-tenant.us.auth0.com",
            "  My-Tenant.US.auth0.com ",
            "https://my-tenant.us.auth0.com/",
            "https://my-tenant.us.auth0.com/api/v2/",
            "my-tenant.us.auth0.com/",
        ] {
            assert_eq!(
                parse_tenant_domain(input).as_deref(),
                Ok("my-tenant.us.auth0.com"),
                "{input}"
            );
        }
        assert_eq!(
            parse_tenant_domain("legacy.auth0.com").as_deref(),
            Ok("legacy.auth0.com")
        );
    }

    #[test]
    fn dashboard_addresses_name_the_tenant_and_its_region() {
        for (input, domain) in [
            (
                "https://manage.auth0.com/dashboard/us/my-tenant",
                "my-tenant.us.auth0.com",
            ),
            (
                "https://manage.auth0.com/dashboard/eu/acme-prod/applications/abc/settings",
                "acme-prod.eu.auth0.com",
            ),
            (
                "manage.auth0.com/dashboard/au/dev-1x2y/",
                "dev-1x2y.au.auth0.com",
            ),
        ] {
            assert_eq!(parse_tenant_domain(input).as_deref(), Ok(domain), "{input}");
        }
    }

    #[test]
    fn anything_else_says_what_is_wrong() {
        assert_eq!(parse_tenant_domain("  "), Err(DomainProblem::Empty));
        assert_eq!(
            parse_tenant_domain("https://manage.auth0.com/"),
            Err(DomainProblem::DashboardWithoutTenant)
        );
        assert_eq!(
            parse_tenant_domain("manage.auth0.com"),
            Err(DomainProblem::DashboardWithoutTenant)
        );
        assert!(matches!(
            parse_tenant_domain("ops@example.com"),
            Err(DomainProblem::NotAHostname(_))
        ));
        assert!(matches!(
            parse_tenant_domain("my tenant"),
            Err(DomainProblem::NotAHostname(_))
        ));
        assert!(matches!(
            parse_tenant_domain("login.example.com"),
            Err(DomainProblem::NotAuth0(d)) if d == "login.example.com"
        ));
        assert!(matches!(
            parse_tenant_domain("auth0.com"),
            Err(DomainProblem::NotAuth0(_))
        ));
        let message = parse_tenant_domain("login.example.com")
            .unwrap_err()
            .to_string();
        assert!(message.contains("custom domain"), "{message}");
    }
}
