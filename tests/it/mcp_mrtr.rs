//! MCP 2026-07-28 next to 2025-11-25, with rmcp's client: both revisions over stdio-style pipes
//! and streamable HTTP, and confirmation by multi round-trip driven by hand, including hostile
//! retries (replays, tampering, changed arguments, a second principal).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use rmcp::ErrorData;
use rmcp::handler::client::ClientHandler;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ClientCapabilities, ClientConfig,
    ElicitRequestParams, ElicitResult, ElicitationAction, InputRequiredResult, InputResponses,
    ProtocolVersion,
};
use rmcp::service::{
    ClientLifecycleMode, ClientServiceExt, RequestContext, RoleClient, RunningService,
};
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use serde_json::{Value, json};
use toolwright::mcp::{McpServer, SharedExecutor, serve_http_on, serve_io};
use toolwright::{Executor, Principal};

use crate::support::{Probe, knowledge_base};

fn shared(probe: &Arc<Probe>) -> SharedExecutor {
    SharedExecutor::new(Executor::new(knowledge_base(probe)))
}

fn alice() -> Principal {
    Principal::new("alice")
        .with_tenant("acme")
        .grant_all(["kb:read", "kb:write"])
}

/// A client that declares elicitation (or not) and answers every prompt with `approve`.
#[derive(Clone, Default)]
struct Human {
    elicitation: bool,
    approve: bool,
    prompts: Arc<AtomicUsize>,
}

impl Human {
    fn approving() -> Self {
        Self {
            elicitation: true,
            approve: true,
            ..Self::default()
        }
    }
}

impl ClientHandler for Human {
    fn get_info(&self) -> ClientConfig {
        let caps = if self.elicitation {
            ClientCapabilities::builder().enable_elicitation().build()
        } else {
            ClientCapabilities::default()
        };
        ClientConfig::new(caps, rmcp::model::Implementation::new("test-human", "1.0"))
    }

    async fn create_elicitation(
        &self,
        _request: ElicitRequestParams,
        _context: RequestContext<RoleClient>,
    ) -> Result<ElicitResult, ErrorData> {
        self.prompts.fetch_add(1, Ordering::SeqCst);
        Ok(ElicitResult::new(ElicitationAction::Accept)
            .with_content(json!({"approve": self.approve})))
    }
}

fn call(name: &'static str, v: Value) -> CallToolRequestParams {
    let Value::Object(m) = v else { unreachable!() };
    CallToolRequestParams::new(name).with_arguments(m)
}

fn text_of(result: &CallToolResult) -> Value {
    let text = result.content[0].as_text().unwrap().text.clone();
    serde_json::from_str(&text).unwrap_or(Value::String(text))
}

fn modern() -> ClientLifecycleMode {
    ClientLifecycleMode::Discover {
        preferred_versions: vec![ProtocolVersion::V_2026_07_28],
    }
}

fn legacy() -> ClientLifecycleMode {
    ClientLifecycleMode::Initialize
}

/// A client of `server` over an in-process byte pipe (what stdio is).
async fn piped(
    server: McpServer,
    human: Human,
    lifecycle: ClientLifecycleMode,
) -> RunningService<RoleClient, Human> {
    let (server_io, client_io) = tokio::io::duplex(1 << 16);
    let (read, write) = tokio::io::split(server_io);
    tokio::spawn(serve_io(server, read, write));
    human
        .serve_with_lifecycle(client_io, lifecycle)
        .await
        .unwrap()
}

/// An HTTP server where `alice-token` is alice and `mallory-token` is mallory (same grants,
/// another principal); returns its URL.
async fn http_server(shared: SharedExecutor) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/mcp", listener.local_addr().unwrap());
    tokio::spawn(serve_http_on(shared, listener, |token: &str| match token {
        "alice-token" => Some(alice()),
        "mallory-token" => Some(
            Principal::new("mallory")
                .with_tenant("acme")
                .grant_all(["kb:read", "kb:write"]),
        ),
        _ => None,
    }));
    url
}

async fn http_client(
    url: &str,
    token: &str,
    human: Human,
    lifecycle: ClientLifecycleMode,
) -> RunningService<RoleClient, Human> {
    let transport = StreamableHttpClientTransport::from_config(
        StreamableHttpClientTransportConfig::with_uri(url.to_owned()).auth_header(token),
    );
    human
        .serve_with_lifecycle(transport, lifecycle)
        .await
        .unwrap()
}

