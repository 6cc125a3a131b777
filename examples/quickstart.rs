//! toolwright in one screen: a scripted model drives an agent through every safety policy.
//!
//! ```sh
//! cargo run --example quickstart            # asks before the destructive call on a terminal
//! cargo run -q --example quickstart -- --no # deny it non-interactively (--yes approves)
//! cargo run -q --example quickstart -- --json   # audit records as JSON lines at the end
//! # a real model (the HTTP clients are a feature, so the scripted run builds without them):
//! OPENAI_API_KEY=… cargo run --features clients --example quickstart -- --model openai:gpt-4.1-mini
//! OPENAI_API_KEY=… cargo run --features clients --example quickstart -- --model openai-responses:gpt-5-mini
//! OPENAI_BASE_URL=http://localhost:11434/v1 cargo run --features clients --example quickstart -- --model openai:llama3.1
//! ANTHROPIC_API_KEY=… cargo run --features clients --example quickstart -- --model anthropic:claude-sonnet-4-5
//! GEMINI_API_KEY=… cargo run --features clients --example quickstart -- --model gemini:gemini-3-flash-preview
//! ```

#[path = "support/tools.rs"]
mod tools;

use std::io::IsTerminal;
use std::time::Duration;

use serde_json::Value;
use tools::{OrderDesk, delete_document, issue_refund, search_knowledge_base, send_customer_email};
use toolwright::agent::{Agent, AgentOutcome, Message, ModelClient, ModelTurn, ScriptedModel};
use toolwright::policy::permission::PermissionDecision;
use toolwright::{
    AlwaysDeny, AutoApprove, Confirmer, Executor, MemorySink, Principal, Registry, TerminalPrompt,
    ToolCall, ToolResult,
};

/// `println!` that ends the program quietly once stdout is closed (`quickstart | head`).
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if writeln!(std::io::stdout().lock(), $($arg)*).is_err() {
            std::process::exit(0);
        }
    }};
}

const HELP: &str = "\
quickstart: an agent run through toolwright's executor, with a scripted model (no network)

USAGE: cargo run --example quickstart -- [--yes | --no] [--json] [--model PROVIDER:MODEL]

  --yes            approve the destructive call without asking
  --no             deny the destructive call without asking
                   (default: ask on a terminal, deny when stdin is not a terminal)
  --json           print the audit records as JSON lines at the end
  --model P:M      drive the agent with a real model instead of the script
                   (build with `--features clients`):
                   openai:MODEL    (OPENAI_API_KEY; OPENAI_BASE_URL for Ollama, vLLM, LM Studio)
                   openai-responses:MODEL (OPENAI_API_KEY; the Responses API)
                   anthropic:MODEL (ANTHROPIC_API_KEY)
                   gemini:MODEL    (GEMINI_API_KEY)
  --help           this text
";

struct Style {
    on: bool,
}

