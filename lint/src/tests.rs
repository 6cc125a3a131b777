//! The linter's unit tests on names, descriptions and parameters, and its built-in samples of
//! real descriptions (the measured corpus is `tests/corpus.rs`).
use std::collections::BTreeSet;

use crate::text::{norm, stem};
use crate::*;

fn rules(findings: &[Finding]) -> Vec<Rule> {
    findings.iter().map(|f| f.rule).collect()
}

/// Each (tool, parameter, description) is accepted: no finding.
fn params_accepted(cases: &[(&str, &str, &str)]) {
    for &(tool, param, d) in cases {
        assert_eq!(
            check_param_description_in(tool, param, Some(d)),
            vec![],
            "{tool}.{param} {d:?}"
        );
    }
}

/// Each (tool, parameter, description) only restates the names: `param_restates_name` alone.
fn params_restate_names(cases: &[(&str, &str, &str)]) {
    for &(tool, param, d) in cases {
        let got = rules(&check_param_description_in(tool, param, Some(d)));
        assert_eq!(got, [Rule::ParamRestatesName], "{tool}.{param} {d:?}");
    }
}

fn tool_rules(name: &str, description: Option<&str>, returns_data: bool) -> Vec<Rule> {
    let mut all = check_tool_name(name);
    all.extend(check_tool_description(name, description, returns_data));
    rules(&all)
}

// ---------------------------------------------------------------- Rule table

#[test]
fn rule_names_round_trip_and_are_unique() {
    let mut seen = BTreeSet::new();
    for &rule in Rule::ALL {
        assert_eq!(Rule::from_name(rule.name()), Some(rule));
        assert!(seen.insert(rule.name()), "duplicate name {}", rule.name());
        assert_eq!(rule.name(), to_snake_case(rule.name()));
        assert!(!rule.summary().is_empty());
    }
    assert_eq!(Rule::from_name("nope"), None);
    assert_eq!(Rule::from_name("Short_Description"), None);
    assert_eq!(Rule::ALL.len(), 13);
}

#[test]
fn hard_rules_are_not_allowable() {
    for rule in [
        Rule::NameFormat,
        Rule::NameLength,
        Rule::MissingDescription,
        Rule::MissingParamDescription,
    ] {
        assert!(!rule.allowable(), "{rule:?}");
    }
    for rule in [
        Rule::LoneWord,
        Rule::VagueName,
        Rule::ShortDescription,
        Rule::LongDescription,
        Rule::Placeholder,
        Rule::RestatesName,
        Rule::VagueDescription,
        Rule::MissingReturns,
        Rule::ParamRestatesName,
    ] {
        assert!(rule.allowable(), "{rule:?}");
    }
}

// ---------------------------------------------------------------- Helpers

#[test]
fn snake_case_conversion() {
    for (input, expected) in [
        ("searchKnowledgeBase", "search_knowledge_base"),
        ("SearchKnowledgeBase", "search_knowledge_base"),
        ("search_knowledge_base", "search_knowledge_base"),
        ("HTTPRequest", "http_request"),
        ("getHTTPResponseCode", "get_http_response_code"),
        ("getV2Users", "get_v2_users"),
        ("base64Encode", "base64_encode"),
        ("get-weather", "get_weather"),
        ("Get Weather", "get_weather"),
        ("__private__name", "private_name"),
        ("a__b", "a_b"),
        ("tool1", "tool1"),
        ("", ""),
        ("___", ""),
        ("héllo_wörld", "h_llo_w_rld"),
    ] {
        assert_eq!(to_snake_case(input), expected, "{input}");
    }
}

#[test]
fn stemming_is_consistent() {
    for group in [
        &["delete", "deletes", "deleted", "deleting"][..],
        &["search", "searches", "searched", "searching"],
        &["query", "queries"],
        &["file", "files"],
        &["change", "changes", "changed"],
        &["stop", "stopped", "stopping"],
        &["status"],
        &["entity", "entities"],
    ] {
        let first = stem(group[0]);
        for w in group {
            assert_eq!(stem(w), first, "{w}");
        }
    }
    assert_eq!(norm("Retrieves"), norm("get"));
    assert_eq!(norm("identifier"), norm("ID"));
}

