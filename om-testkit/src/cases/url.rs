//! Connection URLs: schemes, malformed URLs, options and password redaction.

use om::{Database, Error, ErrorKind, Model, Result};

/// An unknown scheme is an error listing the known ones.
pub async fn unknown_scheme(_db: &Database) -> Result<()> {
    let err = Database::connect("oracle://scott:tiger@host/db")
        .await
        .unwrap_err();
    match &err {
        Error::UnknownScheme { scheme, known } => {
            assert_eq!(scheme, "oracle");
            for s in ["sqlite", "postgres", "postgresql", "mysql", "mariadb"] {
                assert!(known.contains(&s), "{known:?} lists {s}");
            }
        }
        other => panic!("expected UnknownScheme, got {other:?}"),
    }
    assert!(err.to_string().contains("postgres"), "{err}");
    assert!(!err.to_string().contains("tiger"), "{err}");
    Ok(())
}

/// A malformed URL is `InvalidUrl`, and its password is not echoed.
pub async fn malformed_url(_db: &Database) -> Result<()> {
    for url in [
        "not a url",
        "",
        "postgres://user:hunter2@[::1/db",
        "://nothing",
    ] {
        let err = Database::connect(url).await.unwrap_err();
        assert!(matches!(err, Error::InvalidUrl { .. }), "{url}: {err:?}");
        assert!(!err.to_string().contains("hunter2"), "{err}");
        assert!(!format!("{err:?}").contains("hunter2"), "{err:?}");
    }
    Ok(())
}

/// Invalid pool options are refused before connecting, for every backend.
pub async fn invalid_pool_options(db: &Database) -> Result<()> {
    let base = match db.backend() {
        "sqlite" => "sqlite::memory:",
        "postgres" => "postgres://u:hunter2@127.0.0.1:1/db",
        _ => "mysql://u:hunter2@127.0.0.1:1/db",
    };
    for bad in [
        "max_connections=0",
        "max_connections=many",
        "acquire_timeout=soon",
        "sslmode=sometimes",
    ] {
        let sep = if base.contains('?') { '&' } else { '?' };
        let err = Database::connect(&format!("{base}{sep}{bad}"))
            .await
            .unwrap_err();
        assert!(matches!(err, Error::InvalidUrl { .. }), "{bad}: {err:?}");
        assert!(!err.to_string().contains("hunter2"), "{err}");
    }
    Ok(())
}

/// A URL's password appears in no Display, Debug or error output.
pub async fn password_is_never_shown(db: &Database) -> Result<()> {
    let url = match db.backend() {
        "postgres" => "postgres://om:p%40ss%23word@127.0.0.1:1/db?acquire_timeout=1",
        "mysql" => "mysql://om:p%40ss%23word@127.0.0.1:1/db?acquire_timeout=1",
        _ => "postgres://om:p%40ss%23word@127.0.0.1:1/db?acquire_timeout=1",
    };
    // Nothing listens on port 1: the connection fails, and the error must not leak.
    let err = Database::connect(url).await.unwrap_err();
    for shown in [err.to_string(), format!("{err:?}")] {
        assert!(
            !shown.contains("p%40ss") && !shown.contains("p@ss"),
            "{shown}"
        );
    }
    assert_eq!(err.kind(), ErrorKind::Connection, "{err:?}");
    for shown in [db.url().to_string(), format!("{db:?}")] {
        assert!(!shown.contains("p%40ss"), "{shown}");
    }
    // Secrets in options and in URLs the parser misreads are hidden too.
    for odd in [
        "postgres://u@127.0.0.1:notaport/db?password=hunter2",
        "postgres://u:12/hunter2@127.0.0.1/db?acquire_timeout=1",
        "mysql://u@127.0.0.1:1/db?password=hunter2&acquire_timeout=1",
        "postgres://u:hun?ter2@127.0.0.1:1/db",
        "postgres://u@127.0.0.1:1/db?pass%77ord=hunter2&acquire_timeout=1",
        "mysql://u@127.0.0.1:1/db?Password=hunter2&acquire_timeout=1",
    ] {
        let err = Database::connect(odd).await.unwrap_err();
        for shown in [err.to_string(), format!("{err:?}")] {
            assert!(
                !shown.contains("hunter2") && !shown.contains("hun?ter2"),
                "{odd}: {shown}"
            );
        }
    }
    let parsed = om::DatabaseUrl::parse(url)?;
    assert_eq!(
        parsed.password()?.as_deref(),
        Some("p@ss#word"),
        "percent-encoded passwords decode"
    );
    assert!(!parsed.to_string().contains("p%40ss"));
    Ok(())
}

