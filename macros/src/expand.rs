//! Code generation only: from a checked [`ToolDef`] to the argument struct, the static
//! declaration and the `Tool` impl. Generated code names only `::toolwright::__private` paths.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};
use syn::{Attribute, Expr, ExprLit, FnArg, ImplItemFn, ItemFn, Lit, ReturnType, Type};

use crate::model::{Input, NumLit, ParamDef, ToolDef};

/// The names one tool's generated items use. A `#[tools]` block holds several tools in one
/// scope, so each gets a suffix.
struct Names {
    args: Ident,
    decl: Ident,
    input_schema: Ident,
    output_schema: Ident,
}

impl Names {
    fn new(suffix: &str) -> Self {
        Self {
            args: format_ident!("__ToolwrightArgs{}", suffix),
            decl: format_ident!("__TOOLWRIGHT_DECL{}", suffix),
            input_schema: format_ident!("__toolwright_input_schema{}", suffix),
            output_schema: format_ident!("__toolwright_output_schema{}", suffix),
        }
    }

    fn default_fn(&self, p: &ParamDef) -> Ident {
        format_ident!("{}_default_{}", self.input_schema, p.name)
    }

    fn default_json_fn(&self, p: &ParamDef) -> Ident {
        format_ident!("{}_default_json_{}", self.input_schema, p.name)
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
    let ret: Type = match &func.sig.output {
        ReturnType::Default => syn::parse_quote!(()),
        ReturnType::Type(_, t) => (**t).clone(),
    };
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

    let invoke = invoke(def, quote!(#ident::__toolwright_body), None);
    let support = tool_support(def, &Names::new(""), quote!(#ident), quote!(), invoke);

    quote! {
        #(#cfgs)*
        #(#docs)*
        #[allow(non_camel_case_types)]
        #[derive(Clone, Copy, Debug, Default)]
        #vis struct #ident;

        #(#cfgs)*
        impl #ident {
            #body_fn
            #boxed_fn
        }

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
        let invoke = invoke(
            def,
            quote!(<#self_ty>::#method_ident),
            Some(quote!(&__state)),
        );
        let support = tool_support(
            def,
            &Names::new(&format!("_{}", def.name)),
            quote!(#tool_struct),
            quote!(let __state = ::toolwright::__private::Arc::clone(&self.0);),
            invoke,
        );
        items.push(quote! {
            #(#method_cfgs)*
            #[allow(non_camel_case_types)]
            struct #tool_struct(::toolwright::__private::Arc<#self_ty>);
            #(#method_cfgs)*
            #support
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

/// The expression that runs the body and turns its return into `Result<Value, ToolError>`.
fn invoke(def: &ToolDef, path: TokenStream, receiver: Option<TokenStream>) -> TokenStream {
    let mut args: Vec<TokenStream> = receiver.into_iter().collect();
    for input in &def.inputs {
        args.push(match input {
            Input::Param(i) => {
                let ident = &def.params[*i].ident;
                quote!(#ident)
            }
            Input::Context => quote!(&__ctx),
        });
    }
    let convert = if def.output.ok_ty.is_some() {
        quote!(::toolwright::__private::output_result)
    } else {
        quote!(::toolwright::__private::output)
    };
    if def.is_async {
        quote!(#convert(#path(#(#args),*).await))
    } else {
        quote!(#convert(::toolwright::__private::run_blocking(move || #path(#(#args),*)).await?))
    }
}

/// The argument struct, the static declaration and the `Tool` impl for `tool_ty`.
fn tool_support(
    def: &ToolDef,
    names: &Names,
    tool_ty: TokenStream,
    prelude: TokenStream,
    invoke: TokenStream,
) -> TokenStream {
    let Names {
        args,
        decl,
        input_schema,
        output_schema,
    } = names;
    let tw = quote!(::toolwright::__private);

    let fields = def.params.iter().map(|p| {
        let ident = &p.ident;
        let ty = &p.ty;
        let ty_text = quote!(#ty).to_string();
        let default = p.arg.default.as_ref().map(|_| {
            // `null` means "use the default" too: OpenAI's strict mode sends null for every
            // argument the model leaves out.
            let path = names.default_fn(p).to_string();
            let with = format!("{}_or_null", names.default_fn(p));
            quote!(#[serde(default = #path, deserialize_with = #with)] #[schemars(with = #ty_text)])
        });
        quote!(#default #ident: #ty)
    });
    let defaults = def.params.iter().filter_map(|p| {
        let expr = p.arg.default.as_ref()?;
        let ty = &p.ty;
        let f = names.default_fn(p);
        let fj = names.default_json_fn(p);
        let value = default_expr(p, expr);
        let or_null = format_ident!("{}_or_null", f);
        Some(quote! {
            #[allow(non_snake_case, clippy::unnecessary_wraps)]
            fn #f() -> #ty { #value }
            #[allow(non_snake_case)]
            fn #or_null<'de, D: #tw::serde::Deserializer<'de>>(d: D) -> ::core::result::Result<#ty, D::Error> {
                ::core::result::Result::Ok(
                    <::core::option::Option<#ty> as #tw::serde::Deserialize>::deserialize(d)?
                        .unwrap_or_else(#f),
                )
            }
            #[allow(non_snake_case)]
            fn #fj() -> #tw::serde_json::Value { #tw::default_json(#f()) }
        })
    });

    let param_decls = def.params.iter().map(|p| {
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
                let fj = names.default_json_fn(p);
                quote!(::core::option::Option::Some(#fj as fn() -> #tw::serde_json::Value))
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
        Some((count, secs)) => quote!(::core::option::Option::Some(#tw::Rate {
            count: #count,
            per: #tw::Duration::from_secs(#secs),
        })),
        None => quote!(::core::option::Option::None),
    };
    let blocking = !def.is_async;

    let output_schema_body = match def.output.value_ty() {
        Some(ty) if def.output.returns_data() => quote! {
            #[allow(unused_imports)]
            use #tw::{ViaJsonSchema as _, ViaNothing as _};
            (&#tw::OutputSchema::<#ty>::new()).output_schema()
        },
        _ => quote!(::core::option::Option::None),
    };

    let idents: Vec<&Ident> = def.params.iter().map(|p| &p.ident).collect();
    let slow_checks = def.params.iter().enumerate().map(|(i, p)| {
        let ty = &p.ty;
        if p.arg.min_len.is_some()
            || p.arg.max_len.is_some()
            || p.arg.range.is_some()
            || p.arg.pattern.is_some()
        {
            quote!(__v.field_checked::<#ty>(__obj, #i);)
        } else {
            quote!(let _ = __v.field::<#ty>(__obj, #i);)
        }
    });
    let fast_checks: Vec<TokenStream> = def
        .params
        .iter()
        .enumerate()
        .filter(|(_, p)| {
            p.arg.min_len.is_some()
                || p.arg.max_len.is_some()
                || p.arg.range.is_some()
                || p.arg.pattern.is_some()
        })
        .map(|(i, p)| {
            let ident = &p.ident;
            quote!(__v.check(#i, &#ident);)
        })
        .collect();
    let validate = if fast_checks.is_empty() {
        quote!()
    } else {
        quote! {
            let mut __v = __rules.validator();
            #(#fast_checks)*
            __v.finish()?;
        }
    };

    let version = env!("CARGO_PKG_VERSION");
    quote! {
        // Generated code and the runtime it calls must come from one release.
        const _: () = #tw::assert_version(#version);

        #[derive(#tw::serde::Deserialize, #tw::schemars::JsonSchema)]
        #[serde(crate = "::toolwright::__private::serde", deny_unknown_fields)]
        #[schemars(crate = "::toolwright::__private::schemars")]
        #[allow(non_camel_case_types, dead_code)]
        struct #args {
            #(#fields,)*
        }

        #(#defaults)*

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
            blocking: #blocking,
            input_schema: #input_schema,
            output_schema: #output_schema,
        };

        #[allow(non_snake_case)]
        fn #input_schema() -> #tw::serde_json::Value {
            #tw::input_schema::<#args>(#decl.params)
        }

        #[allow(non_snake_case)]
        fn #output_schema() -> ::core::option::Option<#tw::serde_json::Value> {
            #output_schema_body
        }

        #[automatically_derived]
        impl #tw::Tool for #tool_ty {
            fn decl(&self) -> &'static #tw::ToolDecl {
                &#decl
            }

            fn prepare(
                &self,
                __args: #tw::RawArgs<'_>,
                __rules: &#tw::ArgRules,
                __ctx: #tw::ToolContext,
            ) -> ::core::result::Result<#tw::ToolFuture, #tw::ToolError> {
                let #args { #(#idents),* } = match #tw::parse_fast::<#args>(__args) {
                    ::core::result::Result::Ok(__a) => __a,
                    ::core::result::Result::Err(__slow) => {
                        return ::core::result::Result::Err(__slow.diagnose(__rules, |__obj, __v| {
                            #(#slow_checks)*
                        }));
                    }
                };
                #validate
                #prelude
                ::core::result::Result::Ok(::std::boxed::Box::pin(async move { #invoke }))
            }
        }
    }
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
