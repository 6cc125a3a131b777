//! The rules table: every rule once, with its `allow` name, whether `allow(...)` may silence it,
//! a summary, and the examples the documentation shows. The [`Rule`] enum, its lookups and the
//! documentation tables (the `#[tool]` rustdoc table and the README table) are generated from it.

/// Declares the rules table. Each row: variant, `allow` name, allowable, what it rejects (short,
/// for the rustdoc table), summary (one line, the precise rule), a failing and a passing example.
macro_rules! rules {
    ($(
        $(#[$doc:meta])*
        $variant:ident {
            name: $name:literal,
            allowable: $allowable:literal,
            rejects: $rejects:literal,
            summary: $summary:literal,
            fails: $fails:literal,
            passes: $passes:literal $(,)?
        }
    )*) => {
        /// One rule of the linter, nameable in `#[tool(allow(<name>))]`.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum Rule {
            $($(#[$doc])* $variant,)*
        }

        impl Rule {
            /// Every rule, in documentation order.
            pub const ALL: &'static [Rule] = &[$(Rule::$variant,)*];

            /// The snake_case name used in `#[tool(allow(<name>))]`, e.g. `"short_description"`.
            pub const fn name(self) -> &'static str {
                match self { $(Rule::$variant => $name,)* }
            }

            /// Parses a rule name as written in `#[tool(allow(<name>))]`.
            pub fn from_name(name: &str) -> Option<Rule> {
                Rule::ALL.iter().copied().find(|r| r.name() == name)
            }

            /// Whether `#[tool(allow(<name>))]` may silence this rule. Hard format rules (a name
            /// providers would reject, a missing description) may not; quality rules may.
            pub const fn allowable(self) -> bool {
                match self { $(Rule::$variant => $allowable,)* }
            }

            /// What the rule rejects, in a few words (the `#[tool]` rustdoc table).
            pub const fn rejects(self) -> &'static str {
                match self { $(Rule::$variant => $rejects,)* }
            }

            /// The rule in one line, precise enough to predict it.
            pub const fn summary(self) -> &'static str {
                match self { $(Rule::$variant => $summary,)* }
            }

            /// An example the rule rejects (the README table).
            pub const fn fails_example(self) -> &'static str {
                match self { $(Rule::$variant => $fails,)* }
            }

            /// An example the rule accepts (the README table).
            pub const fn passes_example(self) -> &'static str {
                match self { $(Rule::$variant => $passes,)* }
            }
        }
    };
}

