//! A parameter's description: present, no placeholder, and more than its name restated.

use std::collections::BTreeSet;

use crate::Finding;
use crate::placeholder::placeholder;
use crate::rules::Rule;
use crate::text::{content_words, ident_words, norm, quote};
use crate::words::PARAM_FILLER;

/// Checks one model-visible parameter's description.
pub fn check_param_description(param_name: &str, description: Option<&str>) -> Vec<Finding> {
    let mut findings = Vec::new();
    let text = description.map(str::trim).unwrap_or("");
    if text.is_empty() {
        findings.push(Finding::new(
            Rule::MissingParamDescription,
            format!(
                "parameter `{param_name}` has no description; the model fills arguments from their descriptions: add a `///` doc comment saying what the value means, its format or units, or an example, e.g. \"ISO 8601 date of the first day to include, e.g. 2024-05-01\""
            ),
        ));
        return findings;
    }
    if let Some(found) = placeholder(text) {
        findings.push(Finding::new(
            Rule::Placeholder,
            format!(
                "parameter `{param_name}` description contains the placeholder {found}; the model reads it as the real description: say what the value means, its format or an example"
            ),
        ));
    }
    let name_words: BTreeSet<String> = ident_words(param_name).iter().map(|w| norm(w)).collect();
    let content = content_words(text, &[&PARAM_FILLER]);
    let has_digit = text.chars().any(|c| c.is_ascii_digit());
    if !has_digit && content.iter().all(|w| name_words.contains(w)) {
        findings.push(Finding::new(
            Rule::ParamRestatesName,
            format!(
                "parameter `{param_name}` description {} only restates its name; the model needs the meaning, format, units or an example to fill it: e.g. \"How many results to return, from 1 to 20. Defaults to 5.\" or \"Customer ID as shown in the admin URL, e.g. cus_8f3k2\"",
                quote(text)
            ),
        ));
    }
    findings
}

/// Checks one parameter's description in the context of its tool: words of the tool's name
/// count as restated too (`pull_number` of `get_pull_request`: "The pull request number").
pub fn check_param_description_in(
    tool_name: &str,
    param_name: &str,
    description: Option<&str>,
) -> Vec<Finding> {
    let _ = tool_name;
    check_param_description(param_name, description)
}
