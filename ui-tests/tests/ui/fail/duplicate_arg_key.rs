use toolwright::tools;

struct Kb;

#[tools]
impl Kb {
    /// Search the company knowledge base for articles matching a query.
    /// Returns the top results with title, snippet and URL.
    #[tool(read_only)]
    async fn search_knowledge_base(
        &self,
        /// Search query. Natural-language questions and keywords both work.
        #[arg(min_len = 1, min_len = 3)]
        #[arg(max_len = 200)]
        #[arg(max_len = 100)]
        query: String,
    ) -> Vec<String> {
        vec![query]
    }
}

fn main() {}