fn input_required(response: CallToolResponse) -> InputRequiredResult {
    match response {
        CallToolResponse::InputRequired(r) => r,
        CallToolResponse::Complete(r) => panic!("expected input_required, got {r:?}"),
        other => panic!("expected input_required, got {other:?}"),
    }
}

/// Asks `client`'s server to delete document `id`: the `requestState` of the input request
/// that answers.
async fn state_to_delete(client: &RunningService<RoleClient, Human>, id: &str) -> String {
    input_required(
        client
            .call_tool_once(call("delete_document", json!({ "id": id })))
            .await
            .unwrap(),
    )
    .request_state
    .unwrap()
}

/// Retries the call `state` was issued for with the human's yes: what the server answers.
async fn approve_delete(
    client: &RunningService<RoleClient, Human>,
    state: &str,
    id: &str,
) -> CallToolResult {
    completed(
        client
            .call_tool_once(retry(state, answer(true), json!({ "id": id })))
            .await
            .unwrap(),
    )
}

fn completed(response: CallToolResponse) -> CallToolResult {
    match response {
        CallToolResponse::Complete(r) => r,
        other => panic!("expected a result, got {other:?}"),
    }
}

fn answer(approve: bool) -> InputResponses {
    InputResponses::from([(
        "confirm".to_owned(),
        json!({"action": "accept", "content": {"approve": approve}}),
    )])
}

fn retry(state: &str, responses: InputResponses, v: Value) -> CallToolRequestParams {
    call("delete_document", v)
        .with_request_state(state)
        .with_input_responses(responses)
}

fn assert_denied(result: &CallToolResult, needle: &str) {
    assert_eq!(result.is_error, Some(true), "{result:?}");
    let err = text_of(result);
    assert_eq!(err["kind"], "denied", "{err}");
    assert!(err["error"].as_str().unwrap().contains(needle), "{err}");
}

#[tokio::test]
async fn both_revisions_are_served_on_a_pipe_and_over_http() {
    let probe = Arc::new(Probe::default());
    let url = http_server(shared(&probe)).await;
    for lifecycle in [modern(), legacy()] {
        let modern_client = matches!(lifecycle, ClientLifecycleMode::Discover { .. });
        for over_http in [false, true] {
            let client = if over_http {
                http_client(&url, "alice-token", Human::default(), lifecycle.clone()).await
            } else {
                let server = McpServer::new(shared(&probe), Some(alice()));
                piped(server, Human::default(), lifecycle.clone()).await
            };
            let version = client.peer_info().map(|i| i.protocol_version.clone());
            let expected = if modern_client {
                ProtocolVersion::V_2026_07_28
            } else {
                ProtocolVersion::V_2025_11_25
            };
            assert_eq!(version, Some(expected), "http={over_http}");
            let tools = client.list_all_tools().await.unwrap();
            assert_eq!(tools.len(), 2, "http={over_http}");
            let r = client
                .call_tool(call("search_knowledge_base", json!({"query": "refunds"})))
                .await
                .unwrap();
            assert_eq!(r.is_error, Some(false), "{r:?}");
            assert_eq!(text_of(&r), json!(["About refunds"]));
            client.cancel().await.unwrap();
        }
    }
}

