//! The agent loop, driven by the scripted model.

use std::sync::Arc;

use toolwright::agent::{
    Agent, AgentOutcome, Message, ModelError, ModelTurn, ScriptedModel, ToolChoice,
};
use toolwright::{Executor, Principal, Registry, ToolCall, ToolContext, ToolError, tool};

/// Wait at the shared checkpoint until the other lookup arrives, then report which side this is.
/// Returns the side's name.
#[tool(read_only, timeout = "5s")]
async fn wait_at_checkpoint(
    /// Which side arrives at the checkpoint: "left" or "right"
    side: String,
    ctx: &ToolContext,
) -> Result<String, ToolError> {
    ctx.state::<Arc<tokio::sync::Barrier>>()?.wait().await;
    Ok(side)
}

/// Look up a customer's loyalty tier by their customer number.
/// Returns the tier name: bronze, silver or gold.
#[tool(permissions = ["crm:read"], read_only)]
async fn get_loyalty_tier(
    /// Customer number, e.g. 1042; from 1 to 99999
    #[arg(range = 1..=99_999)]
    customer: u32,
) -> &'static str {
    if customer.is_multiple_of(2) {
        "gold"
    } else {
        "silver"
    }
}

/// Delete a customer's account and every order it holds. Returns the deleted account number.
#[tool(permissions = ["crm:admin"], destructive)]
async fn delete_customer_account(
    /// Customer number, e.g. 1042
    customer: u32,
) -> u32 {
    customer
}

fn executor() -> Executor {
    Executor::new(
        Registry::builder()
            .tool(wait_at_checkpoint)
            .tool(get_loyalty_tier)
            .tool(delete_customer_account)
            .state(Arc::new(tokio::sync::Barrier::new(2)))
            .build()
            .unwrap(),
    )
}

fn agent_principal() -> Principal {
    Principal::new("agent").grant("crm:read")
}

#[tokio::test(start_paused = true)]
async fn invalid_arguments_are_fed_back_and_fixed_on_the_next_turn() {
    let model = ScriptedModel::new([
        ModelTurn::calls([ToolCall::new(
            "c1",
            "get_loyalty_tier",
            r#"{"customer": 0}"#,
        )]),
        ModelTurn::calls([ToolCall::new(
            "c2",
            "get_loyalty_tier",
            r#"{"customer": 42}"#,
        )]),
        ModelTurn::final_text("Customer 42 is gold."),
    ]);
    let agent = Agent::new(executor(), model.clone(), agent_principal());
    let run = agent.run("What tier is customer 42?").await.unwrap();
    assert_eq!(
        run.outcome,
        AgentOutcome::Final("Customer 42 is gold.".into())
    );
    assert_eq!(run.iterations, 3);
    let requests = model.requests();
    assert_eq!(requests.len(), 3);
    assert_eq!(
        requests[0].tools,
        ["wait_at_checkpoint", "get_loyalty_tier"],
        "only scoped tools are offered"
    );
    let Message::ToolResults(first) = &requests[1].messages[2] else {
        panic!("tool results fed back")
    };
    assert_eq!(first[0].call_id, "c1");
    assert_eq!(
        first[0].to_model_json()["errors"][0],
        "/customer: must be at least 1, got 0"
    );
    let Message::ToolResults(second) = &requests[2].messages[4] else {
        panic!()
    };
    assert_eq!(second[0].outcome.as_ref().unwrap(), "gold");
}