rules! {
    /// Tool name is not snake_case `[a-z0-9_]`, or has a leading digit or stray underscores.
    NameFormat {
        name: "name_format",
        allowable: false,
        rejects: "a name that is not snake_case `[a-z0-9_]`",
        summary: "tool name is snake_case: only [a-z0-9_], no leading digit, no leading, trailing or double underscore (camelCase gets the snake_case form suggested)",
        fails: "`searchKnowledgeBase`, `Search-KB`",
        passes: "`search_knowledge_base`",
    }
    /// Tool name is longer than [`MAX_NAME_CHARS`](crate::MAX_NAME_CHARS).
    NameLength {
        name: "name_length",
        allowable: false,
        rejects: "a name over 64 characters",
        summary: "tool name is at most 64 characters",
        fails: "a name over 64 characters",
        passes: "64 characters or fewer",
    }
    /// Tool name is a single word (`search`, `fetch`).
    LoneWord {
        name: "lone_word",
        allowable: true,
        rejects: "a one-word name (`search`)",
        summary: "tool name has at least two words, a verb and its object (`search_knowledge_base`, not `search`); a word that names action and object at once (`whoami`, `screenshot`) passes",
        fails: "`search`, `delete`",
        passes: "`search_orders`, `whoami`",
    }
    /// Tool name is made of vague or placeholder words, or told apart only by a trailing number.
    VagueName {
        name: "vague_name",
        allowable: true,
        rejects: "vague words only (`do_stuff`, `handle_data`, `helper`, `tool1`)",
        summary: "tool name is not made only of vague words (`do_stuff`, `handle_data`, `my_tool`, `foo_bar`), has a concrete object (`get_data` fails) and is not told apart by a trailing number alone (`tool1`, `search2`)",
        fails: "`do_stuff`, `handle_data`, `helper`, `tool1`",
        passes: "`get_order_status`",
    }
    /// Tool has no description.
    MissingDescription {
        name: "missing_description",
        allowable: false,
        rejects: "a tool without a doc comment",
        summary: "tool has a `///` doc comment (a description)",
        fails: "no doc comment",
        passes: "`/// Search the …`",
    }
    /// Tool description is shorter than [`MIN_DESCRIPTION_CHARS`](crate::MIN_DESCRIPTION_CHARS).
    ShortDescription {
        name: "short_description",
        allowable: true,
        rejects: "a description under 30 characters",
        summary: "tool description is at least 30 characters (after trimming)",
        fails: "\"Searches things\" (under 30 characters)",
        passes: "\"Search the company knowledge base for articles matching a query. Returns …\"",
    }
    /// Tool description is longer than [`MAX_DESCRIPTION_CHARS`](crate::MAX_DESCRIPTION_CHARS).
    LongDescription {
        name: "long_description",
        allowable: true,
        rejects: "a description over 1024 characters",
        summary: "tool description is at most 1024 characters (after trimming), the limit some providers enforce",
        fails: "over 1024 characters",
        passes: "1024 or fewer",
    }
    /// Description contains a placeholder such as `TODO` or `lorem ipsum`.
    Placeholder {
        name: "placeholder",
        allowable: true,
        rejects: "TODO, TBD, FIXME, XXX, \"lorem ipsum\", \"description here\"",
        summary: "no placeholder text (TODO, TBD, FIXME, XXX, lorem ipsum, \"description here\", \"add description\", \"fill in later\", or no words at all), case-insensitive, whole words; `todo` counts only as a marker (`TODO`, `todo:`, or the whole text) so a todo-list tool is fine",
        fails: "\"TODO: describe\", \"lorem ipsum\"",
        passes: "real text",
    }
    /// Tool description only restates the tool name.
    RestatesName {
        name: "restates_name",
        allowable: true,
        rejects: "a description that only restates the name",
        summary: "tool description says more than the name: after dropping stop words, boilerplate (the, given, specified, tool, \"use this tool to\", \"allows you to\", \"information about\", HTTP status lines under an error listing, ...), vague verbs (manage, handle, perform) and read verbs (get, retrieve, fetch), expanding abbreviations (`pr` = pull request) and spelled-out acronyms (\"knowledge base\" for `kb`), crude stemming and derived forms (\"retrieval\" for `retrieve`), some word is not in the name",
        fails: "\"Delete document.\" for `delete_document`",
        passes: "\"Permanently delete a document by its id. Returns the id …\"",
    }
    /// Tool description is made only of vague words (`does stuff with data`).
    VagueDescription {
        name: "vague_description",
        allowable: true,
        rejects: "a description made of vague words only",
        summary: "tool description has a concrete word besides vague ones (things, stuff, data, items, handles, processes, does, ...)",
        fails: "\"Does stuff with data.\"",
        passes: "concrete action, object and result",
    }
    /// Tool returns data but its description never says what comes back.
    MissingReturns {
        name: "missing_returns",
        allowable: true,
        rejects: "a data-returning tool whose description never says what it returns",
        summary: "a tool whose output is not `()` says what it returns: a return phrase (returns, result, yields, outputs, list of, ...) or a verb whose object is the output (get, list, search, read, create, convert, ...; not \"takes two arguments\", nor a word of another tool's name such as `create_record`)",
        fails: "a data-returning tool that never says what comes back",
        passes: "\"… Returns the top results with title, snippet and URL.\"",
    }
    /// A model-visible parameter has no description.
    MissingParamDescription {
        name: "missing_param_description",
        allowable: false,
        rejects: "an undocumented model-visible parameter",
        summary: "every model-visible parameter has a `///` doc comment (a description)",
        fails: "an undocumented model-visible parameter",
        passes: "`/// Search query. Natural-language questions and keywords both work.`",
    }
    /// A parameter description only restates the parameter name, the tool's name, or a vague
    /// action on them ("The method to execute").
    ParamRestatesName {
        name: "param_restates_name",
        allowable: true,
        rejects: "a parameter doc that only restates its name (\"The query\", \"URL to fetch\", \"The method to execute\")",
        summary: "a parameter description says more than the parameter's and the tool's names (\"The user id\" for `user_id`, \"The pull request number\" for `pull_number` in `get_pull_request`, \"URL to fetch\" for `url` fail): type and kind words (string, value, JSON object, type, format) and the word qualifying a kind word (\"Locator strategy\", \"Mouse action\"), generic nouns (options, data, response, resource, entry), generic modifiers (additional, custom), boilerplate, vague verbs (perform, execute) and verbs of what the value governs (targets, determines, controls), what the tool does with the value (\"to fetch\", \"to return\", \"Filter by\", \"Include\", \"If true, show\"), the service's name (\"Identifier for a Notion block\", \"Kubernetes namespace\"), expansions, synonyms and derived forms of the names' words (\"Width of the browser window\" for `width` of `browser_resize`, \"Connection identifier\" for `id` of `connect`) an acronym spelled out (\"dead letter queue\" for `dlq`) and a name written as one word (\"connectionId\") do not count; and in a flag's (`is_done`, `has_label`) \"status\" and \"presence\" do not count; a number that is not the name's own (\"ID 2\" for `tag_id2` is), another identifier such as the tool the value comes from (`list_tables`, `list-tables`), another argument's value (`type=url`), a file extension (`.pdf`) or a bare match verb (\"Title contains\") does: its meaning, format, units, range, default, an example or where it comes from",
        fails: "\"The query\", \"URL to fetch\", \"The method to execute\"",
        passes: "\"How many results to return, from 1 to 20. Defaults to 5.\"",
    }
}

/// The rules table as Markdown for the README: rule (`allow` name), an example it rejects, one
/// it accepts. Generated, so the README never drifts from the rules.
pub fn readme_table() -> String {
    let mut out = String::from("| Rule (`allow` name) | Fails | Passes |\n| --- | --- | --- |\n");
    for rule in Rule::ALL {
        let hard = if rule.allowable() {
            ""
        } else {
            " (not allowable)"
        };
        out.push_str(&format!(
            "| `{}`{hard} | {} | {} |\n",
            rule.name(),
            rule.fails_example(),
            rule.passes_example()
        ));
    }
    out
}

/// The rules table as the `#[tool]` rustdoc shows it: the allowable rules with what each rejects,
/// then the rules that cannot be allowed. Each line is prefixed with `/// `.
pub fn rustdoc_table() -> String {
    let mut out = String::from("/// | rule | what it rejects |\n/// | --- | --- |\n");
    for rule in Rule::ALL.iter().filter(|r| r.allowable()) {
        out.push_str(&format!("/// | `{}` | {} |\n", rule.name(), rule.rejects()));
    }
    let hard: Vec<String> = Rule::ALL
        .iter()
        .filter(|r| !r.allowable())
        .map(|r| format!("`{}`", r.name()))
        .collect();
    out.push_str(&format!("///\n/// Never allowable: {}.\n", hard.join(", ")));
    out
}