impl Style {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }
    fn dim(&self, t: &str) -> String {
        self.paint("2", t)
    }
    fn bold(&self, t: &str) -> String {
        self.paint("1", t)
    }
    fn green(&self, t: &str) -> String {
        self.paint("32", t)
    }
    fn red(&self, t: &str) -> String {
        self.paint("31", t)
    }
    fn cyan(&self, t: &str) -> String {
        self.paint("36", t)
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--help" || a == "-h") {
        print!("{HELP}");
        return Ok(());
    }
    let mut model_flag = None;
    let mut rest = args.iter();
    while let Some(a) = rest.next() {
        match a.as_str() {
            "--yes" | "--no" | "--json" => {}
            "--model" => match rest.next() {
                Some(m) => model_flag = Some(m.clone()),
                None => usage_error("--model needs PROVIDER:MODEL, e.g. openai:gpt-4.1-mini"),
            },
            other => usage_error(&format!("unknown argument `{other}`")),
        }
    }
    let (yes, no) = (
        args.iter().any(|a| a == "--yes"),
        args.iter().any(|a| a == "--no"),
    );
    let confirmer: Box<dyn Confirmer> = match (yes, no) {
        (true, true) => usage_error("--yes and --no contradict each other; pass one of them"),
        (true, false) => Box::new(AutoApprove),
        (false, true) => Box::new(AlwaysDeny("the user said no (--no)".into())),
        (false, false) => Box::new(TerminalPrompt),
    };
    // A real model needs its key: fail here, before anything is sent.
    let model: Box<dyn ModelClient> = match &model_flag {
        None => Box::new(ScriptedModel::new(script())),
        Some(spec) => real_model(spec),
    };
    let json = args.iter().any(|a| a == "--json");
    let style = Style {
        on: std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    };

    // 1. Declare (examples/support/tools.rs) and register the tools: one line each.
    let mut desk = OrderDesk::demo();
    desk.latency = Duration::from_millis(1500); // the first lookup hits a slow replica
    let registry = Registry::builder()
        .tool(search_knowledge_base)
        .tool(delete_document)
        .tool(send_customer_email)
        .tool(issue_refund)
        .tools(desk)
        .build()?;

    // 2. An executor with an in-memory audit log; everything else is the safe default.
    let audit = MemorySink::new();
    let executor = Executor::builder(registry)
        .audit(audit.clone())
        .confirmer(ConfirmerBox(confirmer))
        .build();

    // 3. The principal the agent acts for: it may read the KB, orders and send mail, and
    //    delete KB documents, but not issue refunds.
    let agent_principal = Principal::new("support-agent").grant_all([
        "kb:read",
        "kb:write",
        "orders:read",
        "mail:send",
    ]);

    let driver = model_flag.as_deref().unwrap_or("a scripted model");
    say!(
        "{}",
        style.bold(&format!(
            "toolwright quickstart: {driver} drives an agent through every policy"
        ))
    );
    say!(
        "{}",
        style.dim(&format!(
            "tools offered to {}: {}",
            agent_principal.id(),
            executor
                .registry()
                .scoped(&agent_principal)
                .map(|e| e.name())
                .collect::<Vec<_>>()
                .join(", ")
        ))
    );

    let printer = style_printer(style.on, audit.clone());
    let agent = Agent::new(executor, model, agent_principal)
        .max_iterations(9)
        .on_message(printer);
    let run = agent
        .run("A customer asks about refunds for order A-1001; help them.")
        .await;

    let s = &style;
    let failed = match &run {
        Ok(run) => {
            match &run.outcome {
                AgentOutcome::Final(text) => say!("\n{} {text}", s.bold("final answer:")),
                AgentOutcome::IterationLimit { max_iterations } => say!(
                    "\n{} the model was still calling tools after {max_iterations} turns; the loop stopped it",
                    s.red("iteration limit:")
                ),
                AgentOutcome::Truncated { text } => say!(
                    "\n{} the model ran out of output tokens; its answer is cut short: {text}",
                    s.red("truncated:")
                ),
            }
            false
        }
        // The calls that already ran are still in the audit log below.
        Err(e) => {
            eprintln!("\n{} {e}", s.red("the model failed:"));
            true
        }
    };

    say!(
        "\n{}",
        s.bold("audit log (one final record per call; secrets redacted)")
    );
    for r in audit.records().iter().filter(|r| r.final_record) {
        let outcome = if r.outcome == "ok" {
            s.green("ok")
        } else {
            s.red(&r.outcome)
        };
        say!(
            "  {:<7} {:<22} {:<22} retries={} {}",
            r.call_id,
            r.tool,
            outcome,
            r.retries,
            s.dim(&r.arguments.to_string())
        );
    }
    if json {
        say!("{}", audit.to_jsonl().trim_end());
    }
    if failed {
        std::process::exit(1);
    }
    Ok(())
}

fn usage_error(message: &str) -> ! {
    eprintln!("{message}\n\n{HELP}");
    std::process::exit(2);
}

#[cfg(not(feature = "clients"))]
fn real_model(spec: &str) -> Box<dyn ModelClient> {
    usage_error(&format!(
        "--model {spec} needs the HTTP clients: cargo run --features clients --example quickstart -- --model {spec}"
    ))
}