/// SQLite URLs: memory, relative and absolute files, `mode=` options; an in-memory
/// database is one database for the whole pool.
pub async fn sqlite_urls(_db: &Database) -> Result<()> {
    let memory = Database::connect("sqlite::memory:?max_connections=4").await?;
    memory.execute("CREATE TABLE t (x INTEGER)", vec![]).await?;
    let many: Vec<_> = (0..8)
        .map(|_| memory.execute("INSERT INTO t (x) VALUES (1)", vec![]))
        .collect();
    futures::future::try_join_all(many).await?;
    let dir = std::env::temp_dir().join(format!("om-url-{}-{}", std::process::id(), line!()));
    std::fs::create_dir_all(&dir).map_err(|e| Error::Driver(Box::new(e)))?;
    let absolute = format!("sqlite://{}/abs.db?mode=rwc", dir.display());
    let file = Database::connect(&absolute).await?;
    file.execute("CREATE TABLE IF NOT EXISTS t (x INTEGER)", vec![])
        .await?;
    // A file database writes ahead (WAL): a write runs while a stream reads.
    assert!(file.capabilities().write_during_stream);
    assert!(
        !memory.capabilities().write_during_stream,
        "declared for in-memory"
    );
    file.create_all(&[crate::models::OrmTest::table()]).await?;
    file.add_all(&mut [
        crate::models::OrmTest::new("a", None),
        crate::models::OrmTest::new("b", None),
    ])
    .await?;
    let mut stream = file.query::<crate::models::OrmTest>().stream();
    while let Some(mut row) = futures::TryStreamExt::try_next(&mut stream).await? {
        row.value = Some("seen".into());
        file.update(&mut row).await?;
    }
    drop(stream);
    assert_eq!(
        file.query::<crate::models::OrmTest>()
            .filter(|c| c.value.eq("seen"))
            .count()
            .await?,
        2
    );
    for (bad, why) in [
        ("sqlite::memory:?cache=private", "private cache"),
        ("sqlite::memory:?sslmode=require", "ssl"),
        ("sqlite::memory:?journal_mode=sideways", "journal mode"),
    ] {
        let err = Database::connect(bad).await.unwrap_err();
        assert!(matches!(err, Error::InvalidUrl { .. }), "{why}: {err:?}");
    }
    file.close().await;
    assert!(dir.join("abs.db").exists());
    let relative_name = format!("om-url-relative-{}.db", std::process::id());
    let relative = Database::connect(&format!("sqlite://{relative_name}?mode=rwc")).await?;
    relative
        .execute("CREATE TABLE IF NOT EXISTS t (x INTEGER)", vec![])
        .await?;
    relative.close().await;
    let created = std::path::Path::new(&relative_name).exists();
    let _ = std::fs::remove_file(&relative_name);
    assert!(
        created,
        "a relative path is relative to the working directory"
    );
    let err = Database::connect(&format!("sqlite://{}/missing.db?mode=rw", dir.display()))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Connection, "{err:?}");
    let err = Database::connect("sqlite::memory:?mode=sideways")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidUrl { .. }), "{err:?}");
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

/// `max_connections`, `acquire_timeout` and `sslmode` are applied: with one connection
/// held by an open stream, another query waits `acquire_timeout` and fails with
/// `PoolTimedOut`.
pub async fn pool_options_are_applied(db: &Database) -> Result<()> {
    let base = db.url().expose_str().to_string();
    let sep = if base.contains('?') { '&' } else { '?' };
    let url = format!("{base}{sep}max_connections=1&acquire_timeout=0.5&sslmode=disable");
    let small = Database::connect(&url).await?;
    small.create_all(&[crate::models::OrmTest::table()]).await?;
    small
        .add_all(&mut [
            crate::models::OrmTest::new("a", None),
            crate::models::OrmTest::new("b", None),
        ])
        .await?;
    let mut stream = small.query::<crate::models::OrmTest>().stream();
    let first = futures::StreamExt::next(&mut stream).await;
    assert!(matches!(first, Some(Ok(_))), "{first:?}");
    let started = std::time::Instant::now();
    let err = small
        .query::<crate::models::OrmTest>()
        .count()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::PoolTimedOut), "{err:?}");
    assert_eq!(err.kind(), ErrorKind::PoolTimeout);
    let waited = started.elapsed();
    assert!(
        waited >= std::time::Duration::from_millis(400)
            && waited < std::time::Duration::from_secs(5),
        "waited {waited:?}"
    );
    drop(stream);
    assert_eq!(
        small.query::<crate::models::OrmTest>().count().await?,
        2,
        "the connection is back"
    );
    small.close().await;
    Ok(())
}

