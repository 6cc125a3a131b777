//! User layers: each capability works, and no layer can skip permission, validation or
//! confirmation.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use proptest::prelude::*;
use serde_json::{Value, json};
use toolwright::policy::confirm::ConfirmationDecision;
use toolwright::policy::layer::{LayerAction, LayerStep, Next, Position, Request, from_fn};
use toolwright::policy::validation::ValidationDecision;
use toolwright::{
    AlwaysDeny, AutoApprove, BoxFuture, ConfirmationRequest, Confirmer, Decision, ErrorKind,
    Executor, ExecutorBuilder, MemorySink, Principal, Registry, ToolCall, ToolContext, ToolError,
    tool,
};

#[derive(Default)]
struct Bodies {
    deletes: AtomicUsize,
    lookups: AtomicUsize,
    mails: AtomicUsize,
    seen: Mutex<Vec<String>>,
}

/// Permanently delete a document from the knowledge base by its id.
/// Returns the id of the deleted document. This cannot be undone.
#[tool(permissions = ["kb:write"], destructive)]
async fn delete_document(
    /// The document's id, as returned by search, e.g. "kb-102"
    id: String,
    ctx: &ToolContext,
) -> Result<String, ToolError> {
    let bodies = ctx.state::<Arc<Bodies>>()?;
    bodies.deletes.fetch_add(1, Ordering::SeqCst);
    bodies.seen.lock().unwrap().push(id.clone());
    Ok(id)
}

/// Look up an order by its id. Returns the order's status and the card it was paid with.
#[tool(permissions = ["orders:read"], read_only)]
async fn lookup_order(
    /// The order id, e.g. "ord-17"
    #[arg(min_len = 1, max_len = 16)]
    id: String,
    ctx: &ToolContext,
) -> Result<Value, ToolError> {
    let bodies = ctx.state::<Arc<Bodies>>()?;
    bodies.lookups.fetch_add(1, Ordering::SeqCst);
    bodies.seen.lock().unwrap().push(id.clone());
    Ok(json!({"id": id, "status": "shipped", "card": "4111 1111 1111 1111"}))
}

/// Send an email to one recipient with a subject line. Returns the recipient's address.
#[tool(permissions = ["mail:send"])]
async fn send_email(
    /// Recipient address, e.g. "ana@example.com"
    to: String,
    /// Subject line, e.g. "Your refund"
    subject: String,
    ctx: &ToolContext,
) -> Result<String, ToolError> {
    let _ = subject;
    ctx.state::<Arc<Bodies>>()?
        .mails
        .fetch_add(1, Ordering::SeqCst);
    Ok(to)
}

struct Fixture {
    bodies: Arc<Bodies>,
    audit: MemorySink,
}

fn fixture() -> (Fixture, ExecutorBuilder) {
    let bodies = Arc::new(Bodies::default());
    let registry = Registry::builder()
        .tool(delete_document)
        .tool(lookup_order)
        .tool(send_email)
        .state(bodies.clone())
        .build()
        .unwrap();
    let audit = MemorySink::new();
    let builder = Executor::builder(registry).audit(audit.clone());
    (Fixture { bodies, audit }, builder)
}

fn staff() -> Principal {
    Principal::new("staff").grant_all(["kb:write", "orders:read", "mail:send"])
}

fn final_record(sink: &MemorySink) -> toolwright::AuditRecord {
    sink.records()
        .into_iter()
        .rev()
        .find(|r| r.final_record)
        .expect("a final record")
}

/// A layer that rewrites `key` to `value`.
fn rewrite(key: &'static str, value: Value) -> impl toolwright::policy::layer::Layer {
    from_fn(
        "rewrite",
        move |mut request: Request<'_>, next: Next<'_>| {
            let value = value.clone();
            Box::pin(async move {
                let mut args = request.arguments().cloned().unwrap_or_else(|| json!({}));
                args[key] = value;
                request.set_arguments(args);
                next.run(request).await
            })
        },
    )
}

/// Records the arguments it was asked about, then answers `decision`.
#[derive(Clone)]
struct Human(Arc<(Mutex<Vec<Value>>, Decision)>);

impl Human {
    fn asked(&self) -> Vec<Value> {
        self.0.0.lock().unwrap().clone()
    }
}

impl Confirmer for Human {
    fn confirm<'a>(&'a self, request: &'a ConfirmationRequest) -> BoxFuture<'a, Decision> {
        self.0.0.lock().unwrap().push(request.arguments.clone());
        Box::pin(std::future::ready(self.0.1.clone()))
    }
}

