//! The argument parsing and input schema that `#[tool]` used to derive per tool, written once.
//!
//! A tool's parameters are a tuple of [`Arg`] slots; parsing, checking and the schema are
//! generic over that tuple, so their code is compiled once per distinct list of parameter
//! types and once per parameter type, not once per tool. Each tool keeps only its static
//! declaration, its `Tool` impl and its body.

use std::fmt;
use std::marker::PhantomData;

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::de::{self, DeserializeOwned, DeserializeSeed, MapAccess, Visitor};
use serde_json::{Map, Value};

use crate::ToolError;
use crate::call::CallArguments;
use crate::decl::ParamDecl;
use crate::validate::{ArgRules, ArgValue, Validator, parse_fast_seed};

/// A parameter's declared default: `#[arg(default = …)]` on a parameter of type `T`.
pub trait ParamDefault<T> {
    /// The default value.
    fn value() -> T;
}

/// The running call of an async tool body: awaits `body` and converts what it returned.
/// One instance per return type, where an `async` block in each tool's code would be one per
/// tool.
pub fn finish<R: 'static>(
    body: crate::tool::BoxFuture<'static, R>,
    convert: fn(R) -> Result<Value, ToolError>,
) -> crate::tool::ToolFuture {
    Box::pin(async move { convert(body.await) })
}

/// A declared default as the schema shows it.
pub fn default_json_of<T: serde::Serialize, D: ParamDefault<T>>() -> Value {
    serde_json::to_value(D::value()).unwrap_or(Value::Null)
}