/// Requiring TLS is honoured or refused up front, with the `tls` feature and without:
/// without it, a server backend refuses `sslmode=require` as an invalid URL naming the
/// feature; with it, the connection is encrypted, or fails as a connection error on a
/// server without TLS, and never goes on in clear text.
pub async fn tls_requirement_is_checked(db: &Database) -> Result<()> {
    if db.backend() == "sqlite" {
        let err = Database::connect("sqlite::memory:?ssl=true")
            .await
            .unwrap_err();
        assert!(matches!(err, Error::InvalidUrl { .. }), "{err:?}");
        return Ok(());
    }
    let base = db.url().expose_str().to_string();
    let sep = if base.contains('?') { '&' } else { '?' };
    for option in ["sslmode=require", "ssl=true"] {
        match Database::connect(&format!("{base}{sep}{option}&acquire_timeout=2")).await {
            Err(Error::InvalidUrl { reason, .. }) => {
                assert!(reason.contains("`tls`"), "{option}: {reason}");
            }
            Err(err) => assert_eq!(err.kind(), ErrorKind::Connection, "{option}: {err:?}"),
            Ok(tls) => {
                assert!(
                    is_encrypted(&tls).await?,
                    "{option}: connected in clear text"
                );
                tls.close().await;
            }
        }
    }
    Ok(())
}

/// Whether the connection of `db` is encrypted, as the server sees it.
async fn is_encrypted(db: &Database) -> Result<bool> {
    if db.backend() == "postgres" {
        return db
            .fetch_val(
                "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
                (),
            )
            .await;
    }
    let rows = db
        .fetch_all("SHOW SESSION STATUS LIKE 'Ssl_cipher'", ())
        .await?;
    let cipher: Option<String> = match rows.first() {
        Some(row) => row.get(1)?,
        None => None,
    };
    Ok(cipher.is_some_and(|c| !c.is_empty()))
}

/// Absurd numbers in a URL's options (`1e300` seconds, more than `u64::MAX`, NaN,
/// infinities, more connections than memory) are refused as invalid URLs naming the
/// option, before anything is opened: never a panic or an abort.
pub async fn absurd_numbers_are_refused(db: &Database) -> Result<()> {
    // Every value below is absurd for om's options (refused as invalid); the drivers'
    // `statement-cache-capacity` takes any `usize`, so some values reach connecting.
    let (base, mut options) = match db.backend() {
        "sqlite" => ("sqlite::memory:", vec![("busy_timeout", true)]),
        "postgres" => (
            "postgres://u:hunter2@127.0.0.1:1/db",
            vec![("statement-cache-capacity", false)],
        ),
        _ => (
            "mysql://u:hunter2@127.0.0.1:1/db",
            vec![("statement-cache-capacity", false)],
        ),
    };
    options.extend([
        ("acquire_timeout", true),
        ("max_connections", true),
        ("min_connections", true),
    ]);
    for (key, absurd) in options {
        for value in [
            "1e300",
            "18446744073709551616",
            "1e19",
            "4294967295",
            "1e10",
            "NaN",
            "inf",
            "-inf",
            "-1",
            "-0.5",
            "0x10",
            "",
        ] {
            let url = format!("{base}?{key}={value}");
            let err = match Database::connect(&url).await {
                Ok(_) if !absurd => continue,
                Err(err) if !absurd && err.kind() == ErrorKind::Connection => continue,
                Ok(_) => panic!("{url}: accepted"),
                Err(err) => err,
            };
            assert!(matches!(err, Error::InvalidUrl { .. }), "{url}: {err:?}");
            let shown = err.to_string();
            assert!(shown.contains(key), "{url}: {shown}");
            assert!(!shown.contains("hunter2"), "{shown}");
        }
    }
    Ok(())
}

