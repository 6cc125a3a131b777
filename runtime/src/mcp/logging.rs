//! Keeping call payloads out of logs: rmcp logs every request it receives (with the tool's
//! arguments) and every result at DEBUG, and notifications at INFO, under targets `rmcp::…`.
//! Filter them out of any subscriber that may run below WARN.

/// A `tracing-subscriber` directive that keeps rmcp's warnings and errors and drops its
/// request, result and notification logs, which carry call arguments and results.
///
/// ```text
/// let filter = tracing_subscriber::EnvFilter::new("debug")
///     .add_directive(toolwright::mcp::RMCP_LOG_DIRECTIVE.parse()?);
/// ```
pub const RMCP_LOG_DIRECTIVE: &str = "rmcp=warn";

/// Whether an event or span should be kept: `false` for rmcp's below-WARN ones, which may
/// carry call arguments and results; `true` for everything else. For a per-layer filter:
/// `tracing_subscriber::filter::filter_fn(toolwright::mcp::is_rmcp_payload_free)`.
pub fn is_rmcp_payload_free(metadata: &tracing::Metadata<'_>) -> bool {
    let from_rmcp = metadata.target() == "rmcp" || metadata.target().starts_with("rmcp::");
    !from_rmcp || *metadata.level() <= tracing::Level::WARN
}

#[cfg(test)]
mod tests {
    use std::fmt::Write as _;
    use std::sync::{Arc, Mutex};

    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    use tracing::field::{Field, Visit};
    use tracing::span::{Attributes, Id, Record};
    use tracing::{Event, Metadata, Subscriber};

    use super::is_rmcp_payload_free;
    use crate::mcp::{McpServer, SharedExecutor, serve_io};
    use crate::{Executor, Registry};

    /// Records every event it is sent, as text; applies `filter` like a per-layer filter.
    struct Capture {
        filter: fn(&Metadata<'_>) -> bool,
        lines: Arc<Mutex<Vec<String>>>,
    }

    struct Text(String);

    impl Visit for Text {
        fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
            let _ = write!(self.0, " {}={value:?}", field.name());
        }
    }

    impl Subscriber for Capture {
        fn enabled(&self, metadata: &Metadata<'_>) -> bool {
            (self.filter)(metadata)
        }
        fn new_span(&self, _: &Attributes<'_>) -> Id {
            Id::from_u64(1)
        }
        fn record(&self, _: &Id, _: &Record<'_>) {}
        fn record_follows_from(&self, _: &Id, _: &Id) {}
        fn event(&self, event: &Event<'_>) {
            let mut line = Text(event.metadata().target().to_owned());
            event.record(&mut line);
            self.lines.lock().unwrap().push(line.0);
        }
        fn enter(&self, _: &Id) {}
        fn exit(&self, _: &Id) {}
    }

    /// Everything logged while a client calls a tool with a secret argument.
    async fn logged_during_a_call(filter: fn(&Metadata<'_>) -> bool) -> Vec<String> {
        let lines = Arc::new(Mutex::new(Vec::new()));
        let _guard = tracing::subscriber::set_default(Capture {
            filter,
            lines: lines.clone(),
        });
        let registry = Registry::builder().build().unwrap();
        let server = McpServer::new(SharedExecutor::new(Executor::new(registry)), None);
        let (server_io, client_io) = tokio::io::duplex(1 << 16);
        let (read, write) = tokio::io::split(server_io);
        tokio::spawn(serve_io(server, read, write));
        let (read, mut write) = tokio::io::split(client_io);
        let mut read = BufReader::new(read).lines();
        for line in [
            r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}"#,
            r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
            r#"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"login","arguments":{"password":"hunter2"}}}"#,
        ] {
            write.write_all(line.as_bytes()).await.unwrap();
            write.write_all(b"\n").await.unwrap();
        }
        while let Some(line) = read.next_line().await.unwrap() {
            if line.contains(r#""id":2"#) {
                break;
            }
        }
        lines.lock().unwrap().clone()
    }

    #[tokio::test]
    async fn rmcp_logs_call_arguments_unless_filtered() {
        let unfiltered = logged_during_a_call(|_| true).await;
        assert!(
            unfiltered.iter().any(|l| l.contains("hunter2")),
            "rmcp logs arguments at DEBUG (the reason for the filter): {unfiltered:#?}"
        );
        let filtered = logged_during_a_call(is_rmcp_payload_free).await;
        assert!(
            filtered.iter().all(|l| !l.contains("hunter2")),
            "{filtered:#?}"
        );
    }

    #[test]
    fn the_filter_keeps_other_targets_and_rmcp_warnings() {
        use tracing::Level;
        use tracing::callsite::Identifier;
        use tracing::metadata::Kind;
        struct Site;
        impl tracing::Callsite for Site {
            fn set_interest(&self, _: tracing::subscriber::Interest) {}
            fn metadata(&self) -> &Metadata<'_> {
                unreachable!()
            }
        }
        static SITE: Site = Site;
        let meta = |target: &'static str, level| {
            Metadata::new(
                "e",
                target,
                level,
                None,
                None,
                None,
                tracing::field::FieldSet::new(&[], Identifier(&SITE)),
                Kind::EVENT,
            )
        };
        assert!(!is_rmcp_payload_free(&meta("rmcp::service", Level::DEBUG)));
        assert!(!is_rmcp_payload_free(&meta("rmcp", Level::INFO)));
        assert!(is_rmcp_payload_free(&meta("rmcp::service", Level::WARN)));
        assert!(is_rmcp_payload_free(&meta("rmcpx", Level::DEBUG)));
        assert!(is_rmcp_payload_free(&meta("toolwright", Level::TRACE)));
    }
}