fn recording(decision: Decision) -> Human {
    Human(Arc::new((Mutex::default(), decision)))
}

#[tokio::test]
async fn a_rejecting_layer_answers_with_its_error_and_is_audited() {
    let (fx, builder) = fixture();
    let executor = builder
        .layer(
            Position::BeforeValidation,
            from_fn("no_spam", |request, next| {
                Box::pin(async move {
                    let spam = request
                        .arguments()
                        .and_then(|a| a["subject"].as_str())
                        .is_some_and(|s| s.contains("WIN BIG"));
                    if spam {
                        return Err(ToolError::new(ErrorKind::Denied, "this looks like spam")
                            .with_suggestion("write a plain subject line"));
                    }
                    next.run(request).await
                })
            }),
        )
        .build();
    let call = ToolCall::new(
        "c1",
        "send_email",
        r#"{"to":"a@b.c","subject":"WIN BIG now"}"#,
    );
    let result = executor.call(&staff(), &call).await;
    let err = result.outcome.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Denied);
    assert_eq!(err.message(), "this looks like spam");
    assert_eq!(fx.bodies.mails.load(Ordering::SeqCst), 0);

    let record = final_record(&fx.audit);
    assert_eq!(record.outcome, "denied");
    assert_eq!(
        record.decisions.layers,
        [LayerStep {
            layer: "no_spam",
            action: LayerAction::Rejected
        }]
    );
    assert!(
        fx.audit.to_jsonl().contains(r#""action":"rejected""#),
        "{}",
        fx.audit.to_jsonl()
    );

    let fine = ToolCall::new("c2", "send_email", r#"{"to":"a@b.c","subject":"hello"}"#);
    assert!(executor.call(&staff(), &fine).await.outcome.is_ok());
    assert_eq!(
        final_record(&fx.audit).decisions.layers[0].action,
        LayerAction::Passed
    );
}

#[tokio::test]
async fn no_layer_sees_a_call_the_principal_may_not_make() {
    let (fx, builder) = fixture();
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = seen.clone();
    let executor = builder
        .layer(
            Position::BeforeValidation,
            from_fn("answer_everything", move |_request, _next| {
                counter.fetch_add(1, Ordering::SeqCst);
                Box::pin(async { Ok(json!("answered by a layer")) })
            }),
        )
        .build();
    let stranger = Principal::new("stranger");
    let call = ToolCall::new("c1", "delete_document", r#"{"id":"kb-1"}"#);
    let err = executor.call(&stranger, &call).await.outcome.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::UnknownTool);
    assert_eq!(
        seen.load(Ordering::SeqCst),
        0,
        "permission runs before every layer"
    );
    assert_eq!(fx.bodies.deletes.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_rewrite_to_invalid_arguments_is_rejected_by_validation() {
    for position in [Position::BeforeValidation, Position::BeforeConfirmation] {
        let (fx, builder) = fixture();
        let executor = builder
            .layer(position, rewrite("id", json!("x".repeat(100))))
            .build();
        let call = ToolCall::new("c1", "lookup_order", r#"{"id":"ord-17"}"#);
        let err = executor.call(&staff(), &call).await.outcome.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidArguments, "{position:?}");
        assert_eq!(fx.bodies.lookups.load(Ordering::SeqCst), 0, "{position:?}");
        let record = final_record(&fx.audit);
        assert_eq!(
            record.decisions.validation,
            Some(ValidationDecision::Invalid)
        );
        assert_eq!(record.decisions.layers[0].action, LayerAction::Rewrote);
    }
}

#[tokio::test]
async fn a_rewrite_past_the_argument_caps_is_refused() {
    let (fx, builder) = fixture();
    let mut deep = json!("leaf");
    for _ in 0..100 {
        deep = json!([deep]);
    }
    let executor = builder
        .layer(Position::BeforeValidation, rewrite("extra", deep))
        .build();
    let call = ToolCall::new("c1", "lookup_order", r#"{"id":"ord-17"}"#);
    let err = executor.call(&staff(), &call).await.outcome.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArguments);
    assert!(
        err.to_model_json().to_string().contains("nest deeper"),
        "{err:?}"
    );
    assert_eq!(fx.bodies.lookups.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_valid_rewrite_runs_with_the_new_arguments() {
    let (fx, builder) = fixture();
    let executor = builder
        .layer(
            Position::BeforeValidation,
            from_fn("normalize_id", |mut request, next| {
                Box::pin(async move {
                    if let Some(id) = request.arguments().and_then(|a| a["id"].as_str()) {
                        let id = id.trim().to_lowercase();
                        request.set_arguments(json!({ "id": id }));
                    }
                    next.run(request).await
                })
            }),
        )
        .build();
    let call = ToolCall::new("c1", "lookup_order", r#"{"id":"  ORD-17 "}"#);
    let out = executor.call(&staff(), &call).await.outcome.unwrap();
    assert_eq!(out["id"], "ord-17");
    assert_eq!(*fx.bodies.seen.lock().unwrap(), ["ord-17"]);
    // The audit record keeps what the model sent.
    assert_eq!(
        final_record(&fx.audit).arguments.to_value()["id"],
        "  ORD-17 "
    );
}

#[tokio::test]
async fn a_layer_answering_before_confirmation_of_a_destructive_tool_runs_no_body() {
    let (fx, builder) = fixture();
    let executor = builder
        .layer(
            Position::BeforeConfirmation,
            from_fn("cached", |_request, _next| {
                Box::pin(async { Ok(json!("kb-1")) })
            }),
        )
        .build();
    let call = ToolCall::new("c1", "delete_document", r#"{"id":"kb-1"}"#);
    assert_eq!(
        executor.call(&staff(), &call).await.outcome.unwrap(),
        "kb-1"
    );
    assert_eq!(fx.bodies.deletes.load(Ordering::SeqCst), 0);
    let record = final_record(&fx.audit);
    assert_eq!(record.decisions.confirmation, None, "no human was asked");
    assert_eq!(record.decisions.layers[0].action, LayerAction::Answered);
}

#[tokio::test]
async fn a_layer_passing_a_destructive_call_on_still_needs_a_human() {
    let (fx, builder) = fixture();
    let executor = builder
        .layer(
            Position::BeforeValidation,
            from_fn("pass", |request, next| next.run(request)),
        )
        .layer(
            Position::BeforeConfirmation,
            from_fn("pass_again", |request, next| next.run(request)),
        )
        .build();
    let call = ToolCall::new("c1", "delete_document", r#"{"id":"kb-1"}"#);
    let err = executor.call(&staff(), &call).await.outcome.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Denied);
    assert_eq!(fx.bodies.deletes.load(Ordering::SeqCst), 0);
    assert_eq!(
        final_record(&fx.audit).decisions.confirmation,
        Some(ConfirmationDecision::Denied)
    );
}

#[tokio::test]
async fn arguments_changed_after_approval_never_run() {
    for position in [Position::OnResult, Position::AroundExecution] {
        let (fx, builder) = fixture();
        let executor = builder
            .confirmer(AutoApprove)
            .layer(position, rewrite("id", json!("kb-everything")))
            .build();
        let call = ToolCall::new("c1", "delete_document", r#"{"id":"kb-1"}"#);
        let err = executor.call(&staff(), &call).await.outcome.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Denied, "{position:?}");
        assert_eq!(fx.bodies.deletes.load(Ordering::SeqCst), 0, "{position:?}");
    }
}

#[tokio::test]
async fn the_human_confirms_the_arguments_a_layer_rewrote() {
    let (fx, builder) = fixture();
    let human = recording(Decision::Approve);
    let executor = builder
        .confirmer(human.clone())
        .layer(Position::BeforeConfirmation, rewrite("id", json!("kb-2")))
        .build();
    let call = ToolCall::new("c1", "delete_document", r#"{"id":"kb-1"}"#);
    assert_eq!(
        executor.call(&staff(), &call).await.outcome.unwrap(),
        "kb-2"
    );
    assert_eq!(human.asked(), [json!({"id": "kb-2"})]);
    assert_eq!(*fx.bodies.seen.lock().unwrap(), ["kb-2"]);
}

#[tokio::test]
async fn a_predicate_requires_confirmation_for_some_arguments_only() {
    let (fx, builder) = fixture();
    let human = recording(Decision::deny("not outside the company"));
    let executor = builder
        .confirmer(human.clone())
        .layer(
            Position::BeforeConfirmation,
            from_fn("external_mail", |mut request, next| {
                Box::pin(async move {
                    let outside = request
                        .arguments()
                        .and_then(|a| a["to"].as_str())
                        .is_some_and(|to| !to.ends_with("@example.com"));
                    if outside {
                        request.require_confirmation();
                    }
                    next.run(request).await
                })
            }),
        )
        .build();
    let inside = ToolCall::new(
        "c1",
        "send_email",
        r#"{"to":"bo@example.com","subject":"hi"}"#,
    );
    assert_eq!(
        executor.call(&staff(), &inside).await.outcome.unwrap(),
        "bo@example.com"
    );
    assert_eq!(
        final_record(&fx.audit).decisions.confirmation,
        Some(ConfirmationDecision::NotRequired)
    );
    assert!(human.asked().is_empty());

    let outside = ToolCall::new(
        "c2",
        "send_email",
        r#"{"to":"eve@evil.test","subject":"hi"}"#,
    );
    let err = executor.call(&staff(), &outside).await.outcome.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Denied);
    assert_eq!(human.asked().len(), 1);
    assert_eq!(
        fx.bodies.mails.load(Ordering::SeqCst),
        1,
        "only the inside mail ran"
    );
}

#[tokio::test]
async fn an_output_guardrail_redacts_the_result() {
    let (_fx, builder) = fixture();
    let executor = builder
        .layer(
            Position::OnResult,
            from_fn("mask_cards", |request, next| {
                Box::pin(async move {
                    let mut out = next.run(request).await?;
                    if let Some(card) = out.get_mut("card") {
                        *card = json!("[card on file]");
                    }
                    Ok(out)
                })
            }),
        )
        .build();
    let call = ToolCall::new("c1", "lookup_order", r#"{"id":"ord-17"}"#);
    let out = executor.call(&staff(), &call).await.outcome.unwrap();
    assert_eq!(out["card"], "[card on file]");
    assert_eq!(out["status"], "shipped");
}

#[tokio::test]
async fn a_cache_layer_answers_repeated_calls_without_the_body() {
    let (fx, builder) = fixture();
    let cache: Arc<Mutex<std::collections::HashMap<String, Value>>> = Arc::default();
    let executor = builder
        .layer(
            Position::BeforeConfirmation,
            from_fn("cache", move |request, next| {
                let cache = cache.clone();
                Box::pin(async move {
                    let key = request
                        .arguments()
                        .map(Value::to_string)
                        .unwrap_or_default();
                    if let Some(hit) = cache.lock().unwrap().get(&key) {
                        return Ok(hit.clone());
                    }
                    let out = next.run(request).await?;
                    cache.lock().unwrap().insert(key, out.clone());
                    Ok(out)
                })
            }),
        )
        .build();
    let call = ToolCall::new("c1", "lookup_order", r#"{"id":"ord-17"}"#);
    let first = executor.call(&staff(), &call).await.outcome.unwrap();
    let second = executor.call(&staff(), &call).await.outcome.unwrap();
    assert_eq!(first, second);
    assert_eq!(fx.bodies.lookups.load(Ordering::SeqCst), 1);
    // An invalid call is never answered from the cache: validation runs first.
    let invalid = ToolCall::new("c2", "lookup_order", r#"{"id":""}"#);
    let err = executor.call(&staff(), &invalid).await.outcome.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArguments);
}

#[tokio::test]
async fn layers_run_by_position_then_in_the_order_added() {
    let (fx, builder) = fixture();
    let order: Arc<Mutex<Vec<&'static str>>> = Arc::default();
    let mark = |name: &'static str| {
        let order = order.clone();
        from_fn(name, move |request, next| {
            order.lock().unwrap().push(name);
            next.run(request)
        })
    };
    let executor = builder
        .layer(Position::AroundExecution, mark("around"))
        .layer(Position::OnResult, mark("result"))
        .layer(Position::BeforeConfirmation, mark("confirm"))
        .layer(Position::BeforeValidation, mark("validate_1"))
        .layer(Position::BeforeValidation, mark("validate_2"))
        .build();
    let call = ToolCall::new("c1", "lookup_order", r#"{"id":"ord-17"}"#);
    assert!(executor.call(&staff(), &call).await.outcome.is_ok());
    assert_eq!(
        *order.lock().unwrap(),
        ["validate_1", "validate_2", "confirm", "result", "around"]
    );
    let steps: Vec<_> = final_record(&fx.audit)
        .decisions
        .layers
        .iter()
        .map(|s| s.layer)
        .collect();
    assert_eq!(
        steps,
        ["validate_1", "validate_2", "confirm", "result", "around"]
    );
}

#[tokio::test]
async fn a_panicking_layer_is_an_error_not_a_crash() {
    let (fx, builder) = fixture();
    let executor = builder
        .layer(
            Position::BeforeValidation,
            from_fn("broken", |_request, _next| panic!("layer bug")),
        )
        .build();
    let call = ToolCall::new("c1", "lookup_order", r#"{"id":"ord-17"}"#);
    let err = executor.call(&staff(), &call).await.outcome.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Panicked);
    assert!(!err.to_model_json().to_string().contains("layer bug"));
    assert_eq!(final_record(&fx.audit).outcome, "panicked");
}

#[tokio::test]
async fn a_denying_confirmer_still_wins_over_a_layer_that_asks_for_confirmation() {
    let (fx, builder) = fixture();
    let executor = builder
        .confirmer(AlwaysDeny("no".into()))
        .layer(
            Position::BeforeValidation,
            from_fn("ask", |mut request, next| {
                request.require_confirmation();
                next.run(request)
            }),
        )
        .build();
    let call = ToolCall::new("c1", "lookup_order", r#"{"id":"ord-17"}"#);
    let err = executor.call(&staff(), &call).await.outcome.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Denied);
    assert_eq!(fx.bodies.lookups.load(Ordering::SeqCst), 0);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Whatever a layer rewrites the arguments to, the body runs only with arguments that
    /// validate (an `id` of 1 to 16 characters), and then with exactly those.
    #[test]
    fn a_body_only_ever_runs_with_valid_rewritten_arguments(
        id in prop_oneof![
            ".{0,20}".prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            Just(Value::Null),
            Just(json!(["ord-1"])),
        ]
    ) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let (fx, builder) = fixture();
        let executor = builder
            .layer(Position::BeforeValidation, rewrite("id", id.clone()))
            .build();
        let call = ToolCall::new("c1", "lookup_order", r#"{"id":"ord-17"}"#);
        let result = rt.block_on(executor.call(&staff(), &call));
        let valid = id.as_str().is_some_and(|s| (1..=16).contains(&s.chars().count()));
        prop_assert_eq!(result.outcome.is_ok(), valid);
        let seen = fx.bodies.seen.lock().unwrap().clone();
        if valid {
            prop_assert_eq!(seen, vec![id.as_str().unwrap_or_default().to_owned()]);
        } else {
            prop_assert!(seen.is_empty());
        }
    }
}

/// Each layer's step is recorded once, in the order the call met them, whichever position ends
/// the call: the layers that passed it on, then the one that answered or rejected it (if any).
#[tokio::test]
async fn every_layer_the_call_met_is_recorded_once_in_order() {
    let pass = |name: &'static str| from_fn(name, |request, next| next.run(request));
    let answer = |name: &'static str| {
        from_fn(name, |_request, _next| {
            Box::pin(async { Ok(json!({"cached": true})) })
        })
    };
    let reject = |name: &'static str| {
        from_fn(name, |_request, _next| {
            Box::pin(async { Err(ToolError::new(ErrorKind::Denied, "closed for the night")) })
        })
    };
    let call = ToolCall::new("c1", "lookup_order", r#"{"id":"ord-17"}"#);
    let steps = |executor: Executor, fx: Fixture| {
        let call = call.clone();
        async move {
            executor.call(&staff(), &call).await;
            final_record(&fx.audit)
                .decisions
                .layers
                .iter()
                .map(|s| (s.layer, s.action))
                .collect::<Vec<_>>()
        }
    };
    use LayerAction::{Answered, Passed, Rejected};

    // Everyone passes: one step each, in position order.
    let (fx, builder) = fixture();
    let executor = builder
        .layer(Position::OnResult, pass("d"))
        .layer(Position::BeforeValidation, pass("a"))
        .layer(Position::BeforeConfirmation, pass("c"))
        .layer(Position::BeforeValidation, pass("b"))
        .build();
    assert_eq!(
        steps(executor, fx).await,
        [("a", Passed), ("b", Passed), ("c", Passed), ("d", Passed)]
    );

    // A later position answers: the earlier ones passed, nothing after it ran.
    let (fx, builder) = fixture();
    let executor = builder
        .layer(Position::BeforeValidation, pass("a"))
        .layer(Position::BeforeConfirmation, pass("b"))
        .layer(Position::BeforeConfirmation, answer("c"))
        .layer(Position::OnResult, pass("d"))
        .build();
    assert_eq!(
        steps(executor, fx).await,
        [("a", Passed), ("b", Passed), ("c", Answered)]
    );

    // The first layer rejects: only it is recorded.
    let (fx, builder) = fixture();
    let executor = builder
        .layer(Position::BeforeValidation, reject("a"))
        .layer(Position::BeforeValidation, pass("b"))
        .build();
    assert_eq!(steps(executor, fx).await, [("a", Rejected)]);
}
