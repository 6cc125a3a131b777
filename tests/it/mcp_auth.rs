//! Authorization as the MCP specification asks over HTTP: RFC 9728 protected resource metadata,
//! the `WWW-Authenticate` pointer to it, and `Origin` checks when configured.

use serde_json::{Value, json};
use toolwright::mcp::{McpServer, SharedExecutor, serve_http_with};
use toolwright::{Executor, Principal, Registry};

async fn serve(server: McpServer) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(serve_http_with(server, listener, |token: &str| {
        (token == "good").then(|| Principal::new("alice"))
    }));
    base
}

fn server() -> McpServer {
    let executor = Executor::new(Registry::builder().build().unwrap());
    McpServer::new(SharedExecutor::new(executor), None)
}

fn initialize() -> Value {
    json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {},
        "clientInfo": {"name": "t", "version": "1"}}})
}

fn post(base: &str) -> reqwest::RequestBuilder {
    reqwest::Client::new()
        .post(format!("{base}/mcp"))
        .header("accept", "application/json, text/event-stream")
        .json(&initialize())
}

#[tokio::test]
async fn with_a_protected_resource_401s_point_at_metadata_served_without_a_token() {
    let base = serve(
        server()
            .with_protected_resource("https://mcp.example.com/mcp", ["https://auth.example.com"])
            .unwrap(),
    )
    .await;
    let refused = post(&base).send().await.unwrap();
    assert_eq!(refused.status(), 401);
    assert_eq!(
        refused.headers()["www-authenticate"],
        r#"Bearer resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp""#
    );
    for path in [
        "/.well-known/oauth-protected-resource/mcp",
        "/.well-known/oauth-protected-resource",
    ] {
        let r = reqwest::get(format!("{base}{path}")).await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
        let doc: Value = r.json().await.unwrap();
        assert_eq!(doc["resource"], "https://mcp.example.com/mcp");
        assert_eq!(
            doc["authorization_servers"],
            json!(["https://auth.example.com/"])
        );
        assert_eq!(doc["bearer_methods_supported"], json!(["header"]));
    }
    let r = reqwest::Client::new()
        .post(format!("{base}/.well-known/oauth-protected-resource"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
    let ok = post(&base).bearer_auth("good").send().await.unwrap();
    assert_eq!(ok.status(), 200);
}

#[tokio::test]
async fn without_a_protected_resource_there_is_no_metadata_and_a_plain_challenge() {
    let base = serve(server()).await;
    let refused = post(&base).send().await.unwrap();
    assert_eq!(refused.status(), 401);
    assert_eq!(refused.headers()["www-authenticate"], "Bearer");
    let r = reqwest::get(format!("{base}/.well-known/oauth-protected-resource"))
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "nothing is served without a token");
}

#[tokio::test]
async fn a_configured_origin_list_refuses_other_origins() {
    let base = serve(server().with_allowed_origins(["http://good.example:*"])).await;
    let evil = post(&base)
        .bearer_auth("good")
        .header("origin", "http://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(evil.status(), 403);
    let good = post(&base)
        .bearer_auth("good")
        .header("origin", "http://good.example:3000")
        .send()
        .await
        .unwrap();
    assert_eq!(good.status(), 200);
    let none = post(&base).bearer_auth("good").send().await.unwrap();
    assert_eq!(none.status(), 200, "non-browser clients send no Origin");
}
