//! `toolwright`: the command line of toolwright.
//!
//! `toolwright lint` judges the tool names, descriptions and parameter docs of any MCP server (over
//! stdio or streamable HTTP) or of a JSON file of tool definitions, with the same rules `#[tool]`
//! applies at compile time. `toolwright report` reads audit logs and shows how the tools are
//! used: what fails, what is slow, what is never called. `toolwright gateway` puts the executor's
//! policies in front of other MCP servers, and `toolwright init` writes a starting configuration
//! for it from a server's tools.

mod gateway;
mod init;
mod lint;
mod report;
mod source;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "toolwright",
    version,
    about = "Tools for LLM tool definitions: lint any MCP server's tools, put policy in front of them, report on their use"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Lint the tools of an MCP server or a JSON file: exit status 1 when anything is found.
    Lint(lint::LintArgs),
    /// Usage report from audit logs: per tool calls, outcomes, latency, retries, denials and
    /// rate-limit hits; the tools never called; the tools whose calls most often fail validation.
    Report(report::ReportArgs),
    /// An MCP server that proxies other MCP servers through the executor: permissions, rate
    /// limits, validation, confirmation of destructive calls, timeouts and audit per tool; tools
    /// pinned, and withheld when an upstream changes them; SIGHUP reloads the configuration.
    Gateway(gateway::GatewayArgs),
    /// Print a starting gateway configuration for an MCP server: a table for each of its tools
    /// with the policy its annotations imply, to edit and check with `gateway --check`.
    Init(init::InitArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Lint(args) => lint::run(args),
        Command::Report(args) => report::run(args),
        Command::Gateway(args) => gateway::run(args),
        Command::Init(args) => init::run(args),
    };
    match outcome {
        Ok(code) => code,
        Err(err) => {
            eprintln!("toolwright: {err:#}");
            ExitCode::from(2)
        }
    }
}

/// Writes a subcommand's output to stdout. A reader that stops early (`| head`) is not an error.
fn print(text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e),
        _ => Ok(()),
    }
}