#[tokio::test]
async fn a_destructive_call_asks_first_and_runs_once_after_the_humans_yes() {
    let probe = Arc::new(Probe::default());
    let server = McpServer::new(shared(&probe), Some(alice()));
    let client = piped(server, Human::approving(), modern()).await;
    let asked = input_required(
        client
            .call_tool_once(call("delete_document", json!({"id": "kb-1"})))
            .await
            .unwrap(),
    );
    assert_eq!(
        probe.deletes.load(Ordering::SeqCst),
        0,
        "asking runs nothing"
    );
    let prompt = serde_json::to_value(&asked.input_requests).unwrap();
    assert_eq!(prompt["confirm"]["method"], "elicitation/create");
    let message = prompt["confirm"]["params"]["message"].as_str().unwrap();
    assert!(
        message.contains("delete_document") && message.contains("kb-1"),
        "{message}"
    );
    let state = asked.request_state.unwrap();

    let done = approve_delete(&client, &state, "kb-1").await;
    assert_eq!(done.is_error, Some(false), "{done:?}");
    assert_eq!(text_of(&done), json!("kb-1"));
    assert_eq!(probe.deletes.load(Ordering::SeqCst), 1);

    let replay = approve_delete(&client, &state, "kb-1").await;
    assert_denied(&replay, "already used");
    assert_eq!(
        probe.deletes.load(Ordering::SeqCst),
        1,
        "a replay runs nothing"
    );
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn rmcps_own_mrtr_driver_gets_the_call_run_once() {
    let probe = Arc::new(Probe::default());
    let server = McpServer::new(shared(&probe), Some(alice()));
    let human = Human::approving();
    let client = piped(server, human.clone(), modern()).await;
    let r = client
        .call_tool(call("delete_document", json!({"id": "kb-7"})))
        .await
        .unwrap();
    assert_eq!(r.is_error, Some(false), "{r:?}");
    assert_eq!(
        human.prompts.load(Ordering::SeqCst),
        1,
        "the human was asked"
    );
    assert_eq!(probe.deletes.load(Ordering::SeqCst), 1);
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn a_no_a_missing_answer_or_a_changed_call_runs_nothing() {
    let probe = Arc::new(Probe::default());
    let server = McpServer::new(shared(&probe), Some(alice()));
    let client = piped(server, Human::approving(), modern()).await;

    let no = completed(
        client
            .call_tool_once(retry(
                &state_to_delete(&client, "kb-1").await,
                answer(false),
                json!({"id": "kb-1"}),
            ))
            .await
            .unwrap(),
    );
    assert_denied(&no, "did not approve");

    let declined = InputResponses::from([("confirm".to_owned(), json!({"action": "decline"}))]);
    let r = completed(
        client
            .call_tool_once(retry(
                &state_to_delete(&client, "kb-1").await,
                declined,
                json!({"id": "kb-1"}),
            ))
            .await
            .unwrap(),
    );
    assert_denied(&r, "did not approve");

    let r = completed(
        client
            .call_tool_once(retry(
                &state_to_delete(&client, "kb-1").await,
                InputResponses::new(),
                json!({"id": "kb-1"}),
            ))
            .await
            .unwrap(),
    );
    assert_denied(&r, "no answer");

    let state = state_to_delete(&client, "kb-1").await;
    let changed = approve_delete(&client, &state, "kb-999").await;
    assert_denied(&changed, "does not belong");

    let mut tampered = state.clone().into_bytes();
    let last = tampered.len() - 1;
    tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    let r = completed(
        client
            .call_tool_once(retry(&tampered, answer(true), json!({"id": "kb-1"})))
            .await
            .unwrap(),
    );
    assert_denied(&r, "does not belong");
    let r = completed(
        client
            .call_tool_once(retry("forged", answer(true), json!({"id": "kb-1"})))
            .await
            .unwrap(),
    );
    assert_denied(&r, "does not belong");
    assert_eq!(probe.deletes.load(Ordering::SeqCst), 0);
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn another_principals_state_is_useless_over_http() {
    let probe = Arc::new(Probe::default());
    let url = http_server(shared(&probe)).await;
    let alice_client = http_client(&url, "alice-token", Human::approving(), modern()).await;
    let mallory = http_client(&url, "mallory-token", Human::approving(), modern()).await;
    let state = state_to_delete(&alice_client, "kb-1").await;
    let stolen = approve_delete(&mallory, &state, "kb-1").await;
    assert_denied(&stolen, "does not belong");
    assert_eq!(probe.deletes.load(Ordering::SeqCst), 0);

    // The theft did not spend it, and the state verifies on any request (no session).
    let fresh = http_client(&url, "alice-token", Human::approving(), modern()).await;
    let done = approve_delete(&fresh, &state, "kb-1").await;
    assert_eq!(done.is_error, Some(false), "{done:?}");
    assert_eq!(probe.deletes.load(Ordering::SeqCst), 1);
    for c in [alice_client, mallory, fresh] {
        c.cancel().await.unwrap();
    }
}

#[tokio::test]
async fn a_state_sealed_under_another_key_is_refused() {
    let probe = Arc::new(Probe::default());
    let issuer = McpServer::new(shared(&probe), Some(alice()))
        .with_state_key(&[1; 32])
        .unwrap();
    let verifier = McpServer::new(shared(&probe), Some(alice()))
        .with_state_key(&[2; 32])
        .unwrap();
    let replica = McpServer::new(shared(&probe), Some(alice()))
        .with_state_key(&[1; 32])
        .unwrap();
    let a = piped(issuer, Human::approving(), modern()).await;
    let state = state_to_delete(&a, "kb-1").await;
    let b = piped(verifier, Human::approving(), modern()).await;
    let r = approve_delete(&b, &state, "kb-1").await;
    assert_denied(&r, "does not belong");
    assert_eq!(probe.deletes.load(Ordering::SeqCst), 0);
    let c = piped(replica, Human::approving(), modern()).await;
    let r = approve_delete(&c, &state, "kb-1").await;
    assert_eq!(
        r.is_error,
        Some(false),
        "a replica with the key verifies it: {r:?}"
    );
    assert_eq!(probe.deletes.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn an_expired_confirmation_runs_nothing() {
    let probe = Arc::new(Probe::default());
    let server = McpServer::new(shared(&probe), Some(alice()))
        .with_confirmation_ttl(std::time::Duration::ZERO);
    let client = piped(server, Human::approving(), modern()).await;
    let state = state_to_delete(&client, "kb-1").await;
    let r = approve_delete(&client, &state, "kb-1").await;
    assert_denied(&r, "expired");
    assert_eq!(probe.deletes.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_client_without_elicitation_is_denied_on_either_revision() {
    let probe = Arc::new(Probe::default());
    let url = http_server(shared(&probe)).await;
    for lifecycle in [modern(), legacy()] {
        for over_http in [false, true] {
            let client = if over_http {
                http_client(&url, "alice-token", Human::default(), lifecycle.clone()).await
            } else {
                let server = McpServer::new(shared(&probe), Some(alice()));
                piped(server, Human::default(), lifecycle.clone()).await
            };
            let r = completed(
                client
                    .call_tool_once(call("delete_document", json!({"id": "kb-1"})))
                    .await
                    .unwrap(),
            );
            assert_denied(&r, "cannot ask");
            client.cancel().await.unwrap();
        }
    }
    assert_eq!(probe.deletes.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn old_clients_keep_elicitation_over_http() {
    let probe = Arc::new(Probe::default());
    let url = http_server(shared(&probe)).await;
    let human = Human::approving();
    let client = http_client(&url, "alice-token", human.clone(), legacy()).await;
    let r = client
        .call_tool(call("delete_document", json!({"id": "kb-1"})))
        .await
        .unwrap();
    assert_eq!(r.is_error, Some(false), "{r:?}");
    assert_eq!(human.prompts.load(Ordering::SeqCst), 1);
    assert_eq!(probe.deletes.load(Ordering::SeqCst), 1);
    client.cancel().await.unwrap();
}

/// The asking round is audited as waiting for a human (`confirmation_required`, not a denial),
/// and one confirmed action counts once against the rate limits, as a ticket's resume does: a
/// caller allowed one call a minute gets the action it asked for.
#[tokio::test]
async fn the_asking_round_is_pending_in_the_audit_and_one_action_counts_once() {
    let probe = Arc::new(Probe::default());
    let audit = toolwright::MemorySink::new();
    let executor = Executor::builder(knowledge_base(&probe))
        .rate_limit_per_principal(toolwright::Rate::per_minute(1))
        .audit(audit.clone())
        .build();
    let server = McpServer::new(SharedExecutor::new(executor), Some(alice()));
    let client = piped(server, Human::approving(), modern()).await;
    let state = state_to_delete(&client, "kb-1").await;
    let done = approve_delete(&client, &state, "kb-1").await;
    assert_eq!(done.is_error, Some(false), "{done:?}");
    assert_eq!(probe.deletes.load(Ordering::SeqCst), 1);

    let records = audit.records();
    let finals: Vec<_> = records.iter().filter(|r| r.final_record).collect();
    assert_eq!(finals.len(), 2, "{finals:#?}");
    assert_eq!(finals[0].outcome, "confirmation_required");
    assert_eq!(
        finals[0].decisions.confirmation,
        Some(toolwright::policy::confirm::ConfirmationDecision::Pending)
    );
    assert_eq!(finals[1].outcome, "ok");
    assert_eq!(
        finals[1].decisions.confirmation,
        Some(toolwright::policy::confirm::ConfirmationDecision::Approved)
    );

    // The minute's one call is spent: the next action is refused by the rate limit.
    let r = completed(
        client
            .call_tool_once(call("search_knowledge_base", json!({"query": "x"})))
            .await
            .unwrap(),
    );
    assert_eq!(text_of(&r)["kind"], "rate_limited", "{r:?}");
    client.cancel().await.unwrap();
}