/// How a slot is filled when its key is missing or `null`.
pub trait Fill<T> {
    /// Whether the property may be left out of the schema's `required`, whatever `T` is.
    const HAS_DEFAULT: bool;
    /// The value of a missing key.
    ///
    /// # Errors
    /// The key is required.
    fn missing<E: de::Error>(name: &'static str) -> Result<T, E>;
    /// The value at the map's current key.
    ///
    /// # Errors
    /// The value does not parse as `T`.
    fn next<'de, A: MapAccess<'de>>(map: &mut A) -> Result<T, A::Error>;
}

/// No default: a missing key is an error unless `T` is an `Option` (serde's derive rule).
pub struct Required;

impl<T: DeserializeOwned> Fill<T> for Required {
    const HAS_DEFAULT: bool = false;
    fn missing<E: de::Error>(name: &'static str) -> Result<T, E> {
        T::deserialize(MissingField::<E>(name, PhantomData))
    }
    fn next<'de, A: MapAccess<'de>>(map: &mut A) -> Result<T, A::Error> {
        map.next_value::<T>()
    }
}

/// A declared default, used for a missing key and for `null` (what OpenAI's strict mode sends
/// for an argument the model leaves out).
pub struct Defaulted<D>(PhantomData<D>);

impl<T: DeserializeOwned, D: ParamDefault<T>> Fill<T> for Defaulted<D> {
    const HAS_DEFAULT: bool = true;
    fn missing<E: de::Error>(_name: &'static str) -> Result<T, E> {
        Ok(D::value())
    }
    fn next<'de, A: MapAccess<'de>>(map: &mut A) -> Result<T, A::Error> {
        Ok(map.next_value::<Option<T>>()?.unwrap_or_else(D::value))
    }
}

/// Whether a slot's value is checked against its `#[arg]` constraints.
pub trait Check<T> {
    /// Checks a parsed value (the fast path).
    fn check(value: &T, v: &mut Validator<'_>, index: usize);
    /// Parses and checks the value alone, to report its errors (the slow path).
    fn slow(obj: &Map<String, Value>, v: &mut Validator<'_>, index: usize);
}

/// No length, range or pattern declared.
pub struct Unchecked;

impl<T: DeserializeOwned> Check<T> for Unchecked {
    fn check(_value: &T, _v: &mut Validator<'_>, _index: usize) {}
    fn slow(obj: &Map<String, Value>, v: &mut Validator<'_>, index: usize) {
        let _ = v.field::<T>(obj, index);
    }
}

/// A length, range or pattern declared.
pub struct Checked;

impl<T: DeserializeOwned + ArgValue> Check<T> for Checked {
    fn check(value: &T, v: &mut Validator<'_>, index: usize) {
        v.check(index, value);
    }
    fn slow(obj: &Map<String, Value>, v: &mut Validator<'_>, index: usize) {
        v.field_checked::<T>(obj, index);
    }
}

/// One parameter of a tool: its type `T`, how a missing value is filled (`F`) and whether it is
/// checked (`C`).
pub struct Arg<T, F = Required, C = Unchecked>(PhantomData<Marker<(T, F, C)>>);

/// Names types without owning them (so `Arg` is `Send`, `Sync` and free of drop checks).
type Marker<T> = fn() -> T;

/// A slot of a parameter list ([`Arg`]).
pub trait Slot {
    /// The parsed parameter.
    type Value;
    #[doc(hidden)]
    fn missing<E: de::Error>(name: &'static str) -> Result<Self::Value, E>;
    #[doc(hidden)]
    fn next<'de, A: MapAccess<'de>>(map: &mut A) -> Result<Self::Value, A::Error>;
    #[doc(hidden)]
    fn check(value: &Self::Value, v: &mut Validator<'_>, index: usize);
    #[doc(hidden)]
    fn slow(obj: &Map<String, Value>, v: &mut Validator<'_>, index: usize);
    #[doc(hidden)]
    fn property(generator: &mut SchemaGenerator) -> Property;
}

/// One property of the arguments object, before the declared constraints are written in.
#[doc(hidden)]
pub struct Property {
    schema: Schema,
    optional: bool,
    has_default: bool,
}

impl<T, F, C> Slot for Arg<T, F, C>
where
    T: DeserializeOwned + JsonSchema,
    F: Fill<T>,
    C: Check<T>,
{
    type Value = T;
    fn missing<E: de::Error>(name: &'static str) -> Result<T, E> {
        F::missing(name)
    }
    fn next<'de, A: MapAccess<'de>>(map: &mut A) -> Result<T, A::Error> {
        F::next(map)
    }
    fn check(value: &T, v: &mut Validator<'_>, index: usize) {
        C::check(value, v, index);
    }
    fn slow(obj: &Map<String, Value>, v: &mut Validator<'_>, index: usize) {
        C::slow(obj, v, index);
    }
    fn property(generator: &mut SchemaGenerator) -> Property {
        // What schemars' derive writes for a field: optional when deserializing allows it to
        // be left out (a default, or an `Option` however it is spelled).
        let optional = generator.contract().is_deserialize()
            && (F::HAS_DEFAULT || T::_schemars_private_is_option());
        Property {
            schema: generator.subschema_for::<T>(),
            optional,
            has_default: F::HAS_DEFAULT,
        }
    }
}

/// A tool's parameter list: a tuple of [`Slot`]s, in declaration order.
pub trait Params {
    /// The parsed parameters, a tuple of the parameter types.
    type Values;
    #[doc(hidden)]
    fn visit<'de, A: MapAccess<'de>>(
        map: A,
        params: &'static [ParamDecl],
    ) -> Result<Self::Values, A::Error>;
    #[doc(hidden)]
    fn check(values: &Self::Values, v: &mut Validator<'_>);
    #[doc(hidden)]
    fn slow(obj: &Map<String, Value>, v: &mut Validator<'_>);
    #[doc(hidden)]
    fn schema(generator: &mut SchemaGenerator, params: &'static [ParamDecl]) -> Schema;
}

fn name_of(params: &'static [ParamDecl], index: usize) -> &'static str {
    params.get(index).map_or("", |p| p.name)
}

macro_rules! params {
    ($($S:ident $i:tt),*) => {
        impl<$($S: Slot),*> Params for ($($S,)*) {
            type Values = ($($S::Value,)*);

            #[allow(unused_mut, unused_variables)]
            fn visit<'de, A: MapAccess<'de>>(
                mut map: A,
                params: &'static [ParamDecl],
            ) -> Result<Self::Values, A::Error> {
                let mut slots = ($(Option::<$S::Value>::None,)*);
                while let Some(index) = map.next_key_seed(KeyIndex(params))? {
                    match index {
                        $($i => {
                            if slots.$i.is_some() {
                                return Err(de::Error::duplicate_field(name_of(params, $i)));
                            }
                            slots.$i = Some($S::next(&mut map)?);
                        })*
                        _ => return Err(de::Error::custom("unknown field")),
                    }
                }
                Ok(($(match slots.$i {
                    Some(value) => value,
                    None => $S::missing(name_of(params, $i))?,
                },)*))
            }

            #[allow(unused_variables)]
            fn check(values: &Self::Values, v: &mut Validator<'_>) {
                $($S::check(&values.$i, v, $i);)*
            }

            #[allow(unused_variables)]
            fn slow(obj: &Map<String, Value>, v: &mut Validator<'_>) {
                $($S::slow(obj, v, $i);)*
            }

            #[allow(unused_variables)]
            fn schema(generator: &mut SchemaGenerator, params: &'static [ParamDecl]) -> Schema {
                let properties: Vec<Property> = vec![$($S::property(generator)),*];
                object_schema(properties, params)
            }
        }
    };
}

params!();
params!(S0 0);
params!(S0 0, S1 1);
params!(S0 0, S1 1, S2 2);
params!(S0 0, S1 1, S2 2, S3 3);
params!(S0 0, S1 1, S2 2, S3 3, S4 4);
params!(S0 0, S1 1, S2 2, S3 3, S4 4, S5 5);
params!(S0 0, S1 1, S2 2, S3 3, S4 4, S5 5, S6 6);
params!(S0 0, S1 1, S2 2, S3 3, S4 4, S5 5, S6 6, S7 7);
params!(S0 0, S1 1, S2 2, S3 3, S4 4, S5 5, S6 6, S7 7, S8 8);
params!(S0 0, S1 1, S2 2, S3 3, S4 4, S5 5, S6 6, S7 7, S8 8, S9 9);
params!(S0 0, S1 1, S2 2, S3 3, S4 4, S5 5, S6 6, S7 7, S8 8, S9 9, S10 10);
params!(S0 0, S1 1, S2 2, S3 3, S4 4, S5 5, S6 6, S7 7, S8 8, S9 9, S10 10, S11 11);
params!(S0 0, S1 1, S2 2, S3 3, S4 4, S5 5, S6 6, S7 7, S8 8, S9 9, S10 10, S11 11, S12 12);
params!(S0 0, S1 1, S2 2, S3 3, S4 4, S5 5, S6 6, S7 7, S8 8, S9 9, S10 10, S11 11, S12 12, S13 13);
params!(S0 0, S1 1, S2 2, S3 3, S4 4, S5 5, S6 6, S7 7, S8 8, S9 9, S10 10, S11 11, S12 12, S13 13, S14 14);
params!(S0 0, S1 1, S2 2, S3 3, S4 4, S5 5, S6 6, S7 7, S8 8, S9 9, S10 10, S11 11, S12 12, S13 13, S14 14, S15 15);
params!(S0 0, S1 1, S2 2, S3 3, S4 4, S5 5, S6 6, S7 7, S8 8, S9 9, S10 10, S11 11, S12 12, S13 13, S14 14, S15 15, S16 16);
params!(S0 0, S1 1, S2 2, S3 3, S4 4, S5 5, S6 6, S7 7, S8 8, S9 9, S10 10, S11 11, S12 12, S13 13, S14 14, S15 15, S16 16, S17 17);
params!(S0 0, S1 1, S2 2, S3 3, S4 4, S5 5, S6 6, S7 7, S8 8, S9 9, S10 10, S11 11, S12 12, S13 13, S14 14, S15 15, S16 16, S17 17, S18 18);
params!(S0 0, S1 1, S2 2, S3 3, S4 4, S5 5, S6 6, S7 7, S8 8, S9 9, S10 10, S11 11, S12 12, S13 13, S14 14, S15 15, S16 16, S17 17, S18 18, S19 19);
params!(S0 0, S1 1, S2 2, S3 3, S4 4, S5 5, S6 6, S7 7, S8 8, S9 9, S10 10, S11 11, S12 12, S13 13, S14 14, S15 15, S16 16, S17 17, S18 18, S19 19, S20 20);
params!(S0 0, S1 1, S2 2, S3 3, S4 4, S5 5, S6 6, S7 7, S8 8, S9 9, S10 10, S11 11, S12 12, S13 13, S14 14, S15 15, S16 16, S17 17, S18 18, S19 19, S20 20, S21 21);
params!(S0 0, S1 1, S2 2, S3 3, S4 4, S5 5, S6 6, S7 7, S8 8, S9 9, S10 10, S11 11, S12 12, S13 13, S14 14, S15 15, S16 16, S17 17, S18 18, S19 19, S20 20, S21 21, S22 22);
params!(S0 0, S1 1, S2 2, S3 3, S4 4, S5 5, S6 6, S7 7, S8 8, S9 9, S10 10, S11 11, S12 12, S13 13, S14 14, S15 15, S16 16, S17 17, S18 18, S19 19, S20 20, S21 21, S22 22, S23 23);

/// The most parameters a tool can take (the arities [`Params`] is implemented for).
pub const MAX_PARAMS: usize = 24;

/// The object schema of a parameter list, as schemars' derive writes it for a struct with
/// `deny_unknown_fields`: properties in order (with their serde default), `required` for the
/// non-optional ones.
fn object_schema(properties: Vec<Property>, params: &'static [ParamDecl]) -> Schema {
    let mut object = Map::new();
    object.insert("type".into(), Value::String("object".into()));
    object.insert("additionalProperties".into(), Value::Bool(false));
    let mut props = Map::new();
    let mut required = Vec::new();
    for (index, mut property) in properties.into_iter().enumerate() {
        let name = name_of(params, index);
        if property.has_default
            && let Some(default) = params.get(index).and_then(|p| p.constraints.default)
        {
            property.schema.insert("default".into(), default());
        }
        props.insert(name.to_owned(), property.schema.to_value());
        if !property.optional {
            required.push(Value::String(name.to_owned()));
        }
    }
    if !props.is_empty() {
        object.insert("properties".into(), Value::Object(props));
    }
    if !required.is_empty() {
        object.insert("required".into(), Value::Array(required));
    }
    Schema::from(object)
}

/// Resolves an argument key to its parameter's index; an unknown key is an error (the
/// arguments are `deny_unknown_fields`).
#[derive(Clone, Copy)]
struct KeyIndex(&'static [ParamDecl]);

impl<'de> DeserializeSeed<'de> for KeyIndex {
    type Value = usize;
    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<usize, D::Error> {
        deserializer.deserialize_identifier(self)
    }
}

impl Visitor<'_> for KeyIndex {
    type Value = usize;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an argument name")
    }
    fn visit_str<E: de::Error>(self, key: &str) -> Result<usize, E> {
        self.0
            .iter()
            .position(|p| p.name == key)
            .ok_or_else(|| E::custom(format_args!("unknown field `{key}`")))
    }
    fn visit_bytes<E: de::Error>(self, key: &[u8]) -> Result<usize, E> {
        self.visit_str(&String::from_utf8_lossy(key))
    }
}

/// The arguments object of a tool whose parameters are `P`.
struct ArgsSeed<P> {
    params: &'static [ParamDecl],
    marker: PhantomData<fn() -> P>,
}

impl<P> Clone for ArgsSeed<P> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<P> Copy for ArgsSeed<P> {}

impl<'de, P: Params> DeserializeSeed<'de> for ArgsSeed<P> {
    type Value = P::Values;
    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<P::Values, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de, P: Params> Visitor<'de> for ArgsSeed<P> {
    type Value = P::Values;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object of the tool's arguments")
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<P::Values, A::Error> {
        P::visit(map, self.params)
    }
}

/// serde's rule for a missing field: `None` for an `Option`, an error for anything else.
struct MissingField<E>(&'static str, PhantomData<E>);

impl<'de, E: de::Error> de::Deserializer<'de> for MissingField<E> {
    type Error = E;
    fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, E> {
        Err(E::missing_field(self.0))
    }
    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        visitor.visit_none()
    }
    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

/// The generated code's entry points for one parameter list, as plain function pointers.
pub struct ParamFns<V> {
    /// The input schema, from the tool's parameter declarations.
    pub schema: fn(&'static [ParamDecl]) -> Value,
    /// Parses and checks one call's arguments.
    pub parse: fn(&CallArguments, &ArgRules, &'static [ParamDecl]) -> Result<V, ToolError>,
}

impl<V> ParamFns<V> {
    /// The functions of parameter list `P`.
    pub const fn of<P: Params<Values = V>>() -> Self {
        Self {
            schema: input_schema::<P>,
            parse: parse::<P>,
        }
    }
}

/// What `schemars::SchemaGenerator::into_root_schema_for` makes of a derived argument
/// struct, then the declared descriptions and constraints written in.
fn input_schema<P: Params>(params: &'static [ParamDecl]) -> Value {
    let mut generator = crate::schema::generator();
    let mut root = P::schema(&mut generator, params);
    let definitions = generator.take_definitions(false);
    if !definitions.is_empty() {
        root.insert("$defs".into(), Value::Object(definitions));
    }
    crate::schema::finish_input_schema(root.to_value(), params)
}

fn parse<P: Params>(
    args: &CallArguments,
    rules: &ArgRules,
    params: &'static [ParamDecl],
) -> Result<P::Values, ToolError> {
    let seed = ArgsSeed::<P> {
        params,
        marker: PhantomData,
    };
    match parse_fast_seed(args, seed) {
        Ok(values) => {
            let mut v = rules.validator();
            P::check(&values, &mut v);
            v.finish()?;
            Ok(values)
        }
        Err(slow) => Err(slow.diagnose(rules, |obj, v| P::slow(obj, v))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decl::{Constraints, PolicyDecl, ToolDecl};

    const fn param(name: &'static str, default: Option<fn() -> Value>) -> ParamDecl {
        ParamDecl {
            name,
            description: "",
            required: false,
            constraints: Constraints {
                default,
                ..Constraints::NONE
            },
        }
    }

    struct Five;
    impl ParamDefault<u32> for Five {
        fn value() -> u32 {
            5
        }
    }

    fn five() -> Value {
        default_json_of::<u32, Five>()
    }

    type List = (Arg<String>, Arg<Option<u8>>, Arg<u32, Defaulted<Five>>);
    static PARAMS: [ParamDecl; 3] = [
        param("key", None),
        param("history", None),
        param("limit", Some(five)),
    ];
    static DECL: ToolDecl = ToolDecl {
        name: "lookup_record",
        description: "",
        params: &PARAMS,
        policy: PolicyDecl {
            permissions: &[],
            read_only: true,
            destructive: false,
            idempotent: false,
            open_world: false,
            timeout: None,
            retries: 0,
            rate_limit: None,
        },
        input_schema: || input_schema::<List>(&PARAMS),
        output_schema: || None,
    };

    fn run(text: &str) -> Result<(String, Option<u8>, u32), ToolError> {
        let rules = ArgRules::compile(&DECL).expect("rules");
        (ParamFns::<(String, Option<u8>, u32)>::of::<List>().parse)(
            &CallArguments::Text(text.to_owned()),
            &rules,
            &PARAMS,
        )
    }

    #[test]
    fn missing_option_is_none_and_missing_or_null_default_is_the_default() {
        assert_eq!(run(r#"{"key":"a"}"#).ok(), Some(("a".into(), None, 5)));
        assert_eq!(
            run(r#"{"key":"a","history":3,"limit":null}"#).ok(),
            Some(("a".into(), Some(3), 5))
        );
        assert_eq!(
            run(r#"{"limit":7,"key":"a"}"#).ok(),
            Some(("a".into(), None, 7))
        );
    }

    #[test]
    fn missing_required_unknown_and_repeated_keys_are_refused_and_named() {
        for (text, expected) in [
            (r#"{"history":1}"#, "/key"),
            (r#"{"key":"a","other":1}"#, "/other"),
            (r#"{"key":"a","key":"b"}"#, "`key` appears more than once"),
        ] {
            let err = run(text).expect_err(text);
            let json = err.to_model_json().to_string();
            assert!(json.contains(expected), "{text}: {json}");
        }
    }

    #[test]
    fn schema_is_what_the_derive_wrote_with_defaults_and_required() {
        let schema = (DECL.input_schema)();
        assert_eq!(schema["required"], serde_json::json!(["key"]));
        assert_eq!(schema["additionalProperties"], Value::Bool(false));
        assert_eq!(
            schema["properties"]["limit"]["default"],
            serde_json::json!(5)
        );
        assert_eq!(
            schema["properties"]
                .as_object()
                .map(|p| p.keys().cloned().collect::<Vec<_>>()),
            Some(vec![
                "key".to_owned(),
                "history".to_owned(),
                "limit".to_owned()
            ])
        );
    }
}
