//! A URL's parts (host, port, database, user), read and replaced one at a time. The
//! password is never among them: a rebuilt URL keeps it, and still hides it in `Debug`,
//! `Display` and errors.

use super::DatabaseUrl;
use crate::error::Result;

/// Whether `scheme` is SQLite's, whose URLs name a file rather than a server.
fn is_file_scheme(scheme: &str) -> bool {
    scheme == "sqlite"
}

impl DatabaseUrl {
    /// The value of query option `key`, percent-decoded.
    fn option(&self, key: &str) -> Option<String> {
        self.options().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// The server's host: the `host=` option (a Unix socket directory on PostgreSQL)
    /// when given, else the URL's host; `None` for SQLite and when neither is given.
    pub fn host(&self) -> Option<String> {
        if is_file_scheme(self.scheme()) {
            return None;
        }
        // As libpq and sqlx do, the option wins over the URL's host.
        self.option("host").or_else(|| {
            self.url
                .host_str()
                .filter(|h| !h.is_empty())
                .map(str::to_string)
        })
    }

    /// The port given in the URL (or as the `port=` option), `None` when the driver's
    /// default applies.
    pub fn port(&self) -> Option<u16> {
        self.url
            .port()
            .or_else(|| self.option("port").and_then(|p| p.parse().ok()))
    }

    /// The database: its name for a server (from the path, or the `dbname=` option),
    /// the file (or `:memory:`) for SQLite; `None` when none is given.
    pub fn database(&self) -> Option<String> {
        if is_file_scheme(self.scheme()) {
            let rest = self.raw.split_once(':').map_or("", |(_, r)| r);
            let rest = rest.strip_prefix("//").unwrap_or(rest);
            let file = rest.split(['?', '#']).next().unwrap_or("");
            return (!file.is_empty()).then(|| file.to_string());
        }
        let path = self.url.path().trim_start_matches('/');
        if path.is_empty() {
            return self.option("dbname");
        }
        super::percent_decode(path).ok()
    }

    /// The user name, percent-decoded (or the `user=` option); `None` when none is
    /// given.
    pub fn user(&self) -> Option<String> {
        match self.username() {
            Ok(u) if !u.is_empty() => Some(u),
            _ => self.option("user"),
        }
    }

    /// This URL with its host replaced; a path (`/run/postgresql`) is a Unix socket
    /// directory, given as the `host=` option. The password is kept.
    pub fn with_host(&self, host: &str) -> Result<Self> {
        if host.starts_with('/') {
            let mut url = self.url.clone();
            if url.username().is_empty() && url.password().is_none() {
                let _ = url.set_host(Some(""));
            }
            return self.rebuilt(Self::replace_option(url, "host", Some(host)));
        }
        let mut url = Self::replace_option(self.url.clone(), "host", None);
        url.set_host(Some(host))
            .map_err(|e| self.invalid(format!("invalid host `{host}`: {e}")))?;
        self.rebuilt(url)
    }

    /// This URL with its port replaced. The password is kept.
    pub fn with_port(&self, port: u16) -> Result<Self> {
        let mut url = Self::replace_option(self.url.clone(), "port", None);
        url.set_port(Some(port))
            .map_err(|()| self.invalid("this URL cannot have a port"))?;
        self.rebuilt(url)
    }

    /// This URL with its database (the file, for SQLite) replaced. The password is
    /// kept.
    pub fn with_database(&self, database: &str) -> Result<Self> {
        if is_file_scheme(self.scheme()) {
            let query = self
                .url
                .query()
                .map(|q| format!("?{q}"))
                .unwrap_or_default();
            return DatabaseUrl::parse(&format!("sqlite://{database}{query}"));
        }
        let mut url = Self::replace_option(self.url.clone(), "dbname", None);
        let encoded: String =
            percent_encoding::utf8_percent_encode(database, percent_encoding::NON_ALPHANUMERIC)
                .collect();
        url.set_path(&format!("/{encoded}"));
        self.rebuilt(url)
    }

    /// This URL with its user replaced. The password is kept.
    pub fn with_user(&self, user: &str) -> Result<Self> {
        let mut url = Self::replace_option(self.url.clone(), "user", None);
        let encoded: String =
            percent_encoding::utf8_percent_encode(user, percent_encoding::NON_ALPHANUMERIC)
                .collect();
        if let Some(info) = &self.hostless {
            let mut replaced = self.clone();
            replaced.hostless = Some(super::UserInfo {
                user: encoded,
                password: info.password.clone(),
            });
            return replaced.rebuilt(url);
        }
        url.set_username(&encoded)
            .map_err(|()| self.invalid("this URL cannot have a user"))?;
        self.rebuilt(url)
    }

    /// `url` with query option `key` removed, then set to `value` when given.
    fn replace_option(mut url: url::Url, key: &str, value: Option<&str>) -> url::Url {
        let kept: Vec<(String, String)> = url
            .query_pairs()
            .filter(|(k, _)| k != key)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        if kept.is_empty() && value.is_none() {
            url.set_query(None);
            return url;
        }
        url.set_query(None);
        {
            let mut pairs = url.query_pairs_mut();
            pairs.extend_pairs(kept.iter());
            if let Some(value) = value {
                pairs.append_pair(key, value);
            }
        }
        url
    }

    /// A URL of `url`, with the user information of a host-less URL put back.
    fn rebuilt(&self, url: url::Url) -> Result<Self> {
        let mut rebuilt = DatabaseUrl::parse(url.as_str())?;
        if let Some(info) = &self.hostless {
            if rebuilt.url.host_str().is_some_and(|h| !h.is_empty()) {
                // A host now: the user information fits in the URL again.
                let mut url = rebuilt.url.clone();
                let _ = url.set_username(&info.user);
                let _ = url.set_password(info.password.as_deref());
                return DatabaseUrl::parse(url.as_str());
            }
            let with_info = format!(
                "{}://{}{}@{}",
                url.scheme(),
                info.user,
                info.password
                    .as_deref()
                    .map(|p| format!(":{p}"))
                    .unwrap_or_default(),
                &url.as_str()[url.scheme().len() + 3..]
            );
            rebuilt = DatabaseUrl::parse(&with_info)?;
        }
        Ok(rebuilt)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn parts_are_read() {
        let u =
            DatabaseUrl::parse("postgres://us%40er:s3cret@db.example:6543/my%20db?sslmode=disable")
                .unwrap();
        assert_eq!(u.host().as_deref(), Some("db.example"));
        assert_eq!(u.port(), Some(6543));
        assert_eq!(u.database().as_deref(), Some("my db"));
        assert_eq!(u.user().as_deref(), Some("us@er"));
        let socket = DatabaseUrl::parse("postgres://user:pw@/db?host=/run/postgresql").unwrap();
        assert_eq!(socket.host().as_deref(), Some("/run/postgresql"));
        assert_eq!(socket.port(), None);
        let sqlite = DatabaseUrl::parse("sqlite::memory:").unwrap();
        assert_eq!(sqlite.database().as_deref(), Some(":memory:"));
        assert_eq!(sqlite.host(), None);
        let file = DatabaseUrl::parse("sqlite://data/app.db?mode=rwc").unwrap();
        assert_eq!(file.database().as_deref(), Some("data/app.db"));
    }

    #[test]
    fn parts_are_replaced_and_the_password_kept_hidden() {
        let u = DatabaseUrl::parse("postgres://u:s3cret@h:5432/db?application_name=x").unwrap();
        let v = u
            .with_host("other")
            .unwrap()
            .with_port(6000)
            .unwrap()
            .with_database("new db")
            .unwrap()
            .with_user("ann")
            .unwrap();
        assert_eq!(v.host().as_deref(), Some("other"));
        assert_eq!(v.port(), Some(6000));
        assert_eq!(v.database().as_deref(), Some("new db"));
        assert_eq!(v.user().as_deref(), Some("ann"));
        assert_eq!(v.password().unwrap().as_deref(), Some("s3cret"));
        assert!(
            v.options()
                .any(|(k, v)| k == "application_name" && v == "x")
        );
        for shown in [v.to_string(), format!("{v:?}")] {
            assert!(!shown.contains("s3cret"), "{shown}");
        }
        let s = u.with_host("/run/postgresql").unwrap();
        assert_eq!(s.host().as_deref(), Some("/run/postgresql"));
        let f = DatabaseUrl::parse("sqlite::memory:")
            .unwrap()
            .with_database("x.db")
            .unwrap();
        assert_eq!(f.database().as_deref(), Some("x.db"));
    }
}
