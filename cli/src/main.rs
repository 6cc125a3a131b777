//! `toolwright`: the command line of toolwright.
//!
//! `toolwright lint` judges the tool names, descriptions and parameter docs of any MCP server (over
//! stdio or streamable HTTP) or of a JSON file of tool definitions, with the same rules `#[tool]`
//! applies at compile time. Further subcommands (`gateway`, `report`) slot in beside it.

mod lint;
mod source;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "toolwright",
    version,
    about = "Tools for LLM tool definitions: lint any MCP server's tools"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Lint the tools of an MCP server or a JSON file: exit status 1 when anything is found.
    Lint(lint::LintArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Lint(args) => lint::run(args),
    };
    match outcome {
        Ok(code) => code,
        Err(err) => {
            eprintln!("toolwright: {err:#}");
            ExitCode::from(2)
        }
    }
}
