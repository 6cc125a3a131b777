#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| toolwright_fuzz::mcp_lines::mcp_lines(data));
