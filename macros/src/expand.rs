//! Code generation only: from a checked [`ToolDef`] to the argument struct, the static
//! declaration and the `Tool` impl. Generated code names only `::toolwright::__private` paths.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Attribute, Expr, ExprLit, FnArg, ImplItemFn, ItemFn, Lit, ReturnType, Type};

use crate::model::{Input, NumLit, ParamDef, ToolDef};

/// The generated items of one tool. Each tool's support sits in a `const _` block of its own,
/// so the names need no suffix.
struct Names {
    decl: Ident,
}

impl Names {
    fn new() -> Self {
        Self {
            decl: format_ident!("__TOOLWRIGHT_DECL"),
        }
    }

    /// The type naming parameter `index`'s declared default.
    fn default_ty(index: usize) -> Ident {
        format_ident!("__ToolwrightDefault{}", index)
    }
}

/// `#[tool]` on a free function: a unit struct of the same name that derefs to the function
/// (so `name(args)` still calls it) and implements `Tool` (so `.tool(name)` registers it).
pub fn free_fn(def: &ToolDef, mut func: ItemFn) -> TokenStream {
    let ident = &def.ident;
    let vis = &func.vis;
    let (docs, cfgs, others) = split_attrs(&func.attrs);
    func.attrs = others;
    crate::parse::strip_param_attrs(&mut func.sig);

    // The body moves, unchanged, into an associated fn of the struct.
    let mut body_fn = func.clone();
    body_fn.sig.ident = format_ident!("__toolwright_body");
    body_fn.attrs.push(syn::parse_quote!(#[doc(hidden)]));

    let types: Vec<&Type> = func
        .sig
        .inputs
        .iter()
        .filter_map(|a| match a {
            FnArg::Typed(pt) => Some(&*pt.ty),
            FnArg::Receiver(_) => None,
        })
        .collect();
    let arg_names: Vec<Ident> = (0..types.len())
        .map(|i| format_ident!("__p{}", i))
        .collect();
    let ret = return_type(&func.sig.output);
    let (boxed_fn, target) = if def.is_async {
        let lt = if def.inputs.iter().any(|i| matches!(i, Input::Context)) {
            quote!('_)
        } else {
            quote!('static)
        };
        let fut = quote!(::toolwright::__private::BoxFuture<#lt, #ret>);
        (
            quote! {
                #[doc(hidden)]
                #vis fn __toolwright_boxed(#(#arg_names: #types),*) -> #fut {
                    ::std::boxed::Box::pin(#ident::__toolwright_body(#(#arg_names),*))
                }
            },
            quote!(fn(#(#types),*) -> #fut),
        )
    } else {
        (quote!(), quote!(fn(#(#types),*) -> #ret))
    };
    let target_fn = if def.is_async {
        quote!(#ident::__toolwright_boxed)
    } else {
        quote!(#ident::__toolwright_body)
    };

    // A parameter named like the tool (`fn command(command: String)`) would bind to the unit
    // struct, which owns that name in the value namespace. Inside a block that declares a
    // function of the same name, the name is an ordinary binding again (a binding may shadow a
    // function, never a unit struct); the function is never called, since the parameter
    // shadows it in the body.
    let shadow = def
        .params
        .iter()
        .any(|p| p.ident == *ident)
        .then(|| quote!(#[allow(dead_code)] fn #ident() {}));

    let invoke = if def.is_async && !def.inputs.iter().any(|i| matches!(i, Input::Context)) {
        // The body is boxed already (for calls through `Deref`): the runtime's shared wrapper
        // awaits it and converts its return, so no async block is generated per tool.
        let args = def.inputs.iter().filter_map(|i| match i {
            Input::Param(i) => Some(arg_local(*i)),
            Input::Context => None,
        });
        let kind = convert_fn(&ret);
        quote!(::toolwright::__private::finish(#ident::__toolwright_boxed(#(#args),*), |__r| #kind(__r)))
    } else {
        invoke(def, &ret, quote!(#ident::__toolwright_body), None)
    };
    let support = tool_support(def, &Names::new(), quote!(#ident), quote!(), invoke, &ret);

    quote! {
        #(#cfgs)*
        #(#docs)*
        #[allow(non_camel_case_types)]
        #[derive(Clone, Copy, Debug, Default)]
        #vis struct #ident;

        #(#cfgs)*
        const _: () = {
            #shadow
            impl #ident {
                #body_fn
                #boxed_fn
            }
        };

        #(#cfgs)*
        impl ::core::ops::Deref for #ident {
            type Target = #target;
            fn deref(&self) -> &Self::Target {
                const F: #target = #target_fn;
                &F
            }
        }

        #(#cfgs)*
        const _: () = {
            #support
        };
    }
}

/// The written return type, `()` when there is none.
fn return_type(output: &ReturnType) -> Type {
    match output {
        ReturnType::Default => syn::parse_quote!(()),
        ReturnType::Type(_, t) => (**t).clone(),
    }
}

/// `#[tools]` on an impl block: each `#[tool]` method becomes a tool holding an `Arc` of the
/// state, and the type implements `ToolSet`.
pub fn tool_set(
    self_ty: &Type,
    cfgs: &[Attribute],
    tools: &[(ToolDef, ImplItemFn)],
) -> TokenStream {
    let mut items = Vec::new();
    let mut structs = Vec::new();
    for (def, method) in tools {
        let (_, method_cfgs, _) = split_attrs(&method.attrs);
        let tool_struct = format_ident!("__ToolwrightTool_{}", def.name);
        let method_ident = &def.ident;
        let ret = return_type(&method.sig.output);
        let invoke = invoke(
            def,
            &ret,
            quote!(<#self_ty>::#method_ident),
            Some(quote!(&__state)),
        );
        let support = tool_support(
            def,
            &Names::new(),
            quote!(#tool_struct),
            quote!(let __state = ::toolwright::__private::Arc::clone(&self.0);),
            invoke,
            &ret,
        );
        items.push(quote! {
            #(#method_cfgs)*
            #[allow(non_camel_case_types)]
            struct #tool_struct(::toolwright::__private::Arc<#self_ty>);
            #(#method_cfgs)*
            const _: () = {
                #support
            };
        });
        structs.push(quote! {
            #(#method_cfgs)*
            __tools.push(::std::boxed::Box::new(#tool_struct(::toolwright::__private::Arc::clone(&this))));
        });
    }
    quote! {
        #(#cfgs)*
        const _: () = {
            #(#items)*

            #[automatically_derived]
            impl ::toolwright::__private::ToolSet for #self_ty {
                fn into_tools(
                    this: ::toolwright::__private::Arc<Self>,
                ) -> ::std::vec::Vec<::std::boxed::Box<dyn ::toolwright::__private::Tool>> {
                    let mut __tools: ::std::vec::Vec<::std::boxed::Box<dyn ::toolwright::__private::Tool>> =
                        ::std::vec::Vec::new();
                    #(#structs)*
                    __tools
                }
            }
        };
    }
}

/// The local each parsed parameter is bound to. Not the parameter's own name: a parameter named
/// like its tool would bind to the tool's unit struct.
fn arg_local(index: usize) -> Ident {
    format_ident!("__a{}", index)
}

/// The future that runs the body and turns its return into `Result<Value, ToolError>`.
/// Whether the return is a `Result` is decided by its type, not its spelling (an alias such as
/// `type TrackerResult<T> = Result<T, ToolError>` is a `Result`), and a return type that cannot
/// be an output is reported on the written type.
fn invoke(
    def: &ToolDef,
    ret: &Type,
    path: TokenStream,
    receiver: Option<TokenStream>,
) -> TokenStream {
    let mut args: Vec<TokenStream> = receiver.into_iter().collect();
    for input in &def.inputs {
        args.push(match input {
            Input::Param(i) => {
                let local = arg_local(*i);
                quote!(#local)
            }
            Input::Context => quote!(&__ctx),
        });
    }
    let call = if def.is_async {
        quote!(#path(#(#args),*).await)
    } else {
        quote!(::toolwright::__private::run_blocking(move || #path(#(#args),*)).await?)
    };
    let kind = convert_fn(ret);
    quote!(::std::boxed::Box::pin(async move { #kind(#call) }))
}

/// The method that turns the body's return into `Result<Value, ToolError>`, chosen by the
/// return's type and reported on the written type.
fn convert_fn(ret: &Type) -> TokenStream {
    quote_spanned!(ret.span()=>
        (&::toolwright::__private::Returned::<#ret>::new()).kind().convert
    )
}

/// The argument struct, the static declaration and the `Tool` impl for `tool_ty`.
///
/// The argument struct is generic over the parameter types, and every use of it sits in a
/// generic function whose bounds (`ToolParameter`, `HasLength`, …) are named once, on the
/// user's type tokens, in `tool_parameters::<…>()`: a type that cannot be a parameter is then
/// reported once, in the bound's words, on the parameter's type, and never from inside the
/// derives.
fn tool_support(
    def: &ToolDef,
    names: &Names,
    tool_ty: TokenStream,
    prelude: TokenStream,
    invoke: TokenStream,
    ret: &Type,
) -> TokenStream {
    if def.params.len() > crate::check::MAX_PARAMS {
        // Reported by `check`; the runtime has no parameter list that long.
        return quote!();
    }
    let Names { decl } = names;
    let tw = quote!(::toolwright::__private);

    let constrained = |p: &ParamDef| {
        p.arg.min_len.is_some()
            || p.arg.max_len.is_some()
            || p.arg.range.is_some()
            || p.arg.pattern.is_some()
    };
    // Every parameter type is a generic of `tool_parameters`, where its bounds are named.
    let generic: Vec<Option<Ident>> = (0..def.params.len())
        .map(|i| Some(format_ident!("__P{}", i)))
        .collect();
    // `Option<T>` and `Vec<T>` keep their shape in the struct and `T` becomes the generic: a `T`
    // that cannot be a parameter is then reported as itself ("`Filters` must derive …"), not as
    // a container whose bound failed somewhere inside.
    let peeled: Vec<Option<&Type>> = def
        .params
        .iter()
        .enumerate()
        .map(|(i, p)| generic[i].as_ref().and_then(|_| std_container_item(&p.ty)))
        .collect();
    let field_ty = |i: usize| -> TokenStream {
        match (&generic[i], peeled[i]) {
            (Some(g), Some(_)) => {
                let container = container_of(&def.params[i].ty, g);
                quote!(#container)
            }
            (Some(g), None) => quote!(#g),
            (None, _) => {
                let ty = &def.params[i].ty;
                quote!(#ty)
            }
        }
    };

    // Per parameter with a declared default: a type naming its default value.
    let defaults = def.params.iter().enumerate().filter_map(|(i, p)| {
        let expr = p.arg.default.as_ref()?;
        let ty = &p.ty;
        let d = Names::default_ty(i);
        let value = default_expr(p, expr);
        Some(quote! {
            #[allow(non_camel_case_types)]
            struct #d;
            impl #tw::ParamDefault<#ty> for #d {
                #[allow(clippy::unnecessary_wraps)]
                fn value() -> #ty { #value }
            }
        })
    });
    let param_decls = def.params.iter().enumerate().map(|(index, p)| {
        let name = &p.name;
        let description = p.doc.as_ref().map_or(String::new(), |d| d.text.clone());
        let required = !p.is_option && p.arg.default.is_none();
        let a = &p.arg;
        let opt_u64 = |v: Option<(u64, proc_macro2::Span)>| match v {
            Some((n, _)) => quote!(::core::option::Option::Some(#n)),
            None => quote!(::core::option::Option::None),
        };
        let min_len = opt_u64(a.min_len);
        let max_len = opt_u64(a.max_len);
        let num = |n: NumLit| match n {
            NumLit::Int(i) => quote!(#tw::Number::Int(#i)),
            NumLit::Float(f) => quote!(#tw::Number::Float(#f)),
        };
        let (min, max) = match &a.range {
            Some(r) => (
                r.min.map_or(quote!(::core::option::Option::None), |n| {
                    let n = num(n);
                    quote!(::core::option::Option::Some(#tw::Bound::Inclusive(#n)))
                }),
                r.max.map_or(quote!(::core::option::Option::None), |n| {
                    let n = num(n);
                    if r.max_exclusive {
                        quote!(::core::option::Option::Some(#tw::Bound::Exclusive(#n)))
                    } else {
                        quote!(::core::option::Option::Some(#tw::Bound::Inclusive(#n)))
                    }
                }),
            ),
            None => (
                quote!(::core::option::Option::None),
                quote!(::core::option::Option::None),
            ),
        };
        let pattern = match &a.pattern {
            Some(p) => quote!(::core::option::Option::Some(#p)),
            None => quote!(::core::option::Option::None),
        };
        let secret = a.secret;
        let default = match &a.default {
            Some(_) => {
                let d = Names::default_ty(index);
                let ty = &p.ty;
                quote!(::core::option::Option::Some(
                    #tw::default_json_of::<#ty, #d> as fn() -> #tw::serde_json::Value
                ))
            }
            None => quote!(::core::option::Option::None),
        };
        quote! {
            #tw::ParamDecl {
                name: #name,
                description: #description,
                required: #required,
                constraints: #tw::Constraints {
                    min_len: #min_len,
                    max_len: #max_len,
                    min: #min,
                    max: #max,
                    pattern: #pattern,
                    secret: #secret,
                    default: #default,
                },
            }
        }
    });

    let name = &def.name;
    let description = def.doc.as_ref().map_or(String::new(), |d| d.text.clone());
    let pol = &def.policy;
    let permissions = &pol.permissions;
    let read_only = pol.read_only.is_some();
    let destructive = pol.destructive.is_some();
    let idempotent = pol.idempotent.is_some();
    let open_world = pol.open_world.is_some();
    let timeout = match pol.timeout_ms {
        Some(ms) => quote!(::core::option::Option::Some(#tw::Duration::from_millis(#ms))),
        None => quote!(::core::option::Option::None),
    };
    let retries = pol.retries.map_or(0, |(n, _)| n);
    let rate_limit = match pol.rate_limit {
        Some((count, secs)) => {
            // The grammar refuses a count of 0, so `MIN + (count - 1)` is exactly `count`,
            // written without a panic path.
            let above_one = count.saturating_sub(1);
            quote!(::core::option::Option::Some(#tw::Rate {
                count: ::core::num::NonZeroU32::MIN.saturating_add(#above_one),
                per: #tw::Duration::from_secs(#secs),
            }))
        }
        None => quote!(::core::option::Option::None),
    };
    let examples = if pol.examples.is_empty() {
        quote!()
    } else {
        let examples = &pol.examples;
        quote! {
            fn examples(&self) -> &'static [&'static str] {
                &[#(#examples),*]
            }
        }
    };

    let title = pol.title.as_ref().map(|title| {
        quote! {
            fn title(&self) -> ::core::option::Option<&'static str> {
                ::core::option::Option::Some(#title)
            }
        }
    });
    let icons = (!pol.icons.is_empty()).then(|| {
        let (srcs, mimes): (Vec<_>, Vec<_>) = pol.icons.iter().cloned().unzip();
        quote! {
            fn icons(&self) -> &'static [#tw::Icon] {
                &[#(#tw::Icon { src: #srcs, mime_type: #mimes }),*]
            }
        }
    });

    // The output schema, chosen by the return's type: `T` of a `Result<T, E>`, else the type
    // itself; none when that type has no `JsonSchema` or is `()`.
    let output_schema_body = if def.output.ty.is_some() {
        quote! {
            (&(&#tw::Returned::<#ret>::new()).kind().schema()).output_schema()
        }
    } else {
        quote!(::core::option::Option::None)
    };

    // Per generic parameter: its bounds, each spanned on the user's type so that a failed bound
    // is reported there.
    let mut bounds = Vec::new();
    let mut wheres = Vec::new();
    for (i, p) in def.params.iter().enumerate() {
        let a = &p.arg;
        let span = p.ty.span();
        let mut fit = Vec::new();
        if a.min_len.is_some() || a.max_len.is_some() {
            fit.push(quote_spanned!(span=> #tw::HasLength));
        }
        if a.pattern.is_some() {
            fit.push(quote_spanned!(span=> #tw::HasPattern));
        }
        if a.range.is_some() {
            fit.push(quote_spanned!(span=> #tw::HasRange));
        }
        let Some(g) = &generic[i] else { continue };
        let param_span = peeled[i].map_or(span, Spanned::span);
        bounds.push(quote_spanned!(param_span=> #g: #tw::ToolParameter));
        let fty = field_ty(i);
        if !fit.is_empty() {
            wheres.push(quote_spanned!(span=> #fty: #(#fit)+*));
        }
        if a.default.is_some() {
            let d = Names::default_ty(i);
            wheres.push(quote!(#d: #tw::ParamDefault<#fty>));
        }
    }
    let concrete: Vec<TokenStream> = def
        .params
        .iter()
        .enumerate()
        .filter(|(i, _)| generic[*i].is_some())
        .map(|(i, p)| match peeled[i] {
            Some(item) => quote!(#item),
            None => {
                let ty = &p.ty;
                quote!(#ty)
            }
        })
        .collect();
    let all_field_tys: Vec<TokenStream> = (0..def.params.len()).map(field_ty).collect();
    let all_concrete: Vec<&Type> = def.params.iter().map(|p| &p.ty).collect();
    // The parameter list: one `Arg` slot per parameter, saying how a missing value is filled
    // and whether the value is checked.
    let slots: Vec<TokenStream> = def
        .params
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let fty = &all_field_tys[i];
            let fill = if p.arg.default.is_some() {
                let d = Names::default_ty(i);
                quote!(#tw::Defaulted<#d>)
            } else {
                quote!(#tw::Required)
            };
            let check = if constrained(p) {
                quote!(#tw::Checked)
            } else {
                quote!(#tw::Unchecked)
            };
            quote!(#tw::Arg<#fty, #fill, #check>)
        })
        .collect();

    // `range` bounds must fit the type the parameter really has (through any alias): checked
    // while the constant below is evaluated, so a misfit fails to compile on the written range.
    // A type spelled as a primitive integer was checked by `check` already, with its values.
    let range_checks = def.params.iter().enumerate().filter_map(|(i, p)| {
        let r = p.arg.range.as_ref()?;
        if crate::model::spelled_int_bounds(&p.ty).is_some() {
            return None;
        }
        let ty = &p.ty;
        let checked = field_ty(i);
        let ty_text = quote!(#ty).to_string().replace(' ', "");
        let name = &p.name;
        let checks = [r.min, r.max].into_iter().flatten().map(|n| match n {
            NumLit::Int(b) => {
                let message = format!("`range` bound {b} does not fit `{name}: {ty_text}`");
                quote_spanned!(r.tokens.span()=>
                    if !#tw::range_bound_fits::<#checked>(#b) {
                        ::core::panic!(#message);
                    }
                )
            }
            NumLit::Float(f) if f.fract() != 0.0 => {
                let message = format!(
                    "`{name}: {ty_text}` holds whole numbers: write the range with integers, \
                     e.g. range = 1..=20"
                );
                quote_spanned!(r.tokens.span()=>
                    if #tw::holds_whole_numbers::<#checked>() {
                        ::core::panic!(#message);
                    }
                )
            }
            NumLit::Float(_) => quote!(),
        });
        Some(quote!(#(#checks)*))
    });

    let locals: Vec<Ident> = (0..def.params.len()).map(arg_local).collect();
    let parsed = quote!((#(#all_field_tys,)*));
    let parsed_concrete = quote!((#(#all_concrete,)*));

    let version = env!("CARGO_PKG_VERSION");
    quote! {
        // Generated code and the runtime it calls must come from one release.
        const _: () = #tw::assert_version(#version);

        #[allow(unused_imports)]
        use #tw::{ReturnsResult as _, ReturnsValue as _, ViaJsonSchema as _, ViaNothing as _};

        #(#defaults)*

        /// The one place the parameter types meet their bounds.
        #[allow(clippy::type_complexity)]
        const fn tool_parameters<#(#bounds),*>() -> #tw::ParamFns<#parsed> where #(#wheres,)* {
            #(#range_checks)*
            #tw::ParamFns::of::<(#(#slots,)*)>()
        }

        #[allow(clippy::type_complexity)]
        const TOOL_PARAMETERS: #tw::ParamFns<#parsed_concrete> = tool_parameters::<#(#concrete),*>();

        fn input_schema() -> #tw::serde_json::Value {
            (TOOL_PARAMETERS.schema)(#decl.params)
        }

        #[allow(non_upper_case_globals)]
        static #decl: #tw::ToolDecl = #tw::ToolDecl {
            name: #name,
            description: #description,
            params: &[#(#param_decls),*],
            policy: #tw::PolicyDecl {
                permissions: &[#(#permissions),*],
                read_only: #read_only,
                destructive: #destructive,
                idempotent: #idempotent,
                open_world: #open_world,
                timeout: #timeout,
                retries: #retries,
                rate_limit: #rate_limit,
            },
            input_schema,
            output_schema,
        };

        fn output_schema() -> ::core::option::Option<#tw::serde_json::Value> {
            #output_schema_body
        }

        #[automatically_derived]
        impl #tw::Tool for #tool_ty {
            fn decl(&self) -> &'static #tw::ToolDecl {
                &#decl
            }

            #examples
            #title
            #icons

            fn prepare(
                &self,
                __args: &#tw::CallArguments,
                __rules: &#tw::ArgRules,
                __ctx: #tw::ToolContext,
            ) -> ::core::result::Result<#tw::ToolFuture, #tw::ToolError> {
                let (#(#locals,)*) = (TOOL_PARAMETERS.parse)(__args, __rules, #decl.params)?;
                #prelude
                ::core::result::Result::Ok(#invoke)
            }
        }
    }
}

/// `T` of a parameter type spelled `Option<T>` or `Vec<T>` (std's, by their serde and schemars
/// impls, which ask of `T` exactly what a parameter is asked).
fn std_container_item(ty: &Type) -> Option<&Type> {
    let Type::Path(p) = ty else { return None };
    if p.qself.is_some() {
        return None;
    }
    let last = p.path.segments.last()?;
    if last.ident != "Option" && last.ident != "Vec" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.iter().collect::<Vec<_>>().as_slice() {
        [syn::GenericArgument::Type(item)] => Some(item),
        _ => None,
    }
}

/// `ty` (an `Option<T>` or `Vec<T>`) with `T` replaced by `generic`.
fn container_of(ty: &Type, generic: &Ident) -> Type {
    let mut ty = ty.clone();
    if let Type::Path(p) = &mut ty
        && let Some(last) = p.path.segments.last_mut()
        && let syn::PathArguments::AngleBracketed(args) = &mut last.arguments
        && let Some(syn::GenericArgument::Type(item)) = args.args.first_mut()
    {
        *item = syn::parse_quote!(#generic);
    }
    ty
}

/// The default value expression: string literals converted, non-`None` values wrapped in
/// `Some` for `Option` parameters.
fn default_expr(p: &ParamDef, expr: &Expr) -> TokenStream {
    let is_str_lit = matches!(
        expr,
        Expr::Lit(ExprLit {
            lit: Lit::Str(_),
            ..
        })
    );
    let converted = if is_str_lit {
        quote!(::core::convert::Into::into(#expr))
    } else {
        quote!(#expr)
    };
    let is_none = matches!(expr, Expr::Path(p) if p.path.is_ident("None"));
    if p.is_option && !is_none {
        quote!(::core::option::Option::Some(#converted))
    } else {
        converted
    }
}

/// Splits an item's attributes into (doc comments, cfg attributes, everything else).
pub fn split_attrs(attrs: &[Attribute]) -> (Vec<Attribute>, Vec<Attribute>, Vec<Attribute>) {
    let mut docs = Vec::new();
    let mut cfgs = Vec::new();
    let mut others = Vec::new();
    for a in attrs {
        if a.path().is_ident("doc") {
            docs.push(a.clone());
        } else if a.path().is_ident("cfg") {
            cfgs.push(a.clone());
        } else {
            others.push(a.clone());
        }
    }
    (docs, cfgs, others)
}