#[tokio::test(start_paused = true)]
async fn calls_of_one_turn_run_concurrently_and_keep_their_ids() {
    let model = ScriptedModel::new([
        ModelTurn::calls([
            ToolCall::new("left_1", "wait_at_checkpoint", r#"{"side":"left"}"#),
            ToolCall::new("right_1", "wait_at_checkpoint", r#"{"side":"right"}"#),
        ]),
        ModelTurn::final_text("both arrived"),
    ]);
    let run = Agent::new(executor(), model, agent_principal())
        .run("go")
        .await
        .unwrap();
    let Message::ToolResults(results) = &run.messages[2] else {
        panic!()
    };
    // Each waits for the other: run one after the other, both would time out.
    let got: Vec<_> = results
        .iter()
        .map(|r| (r.call_id.as_str(), r.outcome.clone().unwrap()))
        .collect();
    assert_eq!(
        got,
        [("left_1", "left".into()), ("right_1", "right".into())]
    );
}

#[tokio::test(start_paused = true)]
async fn the_iteration_limit_is_a_distinct_outcome() {
    let looping = (0..20).map(|i| {
        ModelTurn::calls([ToolCall::new(
            format!("c{i}"),
            "get_loyalty_tier",
            r#"{"customer":1}"#,
        )])
    });
    let model = ScriptedModel::new(looping);
    let run = Agent::new(executor(), model.clone(), agent_principal())
        .run("loop")
        .await
        .unwrap();
    assert_eq!(
        run.outcome,
        AgentOutcome::IterationLimit { max_iterations: 10 }
    );
    assert_eq!(run.iterations, 10);
    assert_eq!(model.remaining(), 10);

    let model = ScriptedModel::new((0..5).map(|_| ModelTurn::calls([])));
    let run = Agent::new(executor(), model, agent_principal())
        .max_iterations(3)
        .run("x")
        .await
        .unwrap();
    assert_eq!(
        run.outcome,
        AgentOutcome::IterationLimit { max_iterations: 3 }
    );
}

#[tokio::test(start_paused = true)]
async fn hidden_and_destructive_tools_are_refused_inside_the_loop() {
    let model = ScriptedModel::new([
        ModelTurn::calls([ToolCall::new(
            "c1",
            "delete_customer_account",
            r#"{"customer": 7}"#,
        )]),
        ModelTurn::final_text("I cannot do that."),
    ]);
    let run = Agent::new(executor(), model, agent_principal())
        .run("delete 7")
        .await
        .unwrap();
    let Message::ToolResults(results) = &run.messages[2] else {
        panic!()
    };
    assert_eq!(results[0].to_model_json()["kind"], "unknown_tool");
}

#[tokio::test]
async fn an_exhausted_script_is_an_error_not_a_hang() {
    let model = ScriptedModel::new([]);
    let err = Agent::new(executor(), model, agent_principal())
        .run("hi")
        .await
        .unwrap_err();
    assert!(matches!(err.error, ModelError::ScriptExhausted));
}

/// Count the calls running right now and the most seen at once.
#[derive(Default)]
struct Gauge {
    now: std::sync::atomic::AtomicUsize,
    peak: std::sync::atomic::AtomicUsize,
}

/// Look up the stock level of one product in the slow warehouse system.
/// Returns the number of units in stock.
#[tool(read_only)]
async fn get_stock_level(
    /// Product code, e.g. "P-1042"
    product: String,
    ctx: &ToolContext,
) -> Result<u32, ToolError> {
    use std::sync::atomic::Ordering::SeqCst;
    let gauge = ctx.state::<Arc<Gauge>>()?.clone();
    let now = gauge.now.fetch_add(1, SeqCst) + 1;
    gauge.peak.fetch_max(now, SeqCst);
    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    gauge.now.fetch_sub(1, SeqCst);
    Ok(u32::try_from(product.len()).unwrap_or(0))
}

#[tokio::test(start_paused = true)]
async fn one_turn_runs_a_bounded_number_of_calls_a_few_at_a_time() {
    let gauge = Arc::new(Gauge::default());
    let executor = Executor::new(
        Registry::builder()
            .tool(get_stock_level)
            .state(gauge.clone())
            .build()
            .unwrap(),
    );
    let flood: Vec<ToolCall> = (0..10_000)
        .map(|i| ToolCall::new(format!("c{i}"), "get_stock_level", r#"{"product":"P-1"}"#))
        .collect();
    let model = ScriptedModel::new([ModelTurn::calls(flood), ModelTurn::final_text("done")]);
    let run = Agent::new(executor, model, Principal::new("agent"))
        .max_calls_per_turn(20)
        .max_concurrent_calls(3)
        .run("check stock")
        .await
        .unwrap();
    let Message::ToolResults(results) = &run.messages[2] else {
        panic!()
    };
    assert_eq!(results.len(), 10_000, "every call id gets an answer");
    assert!(results[..20].iter().all(|r| r.outcome.is_ok()));
    assert!(results[20..].iter().all(|r| {
        r.error().map(toolwright::ToolError::kind) == Some(toolwright::ErrorKind::Denied)
    }));
    assert_eq!(results[9_999].call_id, "c9999");
    assert_eq!(gauge.peak.load(std::sync::atomic::Ordering::SeqCst), 3);
}

#[tokio::test(start_paused = true)]
async fn a_forced_tool_choice_holds_for_the_first_turn_then_the_model_may_answer() {
    let model = ScriptedModel::new([
        ModelTurn::calls([ToolCall::new(
            "c1",
            "get_loyalty_tier",
            r#"{"customer": 42}"#,
        )]),
        ModelTurn::final_text("gold"),
    ]);
    let run = Agent::new(executor(), model.clone(), agent_principal())
        .tool_choice(ToolChoice::Named("get_loyalty_tier".into()))
        .run("tier of 42?")
        .await
        .unwrap();
    assert_eq!(run.outcome, AgentOutcome::Final("gold".into()));
    let choices: Vec<ToolChoice> = model
        .requests()
        .into_iter()
        .map(|r| r.tool_choice)
        .collect();
    assert_eq!(
        choices,
        [
            ToolChoice::Named("get_loyalty_tier".into()),
            ToolChoice::Auto
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn tool_choice_none_holds_for_every_turn() {
    let model = ScriptedModel::new([
        ModelTurn::calls([ToolCall::new(
            "c1",
            "get_loyalty_tier",
            r#"{"customer": 42}"#,
        )]),
        ModelTurn::final_text("gold"),
    ]);
    Agent::new(executor(), model.clone(), agent_principal())
        .tool_choice(ToolChoice::None)
        .run("hi")
        .await
        .unwrap();
    assert!(
        model
            .requests()
            .iter()
            .all(|r| r.tool_choice == ToolChoice::None)
    );
}

#[tokio::test(start_paused = true)]
async fn naming_a_tool_outside_the_principals_scope_is_refused_before_the_model_is_called() {
    let model = ScriptedModel::new([ModelTurn::final_text("never")]);
    let err = Agent::new(executor(), model.clone(), agent_principal())
        .tool_choice(ToolChoice::Named("delete_customer_account".into()))
        .run("hi")
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("not a tool this principal may use")
    );
    assert!(model.requests().is_empty());
}

#[tokio::test(start_paused = true)]
async fn parallel_calls_off_is_sent_and_enforced_one_call_per_turn() {
    let model = ScriptedModel::new([
        ModelTurn::calls([
            ToolCall::new("c1", "get_loyalty_tier", r#"{"customer": 42}"#),
            ToolCall::new("c2", "get_loyalty_tier", r#"{"customer": 43}"#),
        ]),
        ModelTurn::final_text("done"),
    ]);
    let run = Agent::new(executor(), model.clone(), agent_principal())
        .parallel_tool_calls(false)
        .run("tiers?")
        .await
        .unwrap();
    assert_eq!(model.requests()[0].parallel_tool_calls, Some(false));
    let Message::ToolResults(results) = &run.messages[2] else {
        panic!()
    };
    assert!(results[0].outcome.is_ok());
    assert_eq!(
        results[1].error().map(ToolError::kind),
        Some(toolwright::ErrorKind::Denied)
    );
}

#[tokio::test(start_paused = true)]
async fn a_truncated_turn_ends_the_run_without_running_its_calls() {
    let model = ScriptedModel::new([ModelTurn::Truncated {
        text: "The tier of".into(),
    }]);
    let run = Agent::new(executor(), model, agent_principal())
        .run("tier?")
        .await
        .unwrap();
    assert_eq!(
        run.outcome,
        AgentOutcome::Truncated {
            text: "The tier of".into()
        }
    );
    assert_eq!(run.iterations, 1);
}

#[tokio::test(start_paused = true)]
async fn a_model_failure_mid_run_keeps_the_calls_that_already_ran() {
    let model = ScriptedModel::new([ModelTurn::calls([ToolCall::new(
        "c1",
        "get_loyalty_tier",
        r#"{"customer": 42}"#,
    )])]);
    let err = Agent::new(executor(), model, agent_principal())
        .run("tier?")
        .await
        .unwrap_err();
    assert!(matches!(err.error, ModelError::ScriptExhausted));
    let ran: Vec<_> = err.completed_calls().collect();
    assert_eq!(ran.len(), 1);
    assert_eq!(
        ran[0].outcome.as_ref().ok(),
        Some(&serde_json::json!("gold"))
    );
}

#[tokio::test(start_paused = true)]
async fn tool_search_offers_what_was_found_and_never_a_hidden_tool() {
    use toolwright::agent::ToolSearch;
    let model = ScriptedModel::new([
        // The principal may not delete accounts: searching its exact name finds nothing.
        ModelTurn::calls([ToolCall::new(
            "s1",
            "search_tools",
            r#"{"query": "delete customer account"}"#,
        )]),
        ModelTurn::calls([ToolCall::new(
            "s2",
            "search_tools",
            r#"{"query": "loyalty tier of a customer", "limit": 1}"#,
        )]),
        ModelTurn::calls([ToolCall::new(
            "c1",
            "get_loyalty_tier",
            r#"{"customer": 42}"#,
        )]),
        ModelTurn::final_text("gold"),
    ]);
    let run = Agent::new(executor(), model.clone(), agent_principal())
        .tool_search(ToolSearch::new().always_offer(["wait_at_checkpoint"]))
        .run("tier of 42?")
        .await
        .unwrap();
    assert_eq!(run.outcome, AgentOutcome::Final("gold".into()));
    let offered: Vec<Vec<String>> = model.requests().into_iter().map(|r| r.tools).collect();
    assert_eq!(offered[0], ["wait_at_checkpoint", "search_tools"]);
    assert_eq!(
        offered[2],
        ["wait_at_checkpoint", "get_loyalty_tier", "search_tools"]
    );
    let Message::ToolResults(first) = &run.messages[2] else {
        panic!()
    };
    let found = first[0].outcome.as_ref().unwrap().to_string();
    assert!(!found.contains("delete_customer_account"), "{found}");
    let Message::ToolResults(second) = &run.messages[4] else {
        panic!()
    };
    assert_eq!(
        second[0].outcome.as_ref().unwrap()["tools"][0]["name"],
        "get_loyalty_tier"
    );
    assert!(
        offered
            .iter()
            .flatten()
            .all(|name| name != "delete_customer_account")
    );
}

#[tokio::test(start_paused = true)]
async fn a_search_without_a_query_gets_an_error_the_model_can_fix() {
    use toolwright::agent::ToolSearch;
    let model = ScriptedModel::new([
        ModelTurn::calls([ToolCall::new("s1", "search_tools", "{}")]),
        ModelTurn::final_text("ok"),
    ]);
    let run = Agent::new(executor(), model, agent_principal())
        .tool_search(ToolSearch::new())
        .run("hi")
        .await
        .unwrap();
    let Message::ToolResults(results) = &run.messages[2] else {
        panic!()
    };
    assert_eq!(results[0].to_model_json()["kind"], "invalid_arguments");
}

#[tokio::test(start_paused = true)]
async fn a_tool_out_of_service_is_not_offered_to_the_model() {
    let model = ScriptedModel::new([ModelTurn::final_text("No tier lookups today.")]);
    let executor = executor();
    executor.disable_tool("get_loyalty_tier", "the CRM is being migrated");
    let agent = Agent::new(executor, model.clone(), agent_principal());
    agent.run("What tier is customer 42?").await.unwrap();
    assert_eq!(model.requests()[0].tools, ["wait_at_checkpoint"]);
}