fn lines(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

#[test]
fn doc_lines_join_like_rustdoc() {
    assert_eq!(join_doc_lines(&[]), "");
    assert_eq!(join_doc_lines(&lines(&[" ", ""])), "");
    assert_eq!(
        join_doc_lines(&lines(&[" Search the knowledge base", " for articles."])),
        "Search the knowledge base for articles."
    );
    assert_eq!(
        join_doc_lines(&lines(&[" First paragraph", " continues.", "", " Second."])),
        "First paragraph continues.\n\nSecond."
    );
    assert_eq!(
        join_doc_lines(&lines(&["", " ", " Text.", "", "", " More.", ""])),
        "Text.\n\nMore."
    );
    // Only one leading space is stripped; extra indentation of continuation lines is
    // collapsed into the joining space.
    assert_eq!(
        join_doc_lines(&lines(&["  indented", "   more"])),
        "indented more"
    );
    // No leading space at all (`#[doc = "x"]`).
    assert_eq!(join_doc_lines(&lines(&["a", "b"])), "a b");
    // Embedded newlines are lines too.
    assert_eq!(join_doc_lines(&lines(&[" a\n b\n\n c"])), "a b\n\nc");
    // Lists keep one item per line.
    assert_eq!(
        join_doc_lines(&lines(&[
            " Returns:",
            " - the title",
            " - the URL,",
            "   absolute",
            " 1. first"
        ])),
        "Returns:\n- the title\n- the URL, absolute\n1. first"
    );
    // Code fences are verbatim.
    assert_eq!(
        join_doc_lines(&lines(&[
            " Example:",
            " ```",
            " let x = 1;",
            "   y",
            " ```",
            " After."
        ])),
        "Example:\n```\nlet x = 1;\n  y\n```\nAfter."
    );
    assert_eq!(join_doc_lines(&lines(&[" a  ", "\tb"])), "a b");
}

// ---------------------------------------------------------------- Names

#[test]
fn good_names_pass() {
    for name in [
        "get_current_time",
        "read_file",
        "list_directory",
        "run_sql_query",
        "execute_command",
        "create_entities",
        "git_diff_staged",
        "process_refund",
        "search_knowledge_base",
        "delete_document",
        "lookup_order",
        "get_weather_forecast",
        "get_order_status",
        "send_email",
        "run_tests",
        "list_tools",
        "describe_tool",
        "get_file_info",
        "convert_utf8",
        "base64_encode",
        "get_v2_users",
        "brave_web_search",
        "directory_tree",
        "create_bar_chart",
        "get_sample_rate",
        "manage_users",
        "update_todo_item",
        "get_my_orders",
    ] {
        assert_eq!(check_tool_name(name), vec![], "{name}");
    }
}

#[test]
fn bad_names_fail() {
    for (name, expected) in [
        ("search", &[Rule::LoneWord][..]),
        ("delete", &[Rule::LoneWord]),
        ("fetch", &[Rule::LoneWord]),
        ("run", &[Rule::LoneWord, Rule::VagueName]),
        ("helper", &[Rule::LoneWord, Rule::VagueName]),
        ("misc", &[Rule::LoneWord, Rule::VagueName]),
        ("util", &[Rule::LoneWord, Rule::VagueName]),
        ("tool1", &[Rule::LoneWord, Rule::VagueName]),
        ("search2", &[Rule::LoneWord, Rule::VagueName]),
        ("search_2", &[Rule::VagueName]),
        ("do_stuff", &[Rule::VagueName]),
        ("handle_data", &[Rule::VagueName]),
        ("process_item", &[Rule::VagueName]),
        ("run_task", &[Rule::VagueName]),
        ("my_tool", &[Rule::VagueName]),
        ("do_it", &[Rule::VagueName]),
        ("handle_request", &[Rule::VagueName]),
        ("process_data", &[Rule::VagueName]),
        ("foo_bar", &[Rule::VagueName]),
        ("test_tool", &[Rule::VagueName]),
        ("execute_action", &[Rule::VagueName]),
        ("get_data", &[Rule::VagueName]),
        ("list_items", &[Rule::VagueName]),
        ("run_tool", &[Rule::VagueName]),
        ("do_something", &[Rule::VagueName]),
        ("dummy_search", &[Rule::VagueName]),
        ("searchKnowledgeBase", &[Rule::NameFormat]),
        ("GetOrderStatus", &[Rule::NameFormat]),
        ("doStuff", &[Rule::NameFormat, Rule::VagueName]),
        ("get-weather", &[Rule::NameFormat]),
        ("get.weather", &[Rule::NameFormat]),
        ("get weather", &[Rule::NameFormat]),
        ("_get_weather", &[Rule::NameFormat]),
        ("get_weather_", &[Rule::NameFormat]),
        ("get__weather", &[Rule::NameFormat]),
        ("2fa_verify", &[Rule::NameFormat]),
        ("héllo_world", &[Rule::NameFormat]),
        ("", &[Rule::NameFormat]),
    ] {
        assert_eq!(rules(&check_tool_name(name)), expected, "{name}");
    }
}

#[test]
fn camel_case_message_shows_snake_case() {
    let f = check_tool_name("searchKnowledgeBase");
    assert!(
        f[0].message.contains("`search_knowledge_base`"),
        "{}",
        f[0].message
    );
    let f = check_tool_name("get-weather");
    assert!(f[0].message.contains("`get_weather`"), "{}", f[0].message);
}

#[test]
fn name_length_boundary() {
    let at = format!("get_{}", "x".repeat(MAX_NAME_CHARS - 4));
    assert_eq!(at.len(), 64);
    assert_eq!(check_tool_name(&at), vec![]);
    let over = format!("get_{}", "x".repeat(MAX_NAME_CHARS - 3));
    assert_eq!(over.len(), 65);
    assert_eq!(rules(&check_tool_name(&over)), [Rule::NameLength]);
}

// ---------------------------------------------------------------- Descriptions

const GOOD: &str = "Search the company knowledge base for articles matching a query. Returns the top results with title, snippet and URL.";

#[test]
fn brief_examples() {
    assert_eq!(
        tool_rules("search_knowledge_base", Some(GOOD), true),
        vec![]
    );
    let f = check_tool_description("search_knowledge_base", Some("Searches things"), true);
    assert_eq!(rules(&f), [Rule::ShortDescription, Rule::VagueDescription]);
    assert_eq!(
        f[0].message,
        "tool description is 15 characters (\"Searches things\"); the model picks tools by their description alone: say what the tool does and what it returns in at least 30 characters, e.g. \"Search the company knowledge base for articles matching a query. Returns the top results with title, snippet and URL.\"; if this is deliberate, use `#[tool(allow(short_description))]`"
    );
    assert_eq!(
        rules(&check_tool_description(
            "do_work",
            Some("Does stuff with data."),
            true
        )),
        [
            Rule::ShortDescription,
            Rule::VagueDescription,
            Rule::MissingReturns
        ]
    );
}

#[test]
fn description_length_boundaries() {
    // 30 characters exactly passes, 29 fails.
    let at = "Send the monthly invoice email";
    assert_eq!(at.chars().count(), MIN_DESCRIPTION_CHARS);
    assert_eq!(
        check_tool_description("notify_customer", Some(at), false),
        vec![]
    );
    let below = "Send the monthly invoice mail";
    assert_eq!(below.chars().count(), MIN_DESCRIPTION_CHARS - 1);
    assert_eq!(
        rules(&check_tool_description(
            "notify_customer",
            Some(below),
            false
        )),
        [Rule::ShortDescription]
    );
    // Surrounding whitespace does not count.
    let padded = format!("  \n{below}\n  ");
    assert_eq!(
        rules(&check_tool_description(
            "notify_customer",
            Some(&padded),
            false
        )),
        [Rule::ShortDescription]
    );
    // Characters, not bytes: 29 chars with multi-byte ones still fails.
    let unicode = "Envoie la facture à l'équipe";
    assert!(unicode.len() > unicode.chars().count());
    assert!(
        rules(&check_tool_description("notify_team", Some(unicode), false))
            .contains(&Rule::ShortDescription)
    );

    // 1024 passes, 1025 fails.
    let head = "Search the company knowledge base for articles matching a query. Returns the top results. ";
    let make = |n: usize| format!("{head}{}", "z".repeat(n - head.chars().count()));
    let at = make(MAX_DESCRIPTION_CHARS);
    assert_eq!(at.chars().count(), 1024);
    assert_eq!(
        check_tool_description("search_knowledge_base", Some(&at), true),
        vec![]
    );
    let over = make(MAX_DESCRIPTION_CHARS + 1);
    assert_eq!(
        rules(&check_tool_description(
            "search_knowledge_base",
            Some(&over),
            true
        )),
        [Rule::LongDescription]
    );
}

#[test]
fn missing_description() {
    for d in [None, Some(""), Some("   \n\t ")] {
        assert_eq!(
            rules(&check_tool_description("get_order_status", d, true)),
            [Rule::MissingDescription]
        );
    }
}

#[test]
fn placeholders() {
    for (d, must) in [
        ("TODO", &[Rule::ShortDescription, Rule::Placeholder][..]),
        ("todo", &[Rule::ShortDescription, Rule::Placeholder]),
        (
            "TODO: write a real description for this tool",
            &[Rule::Placeholder],
        ),
        (
            "todo: describe what this returns and when to call it",
            &[Rule::Placeholder],
        ),
        (
            "Looks up an order by number. TBD what it returns exactly.",
            &[Rule::Placeholder],
        ),
        (
            "FIXME describe what this does and what comes back",
            &[Rule::Placeholder],
        ),
        (
            "Lorem ipsum dolor sit amet, consectetur adipiscing elit.",
            &[Rule::Placeholder],
        ),
        (
            "Description here. Returns the order status for an ID.",
            &[Rule::Placeholder],
        ),
        (
            "Add description before release; returns order status",
            &[Rule::Placeholder],
        ),
        (
            "Returns the order status. Fill in later with details",
            &[Rule::Placeholder],
        ),
        (
            "Returns XXX for the order, where the order is an ID",
            &[Rule::Placeholder],
        ),
        ("...", &[Rule::ShortDescription, Rule::Placeholder]),
        ("…", &[Rule::ShortDescription, Rule::Placeholder]),
        ("fill in", &[Rule::ShortDescription, Rule::Placeholder]),
        (
            "Returns the order status. Details to be written.",
            &[Rule::Placeholder],
        ),
        (
            "Returns the order status; the rest is to be documented later",
            &[Rule::Placeholder],
        ),
    ] {
        let got = rules(&check_tool_description("get_order_status", Some(d), true));
        for rule in must {
            assert!(got.contains(rule), "{d:?}: {got:?}");
        }
    }
    // Real words that merely contain or resemble placeholders are fine.
    for d in [
        "Add an item to the user's todo list. Returns the new item's ID and position.",
        "Fill in the login form on the current page and submit it. Returns the page title after login.",
        "Retrieves the current weather condition by location. For more accurate reading, fill in the country code.",
        "Returns the XXL-size inventory count per warehouse for a product SKU.",
        "Converts a table into lorem-free plain text and returns it as Markdown.",
        // "to be written" that goes on to say how is an instruction, not a marker.
        "Returns todos due after the date, which is required to be written in the format YYYY-MM-DD.",
    ] {
        let got = rules(&check_tool_description("update_todo_list", Some(d), true));
        assert!(!got.contains(&Rule::Placeholder), "{d:?}: {got:?}");
    }
}

#[test]
fn restates_name() {
    for (name, d) in [
        ("delete_document", "Delete document."),
        ("delete_document", "Deletes the document"),
        (
            "delete_document",
            "Deletes the specified document from the given tool.",
        ),
        ("delete_document", "Removes the document."),
        ("get_order_status", "Get order status."),
        (
            "get_order_status",
            "Retrieves the order status for the given order.",
        ),
        ("get_order_status", "Returns the order's status."),
        (
            "list_users",
            "Lists all users in this tool, for the given users.",
        ),
    ] {
        let got = rules(&check_tool_description(name, Some(d), false));
        assert!(got.contains(&Rule::RestatesName), "{name} {d:?}: {got:?}");
    }
    for (name, d) in [
        (
            "get_current_time",
            "Get current time in a specific timezone",
        ),
        (
            "delete_document",
            "Delete a document from the search index by its ID.",
        ),
        (
            "get_order_status",
            "Get the shipping status of an order: placed, packed, shipped or delivered.",
        ),
    ] {
        let got = rules(&check_tool_description(name, Some(d), false));
        assert!(!got.contains(&Rule::RestatesName), "{name} {d:?}: {got:?}");
    }
}

#[test]
fn vague_descriptions() {
    for d in [
        "Handles various things and stuff for the given data items.",
        "Processes the data and returns the result as needed.",
        "This is the tool that is given to you for this.",
        "Does some stuff with the input and gives back some output.",
    ] {
        let got = rules(&check_tool_description("sync_calendar", Some(d), true));
        assert!(got.contains(&Rule::VagueDescription), "{d:?}: {got:?}");
    }
}

#[test]
fn missing_returns() {
    for d in [
        "Send an email to the given recipient with a subject and a body.",
        "Cancel a subscription immediately and stop all future billing for it.",
        "Delete a document from the search index by its ID.",
        "Execute JavaScript in the browser console",
    ] {
        assert_eq!(
            rules(&check_tool_description("send_invoice_email", Some(d), true)),
            [Rule::MissingReturns],
            "{d:?}"
        );
        // Fine when the tool returns nothing.
        assert_eq!(
            check_tool_description("send_invoice_email", Some(d), false),
            vec![],
            "{d:?}"
        );
    }
    for d in [
        "Send an email to the recipient. Returns the message ID.",
        "Send an email to the recipient; responds with the message ID and send time.",
        "Send an email to the recipient → message ID and queue position.",
        "Send an email and report whether the recipient's server accepted it.",
        "Book a table at a restaurant; the result holds the booking reference.",
        "Get the current weather in a given location",
        "List all tables in the SQLite database",
        "Create a new issue in a GitHub repository",
    ] {
        let got = rules(&check_tool_description("send_invoice_email", Some(d), true));
        assert!(!got.contains(&Rule::MissingReturns), "{d:?}: {got:?}");
    }
}

#[test]
fn several_findings_are_all_returned() {
    let got = tool_rules("doStuff", Some("TODO"), true);
    assert_eq!(
        got,
        [
            Rule::NameFormat,
            Rule::VagueName,
            Rule::ShortDescription,
            Rule::Placeholder,
            Rule::MissingReturns
        ]
    );
}

// ---------------------------------------------------------------- Parameters

#[test]
fn param_descriptions() {
    for (name, d, expected) in [
        ("query", None, &[Rule::MissingParamDescription][..]),
        ("query", Some(""), &[Rule::MissingParamDescription]),
        ("query", Some("  "), &[Rule::MissingParamDescription]),
        ("query", Some("The query"), &[Rule::ParamRestatesName]),
        ("query", Some("Query."), &[Rule::ParamRestatesName]),
        ("user_id", Some("The user id"), &[Rule::ParamRestatesName]),
        ("user_id", Some("user_id"), &[Rule::ParamRestatesName]),
        (
            "user_id",
            Some("The user's ID."),
            &[Rule::ParamRestatesName],
        ),
        (
            "user_id",
            Some("The identifier of the user"),
            &[Rule::ParamRestatesName],
        ),
        (
            "userId",
            Some("The user id string value"),
            &[Rule::ParamRestatesName],
        ),
        ("limit", Some("limit"), &[Rule::ParamRestatesName]),
        (
            "limit",
            Some("The limit parameter."),
            &[Rule::ParamRestatesName],
        ),
        (
            "max_results",
            Some("Maximum results"),
            &[Rule::ParamRestatesName],
        ),
        (
            "entity_type",
            Some("The type of the entity"),
            &[Rule::ParamRestatesName],
        ),
        // Decided on issue 18 (the rubric wins): the name's expansion ("search" for a query)
        // and the tool's action on the value ("to fetch") add nothing.
        (
            "query",
            Some("the search query"),
            &[Rule::ParamRestatesName],
        ),
        ("url", Some("URL to fetch"), &[Rule::ParamRestatesName]),
        (
            "table_name",
            Some("Name of the table to describe"),
            &[Rule::ParamRestatesName],
        ),
        ("path", Some("TODO"), &[Rule::Placeholder]),
        (
            "path",
            Some("..."),
            &[Rule::Placeholder, Rule::ParamRestatesName],
        ),
    ] {
        assert_eq!(
            rules(&check_param_description(name, d)),
            expected,
            "{name} {d:?}"
        );
    }
    for (name, d) in [
        (
            "query",
            "Search query. Natural-language questions and keywords both work.",
        ),
        (
            "limit",
            "How many results to return, from 1 to 20. Defaults to 5.",
        ),
        ("since", "ISO 8601 date, e.g. 2024-05-01"),
        ("path", "Absolute path of the file to read"),
        ("x", "X coordinate in pixels"),
        ("count", "Number of results (1-20, default 10)"),
        ("table_name", "Name of the table, as listed by list_tables"),
    ] {
        assert_eq!(
            check_param_description(name, Some(d)),
            vec![],
            "{name} {d:?}"
        );
    }
}

// ---------------------------------------------------------------- Message style

#[test]
fn messages_are_lowercase_without_trailing_period() {
    let long_name = "a".repeat(70);
    let long_desc = "word ".repeat(300);
    let mut all = Vec::new();
    for name in [
        "searchKnowledgeBase",
        "get-weather",
        "2fa_x",
        "_a_b",
        "",
        &long_name,
        "search",
        "do_stuff",
        "tool1",
        "foo_bar",
    ] {
        all.extend(check_tool_name(name));
    }
    for d in [
        None,
        Some("Searches things"),
        Some("TODO"),
        Some("Delete document."),
        Some(long_desc.as_str()),
        Some("Send an email to the given recipient with a subject."),
    ] {
        all.extend(check_tool_description("delete_document", d, true));
    }
    for d in [None, Some("The query"), Some("TODO")] {
        all.extend(check_param_description("query", d));
    }
    let seen: BTreeSet<&str> = all.iter().map(|f| f.rule.name()).collect();
    assert_eq!(
        seen.len(),
        Rule::ALL.len(),
        "every rule exercised: {seen:?}"
    );
    for f in &all {
        let first = f.message.chars().next().unwrap_or('X');
        assert!(first.is_lowercase(), "{}", f.message);
        assert!(!f.message.ends_with('.'), "{}", f.message);
        assert!(
            f.message.contains("; ") && f.message.contains(": "),
            "why + fix: {}",
            f.message
        );
        assert!(!f.message.contains('\n'), "{}", f.message);
    }
    // Every rule `allow(...)` may silence says how; the others never suggest it.
    for f in &all {
        let mentions_allow = f.message.contains(&format!("allow({})", f.rule.name()));
        assert_eq!(mentions_allow, f.rule.allowable(), "{}", f.message);
        assert!(
            f.rule.allowable() || !f.message.contains("allow("),
            "{}",
            f.message
        );
    }
}

// ---------------------------------------------------------------- Real corpus

/// A real tool: name, description, whether it returns data, documented parameters.
struct Real {
    name: &'static str,
    description: &'static str,
    returns_data: bool,
    params: &'static [(&'static str, &'static str)],
}

const fn real(
    name: &'static str,
    description: &'static str,
    returns_data: bool,
    params: &'static [(&'static str, &'static str)],
) -> Real {
    Real {
        name,
        description,
        returns_data,
        params,
    }
}

/// Good real tool descriptions, verbatim. Sources: modelcontextprotocol/servers
/// (src/filesystem/index.ts, src/memory/index.ts, src/time/src/mcp_server_time/server.py,
/// src/git/tests/snapshots/list_tools.json, src/brave-search/index.ts, src/github/index.ts,
/// src/sqlite/src/mcp_server_sqlite/server.py, src/puppeteer/index.ts), the Anthropic
/// get_weather example (as in the anthropic-sdk crate's tool_use example), and MCP servers
/// listed on glama.ai / pipedream.com. camelCase parameter names are given in their Rust
/// snake_case form. `returns_data` is false where the real tool returns only a success
/// message, which a Rust tool would model as `()`. Parameters without a real description
/// are left out.
const REAL_GOOD: &[Real] = &[
    // --- filesystem
    real(
        "read_text_file",
        "Read the complete contents of a file from the file system as text. Handles various text encodings and provides detailed error messages if the file cannot be read. Use this tool when you need to examine the contents of a single file. Use the 'head' parameter to read only the first N lines of a file, or the 'tail' parameter to read only the last N lines of a file. Operates on the file as text regardless of extension. Only works within allowed directories.",
        true,
        &[
            (
                "tail",
                "If provided, returns only the last N lines of the file",
            ),
            (
                "head",
                "If provided, returns only the first N lines of the file",
            ),
        ],
    ),
    real(
        "read_media_file",
        "Read an image or audio file. Returns the base64 encoded data and MIME type. Only works within allowed directories.",
        true,
        &[],
    ),
    real(
        "read_multiple_files",
        "Read the contents of multiple files simultaneously. This is more efficient than reading files one by one when you need to analyze or compare multiple files. Each file's content is returned with its path as a reference. Failed reads for individual files won't stop the entire operation. Only works within allowed directories.",
        true,
        &[(
            "paths",
            "Array of file paths to read. Each path must be a string pointing to a valid file within allowed directories.",
        )],
    ),
    real(
        "write_file",
        "Create a new file or completely overwrite an existing file with new content. Use with caution as it will overwrite existing files without warning. Handles text content with proper encoding. Only works within allowed directories.",
        false,
        &[],
    ),
    real(
        "edit_file",
        "Make line-based edits to a text file. Each edit replaces exact line sequences with new content. Returns a git-style diff showing the changes made. Only works within allowed directories.",
        true,
        &[
            ("dry_run", "Preview changes using git-style diff format"),
            ("old_text", "Text to search for - must match exactly"),
        ],
    ),
    real(
        "create_directory",
        "Create a new directory or ensure a directory exists. Can create multiple nested directories in one operation. If the directory already exists, this operation will succeed silently. Perfect for setting up directory structures for projects or ensuring required paths exist. Only works within allowed directories.",
        false,
        &[],
    ),
    real(
        "list_directory",
        "Get a detailed listing of all files and directories in a specified path. Results clearly distinguish between files and directories with [FILE] and [DIR] prefixes. This tool is essential for understanding directory structure and finding specific files within a directory. Only works within allowed directories.",
        true,
        &[],
    ),
    real(
        "list_directory_with_sizes",
        "Get a detailed listing of all files and directories in a specified path, including sizes. Results clearly distinguish between files and directories with [FILE] and [DIR] prefixes. This tool is useful for understanding directory structure and finding specific files within a directory. Only works within allowed directories.",
        true,
        &[("sort_by", "Sort entries by name or size")],
    ),
    real(
        "directory_tree",
        "Get a recursive tree view of files and directories as a JSON structure. Each entry includes 'name', 'type' (file/directory), and 'children' for directories. Files have no children array, while directories always have a children array (which may be empty). The output is formatted with 2-space indentation for readability. Only works within allowed directories.",
        true,
        &[],
    ),
    real(
        "move_file",
        "Move or rename files and directories. Can move files between directories and rename them in a single operation. If the destination exists, the operation will fail. Works across different directories and can be used for simple renaming within the same directory. Both source and destination must be within allowed directories.",
        false,
        &[],
    ),
    real(
        "search_files",
        "Recursively search for files and directories matching a pattern. The patterns should be glob-style patterns that match paths relative to the working directory. Use pattern like '*.ext' to match files in current directory, and '**/*.ext' to match files in all subdirectories. Returns full paths to all matching items. Great for finding files when you don't know their exact location. Only searches within allowed directories.",
        true,
        &[],
    ),
    real(
        "get_file_info",
        "Retrieve detailed metadata about a file or directory. Returns comprehensive information including size, creation time, last modified time, permissions, and type. This tool is perfect for understanding file characteristics without reading the actual content. Only works within allowed directories.",
        true,
        &[],
    ),
    real(
        "list_allowed_directories",
        "Returns the list of directories that this server is allowed to access. Subdirectories within these allowed directories are also accessible. Use this to understand which directories and their nested paths are available before trying to access files.",
        true,
        &[],
    ),
    // --- memory
    real(
        "create_entities",
        "Create multiple new entities in the knowledge graph",
        true,
        &[(
            "observations",
            "An array of observation contents associated with the entity",
        )],
    ),
    real(
        "create_relations",
        "Create multiple new relations between entities in the knowledge graph. Relations should be in active voice",
        true,
        &[
            ("from", "The name of the entity where the relation starts"),
            ("to", "The name of the entity where the relation ends"),
        ],
    ),
    real(
        "add_observations",
        "Add new observations to existing entities in the knowledge graph",
        true,
        &[
            (
                "entity_name",
                "The name of the entity to add the observations to",
            ),
            ("contents", "An array of observation contents to add"),
        ],
    ),
    real(
        "delete_entities",
        "Delete multiple entities and their associated relations from the knowledge graph",
        false,
        &[],
    ),
    real(
        "delete_observations",
        "Delete specific observations from entities in the knowledge graph",
        false,
        &[(
            "entity_name",
            "The name of the entity containing the observations",
        )],
    ),
    real(
        "delete_relations",
        "Delete multiple relations from the knowledge graph",
        false,
        &[],
    ),
    real("read_graph", "Read the entire knowledge graph", true, &[]),
    real(
        "search_nodes",
        "Search for nodes in the knowledge graph based on a query",
        true,
        &[(
            "query",
            "The search query to match against entity names, types, and observation content",
        )],
    ),
    real(
        "open_nodes",
        "Open specific nodes in the knowledge graph by their names",
        true,
        &[("names", "An array of entity names to retrieve")],
    ),
    // --- time (the local zone is interpolated at runtime; Europe/Paris stands in)
    real(
        "get_current_time",
        "Get current time in a specific timezone",
        true,
        &[(
            "timezone",
            "IANA timezone name (e.g., 'America/New_York', 'Europe/London'). Use 'Europe/Paris' as local timezone if no timezone provided by the user.",
        )],
    ),
    real(
        "convert_time",
        "Convert time between timezones",
        true,
        &[
            (
                "source_timezone",
                "Source IANA timezone name (e.g., 'America/New_York', 'Europe/London'). Use 'Europe/Paris' as local timezone if no source timezone provided by the user.",
            ),
            ("time", "Time to convert in 24-hour format (HH:MM)"),
            (
                "target_timezone",
                "Target IANA timezone name (e.g., 'Asia/Tokyo', 'America/San_Francisco'). Use 'Europe/Paris' as local timezone if no target timezone provided by the user.",
            ),
        ],
    ),
    // --- git
    real(
        "git_diff_unstaged",
        "Shows changes in the working directory that are not yet staged",
        true,
        &[],
    ),
    real(
        "git_diff_staged",
        "Shows changes that are staged for commit",
        true,
        &[],
    ),
    real(
        "git_diff",
        "Shows differences between branches or commits",
        true,
        &[],
    ),
    real(
        "git_create_branch",
        "Creates a new branch from an optional base branch",
        true,
        &[],
    ),
    real(
        "git_add",
        "Adds file contents to the staging area",
        false,
        &[],
    ),
    real("git_show", "Shows the contents of a commit", true, &[]),
    // --- brave search
    real(
        "brave_web_search",
        "Performs a web search using the Brave Search API, ideal for general queries, news, articles, and online content. Use this for broad information gathering, recent events, or when you need diverse web sources. Supports pagination, content filtering, and freshness controls. Maximum 20 results per request, with offset for pagination. ",
        true,
        &[
            ("query", "Search query (max 400 chars, 50 words)"),
            ("count", "Number of results (1-20, default 10)"),
            ("offset", "Pagination offset (max 9, default 0)"),
        ],
    ),
    real(
        "brave_local_search",
        "Searches for local businesses and places using Brave's Local Search API. Best for queries related to physical locations, businesses, restaurants, services, etc. Returns detailed information including:\n- Business names and addresses\n- Ratings and review counts\n- Phone numbers and opening hours\nUse this when the query implies 'near me' or mentions specific locations. Automatically falls back to web search if no local results are found.",
        true,
        &[
            (
                "query",
                "Local search query (e.g. 'pizza near Central Park')",
            ),
            ("count", "Number of results (1-20, default 5)"),
        ],
    ),
    // --- sqlite
    real(
        "read_query",
        "Execute a SELECT query on the SQLite database",
        true,
        &[("query", "SELECT SQL query to execute")],
    ),
    real(
        "write_query",
        "Execute an INSERT, UPDATE, or DELETE query on the SQLite database",
        true,
        &[("query", "SQL query to execute")],
    ),
    real(
        "create_table",
        "Create a new table in the SQLite database",
        false,
        &[("query", "CREATE TABLE SQL statement")],
    ),
    real(
        "list_tables",
        "List all tables in the SQLite database",
        true,
        &[],
    ),
    real(
        "describe_table",
        "Get the schema information for a specific table",
        true,
        &[],
    ),
    real(
        "append_insight",
        "Add a business insight to the memo",
        false,
        &[("insight", "Business insight discovered from data analysis")],
    ),
    // --- github
    real(
        "create_or_update_file",
        "Create or update a single file in a GitHub repository",
        true,
        &[],
    ),
    real(
        "search_repositories",
        "Search for GitHub repositories",
        true,
        &[],
    ),
    real(
        "create_repository",
        "Create a new GitHub repository in your account",
        true,
        &[],
    ),
    real(
        "get_file_contents",
        "Get the contents of a file or directory from a GitHub repository",
        true,
        &[],
    ),
    real(
        "create_issue",
        "Create a new issue in a GitHub repository",
        true,
        &[],
    ),
    real(
        "create_pull_request",
        "Create a new pull request in a GitHub repository",
        true,
        &[],
    ),
    real(
        "fork_repository",
        "Fork a GitHub repository to your account or specified organization",
        true,
        &[],
    ),
    real(
        "create_branch",
        "Create a new branch in a GitHub repository",
        true,
        &[],
    ),
    real(
        "list_commits",
        "Get list of commits of a branch in a GitHub repository",
        true,
        &[],
    ),
    real(
        "list_issues",
        "List issues in a GitHub repository with filtering options",
        true,
        &[],
    ),
    real(
        "update_issue",
        "Update an existing issue in a GitHub repository",
        true,
        &[],
    ),
    real(
        "add_issue_comment",
        "Add a comment to an existing issue",
        true,
        &[],
    ),
    real(
        "search_code",
        "Search for code across GitHub repositories",
        true,
        &[],
    ),
    real(
        "search_issues",
        "Search for issues and pull requests across GitHub repositories",
        true,
        &[],
    ),
    real(
        "get_issue",
        "Get details of a specific issue in a GitHub repository.",
        true,
        &[],
    ),
    real(
        "list_pull_requests",
        "List and filter repository pull requests",
        true,
        &[],
    ),
    real(
        "get_pull_request_files",
        "Get the list of files changed in a pull request",
        true,
        &[],
    ),
    real(
        "get_pull_request_status",
        "Get the combined status of all status checks for a pull request",
        true,
        &[],
    ),
    real(
        "update_pull_request_branch",
        "Update a pull request branch with the latest changes from the base branch",
        false,
        &[],
    ),
    real(
        "get_pull_request_comments",
        "Get the review comments on a pull request",
        true,
        &[],
    ),
    // --- puppeteer
    real(
        "puppeteer_screenshot",
        "Take a screenshot of the current page or a specific element",
        true,
        &[
            ("name", "Name for the screenshot"),
            ("selector", "CSS selector for element to screenshot"),
            ("width", "Width in pixels (default: 800)"),
            ("height", "Height in pixels (default: 600)"),
        ],
    ),
    real(
        "puppeteer_click_position",
        "Click at specific x,y coordinates on the page",
        false,
        &[
            ("x", "X coordinate in pixels"),
            ("y", "Y coordinate in pixels"),
            (
                "button",
                "Mouse button to use (default: left). Options: left, right, middle",
            ),
            ("click_count", "Number of clicks (default: 1)"),
        ],
    ),
    real(
        "puppeteer_scroll",
        "Scroll the page vertically or to a specific element",
        false,
        &[
            ("selector", "CSS selector for element to scroll to"),
            ("x", "Horizontal scroll position in pixels"),
            ("y", "Vertical scroll position in pixels"),
            (
                "behavior",
                "Scroll behavior: 'auto' (instant) or 'smooth' (default: 'auto')",
            ),
        ],
    ),
    real(
        "puppeteer_select",
        "Select an element on the page with Select tag",
        false,
        &[("selector", "CSS selector for element to select")],
    ),
    // --- docs and other servers
    real(
        "get_weather",
        "Get the current weather in a given location",
        true,
        &[("location", "The city and state, e.g. San Francisco, CA")],
    ),
    real(
        "get_weather",
        "Get the current weather for a specified location.",
        true,
        &[(
            "location",
            "A string representing a city (e.g., 'New York', 'Paris').",
        )],
    ),
    real(
        "get_current_weather_by_location",
        "Retrieves the current weather condition by location longitude and latitude. [See the docs here](https://openweathermap.org/current). For more accurate reading, you are advised to fill in the country and/or state code",
        true,
        &[
            (
                "city",
                "City location. For example \"Houston\" in the United States.",
            ),
            ("state_code", "State code. For example \"TX\" for Texas."),
            (
                "country_code",
                "The 2 or 3-letter country code, for example \"US\" for the United States.",
            ),
        ],
    ),
    real(
        "get_stock_info",
        "Return basic metadata for a stock — full company name, exchange, industry, last close price, and percent change. Use this when you first encounter a symbol and need to identify it. Lighter than get_stock_report (composite) or get_candles (full history). Returns { symbol, symbol_name, last_price, percent_change, exchange, industry }. Returns NOT_FOUND for unknown tickers.",
        true,
        &[("symbol", "Stock ticker, e.g. AAPL")],
    ),
    real(
        "stock_quote",
        "Get the current stock price, change, volume, and key metrics for a ticker.\n\nReturns real-time market data including price, daily change, 52-week range, P/E ratio, market cap, and more.",
        true,
        &[("symbol", "Stock ticker symbol (e.g., AAPL, MSFT, TSLA)")],
    ),
    real(
        "finance_stock_price",
        "Get real-time stock price with day high/low, volume, 52-week range, and market state. Costs $0.02 USDC per request via x402 on Base. Supports all major US stocks, ETFs, and indices.",
        true,
        &[(
            "symbol",
            "Stock ticker (e.g., AAPL, MSFT, GOOGL, TSLA, AMZN)",
        )],
    ),
    real(
        "get_stock_quote",
        "Get real-time stock quotes for one or more ticker symbols.",
        true,
        &[(
            "tickers",
            "Comma-separated ticker symbols (e.g. 'AAPL,MSFT,GOOGL')",
        )],
    ),
];

/// Good real parameter descriptions whose tools are not in REAL_GOOD (their tool
/// descriptions were excluded, see `REAL_POOR`).
const REAL_GOOD_PARAMS: &[(&str, &str)] = &[
    ("max_length", "Maximum number of characters to return."),
    (
        "start_index",
        "On return output starting at this character index, useful if a previous fetch was truncated and more context is required.",
    ),
    (
        "raw",
        "Get the actual HTML content of the requested page, without simplification.",
    ),
    (
        "start_timestamp",
        "Start timestamp for filtering commits. Accepts: ISO 8601 format (e.g., '2024-01-15T14:30:25'), relative dates (e.g., '2 weeks ago', 'yesterday'), or absolute dates (e.g., '2024-01-15', 'Jan 15 2024')",
    ),
    ("repo_path", "The path to the Git repository."),
    (
        "branch_type",
        "Whether to list local branches ('local'), remote branches ('remote') or all branches('all').",
    ),
    (
        "contains",
        "The commit sha that branch should contain. Do not pass anything to this param if no commit sha is specified",
    ),
    (
        "not_contains",
        "The commit sha that branch should NOT contain. Do not pass anything to this param if no commit sha is specified",
    ),
    (
        "launch_options",
        "PuppeteerJS LaunchOptions. Default null. If changed and not null, browser restarts. Example: { headless: true, args: ['--no-sandbox'] }",
    ),
    (
        "allow_dangerous",
        "Allow dangerous LaunchOptions that reduce security. When false, dangerous args like --no-sandbox will throw errors. Default false.",
    ),
    ("script", "JavaScript code to execute"),
    ("symbol", "Stock ticker symbol"),
];

#[test]
fn real_good_descriptions_pass() {
    let mut rejected = Vec::new();
    let mut params = 0;
    for t in REAL_GOOD {
        let mut f = check_tool_name(t.name);
        f.extend(check_tool_description(
            t.name,
            Some(t.description),
            t.returns_data,
        ));
        for (p, d) in t.params {
            f.extend(check_param_description(p, Some(d)));
            params += 1;
        }
        if !f.is_empty() {
            rejected.push((t.name, f));
        }
    }
    for (p, d) in REAL_GOOD_PARAMS {
        let f = check_param_description(p, Some(d));
        if !f.is_empty() {
            rejected.push((p, f));
        }
        params += 1;
    }
    assert!(REAL_GOOD.len() >= 30);
    assert!(params >= 50, "{params}");
    assert!(rejected.is_empty(), "wrongly rejected: {rejected:#?}");
}

/// Real descriptions left out of REAL_GOOD as genuinely poor, with the rule that catches
/// them, plus made-up poor ones.
const REAL_POOR: &[(&str, &str, bool, Rule)] = &[
    // Real (modelcontextprotocol/servers).
    // Was in REAL_GOOD: a restatement through filler ("details", "specific"), issue 18.
    (
        "get_pull_request",
        "Get details of a specific pull request",
        true,
        Rule::RestatesName,
    ),
    (
        "git_status",
        "Shows the working tree status",
        true,
        Rule::ShortDescription,
    ),
    (
        "git_checkout",
        "Switches branches",
        false,
        Rule::ShortDescription,
    ),
    (
        "git_log",
        "Shows the commit logs",
        true,
        Rule::ShortDescription,
    ),
    (
        "git_reset",
        "Unstages all staged changes",
        false,
        Rule::ShortDescription,
    ),
    (
        "git_branch",
        "List Git branches",
        true,
        Rule::ShortDescription,
    ),
    (
        "git_commit",
        "Records changes to the repository",
        true,
        Rule::MissingReturns,
    ),
    (
        "fetch",
        "Fetches a URL from the internet and optionally extracts its contents as markdown.",
        true,
        Rule::LoneWord,
    ),
    (
        "search_users",
        "Search for users on GitHub",
        true,
        Rule::ShortDescription,
    ),
    (
        "merge_pull_request",
        "Merge a pull request",
        true,
        Rule::ShortDescription,
    ),
    (
        "merge_pull_request",
        "Merge a pull request",
        true,
        Rule::RestatesName,
    ),
    (
        "create_pull_request_review",
        "Create a review on a pull request",
        true,
        Rule::RestatesName,
    ),
    (
        "get_pull_request_reviews",
        "Get the reviews on a pull request",
        true,
        Rule::RestatesName,
    ),
    (
        "push_files",
        "Push multiple files to a GitHub repository in a single commit",
        true,
        Rule::MissingReturns,
    ),
    (
        "puppeteer_navigate",
        "Navigate to a URL",
        false,
        Rule::ShortDescription,
    ),
    (
        "puppeteer_click",
        "Click an element on the page",
        false,
        Rule::ShortDescription,
    ),
    (
        "puppeteer_fill",
        "Fill out an input field",
        false,
        Rule::ShortDescription,
    ),
    (
        "puppeteer_hover",
        "Hover an element on the page",
        false,
        Rule::ShortDescription,
    ),
    (
        "puppeteer_evaluate",
        "Execute JavaScript in the browser console",
        true,
        Rule::MissingReturns,
    ),
    // Made up.
    (
        "search_knowledge_base",
        "Searches things",
        true,
        Rule::ShortDescription,
    ),
    (
        "search_knowledge_base",
        "Searches things",
        true,
        Rule::VagueDescription,
    ),
    (
        "do_work",
        "Does stuff with data.",
        true,
        Rule::VagueDescription,
    ),
    (
        "sync_calendar",
        "Handles various things and stuff for the given data items.",
        false,
        Rule::VagueDescription,
    ),
    (
        "delete_document",
        "Delete document.",
        false,
        Rule::RestatesName,
    ),
    (
        "delete_document",
        "Deletes the document",
        false,
        Rule::RestatesName,
    ),
    (
        "get_order_status",
        "Get order status.",
        true,
        Rule::RestatesName,
    ),
    (
        "get_order_status",
        "TODO: write a real description for this tool",
        true,
        Rule::Placeholder,
    ),
    (
        "send_invoice_email",
        "Send the invoice email to the customer on file for an order.",
        true,
        Rule::MissingReturns,
    ),
    ("get_order_status", "", true, Rule::MissingDescription),
];

/// Real poor parameter descriptions (modelcontextprotocol/servers memory server) and the
/// brief's examples.
const REAL_POOR_PARAMS: &[(&str, &str)] = &[
    // Were in REAL_GOOD: a restatement plus what the tool does with the value (decided on
    // issue 18, the rubric wins: the purpose verb is the tool's, it says nothing of the value).
    ("new_text", "Text to replace with"),
    ("entity_names", "An array of entity names to delete"),
    ("observations", "An array of observations to delete"),
    ("relations", "An array of relations to delete"),
    ("table_name", "Name of the table to describe"),
    ("value", "Value to select"),
    ("url", "URL to fetch"),
    ("entity_type", "The type of the entity"),
    ("relation_type", "The type of the relation"),
    ("query", "The query"),
    ("user_id", "The user id"),
    ("limit", "limit"),
];

#[test]
fn real_poor_descriptions_fail() {
    for (name, d, returns_data, rule) in REAL_POOR {
        let got = tool_rules(name, Some(d), *returns_data);
        assert!(
            got.contains(rule),
            "{name} {d:?} should trip {rule:?}, got {got:?}"
        );
    }
    for (p, d) in REAL_POOR_PARAMS {
        assert_eq!(
            rules(&check_param_description(p, Some(d))),
            [Rule::ParamRestatesName],
            "{p} {d:?}"
        );
    }
}

// ---------------------------------------------------------------- No panics

#[test]
fn arbitrary_input_never_panics() {
    let alphabet: Vec<char> = "aZ_09 -.:\n\t'’é漢→…TODOtodo?!xX🦀\u{0}\u{301}ßİ"
        .chars()
        .collect();
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..3000 {
        let len = (next() % 40) as usize;
        let s: String = (0..len)
            .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
            .collect();
        let _ = check_tool_name(&s);
        let _ = check_tool_description(&s, Some(&s), true);
        let _ = check_tool_description("get_x", Some(&s), false);
        let _ = check_param_description(&s, Some(&s));
        let _ = to_snake_case(&s);
        let _ = join_doc_lines(&[s.clone(), String::new(), s.clone()]);
        let _ = stem(&s);
    }
    for s in [
        "İtodo: x",
        "todo",
        "TODO:",
        "ＴＯＤＯ：",
        "a\u{301}todo :",
        "1. ",
        "```",
        "_",
        "9",
        "é",
    ] {
        let _ = check_tool_description(s, Some(s), true);
        let _ = check_param_description(s, Some(s));
        let _ = check_tool_name(s);
        let _ = join_doc_lines(&[s.to_string()]);
    }
}

/// Good descriptions in the styles of provider docs and READMEs, none of them tuned for.
type Example = (
    &'static str,
    &'static str,
    bool,
    &'static [(&'static str, &'static str)],
);

const TYPICAL_GOOD: &[Example] = &[
    (
        "get_current_weather",
        "Get the current weather in a given location.",
        true,
        &[
            ("location", "The city and state, e.g. San Francisco, CA"),
            ("unit", "Temperature unit: celsius or fahrenheit"),
        ],
    ),
    (
        "get_stock_price",
        "Retrieves the current stock price for a given ticker symbol. The ticker symbol must be a valid symbol for a publicly traded company on a major US stock exchange like NYSE or NASDAQ. The tool will return the latest trade price in USD.",
        true,
        &[(
            "ticker",
            "The stock ticker symbol, e.g. AAPL for Apple Inc.",
        )],
    ),
    (
        "lookup_order",
        "Look up an order by its id and return its status, items and shipping address.",
        true,
        &[(
            "order_id",
            "Order id as shown in the confirmation email, e.g. ORD-2024-0042",
        )],
    ),
    (
        "send_slack_message",
        "Post a message to a Slack channel as the support bot.",
        false,
        &[
            (
                "channel",
                "Channel name without the leading #, e.g. support-escalations",
            ),
            ("text", "Message text in Slack mrkdwn format"),
        ],
    ),
    (
        "create_calendar_event",
        "Create an event in the user's primary calendar. Returns the new event's id and its HTML link.",
        true,
        &[
            ("title", "Event title shown in the calendar"),
            ("start", "Start time in RFC 3339, e.g. 2025-03-01T09:00:00Z"),
            (
                "duration_minutes",
                "Length of the event in minutes, from 5 to 480",
            ),
        ],
    ),
    (
        "list_open_pull_requests",
        "List the open pull requests of a GitHub repository, newest first.",
        true,
        &[
            ("repo", "Repository in owner/name form, e.g. rust-lang/rust"),
            (
                "limit",
                "Maximum number of pull requests to return, 1 to 100",
            ),
        ],
    ),
    (
        "convert_currency",
        "Convert an amount of money from one currency to another using today's exchange rate. Returns the converted amount.",
        true,
        &[
            ("amount", "Amount in the source currency, e.g. 12.50"),
            ("from", "ISO 4217 code of the source currency, e.g. EUR"),
            ("to", "ISO 4217 code of the target currency, e.g. USD"),
        ],
    ),
    (
        "translate_text",
        "Translate text into the target language. Returns the translated text.",
        true,
        &[
            ("text", "Text to translate, up to 5000 characters"),
            (
                "target_language",
                "ISO 639-1 code of the language to translate into, e.g. de",
            ),
        ],
    ),
    (
        "run_sql_query",
        "Run a read-only SQL query against the analytics warehouse and return up to 100 rows as JSON.",
        true,
        &[("query", "A single SELECT statement in PostgreSQL dialect")],
    ),
    (
        "read_file",
        "Read the complete contents of a file from the file system.",
        true,
        &[("path", "Absolute path of the file to read")],
    ),
    (
        "delete_user_account",
        "Permanently delete a user account and all of its data. This cannot be undone.",
        false,
        &[("user_id", "Id of the account to delete, e.g. usr_8f3k2")],
    ),
    (
        "get_order_status",
        "Look up the status of a customer order by its order number. Returns the order status such as shipped or processing.",
        true,
        &[(
            "order_number",
            "Order number as printed on the receipt, e.g. A-1042",
        )],
    ),
    (
        "search_flights",
        "Search for available flights between two airports on a date. Returns flight numbers, times and prices.",
        true,
        &[
            ("origin", "IATA code of the departure airport, e.g. SFO"),
            ("destination", "IATA code of the arrival airport, e.g. JFK"),
            ("date", "Departure date as YYYY-MM-DD"),
        ],
    ),
    (
        "calculate_shipping_cost",
        "Calculate the shipping cost for a parcel from its weight and destination country.",
        true,
        &[
            ("weight_kg", "Parcel weight in kilograms, e.g. 2.5"),
            (
                "country",
                "ISO 3166-1 alpha-2 destination country code, e.g. FR",
            ),
        ],
    ),
    (
        "fetch_web_page",
        "Fetch a web page over HTTPS and return its main text as Markdown.",
        true,
        &[("url", "Absolute https URL of the page")],
    ),
];

#[test]
fn typical_good_descriptions_pass() {
    let mut rejected = Vec::new();
    for (name, desc, returns, params) in TYPICAL_GOOD {
        let mut f = check_tool_name(name);
        f.extend(check_tool_description(name, Some(desc), *returns));
        for (p, d) in *params {
            f.extend(check_param_description(p, Some(d)));
        }
        if !f.is_empty() {
            rejected.push((name, f));
        }
    }
    assert!(rejected.is_empty(), "wrongly rejected: {rejected:#?}");
}

// ---------------------------------------------------------------- Issue 18 classes

#[test]
fn plural_ies_meets_its_singular() {
    for (a, b) in [
        ("cookie", "cookies"),
        ("movie", "movies"),
        ("query", "queries"),
        ("entity", "entities"),
        ("copy", "copies"),
    ] {
        assert_eq!(stem(a), stem(b), "{a} / {b}");
    }
    assert_ne!(stem("key"), stem("kei"));
    assert!(
        rules(&check_param_description("cookies", Some("The cookie")))
            .contains(&Rule::ParamRestatesName)
    );
}

#[test]
fn lone_words_that_name_action_and_object_pass() {
    for name in ["whoami", "screenshot", "ping", "logout"] {
        assert_eq!(check_tool_name(name), vec![], "{name}");
    }
    for name in ["search", "echo", "add", "query"] {
        assert!(
            rules(&check_tool_name(name)).contains(&Rule::LoneWord),
            "{name}"
        );
    }
}

#[test]
fn param_restating_the_tool_name_or_an_expansion_fails() {
    params_restate_names(&[
        ("get_pull_request", "pull_number", "The pull request number"),
        ("get_pull_request", "pullNumber", "Pull request number."),
        ("list_pull_requests", "pr_number", "The PR number"),
        (
            "create_customer",
            "customer",
            "The unique identifier for the customer.",
        ),
        ("get_repo", "repo", "Repository name"),
        (
            "delete_entities",
            "entity_names",
            "An array of entity names to delete",
        ),
        ("navigate_page", "url", "The URL to navigate to"),
        (
            "create_repository",
            "private",
            "Whether the repository should be private",
        ),
    ]);
    // Without the tool in view, the tool's words are not restated.
    assert_eq!(
        check_param_description("number", Some("The pull request number")),
        vec![]
    );
    assert_eq!(
        rules(&check_param_description_in(
            "get_pull_request",
            "number",
            Some("The pull request number")
        )),
        [Rule::ParamRestatesName]
    );
    // The abbreviation's expansion is the name spelled out even without the tool.
    assert_eq!(
        rules(&check_param_description(
            "pr_number",
            Some("The pull request number")
        )),
        [Rule::ParamRestatesName]
    );
}

#[test]
fn vague_actions_on_a_parameter_fail() {
    for (param, d) in [
        ("method", "The method to execute"),
        ("action", "Operation to perform"),
        ("operation", "The operation to run"),
        ("event", "The action to take"),
    ] {
        let got = rules(&check_param_description_in("manage_tabs", param, Some(d)));
        assert_eq!(got, [Rule::ParamRestatesName], "{param} {d:?}");
    }
    for (param, d) in [
        (
            "action",
            "One of list, new, close or select; close needs `index`",
        ),
        ("method", "HTTP method: GET, POST, PUT or DELETE"),
    ] {
        assert_eq!(
            check_param_description_in("manage_tabs", param, Some(d)),
            vec![],
            "{d:?}"
        );
    }
}

#[test]
fn boilerplate_padding_does_not_count() {
    for (name, d) in [
        (
            "get_order",
            "This tool allows you to get the details of an order.",
        ),
        ("get_pull_request", "Get details of a specific pull request"),
        (
            "delete_user",
            "Use this tool when you need to delete a user. It helps you delete the user.",
        ),
    ] {
        let got = rules(&check_tool_description(name, Some(d), false));
        assert!(got.contains(&Rule::RestatesName), "{name} {d:?}: {got:?}");
    }
    // Generated padding: a product tag and an error listing do not make a description longer.
    let d = "Acme | Retrieve a user\nError Responses:\n400: Bad request\n404: Not found";
    let got = rules(&check_tool_description("get_user", Some(d), true));
    assert!(got.contains(&Rule::ShortDescription), "{got:?}");
    assert!(got.contains(&Rule::RestatesName), "{got:?}");
    // Only a capitalized tag and status lines are padding; numbers and pipes in prose are not.
    for d in [
        "Search text | regex over the open files",
        "100 results at most are returned per page.",
    ] {
        assert!(
            !rules(&check_tool_description("find_matches", Some(d), false))
                .contains(&Rule::ShortDescription),
            "{d:?}"
        );
    }
    // Words of substance still count.
    assert_eq!(
        check_tool_description(
            "get_order",
            Some("This tool allows you to get an order with its line items and shipping status."),
            true
        ),
        vec![]
    );
}

#[test]
fn param_messages_quote_the_text_and_fit_the_parameter() {
    let message = |tool, param, d| {
        let f = check_param_description_in(tool, param, Some(d));
        assert_eq!(rules(&f), [Rule::ParamRestatesName], "{param} {d:?}");
        f[0].message.clone()
    };
    let m = message("get_pull_request", "pull_number", "The pull request number");
    assert!(m.contains("\"The pull request number\""), "{m}");
    assert!(m.contains("only restates its name"), "{m}");
    // A number that picks a pull request is asked where it comes from, not for a range.
    assert!(
        m.contains("where the pull number comes from") && m.contains("like 42"),
        "{m}"
    );
    assert!(!m.contains("range"), "{m}");
    assert!(m.contains("allow(param_restates_name)"), "{m}");
    // A number that counts or pages is asked for its range.
    for (tool, param, d) in [
        ("list_issues", "page_number", "The page number"),
        ("get_logs", "line_number", "The line number"),
    ] {
        let m = message(tool, param, d);
        assert!(m.contains("range"), "{param}: {m}");
    }
    // A pager starts at 1, an offset at 0.
    let m = message("list_issues", "page", "Page of the list");
    assert!(
        m.contains("\"Page of results, starting at 1; defaults to 1\""),
        "{m}"
    );
    let m = message("list_issues", "per_page", "Results per page");
    assert!(m.contains("\"Per page, from 1 to 100"), "{m}");
    let m = message("list_issues", "offset", "The offset");
    assert!(
        m.contains("how many results to skip, from 0; defaults to 0"),
        "{m}"
    );
    let m = message(
        "create_pull_request_review",
        "body",
        "The body of the review",
    );
    assert!(
        m.contains("its name and the tool name `create_pull_request_review`"),
        "{m}"
    );
    let m = message("list_events", "created_at", "The created at");
    assert!(
        m.contains("format"),
        "a time gets its format asked for: {m}"
    );
    let m = message("list_pull_requests", "state", "State of the pull requests");
    assert!(
        m.contains("allowed values"),
        "an enum-like name gets its values asked for: {m}"
    );
    let m = message("search_orders", "query", "The search query");
    assert!(
        m.contains("syntax"),
        "a query gets its syntax asked for: {m}"
    );
    let m = message("run_sql", "sql", "The SQL to run");
    assert!(m.contains("language"), "{m}");
    let m = message("post_reply", "body", "The body of the reply");
    assert!(m.contains("format and limits"), "{m}");
    let m = message("read_file", "path", "Path of the file");
    assert!(m.contains("absolute or relative"), "{m}");
    assert!(
        m.contains("like /home/me/reports/march.csv"),
        "a file path's example is a file (outside code, an absolute one): {m}"
    );
    // A path that names a repository or a directory gets a directory's example, not a file's
    // inside a repository.
    let m = message("git_status", "repo_path", "The path to the repository");
    assert!(m.contains("like /home/me/project"), "{m}");
    assert!(!m.contains("repository root"), "{m}");
    let m = message("delete_user", "user_id", "The user ID");
    assert!(m.contains("comes from"), "{m}");
    let m = message(
        "create_repository",
        "private",
        "Whether the repository is private",
    );
    assert!(m.contains("when `private` is true"), "{m}");
}

/// Decided on issue 18 (the rubric wins): a parameter doc must add a fact; the tool's action on
/// the value, kind words, ordinals, other names for a text and the words a name implies do not.
#[test]
fn restatement_through_purpose_verbs_kind_words_and_implied_words_fails() {
    params_restate_names(&[
        ("fetch", "url", "URL to fetch"),
        ("browser_type", "text", "Text to type into the element"),
        ("browser_resize", "width", "Width of the browser window"),
        (
            "list_pull_requests",
            "direction",
            "The direction of the sort",
        ),
        (
            "list_pull_requests",
            "state",
            "State of the pull requests to return",
        ),
        ("render_chart", "style", "Chart style"),
        ("export_report", "format", "The format type"),
        (
            "create_pull_request",
            "body",
            "Pull request body/description",
        ),
        (
            "create_pull_request_review",
            "body",
            "The body text of the review",
        ),
        ("get_file_contents", "path", "Path to the file or directory"),
        ("add", "a", "First number"),
        ("add", "b", "Second number"),
        ("search_docs", "query", "The search query"),
        (
            "revise_plan",
            "revises_step",
            "Which step is being reconsidered",
        ),
    ]);
    params_accepted(&[
        ("fetch", "url", "Absolute http(s) URL of the page"),
        ("send_invoice", "to", "Email address to send the invoice to"),
        (
            "post_message",
            "channel",
            "Channel to post to, like #general",
        ),
        (
            "browser_resize",
            "width",
            "Width of the viewport in CSS pixels",
        ),
        ("export_report", "format", "One of json, csv or pdf"),
        (
            "create_pull_request",
            "body",
            "Markdown shown under the title",
        ),
        (
            "describe_table",
            "table_name",
            "Name of the table, as listed by list_tables",
        ),
        ("wait_for", "timeout", "Seconds to wait before giving up"),
        ("run_job", "duration", "Duration of the job in seconds"),
        (
            "get_resource",
            "resource_id",
            "ID of the text resource to fetch",
        ),
        ("add_numbers", "a", "The first addend, a finite decimal"),
    ]);
}

/// Vague verbs do not save a description that otherwise restates the name; one made of vague
/// words only gets `vague_description` alone; a return phrase with vague words still counts.
#[test]
fn vague_words_do_not_save_a_restated_name() {
    let got = tool_rules(
        "manage_invoices",
        Some("Manage invoices and handle them as needed."),
        false,
    );
    assert_eq!(got, [Rule::RestatesName], "{got:?}");
    let got = tool_rules(
        "purge_report_cache",
        Some("Purge every cached report from the report cache. Returns how many were purged."),
        true,
    );
    assert_eq!(got, [], "{got:?}");
    let got = tool_rules(
        "manage_invoices",
        Some("Create, send or void customer invoices in the billing system."),
        false,
    );
    assert_eq!(got, [], "{got:?}");
    let got = tool_rules(
        "search_knowledge_base",
        Some("Searches things and stuff"),
        false,
    );
    assert_eq!(
        got,
        [Rule::ShortDescription, Rule::VagueDescription],
        "{got:?}"
    );
}

/// A tool defined as JSON (the CLI, the gateway) is never told to write a `///` doc comment or
/// `#[tool(allow(...))]`: every finding of a set of poor tools, as those hosts show it.
#[test]
fn json_hosts_get_no_rust_syntax_in_any_message() {
    let poor = [
        ToolText {
            name: "getPage",
            description: None,
            returns_data: true,
            params: &[ParamText::new("id", None)],
        },
        ToolText {
            name: "get_page",
            description: Some("TODO"),
            returns_data: true,
            params: &[
                ParamText::new("page_id", Some("The page id")),
                ParamText::new("mode", Some("TBD")),
            ],
        },
        ToolText {
            name: "delete_page",
            description: Some("Deletes the page. Deletes the page by deleting it."),
            returns_data: true,
            params: &[ParamText::new("x", Some("x"))],
        },
        ToolText {
            name: "search_pages",
            description: Some("Search pages and handle them in the workspace as needed"),
            returns_data: true,
            params: &[ParamText::new("query", Some("The query"))],
        },
    ];
    let mut rules = BTreeSet::new();
    for tool in &poor {
        for finding in lint_tool(tool) {
            rules.insert(finding.rule.name());
            for host in [Host::Cli, Host::Gateway] {
                let text = finding.message_in(host);
                assert!(
                    !text.contains("#[") && !text.contains("///"),
                    "{host:?}: {text}"
                );
                if finding.rule.allowable() {
                    assert!(text.contains(finding.rule.name()), "{host:?}: {text}");
                }
            }
            assert_eq!(finding.message_in(Host::Attribute), finding.message);
        }
    }
    assert!(
        rules.len() >= 5,
        "the poor tools reach several rules: {rules:?}"
    );
}

/// A parameter the name says nothing more about gets a shape to fill in its own words, not a
/// finished example about something else.
#[test]
fn the_fallback_hint_is_written_in_the_parameters_own_words() {
    for (name, expect) in [
        ("relations", "Relations: <what each one is>"),
        (
            "entity_observations",
            "Entity observations: <what each one is>",
        ),
        ("payload", "Payload: <what it is>"),
        ("status", "One of:"),
    ] {
        let findings = check_param_description(name, None);
        let text = &findings[0].message;
        assert!(text.contains(expect), "{name}: {text}");
        assert!(!text.contains("ISO 4217"), "{name}: {text}");
    }
}

/// What a parameter holds, when the host knows it, shapes the fix: a flag is asked what `true`
/// changes whatever its name, a list what each item is, a choice what each of its values does.
#[test]
fn the_fix_fits_what_the_parameter_holds() {
    let fix = |name: &str, description: &str, kind: ParamKind| {
        let param = ParamText::new(name, Some(description)).kind(kind);
        let findings = check_param_of("plan_trip", &param);
        assert_eq!(findings.len(), 1, "{name}: {findings:?}");
        findings[0].message.clone()
    };
    for (name, description, kind, expect, not) in [
        (
            "needs_more_stops",
            "If more stops are needed",
            ParamKind::Boolean,
            "what happens when `needs_more_stops` is true",
            "<what each one is>",
        ),
        (
            "stop_names",
            "The stop names",
            ParamKind::List,
            "Stop names: <what each one is>",
            "shown to users",
        ),
        (
            "include",
            "What to include",
            ParamKind::List,
            "Include: <what each one is>",
            "is true",
        ),
        (
            "force",
            "The force",
            ParamKind::Text,
            "Force: <what it is>",
            "is true",
        ),
        (
            "pace",
            "The pace",
            ParamKind::Number,
            "the unit, range and default",
            "<what it is>",
        ),
        (
            "trip_id",
            "The trip id",
            ParamKind::Number,
            "where the trip id comes from",
            "from 1 to 100",
        ),
        (
            "preferences",
            "The preferences",
            ParamKind::Object,
            "Preferences: an object with <field>: <what it sets>",
            "<what each one is>",
        ),
        (
            "transport",
            "The transport",
            ParamKind::Choice(vec!["rail".into(), "road".into(), "air".into()]),
            "what each value of `transport` (`rail`, `road`, `air`) does",
            "One of: open, closed",
        ),
    ] {
        let text = fix(name, description, kind);
        assert!(text.contains(expect), "{name}: {text}");
        assert!(!text.contains(not), "{name}: {text}");
    }
}

/// The kind changes the suggested fix, never the verdict: every description gets the same
/// rules whatever the parameter holds.
#[test]
fn the_kind_never_changes_whether_there_is_a_finding() {
    let kinds = [
        ParamKind::Unknown,
        ParamKind::Boolean,
        ParamKind::Number,
        ParamKind::Text,
        ParamKind::List,
        ParamKind::Object,
        ParamKind::Choice(vec!["a".into()]),
    ];
    for (name, description) in [
        ("page_id", None),
        ("page_id", Some("The page id")),
        (
            "page_id",
            Some("Page id as returned by list_pages, like 'pg_12'"),
        ),
        ("entity_names", Some("An array of entity names to delete")),
        ("verbose", Some("TODO")),
        ("limit", Some("Maximum results, 1-100; defaults to 20")),
        ("mode", Some("Mode")),
    ] {
        let rules = |kind: &ParamKind| -> Vec<Rule> {
            check_param_of(
                "list_pages",
                &ParamText::new(name, description).kind(kind.clone()),
            )
            .iter()
            .map(|f| f.rule)
            .collect()
        };
        let unknown = rules(&ParamKind::Unknown);
        assert_eq!(
            unknown,
            check_param_description_in("list_pages", name, description)
                .iter()
                .map(|f| f.rule)
                .collect::<Vec<_>>()
        );
        for kind in &kinds {
            assert_eq!(rules(kind), unknown, "{name} {description:?} as {kind:?}");
        }
    }
}

/// A plural name reads as a plural in the fix ("the entity names are shown", not "is").
#[test]
fn a_plural_name_is_named_as_a_plural() {
    let text = &check_param_description_in(
        "create_entities",
        "entity_names",
        Some("An array of entity names to create"),
    )[0]
    .message;
    assert!(text.contains("the entity names are shown"), "{text}");
    let text = &check_param_description_in(
        "delete_entities",
        "entity_names",
        Some("An array of entity names to delete"),
    )[0]
    .message;
    assert!(
        text.contains("which entities they pick and how they are matched"),
        "{text}"
    );
    let text =
        &check_param_description_in("get_branch", "branch_ids", Some("Branch ids"))[0].message;
    assert!(
        text.contains("the branch ids come from and their form"),
        "{text}"
    );
}

/// `missing_returns` suggests a sentence in the tool's own words, not one about another tool.
#[test]
fn the_returns_sentence_is_written_for_this_tool() {
    for (name, expect) in [
        ("delete_entities", "Returns which entities were removed"),
        ("delete_page", "Returns whether the page was removed"),
        ("create_invoice", "Returns the invoice created, with its id"),
        (
            "update_pages",
            "Returns the pages as they are after the change",
        ),
        (
            "search_orders",
            "Returns the orders found, each with <its fields>",
        ),
        ("summarize_thread", "Returns <what the call gives back"),
        // A prefix before the verb; code that runs; something sent elsewhere.
        (
            "github_create_issue",
            "Returns the issue created, with its id",
        ),
        (
            "run_command",
            "Returns what the command printed or evaluated to",
        ),
        ("push_files", "Returns the files pushed: <the id, status"),
        ("merge_pull_request", "Returns the pull request merged"),
    ] {
        let findings =
            check_tool_description(name, Some("Does things to the object in the store."), true);
        let finding = findings
            .iter()
            .find(|f| f.rule == Rule::MissingReturns)
            .unwrap_or_else(|| panic!("{name}: {findings:?}"));
        assert!(
            finding.message.contains(expect),
            "{name}: {}",
            finding.message
        );
        assert!(
            !finding.message.contains("booking"),
            "{name}: {}",
            finding.message
        );
    }
}

/// Generic nouns (options, data, response, records, criteria), type words the schema already
/// says (JSON object, index), generic modifiers (additional, custom, different, available),
/// relations (belongs to, containing), "Filter by" and the particle of "pass along" add nothing
/// to the names; a fact beside them still counts.
#[test]
fn generic_nouns_modifiers_and_type_words_add_nothing() {
    for (tool, param, d) in [
        ("export_report", "options", "Export options"),
        ("export_report", "opts", "Report options"),
        ("export_report", "settings", "The report settings"),
        (
            "render_chart",
            "style",
            "Style configuration for the chart with a JSON object, optional.",
        ),
        ("enqueue_job", "data", "Job data (JSON object)"),
        (
            "list_orders",
            "fields",
            "A list of the fields to be returned in the response.",
        ),
        (
            "list_orders",
            "sorts",
            "A list of sort criteria to apply to the results.",
        ),
        (
            "list_tags",
            "archived",
            "Whether to return only results that have been archived.",
        ),
        ("list_tags", "color", "Filter by color"),
        ("read_rows", "start", "Start index"),
        (
            "create_deal",
            "associations",
            "Associated records for this deal",
        ),
        (
            "http_get",
            "headers",
            "Additional headers to include in the request",
        ),
        (
            "ask_model",
            "instruction",
            "Optional custom instruction for the model",
        ),
        ("run_tool", "name", "The name of the available tool to run."),
        (
            "create_property",
            "group_name",
            "The name of the property group the property belongs to",
        ),
        (
            "download_images",
            "file_key",
            "The key of the file containing the images",
        ),
        ("install_server", "args", "The arguments to pass along"),
        ("list_logs", "limit", "Maximum number of logs to return"),
        ("start_codegen", "settings", "Code generation settings"),
        ("open_page", "url", "URL of the website to open"),
        ("read_events", "type", "Type of event data to read"),
        ("type_text", "text", "Text to enter into the element"),
        ("send_keys", "by", "Locator strategy to find element"),
        ("list_items", "item_id", "The item's reference"),
        (
            "update_branch",
            "expected_head_sha",
            "The expected SHA of the branch's HEAD ref",
        ),
    ] {
        let got = check_param_description_in(tool, param, Some(d));
        assert_eq!(
            rules(&got),
            [Rule::ParamRestatesName],
            "{tool}.{param} {d:?}"
        );
        let m = &got[0].message;
        assert!(m.contains(&crate::text::quote(d)), "{m}");
        assert!(m.contains("write one that"), "{m}");
        assert!(m.contains("allow(param_restates_name)"), "{m}");
    }
    params_accepted(&[
        (
            "export_report",
            "options",
            "Page size (A4 or Letter) and orientation",
        ),
        (
            "render_chart",
            "style",
            "Colors and fonts of the chart, like theme: dark",
        ),
        (
            "enqueue_job",
            "data",
            "Payload handed to the worker as its only argument",
        ),
        // "JSON" alone is a format; only before "object" or "array" is it the schema's type.
        ("call_api", "body", "The request body as JSON"),
        (
            "list_orders",
            "fields",
            "Order fields to include besides id and status, like total or currency",
        ),
        (
            "list_tags",
            "archived",
            "Also list tags hidden from the sidebar",
        ),
        ("list_pull_requests", "base", "Filter by base branch name"),
        ("read_rows", "start", "Zero-based position of the first row"),
        (
            "http_get",
            "headers",
            "Additional headers, as name: value pairs",
        ),
        (
            "create_property",
            "group_name",
            "The group the property is listed under on the record page",
        ),
        (
            "install_server",
            "args",
            "Command-line arguments handed to the server binary",
        ),
        (
            "list_logs",
            "limit",
            "Maximum number of logs to return; the newest come first",
        ),
        ("open_page", "url", "Absolute https URL of the page to open"),
        (
            "type_text",
            "text",
            "Text to enter into the element; a newline submits the form",
        ),
        (
            "update_branch",
            "expected_head_sha",
            "The SHA the HEAD ref must still point at, or the update fails",
        ),
    ]);
}

/// A kind word (type, mode, strategy, level, action) says the value is one of several; the word
/// right before it only names which set ("Locator strategy", "Mouse action", "WCAG level"). Both
/// are no fact until the values are given.
#[test]
fn a_qualified_kind_word_is_not_a_fact() {
    params_restate_names(&[
        ("find_element", "by", "Locator strategy to find the element"),
        ("find_element", "value", "Value for the locator strategy"),
        ("click_mouse", "action", "Mouse action to perform"),
        ("list_rules", "level", "Filter by WCAG level"),
        ("export_report", "format", "Output format"),
    ]);
    // The message names the words that fit any parameter, and only blames the tool's name when
    // its words are used.
    let m = &check_param_description_in(
        "find_element",
        "by",
        Some("Locator strategy to find element"),
    )[0]
    .message;
    assert!(
        m.contains(
            "only restates its name and the tool name `find_element` with words that fit any parameter (\"locator\", \"strategy\")"
        ),
        "{m}"
    );
    params_accepted(&[
        (
            "find_element",
            "by",
            "How to find the element: css, xpath, id or name",
        ),
        (
            "find_element",
            "value",
            "The selector or text the locator strategy matches, like #login",
        ),
        (
            "click_mouse",
            "action",
            "Mouse action: click, double click or right click",
        ),
        (
            "list_rules",
            "level",
            "Minimum WCAG conformance level: A, AA or AAA",
        ),
        // The prefix of a compound is part of its word, not a qualifier.
        (
            "create_category_tree",
            "root",
            "The root category and its sub-categories",
        ),
        (
            "get_message",
            "message_type",
            "Type of message to demonstrate different annotation patterns",
        ),
    ]);
}

/// A name's verb comes back as a noun (connection, navigation, retrieval, calculation) and an
/// acronym comes back spelled out ("dead letter queue" for `dlq`, "Knowledge Base" for `kb`):
/// both only restate the name.
#[test]
fn derived_forms_and_spelled_out_acronyms_restate_the_name() {
    use crate::text::base;
    for (a, b) in [
        ("connection", "connect"),
        ("navigation", "navigate"),
        ("retrieval", "retrieve"),
        ("calculation", "calculated"),
        ("associations", "associated"),
        ("management", "manage"),
    ] {
        assert_eq!(base(&norm(a)), base(&norm(b)), "{a} {b}");
    }
    // Short words keep their endings: an option is not an "opt", a portal not a port.
    for (a, b) in [("option", "opt"), ("portal", "port"), ("comment", "com")] {
        assert_ne!(base(&norm(a)), base(&norm(b)), "{a} {b}");
    }
    params_restate_names(&[
        ("connect", "id", "Connection identifier"),
        ("navigate", "wait_until", "Navigation wait condition"),
        (
            "retrieve_documents",
            "query",
            "The query to perform retrieval on",
        ),
        (
            "create_property",
            "calculation_formula",
            "A formula used to compute a calculated property",
        ),
        ("query_dlq", "queue_name", "Dead letter queue name"),
        ("search_kb", "kb_id", "ID of the Knowledge Base"),
    ]);
    params_accepted(&[
        (
            "connect",
            "id",
            "Connection name from the config file, like staging",
        ),
        (
            "query_dlq",
            "queue_name",
            "Dead letter queue name; defaults to the source queue's name",
        ),
        // A word with a vowel is not read as an acronym: "at" is not "after the".
        (
            "list_events",
            "created_at",
            "After the given instant, in UTC",
        ),
        // A run that starts with the acronym itself does not spell it out.
        ("run_sql", "sql", "SQL query, lowercase"),
    ]);
}

/// An audit comes back as its findings and a started session as the session, so the verb says
/// what comes back; a verb with no output still needs a returns phrase. A generic modifier does
/// not save a description that restates the name ("Switch to a different connection").
#[test]
fn audit_and_start_say_what_comes_back_and_generic_modifiers_add_nothing() {
    for (name, d) in [
        (
            "audit_page",
            "Audit a live page for accessibility problems against the WCAG rules.",
        ),
        (
            "start_recording",
            "Start a new screen recording session of the open browser tab.",
        ),
    ] {
        assert_eq!(tool_rules(name, Some(d), true), [], "{name} {d:?}");
    }
    let got = tool_rules(
        "push_page",
        Some("Push the open page to the remote staging server."),
        true,
    );
    assert_eq!(got, [Rule::MissingReturns], "{got:?}");
    for d in [
        "Switch to a different connection.",
        "Switch to another available connection.",
    ] {
        let got = tool_rules("switch_connection", Some(d), false);
        assert_eq!(got, [Rule::RestatesName], "{d:?}: {got:?}");
    }
    let got = tool_rules(
        "switch_connection",
        Some("Switch to another Redis connection by its name; later calls use it."),
        false,
    );
    assert_eq!(got, [], "{got:?}");
}

/// "Information about X" says no more than X; the word still counts elsewhere.
#[test]
fn information_about_the_named_object_restates_it() {
    for d in [
        "Get information about a recording session.",
        "Retrieves information on the given recording session.",
    ] {
        let got = tool_rules("get_recording_session", Some(d), true);
        assert_eq!(got, [Rule::RestatesName], "{d:?}: {got:?}");
    }
    for d in [
        "Get information about a recording session: its state, start time and open tabs.",
        "Get the contact information of a recording session's owner.",
    ] {
        assert_eq!(
            tool_rules("get_recording_session", Some(d), true),
            [],
            "{d:?}"
        );
    }
}

/// Naming the service a parameter belongs to does not help fill it (RUBRIC.md: "Identifier for a
/// Notion block" is filler): a listed service, or a capitalized word qualifying the next word
/// inside a sentence. Formats, values in a list and acronyms stay facts; a file extension is one.
#[test]
fn a_service_name_is_filler_in_a_parameter_doc() {
    for (tool, param, d) in [
        (
            "retrieve_block",
            "block_id",
            "Identifier for a Notion block",
        ),
        ("get_pods", "namespace", "Kubernetes namespace"),
        ("get_link", "portal_id", "The HubSpot portal ID"),
        ("query_dlq", "dlq_key", "Dead letter queue Redis key"),
        (
            "get_invoice",
            "invoice_id",
            "The ID of the Acme invoice to fetch",
        ),
    ] {
        let findings = check_param_description_in(tool, param, Some(d));
        assert_eq!(
            rules(&findings),
            [Rule::ParamRestatesName],
            "{tool}.{param} {d:?}"
        );
        assert!(
            findings[0].message.contains("the service's name"),
            "{}",
            findings[0].message
        );
    }
    let message =
        &check_param_description_in("get_pods", "namespace", Some("Kubernetes namespace"))[0]
            .message;
    assert!(message.contains("(\"Kubernetes\")"), "{message}");
    params_accepted(&[
        // A format or a language is a fact, capitalized or not.
        ("run_script", "code", "Source code in Python"),
        ("run_script", "code", "The Python code to run"),
        ("write_page", "body", "Page body as Markdown"),
        ("define_tool", "schema", "A JSON Schema"),
        // Capitalized values in a list or in parentheses are the allowed values.
        (
            "update_engagement",
            "kind",
            "Engagement kind (Note or Task)",
        ),
        ("set_priority", "priority", "Priority: Low, Medium or High"),
        // An acronym or a format written in capitals is a fact.
        ("set_timezone", "tz", "IANA timezone name"),
        // A service named as where the value comes from, with more, still passes.
        (
            "get_pods",
            "namespace",
            "Kubernetes namespace; defaults to the current context's namespace",
        ),
        // A file extension says what form a path takes.
        (
            "take_heapsnapshot",
            "file_path",
            "A path to a .heapsnapshot file to save the heapsnapshot to.",
        ),
        // A common word that is also a product stays a word when written in lowercase.
        (
            "list_jobs",
            "queue",
            "Name of the redis-backed queue to drain",
        ),
    ]);
}

/// A verb that says a parameter picks or governs something ("Targets", "Determines",
/// "Controls"), what a flag does to the output ("Include", "show", "If true") and generic nouns
/// for what a tool acts on (resource, entry, instance) add nothing to the names.
#[test]
fn role_verbs_flag_words_and_generic_targets_add_nothing() {
    params_restate_names(&[
        ("click", "page_id", "Targets a specific page by ID."),
        (
            "start_trace",
            "auto_stop",
            "Determines if the trace should be stopped.",
        ),
        ("create_property", "field_type", "Controls the field type"),
        ("get_order", "order_id", "Identifies the order."),
        ("get_logs", "timestamps", "Include timestamps in logs"),
        (
            "list_pods",
            "all_namespaces",
            "If true, list pods across all namespaces",
        ),
        (
            "list_api_resources",
            "namespaced",
            "If true, only show namespaced resources",
        ),
        ("describe", "name", "Name of the resource to describe"),
        (
            "read_logs",
            "limit",
            "The maximum number of log entries to return.",
        ),
        ("get_browser", "browser_id", "ID of the browser instance"),
    ]);
    params_accepted(&[
        (
            "click",
            "page_id",
            "Targets the page with this ID, as listed by list_pages; defaults to the selected page.",
        ),
        (
            "list_pods",
            "all_namespaces",
            "If true, list pods in every namespace and ignore the namespace argument",
        ),
        (
            "get_logs",
            "timestamps",
            "Prefix each log line with its RFC 3339 time",
        ),
        // Another argument's value says when this one applies.
        ("navigate_page", "url", "Target URL (only type=url)"),
        (
            "describe",
            "name",
            "Name of the resource to describe, like my-pod; a prefix matches several",
        ),
    ]);
}

/// A name written as one word ("connectionId", "PaymentIntent", "subcommand") is still the name;
/// one kind of drawing restates another, a search is a query, auto is automatic.
#[test]
fn a_name_written_as_one_word_or_in_other_words_is_restated() {
    params_restate_names(&[
        (
            "disconnect",
            "connection_id",
            "The connectionId to disconnect.",
        ),
        (
            "create_refund",
            "payment_intent",
            "The ID of the PaymentIntent to refund.",
        ),
        (
            "kubectl_rollout",
            "sub_command",
            "Rollout subcommand to execute",
        ),
        (
            "generate_flow_diagram",
            "style",
            "Style configuration for the chart with a JSON object, optional.",
        ),
        ("draw_graph", "title", "Title of the chart"),
        ("search_repositories", "search", "Search query"),
        (
            "start_trace",
            "auto_stop",
            "Determines if the trace recording should be automatically stopped.",
        ),
    ]);
    params_accepted(&[
        // A joined word that is not the name's own run of words is a fact.
        (
            "disconnect",
            "connection_id",
            "The connectionId returned by connect, or the sessionId",
        ),
        (
            "generate_flow_diagram",
            "style",
            "Colors and line widths for the chart; a theme name alone picks a preset.",
        ),
        (
            "search_repositories",
            "search",
            "Search query in GitHub search syntax",
        ),
    ]);
}

/// A read verb (get, retrieve, fetch) adds nothing to a name: a data tool gets what it names.
/// A status line under an error listing's heading is boilerplate however long. An output verb
/// that takes the tool's arguments ("It takes two arguments"), or a word of another tool's name
/// (`create_record`), says nothing about what comes back.
#[test]
fn read_verbs_error_listings_argument_lists_and_identifiers_say_nothing() {
    for (name, d) in [
        (
            "place_details",
            "Get detailed information about a specific place",
        ),
        (
            "describe_table",
            "Get detailed information about a specific table",
        ),
        ("collection_storage_size", "Gets the size of the collection"),
        (
            "list_orders",
            "Retrieves a list of the orders, fetching them all.",
        ),
    ] {
        let got = tool_rules(name, Some(d), true);
        assert_eq!(got, [Rule::RestatesName], "{name} {d:?}");
    }
    // A name without a verb gets an example that gets what it names, not one that reads its
    // first word as a verb.
    let findings = check_tool_description(
        "collection_storage_size",
        Some("Gets the size of the collection"),
        true,
    );
    assert!(
        findings[0]
            .message
            .contains("\"Get the collection storage size <of which one, from where>."),
        "{}",
        findings[0].message
    );
    for (name, d) in [
        (
            "collection_storage_size",
            "Get the storage size of a collection in bytes, with its index size",
        ),
        (
            "list_orders",
            "Retrieves the orders of the signed-in customer, newest first.",
        ),
        // Returning is still saying what comes back.
        (
            "delete_document",
            "Delete a document by its id. Returns the deleted document's title.",
        ),
    ] {
        assert_eq!(tool_rules(name, Some(d), true), [], "{name} {d:?}");
    }

    let listing = "Acme | Read a page as text\nError Responses:\n400: Bad request\n404: Page not found or not shared with the integration you use.\n429: Rate limited.";
    let got = tool_rules("read_page_text", Some(listing), true);
    assert!(got.contains(&Rule::ShortDescription), "{got:?}");
    // Outside a listing a long status line is text.
    let prose = "Read a page as plain text.\n404: returned when the page was moved to another workspace or deleted.";
    assert_eq!(
        tool_rules("read_page_text", Some(prose), true),
        [],
        "{prose:?}"
    );

    for d in [
        "This tool will finalize an invoice in Stripe.\n\nIt takes one argument:\n- invoice (str): The ID of the invoice to finalize.",
        "Upload a file to an attachment field. For larger files, use create_record or update_records with a public URL.",
    ] {
        let got = tool_rules("finalize_invoice", Some(d), true);
        assert!(got.contains(&Rule::MissingReturns), "{d:?}: {got:?}");
    }
    for d in [
        "This tool will fetch a list of invoices from Stripe.\n\nIt takes one optional argument:\n- limit (int, optional): The number of invoices to return.",
        "Take a screenshot of the page and return it as PNG.",
        "Get the parameters of the model's current invoice template",
    ] {
        assert_eq!(tool_rules("list_invoices", Some(d), true), [], "{d:?}");
    }
}

/// An aggregation comes back like a query's rows, so naming one says what the tool returns.
#[test]
fn an_aggregation_says_what_comes_back() {
    for d in [
        "Run an aggregation pipeline against a MongoDB collection",
        "Aggregate the orders by month and region",
    ] {
        assert_eq!(tool_rules("aggregate_orders", Some(d), true), [], "{d:?}");
    }
    let got = tool_rules(
        "reindex_orders",
        Some("Rebuild the search index of the orders collection"),
        true,
    );
    assert_eq!(got, [Rule::MissingReturns], "{got:?}");
}

/// Words a parameter's name implies: a query is search terms or keywords, a cursor or an offset
/// pages through results, an email is an address.
#[test]
fn implied_words_of_queries_cursors_and_emails_restate_the_name() {
    params_restate_names(&[
        ("search_issues", "q", "Search terms"),
        ("search_issues", "query", "Keywords to look for"),
        ("get_property", "start_cursor", "For paginated properties."),
        ("list_users", "cursor", "Pagination cursor"),
        ("list_users", "offset", "Offset for pagination"),
        ("invite_user", "email", "Email address of the user"),
    ]);
    params_accepted(&[
        (
            "list_channels",
            "cursor",
            "Pagination cursor for next page of results",
        ),
        (
            "search_issues",
            "q",
            "Search terms; quote a phrase, prefix a word with - to exclude it",
        ),
        (
            "invite_user",
            "email",
            "Work email address of the user to invite; must be verified",
        ),
    ]);
}

/// A hint's example fits the parameter: a number named like a span of time or a dimension gets
/// its unit, a path outside code is not relative to a repository, and a name that opens like a
/// switch (`only_main_content`, `skip_tls_verification`) is asked what it switches.
#[test]
fn hints_fit_the_parameter_they_are_for() {
    let fix = |tool: &str, param: &str| {
        check_param_description_in(tool, param, None)[0]
            .message
            .clone()
    };
    for (tool, param, fits, not) in [
        ("browser_resize", "height", "Height in pixels, from 1", ""),
        ("wait_for", "timeout", "Timeout in seconds, from 1", ""),
        ("list_items", "page_size", "Page size, from 1", "bytes"),
        (
            "list_commits",
            "page",
            "Page of results, starting at 1",
            " in ",
        ),
        (
            "export_csv",
            "path",
            "an absolute path like",
            "repository root",
        ),
        (
            "lint_files",
            "file_path",
            "relative to the repository root",
            "",
        ),
        ("git_add", "path", "relative to the repository root", ""),
        (
            "scrape",
            "only_main_content",
            "when `only_main_content` is true",
            "Markdown",
        ),
        ("fetch_page", "skip_tls_verification", "is true", ""),
        (
            "query_data_source",
            "archived",
            "when `archived` is true",
            "",
        ),
        (
            "search_issues",
            "order",
            "asc (oldest first), desc",
            "open, closed",
        ),
        ("search_issues", "sort", "created, updated", "open, closed"),
        ("list_issues", "state", "open, closed, all", ""),
    ] {
        let message = fix(tool, param);
        assert!(message.contains(fits), "{tool}.{param}: {message}");
        if !not.is_empty() {
            let hint = message.split("e.g.").nth(1).unwrap_or(&message);
            assert!(!hint.contains(not), "{tool}.{param}: {message}");
        }
    }
}

/// A tool that restates its name is shown a description opening with its own verb, found past a
/// prefix (`api_`, a service's name), and "Get" only when the name has no verb at all.
#[test]
fn a_restating_tool_is_shown_a_description_with_its_own_verb() {
    for (tool, text, example) in [
        (
            "api_move_page",
            "Move a page",
            "\"Move the page <which one, from where>.",
        ),
        (
            "github_create_issue",
            "Create an issue",
            "\"Create the issue <which one",
        ),
        (
            "delete_document",
            "Delete a document",
            "\"Delete the document <which one",
        ),
        (
            "storage_size",
            "Storage size",
            "\"Get the storage size <of which one",
        ),
        // An article in the name is not doubled.
        (
            "api_create_a_comment",
            "Create a comment",
            "\"Create the comment <which one",
        ),
    ] {
        let findings = check_tool_description(tool, Some(text), false);
        let message = &findings
            .iter()
            .find(|f| f.rule.name() == "restates_name")
            .unwrap_or_else(|| panic!("{tool}: {findings:?}"))
            .message;
        assert!(message.contains(example), "{tool}: {message}");
    }
}

/// Code is asked for its language with an example in the language its name suggests: a shell
/// command is not shown a SQL statement.
#[test]
fn code_is_shown_an_example_in_its_own_language() {
    for (tool, param, text, example) in [
        (
            "run_command",
            "command",
            "Command with args",
            "shell command line",
        ),
        (
            "run_script",
            "script",
            "Script to run",
            "shell command line",
        ),
        ("run_query", "sql", "The SQL to run", "SELECT statement"),
        (
            "evaluate",
            "expression",
            "Expression to evaluate",
            "JavaScript expression",
        ),
    ] {
        let message = check_param_description_in(tool, param, Some(text))[0]
            .message
            .clone();
        assert!(message.contains(example), "{tool}.{param}: {message}");
    }
}

/// A name the tool gives is asked where it is shown; a name that picks an existing thing is
/// asked which one and how it is matched, in the words of the thing it names.
#[test]
fn a_name_that_picks_an_existing_thing_is_asked_which_one() {
    let fix = |tool: &str, param: &str, text: &str| {
        check_param_description_in(tool, param, Some(text))[0]
            .message
            .clone()
    };
    for (tool, param, text, thing) in [
        (
            "describe_table",
            "table_name",
            "Name of the table to describe",
            "table",
        ),
        ("delete_branch", "name", "Name of the branch", "branch"),
        ("git_checkout", "branch_name", "The branch name", "branch"),
        ("drop_index", "name", "The name", "index"),
    ] {
        let message = fix(tool, param, text);
        assert!(
            message.contains(&format!(
                "Name of an existing {thing}, exactly as the list tool shows it"
            )),
            "{tool}.{param}: {message}"
        );
        assert!(!message.contains("shown to users"), "{message}");
    }
    for (tool, param, text) in [
        ("create_table", "table_name", "Name of the table to create"),
        ("rename_sheet", "new_name", "The new name"),
        // A verb the linter does not know, or a service prefix before a giving verb.
        ("generate_bar_chart", "title", "Set the title of chart."),
        ("compose_message", "subject_name", "The subject name"),
        ("github_create_label", "name", "The name"),
    ] {
        let message = fix(tool, param, text);
        assert!(
            message.contains("shown to users"),
            "{tool}.{param}: {message}"
        );
    }
    assert_eq!(crate::param::plural_of("entity"), "entities");
    assert_eq!(crate::param::plural_of("branch"), "branches");
    assert_eq!(crate::param::plural_of("key"), "keys");
}

/// A lone-word name is shown a verb_object name made from its own description when the
/// description opens with a verb (the name's or another); otherwise, or when that name would
/// itself be rejected, the general examples.
#[test]
fn a_lone_word_is_shown_a_name_from_its_description() {
    let fix = |name: &str, description: Option<&str>| {
        let findings = check_tool_name_in(name, description);
        assert_eq!(rules(&findings), [Rule::LoneWord], "{name}");
        findings[0].message.clone()
    };
    for (name, description, better) in [
        (
            "search",
            "Search the company knowledge base for articles matching a query",
            "search_company_knowledge_base",
        ),
        (
            "set",
            "Set a Redis key-value pair with optional expiration",
            "set_key_value_pair",
        ),
        ("get", "Get value by key from Redis", "get_value"),
        ("list", "List Redis keys matching a pattern", "list_keys"),
        (
            "delete",
            "Deletes all the cached pages of a site",
            "delete_pages",
        ),
        // Another verb opens the description: it is the verb, and a noun name it mentions is
        // the object; punctuation and prepositions end the phrase.
        (
            "frame",
            "switches focus to a frame or back to the main page",
            "switch_frame",
        ),
        (
            "alert",
            "handles a browser alert, confirm, or prompt dialog",
            "handle_browser_alert",
        ),
        ("query", "Run a read-only SQL query", "run_query"),
        (
            "find",
            "Run a find query against a MongoDB collection",
            "run_find_query",
        ),
        (
            "disconnect",
            "Close a MongoDB connection and revoke its connectionId.",
            "close_connection",
        ),
        (
            "search",
            "Find articles in the knowledge base",
            "find_articles",
        ),
    ] {
        let message = fix(name, Some(description));
        assert!(
            message.contains(&format!("e.g. `{better}`, after what the description says")),
            "{name}: {message}"
        );
    }
    // No description, one that opens with what comes back or with no verb, or one whose name
    // would be rejected itself (`echo_input` is vague): the examples.
    for (name, description) in [
        ("search", None),
        (
            "explain",
            Some("Returns statistics describing the execution of a query"),
        ),
        (
            "think",
            Some("A detailed tool for reflective problem-solving"),
        ),
        ("echo", Some("Echoes back the input string")),
    ] {
        let message = fix(name, description);
        assert!(
            message.contains("`search_knowledge_base` or `get_order_status`"),
            "{message}"
        );
    }
    assert_eq!(check_tool_name("set"), check_tool_name_in("set", None));
}

/// A short description is shown grown in its own words: what comes back when the tool returns
/// data, on what it acts and what changes when it does not; vague words only get the general
/// example.
#[test]
fn a_short_description_is_shown_grown_in_its_own_words() {
    let message = |description: &str, returns_data: bool| {
        let findings = check_tool_description("get_value", Some(description), returns_data);
        assert_eq!(findings[0].rule, Rule::ShortDescription, "{description}");
        findings[0].message.clone()
    };
    let got = message("Get value by key from Redis.", true);
    assert!(
        got.contains("e.g. \"Get value by key from Redis. Returns <what comes back"),
        "{got}"
    );
    let got = message("Clear the value of a key", false);
    assert!(
        got.contains("e.g. \"Clear the value of a key, <on which ones>; <what changes"),
        "{got}"
    );
    let got = message("Searches things", true);
    assert!(got.contains(&format!("e.g. \"{GOOD}\"")), "{got}");
}

// ---------------------------------------------------------------- Fifth round

/// A flag's description that says only "status" or "presence" around its own words restates
/// it, in a synonym too ("completed" for `done`); one that says what `true` selects does not.
#[test]
fn a_flag_said_as_its_status_or_presence_restates_its_name() {
    params_restate_names(&[
        ("search_tickets", "is_closed", "Filter by closed status"),
        ("search_tickets", "is_done", "Filter on completed state"),
        ("list_orders", "has_refund", "Filter by presence of refund"),
        ("list_orders", "has_coupon", "Coupon present"),
    ]);
    params_accepted(&[
        (
            "search_tickets",
            "is_closed",
            "Only tickets closed by an agent, not auto-closed ones",
        ),
        (
            "list_orders",
            "has_refund",
            "Orders with at least one refund",
        ),
        // "status" says something about a value that is not a flag.
        (
            "list_orders",
            "filter",
            "Status to filter by: open, paid or void",
        ),
    ]);
}

/// A number that is the parameter name's own ("ID 2" for `tag_id2`) is no fact; any other
/// number is.
#[test]
fn a_number_taken_from_the_name_is_no_fact() {
    params_restate_names(&[
        ("tag_report", "tag_id2", "Optional tag ID 2"),
        ("compare_files", "file1", "File 1"),
    ]);
    params_accepted(&[
        (
            "tag_report",
            "tag_id2",
            "Tag ID of the second dimension, up to 2 levels deep",
        ),
        ("compare_files", "file1", "File 1, compared against file 2"),
    ]);
}

/// A bare match verb at the end says how a search field is matched ("Title contains"); a
/// relation with its own object stays filler.
#[test]
fn a_bare_match_verb_says_how_a_field_is_matched() {
    params_accepted(&[
        ("search_projects", "title", "Title contains"),
        ("search_users", "email", "Email matches"),
    ]);
    params_restate_names(&[(
        "upload_images",
        "folder",
        "The folder containing the images",
    )]);
}

/// A tool named in kebab case, verb first, is where the value comes from; a hyphenated
/// compound that writes a name's word ("Sub-task" for `subtask`) is that word.
#[test]
fn kebab_tool_names_are_sources_and_hyphenated_name_words_are_names() {
    params_accepted(&[(
        "create_order",
        "customer_id",
        "The customer the order is for, from the list-customers tool",
    )]);
    params_restate_names(&[
        // The parameter's own name in kebab case is no other tool.
        ("open_database", "readonly", "Whether to open it read-only"),
        ("create_subtask", "title", "Sub-task title"),
        ("add_checklist_item", "text", "Check-list item text"),
    ]);
    // The message names the words for what they are: the tool's name, not filler.
    let message =
        &check_param_description_in("create_subtask", "title", Some("Sub-task title"))[0].message;
    assert!(
        message.contains("only restates its name and the tool name `create_subtask`;"),
        "{message}"
    );
}

/// Paging, sorting and links said in other words restate their names; a flag is a boolean.
#[test]
fn paging_sort_link_and_flag_words_restate_their_names() {
    params_restate_names(&[
        ("list_invoices", "page", "Page number for pagination"),
        ("list_builds", "sort", "Sort order for builds"),
        ("add_bookmark", "link", "URL to add"),
        (
            "render_report",
            "compact_layout",
            "Optional flag to use compact layout",
        ),
    ]);
    params_accepted(&[
        ("list_builds", "sort", "Sort order: newest or oldest first"),
        (
            "add_bookmark",
            "link",
            "Absolute http(s) URL of the page to keep",
        ),
    ]);
}

/// A listed service counts as filler however it is capitalized ("arXiv") and when written in
/// two words ("Argo CD" for `argocd`).
#[test]
fn listed_services_are_filler_in_any_case_and_in_two_words() {
    params_restate_names(&[
        ("read_paper", "paper_id", "The arXiv ID of the paper"),
        ("sync_app", "project", "Argo CD project"),
        ("get_dashboard", "dashboard_id", "Datadog dashboard ID"),
    ]);
}

/// A tool's name that opens its description is its subject: the verb after it still says what
/// comes back.
#[test]
fn a_tool_name_opening_the_description_leaves_its_verb_in_verb_position() {
    assert_eq!(
        tool_rules(
            "create_cluster",
            Some(
                "create_cluster creates a new cluster in the chosen region with the given node count."
            ),
            true
        ),
        vec![]
    );
}

/// Verbs that make a thing on a service say what comes back: the thing made.
#[test]
fn verbs_that_make_a_thing_say_what_comes_back() {
    for d in [
        "Schedule a maintenance window for a host",
        "Post a message to a team channel",
        "Publish a draft post to the blog",
    ] {
        assert!(
            !tool_rules("make_it", Some(d), true).contains(&Rule::MissingReturns),
            "{d}"
        );
    }
    assert!(
        tool_rules(
            "remove_it",
            Some("Cancel a maintenance window for a host"),
            true
        )
        .contains(&Rule::MissingReturns)
    );
}

/// "Find" is a read verb like "get", and "-ship" nouns meet their stem ("relationship" for
/// `relation`): neither says more than the name.
#[test]
fn find_and_ship_nouns_restate_a_name() {
    assert!(
        tool_rules(
            "get_orders_by_coupon",
            Some("Find orders by a given coupon."),
            true
        )
        .contains(&Rule::RestatesName)
    );
    assert!(
        tool_rules(
            "add_member_relation",
            Some("Add a relationship between members."),
            false
        )
        .contains(&Rule::RestatesName)
    );
}

/// Text is shown an example that fits where it goes: Markdown for a body or a comment, a commit
/// message for a commit, a file's content for a file, the exact text otherwise, never Markdown
/// for text typed into a page.
#[test]
fn text_is_shown_an_example_that_fits_where_it_goes() {
    for (tool, param, text, example) in [
        (
            "create_issue",
            "body",
            "Issue body",
            "Markdown shown under the title",
        ),
        (
            "git_commit",
            "message",
            "Commit message",
            "a summary under 72 characters",
        ),
        (
            "send_message",
            "message",
            "The message",
            "as the recipient reads it",
        ),
        (
            "write_file",
            "content",
            "Content of the file",
            "content of the file as UTF-8",
        ),
        (
            "create_memory",
            "content",
            "The content",
            "Content to store",
        ),
        (
            "browser_type",
            "text",
            "Text to type into the element",
            "The exact text to enter",
        ),
    ] {
        let findings = check_param_description_in(tool, param, Some(text));
        let message = &findings
            .first()
            .unwrap_or_else(|| panic!("{tool}.{param}: no finding"))
            .message;
        assert!(message.contains(example), "{tool}.{param}: {message}");
    }
}

/// A short description is grown in its own words: one that opens with a verb that looks things
/// up is asked what comes back (not what changes), and one that already opens with "Returns"
/// is asked which and with what, not told to add a second "Returns".
#[test]
fn a_short_description_is_grown_in_the_form_its_verb_asks_for() {
    let grown = |text: &str| {
        let findings = check_tool_description("some_tool", Some(text), false);
        findings
            .iter()
            .find(|f| f.rule.name() == "short_description")
            .unwrap_or_else(|| panic!("{text}: {findings:?}"))
            .message
            .clone()
    };
    let m = grown("Search for users on GitHub");
    assert!(m.contains("what the tool does and what it returns"), "{m}");
    assert!(m.contains("\"Search for users on GitHub. Returns <"), "{m}");
    assert!(!m.contains("what changes"), "{m}");
    let m = grown("Returns all console messages");
    assert!(
        m.contains("\"Returns all console messages <of which ones, from where>, each with"),
        "{m}"
    );
    let example = m.split("e.g.").nth(1).unwrap_or_default();
    assert_eq!(example.matches("Returns").count(), 1, "{m}");
    // A tool that changes things is still asked what changes.
    let m = grown("Append block children");
    assert!(m.contains("what changes"), "{m}");
}