/// The URLs reported to have shown their password, in `Display`, `Debug` or an
/// error's URL or reason, each with the pieces of its password to look for: all are
/// refused before connecting, and none shows its password.
pub async fn malformed_urls_hide_their_password(_db: &Database) -> Result<()> {
    for (url, secrets) in [
        ("postgres://u:#secret@h/db", &["secret"][..]),
        ("mysql://u:?secret@h/db", &["secret"]),
        ("postgres://u:p@ss?word@h:1/db", &["ss?word", "word@"]),
        ("mysql://u:p@ss?word@h:1/db", &["ss?word", "word@"]),
        ("mysql:///root:secret@h/db/extra", &["secret"]),
        ("postgres:/u:secret@127.0.0.1/db", &["secret"]),
        (
            "postgres://u@h:x/db?x=1&Password=se@cret",
            &["se@cret", "cret"],
        ),
        (
            "mysql://u@[::1/db?Password=se@cret&x=1",
            &["se@cret", "cret"],
        ),
        ("postgres://u:pa?password=hunter2@h/db", &["hunter2"]),
    ] {
        let mut shown = Vec::new();
        match om::DatabaseUrl::parse(url) {
            Ok(parsed) => shown.extend([parsed.to_string(), format!("{parsed:?}")]),
            Err(err) => shown.extend([err.to_string(), format!("{err:?}")]),
        }
        let err = Database::connect(url).await.unwrap_err();
        assert!(matches!(err, Error::InvalidUrl { .. }), "{url}: {err:?}");
        shown.extend([err.to_string(), format!("{err:?}")]);
        for shown in shown {
            for secret in secrets {
                assert!(!shown.contains(secret), "{url}: {shown}");
            }
        }
    }
    Ok(())
}

/// A server URL without a host is refused (`postgres:/u:pw@h/db`, one slash, names a
/// path, not a host: it used to reach localhost), unless it names a socket or a host
/// in its options.
pub async fn url_without_a_host_is_refused(db: &Database) -> Result<()> {
    for url in [
        "postgres:/u:hunter2@127.0.0.1/db",
        "postgres:///db",
        "postgresql:db",
        "mysql:/u:hunter2@127.0.0.1/db",
        "mariadb:///db",
    ] {
        let err = Database::connect(url).await.unwrap_err();
        assert!(matches!(err, Error::InvalidUrl { .. }), "{url}: {err:?}");
        assert!(err.to_string().contains("no host"), "{url}: {err}");
        assert!(!err.to_string().contains("hunter2"), "{err}");
    }
    // A socket directory (PostgreSQL) or file (MySQL) stands for the host: the URL is
    // accepted, whether or not a server listens there.
    let with_socket = match db.backend() {
        "postgres" => "postgres:///db?host=/nonexistent-om-socket-dir&acquire_timeout=1",
        "mysql" => "mysql:///db?socket=/nonexistent-om.sock&acquire_timeout=1",
        _ => return Ok(()),
    };
    match Database::connect(with_socket).await {
        Err(Error::InvalidUrl { reason, .. }) => panic!("{with_socket}: {reason}"),
        Err(err) => assert_eq!(err.kind(), ErrorKind::Connection, "{err:?}"),
        Ok(_) => panic!("{with_socket}: connected to a socket that does not exist"),
    }
    Ok(())
}

/// `min_connections` connections are open as soon as `connect` returns, and never more
/// than `max_connections`.
pub async fn min_connections_are_opened(db: &Database) -> Result<()> {
    let base = db.url().expose_str().to_string();
    let sep = if base.contains('?') { '&' } else { '?' };
    let pool =
        Database::connect(&format!("{base}{sep}min_connections=2&max_connections=3")).await?;
    let status = pool.pool_status();
    assert!(status.size >= 2 && status.size <= 3, "{status:?}");
    pool.close().await;
    Ok(())
}

/// An unreachable server fails at once with the reason (not after the pool's
/// `acquire_timeout` with only "timed out").
pub async fn unreachable_server_fails_fast(_db: &Database) -> Result<()> {
    for url in [
        "postgres://om@127.0.0.1:1/db",
        "mysql://om@127.0.0.1:1/db",
        "sqlite:///nonexistent-dir-om/x.db",
    ] {
        let started = std::time::Instant::now();
        let err = Database::connect(url).await.unwrap_err();
        assert!(
            started.elapsed() < std::time::Duration::from_secs(10),
            "{url}: slow"
        );
        assert_eq!(err.kind(), ErrorKind::Connection, "{url}: {err:?}");
        assert!(!err.to_string().contains("timed out"), "{url}: {err}");
    }
    Ok(())
}

/// Near misses of `sqlite::memory:` (`sqlite:memory`, ...) are refused with a message
/// that suggests it, rather than opening or failing on a file called `memory`.
pub async fn sqlite_memory_typos_suggest_the_right_url(_db: &Database) -> Result<()> {
    for url in [
        "sqlite:memory",
        "sqlite::memory",
        "sqlite://memory",
        "sqlite:memory:",
    ] {
        let err = Database::connect(url).await.unwrap_err();
        assert!(matches!(err, Error::InvalidUrl { .. }), "{url}: {err:?}");
        assert!(err.to_string().contains("sqlite::memory:"), "{url}: {err}");
    }
    let db = Database::connect("sqlite::memory:").await?;
    assert_eq!(db.fetch_val::<i64>("SELECT 1", ()).await?, 1);
    Ok(())
}
