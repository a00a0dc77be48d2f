#[tokio::test]
async fn committed_openapi_is_current_and_served() {
    let generated = taquilla_http::openapi::document_json();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi/openapi.json");
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(committed == generated, "openapi/openapi.json is stale: run `make openapi` and commit it");

    let t = taquilla_tests::spawn_app().await;
    let served: serde_json::Value =
        t.http.get(format!("{}/api/openapi.json", t.base)).send().await.unwrap().json().await.unwrap();
    assert_eq!(served["openapi"], "3.1.0");
    assert!(served["paths"]["/api/v1/events/{id}/sessions/{sid}"]["patch"].is_object());
    let docs = t.http.get(format!("{}/api/docs/", t.base)).send().await.unwrap();
    assert_eq!(docs.status(), 200);
    assert!(docs.text().await.unwrap().contains("swagger"), "docs UI is served locally");
    let asset = t.http.get(format!("{}/api/docs/swagger-ui-bundle.js", t.base)).send().await.unwrap();
    assert_eq!(asset.status(), 200, "the docs UI assets are vendored, no CDN needed");
}

#[tokio::test]
async fn health_endpoints() {
    let t = taquilla_tests::spawn_app().await;
    assert_eq!(t.http.get(format!("{}/healthz", t.base)).send().await.unwrap().status(), 200);
    let r: serde_json::Value = t.http.get(format!("{}/readyz", t.base)).send().await.unwrap().json().await.unwrap();
    assert_eq!(r["database"], "ok");
}