/// `openai:MODEL`, `openai-responses:MODEL`, `anthropic:MODEL` or `gemini:MODEL`, configured
/// from the usual environment variables. A missing key is a usage error here rather than a 401 after the first request.
#[cfg(feature = "clients")]
fn real_model(spec: &str) -> Box<dyn ModelClient> {
    let set = |var: &str| std::env::var_os(var).is_some_and(|v| !v.is_empty());
    let need = |ok: bool, what: &str| {
        if !ok {
            usage_error(&format!("--model {spec} needs {what}"));
        }
    };
    match spec.split_once(':') {
        Some(("openai", model)) if !model.is_empty() => {
            // A local server (Ollama, vLLM, LM Studio) behind OPENAI_BASE_URL needs no key.
            need(
                set("OPENAI_API_KEY") || set("OPENAI_BASE_URL"),
                "OPENAI_API_KEY (or OPENAI_BASE_URL for a local server)",
            );
            Box::new(toolwright::clients::OpenAiClient::from_env(model))
        }
        Some(("openai-responses", model)) if !model.is_empty() => {
            need(
                set("OPENAI_API_KEY") || set("OPENAI_BASE_URL"),
                "OPENAI_API_KEY (or OPENAI_BASE_URL for a local server)",
            );
            Box::new(toolwright::clients::OpenAiResponsesClient::from_env(model))
        }
        Some(("anthropic", model)) if !model.is_empty() => {
            need(set("ANTHROPIC_API_KEY"), "ANTHROPIC_API_KEY");
            Box::new(toolwright::clients::AnthropicClient::from_env(model))
        }
        Some(("gemini", model)) if !model.is_empty() => {
            need(
                set("GEMINI_API_KEY") || set("GOOGLE_API_KEY"),
                "GEMINI_API_KEY (or GOOGLE_API_KEY)",
            );
            Box::new(toolwright::clients::GeminiClient::from_env(model))
        }
        _ => usage_error(&format!(
            "unknown model `{spec}`: use openai:MODEL, openai-responses:MODEL, anthropic:MODEL or gemini:MODEL"
        )),
    }
}

