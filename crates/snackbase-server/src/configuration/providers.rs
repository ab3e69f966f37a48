//! The providers the catalogue offers, by category: OAuth2/OpenID Connect
//! login providers, the SMTP mail provider and the file storages.

use super::catalog::{
    Fallback, Field, Kind, Provider, AUTH_PROVIDERS, EMAIL_PROVIDERS, STORAGE_PROVIDERS,
};

const fn field(
    name: &'static str,
    title: &'static str,
    description: &'static str,
    kind: Kind,
    required: bool,
    default: Fallback,
) -> Field {
    Field {
        name,
        title,
        description,
        kind,
        secret: false,
        required,
        default,
    }
}

const CLIENT_ID: Field = field(
    "client_id",
    "Client ID",
    "The client (application) id registered with the provider",
    Kind::Text,
    true,
    Fallback::None,
);
const CLIENT_SECRET: Field = Field {
    secret: true,
    ..field(
        "client_secret",
        "Client secret",
        "The client secret registered with the provider (stored encrypted)",
        Kind::Text,
        true,
        Fallback::None,
    )
};
const SCOPES: Field = field(
    "scopes",
    "Scopes",
    "Space-separated scopes to request",
    Kind::Text,
    false,
    Fallback::Text("openid email profile"),
);

/// Fields every auth provider has.
pub(super) const AUTH_COMMON: &[Field] = &[
    field(
        "allowed_domains",
        "Allowed email domains",
        "Only addresses in these domains may sign in; empty: any",
        Kind::Domains,
        false,
        Fallback::EmptyList,
    ),
    field(
        "default_role",
        "Default role",
        "The role of users created by their first login",
        Kind::Text,
        false,
        Fallback::Text("user"),
    ),
    field(
        "allow_signup",
        "Allow sign-up",
        "A first login creates the user",
        Kind::Bool,
        false,
        Fallback::Bool(true),
    ),
    field(
        "link_existing",
        "Link existing users",
        "A first login whose verified email matches an existing user signs in as that user",
        Kind::Bool,
        false,
        Fallback::Bool(false),
    ),
];

pub const PROVIDERS: &[Provider] = &[
    Provider {
        category: AUTH_PROVIDERS,
        name: "oidc",
        display_name: "OpenID Connect",
        description: "Any OpenID Connect provider, found by its issuer's discovery document",
        fields: &[
            field(
                "issuer_url",
                "Issuer URL",
                "The issuer; {issuer_url}/.well-known/openid-configuration is its discovery document",
                Kind::Url,
                true,
                Fallback::None,
            ),
            CLIENT_ID,
            CLIENT_SECRET,
            SCOPES,
        ],
    },
    Provider {
        category: AUTH_PROVIDERS,
        name: "google",
        display_name: "Google",
        description: "Google accounts (OpenID Connect, issuer https://accounts.google.com)",
        fields: &[CLIENT_ID, CLIENT_SECRET, SCOPES],
    },
    Provider {
        category: AUTH_PROVIDERS,
        name: "microsoft",
        display_name: "Microsoft",
        description: "Microsoft Entra ID (OpenID Connect, issuer https://login.microsoftonline.com/{tenant}/v2.0)",
        fields: &[
            field(
                "tenant",
                "Tenant",
                "The directory (tenant) id or domain; common, organizations or consumers for multi-tenant apps",
                Kind::Text,
                false,
                Fallback::Text("common"),
            ),
            CLIENT_ID,
            CLIENT_SECRET,
            SCOPES,
        ],
    },
    Provider {
        category: AUTH_PROVIDERS,
        name: "github",
        display_name: "GitHub",
        description: "GitHub accounts (OAuth2, not OpenID Connect)",
        fields: &[
            CLIENT_ID,
            CLIENT_SECRET,
            field(
                "base_url",
                "Base URL",
                "Where users authorize (GitHub Enterprise: your server)",
                Kind::Url,
                false,
                Fallback::Text("https://github.com"),
            ),
            field(
                "api_url",
                "API URL",
                "The REST API the user and their emails are read from",
                Kind::Url,
                false,
                Fallback::Text("https://api.github.com"),
            ),
        ],
    },
    Provider {
        category: EMAIL_PROVIDERS,
        name: "smtp",
        display_name: "SMTP",
        description: "Any SMTP server (relay, Postfix, SES/Mailgun/SendGrid SMTP endpoints)",
        fields: &[
            field(
                "host",
                "Host",
                "The SMTP server's host name or address",
                Kind::Host,
                true,
                Fallback::None,
            ),
            field(
                "port",
                "Port",
                "587 for STARTTLS, 465 for TLS, 25 for plain",
                Kind::Port,
                false,
                Fallback::Int(587),
            ),
            field(
                "security",
                "Security",
                "starttls (upgrade after connecting), tls (TLS from the start) or none",
                Kind::Choice(&["starttls", "tls", "none"]),
                false,
                Fallback::Text("starttls"),
            ),
            field(
                "username",
                "Username",
                "The login, if the server asks for one",
                Kind::Text,
                false,
                Fallback::None,
            ),
            Field {
                secret: true,
                ..field(
                    "password",
                    "Password",
                    "The password (stored encrypted)",
                    Kind::Text,
                    false,
                    Fallback::None,
                )
            },
            field(
                "from_email",
                "From address",
                "The address mails are sent from",
                Kind::Email,
                true,
                Fallback::None,
            ),
            field(
                "from_name",
                "From name",
                "The name shown with the address",
                Kind::Text,
                false,
                Fallback::None,
            ),
        ],
    },
    Provider {
        category: STORAGE_PROVIDERS,
        name: "local",
        display_name: "Local disk",
        description: "A directory on the server's disk (one node only)",
        fields: &[field(
            "path",
            "Directory",
            "An absolute path; created if missing",
            Kind::Path,
            true,
            Fallback::None,
        )],
    },
    Provider {
        category: STORAGE_PROVIDERS,
        name: "s3",
        display_name: "S3-compatible",
        description: "An S3 bucket: AWS, MinIO, Garage, Ceph, R2, Wasabi, s3s-fs",
        fields: &[
            field(
                "bucket",
                "Bucket",
                "3 to 63 lower-case letters, digits, '-' or '.'",
                Kind::Bucket,
                true,
                Fallback::None,
            ),
            field(
                "endpoint",
                "Endpoint",
                "The server's URL; empty: AWS",
                Kind::Url,
                false,
                Fallback::None,
            ),
            field(
                "region",
                "Region",
                "The bucket's region",
                Kind::Text,
                false,
                Fallback::Text("us-east-1"),
            ),
            field(
                "access_key_id",
                "Access key id",
                "Empty: credentials from the environment (instance role)",
                Kind::Text,
                false,
                Fallback::None,
            ),
            Field {
                secret: true,
                ..field(
                    "secret_access_key",
                    "Secret access key",
                    "Stored encrypted",
                    Kind::Text,
                    false,
                    Fallback::None,
                )
            },
            field(
                "force_path_style",
                "Path-style addressing",
                "endpoint/bucket/key instead of bucket.endpoint/key (most self-hosted servers)",
                Kind::Bool,
                false,
                Fallback::Bool(false),
            ),
        ],
    },
];
