//! The built PWA: the entry files are revalidated on every load so an update is seen at once;
//! Trunk's hashed assets never change under their name, so browsers may keep them for a year.

use axum::http::{header, HeaderValue, Request, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use std::path::Path;
use tower::ServiceExt;
use tower_http::services::{ServeDir, ServeFile};

pub fn router(dist: &Path) -> Router {
    let index = ServeFile::new(dist.join("index.html"));
    // Client-side routes (/me, /help, …) load the shell; a missing file is a 404, never the
    // shell: a stale `app-<hash>.wasm` answered with HTML would be cached as the wasm.
    let missing = tower::service_fn(move |req: Request<axum::body::Body>| {
        let index = index.clone();
        async move {
            let last = req.uri().path().rsplit('/').next().unwrap_or("");
            // The sync endpoint lives under /api/ too, so every app route (/sync among them)
            // reloads as the shell.
            let under_api = req.uri().path().starts_with("/api/");
            if last.contains('.') || under_api {
                Ok(StatusCode::NOT_FOUND.into_response())
            } else {
                index.oneshot(req).await.map(IntoResponse::into_response)
            }
        }
    });
    let files = ServeDir::new(dist)
        .precompressed_br()
        .precompressed_gzip()
        .fallback(missing);
    Router::new()
        .fallback_service(files)
        .layer(middleware::from_fn(cache_headers))
}

async fn cache_headers(req: Request<axum::body::Body>, next: Next) -> Response {
    let hashed = is_hashed_asset(req.uri().path());
    let mut res = next.run(req).await;
    // Only a file that was really there may be kept for a year.
    let value = if hashed && res.status() == StatusCode::OK {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
    res
}

/// Trunk names its outputs `name-<hex hash>.ext` (and `name-<hash>_bg.wasm`).
fn is_hashed_asset(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or("");
    let stem = file.split('.').next().unwrap_or("");
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    stem.rsplit_once('-').is_some_and(|(_, h)| {
        (8..=16).contains(&h.len()) && h.bytes().all(|b| b.is_ascii_hexdigit())
    })
}

#[cfg(test)]
mod tests {
    use super::is_hashed_asset;

    #[test]
    fn only_hashed_names_are_immutable() {
        assert!(is_hashed_asset("/linli-1a2b3c4d5e6f7a8b_bg.wasm"));
        assert!(is_hashed_asset("/linli-1a2b3c4d5e6f7a8b.js"));
        assert!(!is_hashed_asset("/index.html"));
        assert!(!is_hashed_asset("/sw.js"));
        assert!(!is_hashed_asset("/manifest.webmanifest"));
    }
}

#[cfg(test)]
mod serving {
    use super::router;
    use axum::body::Body;
    use axum::http::{header, Request, StatusCode};
    use tower::ServiceExt;

    /// One fixture for all tests: written once, so parallel tests never read a half-written file.
    fn dist() -> std::path::PathBuf {
        static DIST: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
        DIST.get_or_init(|| {
            let dir = std::env::temp_dir().join(format!("linli-dist-{}", std::process::id()));
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join("index.html"), "<html>shell</html>").unwrap();
            std::fs::write(dir.join("linli-0123456789abcdef.js"), "plain").unwrap();
            std::fs::write(dir.join("linli-0123456789abcdef.js.br"), "brotli").unwrap();
            std::fs::write(dir.join("linli-0123456789abcdef.js.gz"), "gzip").unwrap();
            dir
        })
        .clone()
    }

    async fn get(
        path: &str,
        encoding: Option<&str>,
    ) -> (StatusCode, axum::http::HeaderMap, String) {
        let mut req = Request::get(path);
        if let Some(e) = encoding {
            req = req.header(header::ACCEPT_ENCODING, e);
        }
        let res = router(&dist())
            .oneshot(req.body(Body::empty()).unwrap())
            .await
            .unwrap();
        let (parts, body) = res.into_parts();
        let bytes = axum::body::to_bytes(body, 1 << 20).await.unwrap();
        (
            parts.status,
            parts.headers,
            String::from_utf8_lossy(&bytes).into_owned(),
        )
    }

    #[tokio::test]
    async fn precompressed_assets_follow_accept_encoding() {
        let (_, h, body) = get("/linli-0123456789abcdef.js", Some("br, gzip")).await;
        assert_eq!(h[header::CONTENT_ENCODING], "br");
        assert_eq!(body, "brotli");
        let (_, h, body) = get("/linli-0123456789abcdef.js", Some("gzip")).await;
        assert_eq!(h[header::CONTENT_ENCODING], "gzip");
        assert_eq!(body, "gzip");
        let (_, h, body) = get("/linli-0123456789abcdef.js", None).await;
        assert!(h.get(header::CONTENT_ENCODING).is_none());
        assert_eq!(body, "plain");
        assert_eq!(
            h[header::CACHE_CONTROL],
            "public, max-age=31536000, immutable"
        );
    }

    #[tokio::test]
    async fn a_missing_file_is_a_404_never_the_shell() {
        for path in [
            "/linli-fedcba9876543210_bg.wasm",
            "/gone.css",
            "/api/nothing",
            "/api/sync",
        ] {
            let (status, h, body) = get(path, None).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
            assert_ne!(body, "<html>shell</html>", "{path}");
            assert_eq!(h[header::CACHE_CONTROL], "no-cache", "{path}");
        }
    }

    #[tokio::test]
    async fn every_route_gets_the_shell_revalidated() {
        for path in ["/", "/me", "/help/anything", "/sync"] {
            let (status, h, body) = get(path, None).await;
            assert_eq!(status, StatusCode::OK, "{path}");
            assert_eq!(body, "<html>shell</html>", "{path}");
            assert_eq!(h[header::CACHE_CONTROL], "no-cache", "{path}");
        }
    }
}