/// The model's turns. Each one makes a policy act.
fn script() -> Vec<ModelTurn> {
    let call = |id: &str, name: &str, args: &str| ToolCall::new(id, name, args);
    vec![
        // a read-only call that succeeds
        ModelTurn::calls([call(
            "c1",
            "search_knowledge_base",
            r#"{"query": "refund"}"#,
        )]),
        // invalid arguments: every problem comes back at once…
        ModelTurn::calls([call(
            "c2",
            "search_knowledge_base",
            r#"{"query": "", "limit": 50}"#,
        )]),
        // …and the model fixes them on the next turn
        ModelTurn::calls([call(
            "c3",
            "search_knowledge_base",
            r#"{"query": "refund policy", "limit": 3}"#,
        )]),
        // a tool this principal may not see, and a 4th search inside the 3/min rate limit
        ModelTurn::calls([
            call(
                "c4",
                "issue_refund",
                r#"{"order_id": "A-1001", "amount_cents": 4999}"#,
            ),
            call("c5", "search_knowledge_base", r#"{"query": "shipping"}"#),
        ]),
        // a timeout on the first attempt, retried because the tool is idempotent
        ModelTurn::calls([call("c6", "get_order_status", r#"{"order_id": "A-1001"}"#)]),
        // a secret argument: the audit log shows it as [REDACTED]
        ModelTurn::calls([call(
            "c7",
            "send_customer_email",
            r#"{"to": "ana@example.com", "subject": "Your refund", "body": "Refunds take 14 days.", "api_key": "sk-live-51Hx9Kq2EXAMPLE"}"#,
        )]),
        // a destructive call: a human decides before the body runs
        ModelTurn::calls([call("c8", "delete_document", r#"{"id": "kb-102"}"#)]),
        // a model stuck in a loop: the iteration limit ends the run
        ModelTurn::calls([call("c9", "get_order_status", r#"{"order_id": "A-1002"}"#)]),
        ModelTurn::calls([call("c10", "get_order_status", r#"{"order_id": "A-1002"}"#)]),
        ModelTurn::final_text("never reached"),
    ]
}

/// Prints each message as it joins the conversation.
fn style_printer(on: bool, audit: MemorySink) -> impl Fn(&Message) + Send + Sync + 'static {
    let turns = std::sync::atomic::AtomicUsize::new(0);
    move |m: &Message| {
        let s = Style { on };
        match m {
            Message::Assistant {
                tool_calls, text, ..
            } => {
                let turn = turns.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                let calls = match tool_calls.len() {
                    0 => String::new(),
                    1 => ": 1 call".to_owned(),
                    n => format!(": {n} calls, run concurrently"),
                };
                say!("\n{}", s.dim(&format!("turn {turn}{calls}")));
                if let Some(t) = text {
                    say!("{} {t}", s.cyan("model:"));
                }
                for c in tool_calls {
                    // The arguments as the model wrote them: JSON, never Rust's Debug.
                    let args = match &c.arguments {
                        toolwright::CallArguments::Text(t) => t.clone(),
                        toolwright::CallArguments::Json(v) => v.to_string(),
                        toolwright::CallArguments::Invalid { raw, .. } => raw.clone(),
                    };
                    say!(
                        "{} {}({})",
                        s.cyan("model  →"),
                        s.bold(&c.name),
                        shorten(&args, 90)
                    );
                }
            }
            Message::ToolResults(results) => {
                for r in results {
                    print_result(&s, r, &audit);
                }
            }
            _ => {}
        }
    }
}

fn print_result(s: &Style, r: &ToolResult, audit: &MemorySink) {
    let records = audit.records();
    for attempt in records
        .iter()
        .filter(|rec| rec.call_id == r.call_id && !rec.final_record)
    {
        if attempt.outcome != "approved" {
            say!(
                "  {} attempt {} ended in {} after {} ms; retrying",
                s.dim("policy ·"),
                attempt.attempt + 1,
                s.red(&attempt.outcome),
                attempt.duration_ms
            );
        }
    }
    let decisions = records
        .into_iter()
        .rev()
        .find(|rec| rec.call_id == r.call_id && rec.final_record)
        .map(|rec| {
            let d = rec.decisions;
            let mut parts = Vec::new();
            // A hidden tool and a missing one are the same to the model; say so plainly.
            match d.permission {
                Some(PermissionDecision::UnknownTool) => {
                    parts.push("tool: not offered to this principal".to_owned())
                }
                Some(v) => parts.push(format!("permission: {}", v.as_str())),
                None => {}
            }
            for (name, v) in [
                ("rate limit", d.rate_limit.map(|v| v.as_str())),
                ("validation", d.validation.map(|v| v.as_str())),
                ("confirmation", d.confirmation.map(|v| v.as_str())),
            ] {
                if let Some(v) = v {
                    parts.push(format!("{name}: {v}"));
                }
            }
            if rec.retries > 0 {
                parts.push(format!("retries: {}", rec.retries));
            }
            parts.join(", ")
        })
        .unwrap_or_default();
    say!(
        "  {} {}",
        s.dim(&format!("policy · {}:", r.name)),
        s.dim(&decisions)
    );
    match &r.outcome {
        Ok(v) => say!("  {} {}", s.green("result ←"), shorten(&v.to_string(), 150)),
        Err(e) => {
            let j = e.to_model_json();
            let mut line = format!("{} — {}", e.kind(), e.message());
            if let Some(Value::Array(errors)) = j.get("errors") {
                for err in errors {
                    line.push_str(&format!(
                        "\n             {}",
                        err.as_str().unwrap_or_default()
                    ));
                }
            }
            if let Some(ms) = j.get("retry_after_ms") {
                line.push_str(&format!(" (retry_after_ms: {ms})"));
            }
            if let Some(sug) = e.suggestion() {
                line.push_str(&format!("\n             suggestion: {sug}"));
            }
            say!("  {} {}", s.red("error  ←"), line);
        }
    }
}

fn shorten(s: &str, n: usize) -> String {
    match s.char_indices().nth(n) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}

/// Lets the flag choose the confirmer at run time.
struct ConfirmerBox(Box<dyn Confirmer>);

impl Confirmer for ConfirmerBox {
    fn confirm<'a>(
        &'a self,
        request: &'a toolwright::ConfirmationRequest,
    ) -> toolwright::BoxFuture<'a, toolwright::Decision> {
        self.0.confirm(request)
    }
}
