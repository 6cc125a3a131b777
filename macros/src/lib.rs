//! Procedural macros of [toolwright](https://docs.rs/toolwright). Use them through the
//! `toolwright` crate; the generated code needs its `__private` paths.
//!
//! The crate reads the way thiserror's does: `parse`/`attr` read the input into `model`,
//! `check` and `lint` judge it (collecting every error), `expand` generates code.

mod attr;
mod check;
mod ctxt;
mod expand;
mod lint;
mod model;
mod parse;
mod pattern;
mod symbol;

use proc_macro::TokenStream;
use proc_macro2::TokenStream as TokenStream2;
use quote::quote;
use syn::{ImplItem, ItemFn, ItemImpl};

use crate::ctxt::Ctxt;

/// Turns a function into a tool: its doc comment becomes the description, each parameter's
/// doc comment its property description, and the function stays callable as written.
///
/// Settings: `permissions = ["kb:read", ...]`, `read_only`, `destructive`, `idempotent`,
/// `open_world`, `timeout = "5s"`, `retries = 2`, `rate_limit = "30/min"`, `allow(rule, ...)`.
/// On a parameter, `#[arg(min_len = 1, max_len = 200, range = 1..=20, pattern = "...",
/// default = 5, secret)]`; a `&ToolContext` parameter is injected.
/// `pattern` is JSON Schema's dialect, ECMA-262 with the `u` flag (`\d` is `[0-9]`, `\w` and
/// `\b` are ASCII, `.` stops at line terminators), searched anywhere in the string unless
/// anchored; lookaround and backreferences are refused, so matching stays linear in the input.
///
/// The description linter rejects poor names and descriptions at compile time. Rules that
/// `allow(...)` may silence, one name per rule, for the rare justified case:
///
/// | rule | what it rejects |
/// | --- | --- |
/// | `lone_word` | a one-word name (`search`) |
/// | `vague_name` | vague words only (`do_stuff`, `handle_data`, `helper`, `tool1`) |
/// | `short_description` | a description under 30 characters |
/// | `long_description` | a description over 1024 characters |
/// | `placeholder` | TODO, TBD, FIXME, XXX, "lorem ipsum", "description here" |
/// | `restates_name` | a description that only restates the name |
/// | `vague_description` | a description made of vague words only |
/// | `missing_returns` | a data-returning tool whose description never says what it returns |
/// | `param_restates_name` | a parameter doc that only restates its name ("The query") |
///
/// Never allowable: `name_format` (snake_case `[a-z0-9_]`), `name_length` (at most 64),
/// `missing_description`, `missing_param_description`.
#[proc_macro_attribute]
pub fn tool(args: TokenStream, input: TokenStream) -> TokenStream {
    expand_tool(args.into(), input.into()).into()
}

/// On an `impl` block: its `#[tool]` methods become tools over shared `&self` state.
#[proc_macro_attribute]
pub fn tools(args: TokenStream, input: TokenStream) -> TokenStream {
    expand_tools(args.into(), input.into()).into()
}

fn expand_tool(args: TokenStream2, input: TokenStream2) -> TokenStream2 {
    let mut func: ItemFn = match syn::parse2(input.clone()) {
        Ok(f) => f,
        Err(_) => {
            let err = syn::Error::new_spanned(
                &input,
                "`#[tool]` goes on a function, e.g. `#[tool] async fn search_orders(...)`; \
                 for methods put `#[tools]` on the impl block",
            );
            return with_errors(input, err);
        }
    };
    let mut cx = Ctxt::default();
    let def = parse::tool_def(&mut cx, &func.attrs, &func.sig, args);
    if def.has_receiver {
        cx.error_spanned_by(
            &func.sig.ident,
            "a `#[tool]` method needs `#[toolwright::tools]` on its impl block, which registers \
             the block's tools over the shared `self` state",
        );
    }
    let structural = cx.has_errors();
    check::check(&mut cx, &def);
    match cx.check() {
        Ok(()) => expand::free_fn(&def, func),
        Err(err) if structural => {
            // The signature itself is unusable: emit the function alone, so only the real
            // errors show (as tokio-macros does).
            parse::strip_param_attrs(&mut func.sig);
            with_errors(quote!(#func), err)
        }
        Err(err) => with_errors(expand::free_fn(&def, func), err),
    }
}

fn expand_tools(args: TokenStream2, input: TokenStream2) -> TokenStream2 {
    let mut item: ItemImpl = match syn::parse2(input.clone()) {
        Ok(i) => i,
        Err(_) => {
            let err = syn::Error::new_spanned(
                &input,
                "`#[tools]` goes on an inherent impl block whose methods carry `#[tool]`",
            );
            return with_errors(input, err);
        }
    };
    let mut cx = Ctxt::default();
    if !args.is_empty() {
        cx.error_spanned_by(
            &args,
            "`#[tools]` takes no settings; put them on each `#[tool(...)]`",
        );
    }
    if let Some((_, path, _)) = &item.trait_ {
        cx.error_spanned_by(
            path,
            "`#[tools]` goes on an inherent impl block, not a trait impl",
        );
    }
    if !item.generics.params.is_empty() {
        cx.error_spanned_by(
            &item.generics,
            "`#[tools]` needs a concrete type: the model needs one schema per tool",
        );
    }
    let mut tools = Vec::new();
    for impl_item in &mut item.items {
        let ImplItem::Fn(method) = impl_item else {
            continue;
        };
        let Some(pos) = method.attrs.iter().position(|a| a.path().is_ident("tool")) else {
            continue;
        };
        let attr = method.attrs.remove(pos);
        let args = match &attr.meta {
            syn::Meta::Path(_) => TokenStream2::new(),
            syn::Meta::List(l) => l.tokens.clone(),
            syn::Meta::NameValue(nv) => {
                cx.error_spanned_by(nv, "write `#[tool]` or `#[tool(...)]`");
                continue;
            }
        };
        let mut mcx = Ctxt::default();
        let def = parse::tool_def(&mut mcx, &method.attrs, &method.sig, args);
        if !def.has_receiver {
            mcx.error_spanned_by(
                &method.sig.ident,
                "a tool in a `#[tools]` block takes `&self` (the shared state); \
                 a tool without state is a free `#[tool]` function",
            );
        }
        check::check(&mut mcx, &def);
        if let Err(e) = mcx.check() {
            cx.push(e);
        }
        parse::strip_param_attrs(&mut method.sig);
        tools.push((def, method.clone()));
    }
    let self_ty = &item.self_ty;
    let (_, cfgs, _) = expand::split_attrs(&item.attrs);
    let generated = if cx.has_errors() {
        quote!()
    } else {
        expand::tool_set(self_ty, &cfgs, &tools)
    };
    let out = quote!(#item #generated);
    match cx.check() {
        Ok(()) => out,
        Err(err) => with_errors(out, err),
    }
}

fn with_errors(tokens: TokenStream2, err: syn::Error) -> TokenStream2 {
    let errors = err.to_compile_error();
    quote!(#tokens #errors)
}
