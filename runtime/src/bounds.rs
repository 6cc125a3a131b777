//! What a type must be to appear in a `#[tool]` signature, as traits the compiler checks. The
//! macro names these bounds on the user's own type tokens, so a mistake reads in these words, on
//! that type, whatever alias or path spells it.

use std::borrow::Cow;
use std::collections::{BTreeSet, HashSet, VecDeque};
use std::marker::PhantomData;

// Re-exported so that rustc, naming these traits in an error, finds a public path to them
// (otherwise it prints the generated code's hidden `__private` path).
pub use schemars::JsonSchema;
pub use serde::de::DeserializeOwned;
pub use serde::{Deserialize, Serialize};

use crate::validate::ArgValue;

/// A type a tool can take as a parameter: parsed from the model's JSON, described by a schema.
#[diagnostic::on_unimplemented(
    message = "`{Self}` must derive `serde::Deserialize` and `schemars::JsonSchema` to be a tool parameter",
    label = "the model's JSON is parsed into this type and its schema is shown to the model",
    note = "add `#[derive(serde::Deserialize, schemars::JsonSchema)]` to the type"
)]
pub trait ToolParameter: DeserializeOwned + JsonSchema {}

impl<T: DeserializeOwned + JsonSchema> ToolParameter for T {}

/// A type a tool can return: serialized to JSON for the model.
#[diagnostic::on_unimplemented(
    message = "`{Self}` must implement `serde::Serialize` to be a tool's output",
    label = "the model receives this value as JSON",
    note = "add `#[derive(serde::Serialize, schemars::JsonSchema)]` to the type (`JsonSchema` also exports an output schema)"
)]
pub trait ToolOutput: Serialize {}

impl<T: Serialize + ?Sized> ToolOutput for T {}

/// An error a tool can return: converted into a [`ToolError`](crate::ToolError).
#[diagnostic::on_unimplemented(
    message = "`{Self}` must convert into `ToolError` to be a tool's error",
    label = "a failed call reaches the model as a `ToolError`",
    note = "return `Result<T, ToolError>`, or implement `From<{Self}> for ToolError`"
)]
pub trait ToolFailure: Into<crate::ToolError> {}

impl<E: Into<crate::ToolError>> ToolFailure for E {}

/// A type known by name only, for autoref specialization: with one trait implemented by value
/// on `Probe<Special>` and another, with a method of the same name, on `&Probe<T>`,
/// `(&Probe::<T>::new()).method()` picks the first when `T` fits it and the second otherwise.
/// [`Returned`] and the generated code's output schema probe are this type.
#[doc(hidden)]
pub struct Probe<T: ?Sized>(PhantomData<T>);

impl<T: ?Sized> Probe<T> {
    /// The probe.
    pub const fn new() -> Self {
        Self(PhantomData)
    }
}

impl<T: ?Sized> Default for Probe<T> {
    fn default() -> Self {
        Self::new()
    }
}

/// What a tool body returned, known by type only: `(&Returned::<R>::new()).kind()` picks
/// [`ResultKind`] when `R` is a `Result` (whatever alias spells it) and [`ValueKind`]
/// otherwise, by autoref (a by-value impl on `Returned<Result<..>>` wins over the one on `&_`).
#[doc(hidden)]
pub type Returned<R> = Probe<R>;

/// Chosen for `Result<T, E>`.
#[doc(hidden)]
pub trait ReturnsResult {
    /// The data.
    type Ok;
    /// The error.
    type Err;
    /// The kind.
    fn kind(&self) -> ResultKind<Self::Ok, Self::Err>;
}

impl<T, E> ReturnsResult for Returned<Result<T, E>> {
    type Ok = T;
    type Err = E;
    fn kind(&self) -> ResultKind<T, E> {
        ResultKind(PhantomData)
    }
}

/// Chosen for every other return type.
#[doc(hidden)]
pub trait ReturnsValue {
    /// The data.
    type Value;
    /// The kind.
    fn kind(&self) -> ValueKind<Self::Value>;
}

impl<R> ReturnsValue for &Returned<R> {
    type Value = R;
    fn kind(&self) -> ValueKind<R> {
        ValueKind(PhantomData)
    }
}

/// A body returning `Result<T, E>`.
#[doc(hidden)]
pub struct ResultKind<T, E>(PhantomData<(T, E)>);

impl<T, E> ResultKind<T, E> {
    /// Serializes the data or converts the error. The bounds are on the method, not the impl,
    /// so a missing `Serialize` is reported in [`ToolOutput`]'s words.
    ///
    /// # Errors
    /// The tool's own error, converted; or a serialization failure.
    pub fn convert(self, result: Result<T, E>) -> Result<serde_json::Value, crate::ToolError>
    where
        T: ToolOutput,
        E: ToolFailure,
    {
        match result {
            Ok(v) => serde_json::to_value(v).map_err(crate::ToolError::from),
            Err(e) => Err(e.into()),
        }
    }

    /// The output schema probe of `T`.
    pub const fn schema(&self) -> crate::__private::OutputSchema<T> {
        crate::__private::OutputSchema::new()
    }
}

/// A body returning plain data.
#[doc(hidden)]
pub struct ValueKind<T>(PhantomData<T>);

impl<T> ValueKind<T> {
    /// Serializes the value.
    ///
    /// # Errors
    /// When the value cannot be serialized (e.g. a map with non-string keys).
    pub fn convert(self, value: T) -> Result<serde_json::Value, crate::ToolError>
    where
        T: ToolOutput,
    {
        serde_json::to_value(value).map_err(crate::ToolError::from)
    }

    /// The output schema probe of `T`.
    pub const fn schema(&self) -> crate::__private::OutputSchema<T> {
        crate::__private::OutputSchema::new()
    }
}

/// Types `#[arg(min_len, max_len)]` can limit: the characters of a string, the items of a list.
#[diagnostic::on_unimplemented(
    message = "`min_len`/`max_len` do not apply to `{Self}`: they limit the characters of a string or the items of a list",
    label = "this parameter's type has no length",
    note = "for numbers use `range`, e.g. #[arg(range = 1..=20)]"
)]
pub trait HasLength: ArgValue {}

/// Types `#[arg(pattern)]` can constrain: strings.
#[diagnostic::on_unimplemented(
    message = "`pattern` does not apply to `{Self}`: it constrains a string",
    label = "this parameter's type is not a string"
)]
pub trait HasPattern: ArgValue {}

/// Types `#[arg(range)]` can bound: integers and floats. `MIN`/`MAX` are the values the type
/// holds, so a declared bound outside them fails to compile.
#[diagnostic::on_unimplemented(
    message = "`range` does not apply to `{Self}`: it bounds an integer or a float",
    label = "this parameter's type is not a number",
    note = "for strings and lists use `min_len`/`max_len`, e.g. #[arg(max_len = 200)]"
)]
pub trait HasRange: ArgValue {
    /// The smallest value (for floats, the smallest `i128`: any integer bound fits).
    const MIN: i128;
    /// The largest value.
    const MAX: i128;
    /// Whether the type holds whole numbers only.
    const WHOLE: bool;
}

impl HasLength for String {}
impl HasLength for str {}
impl HasLength for Cow<'_, str> {}
impl<T> HasLength for Vec<T> {}
impl<T> HasLength for VecDeque<T> {}
impl<T> HasLength for BTreeSet<T> {}
impl<T, S> HasLength for HashSet<T, S> {}
impl<T: HasLength> HasLength for Option<T> {}
impl<T: HasLength + ?Sized> HasLength for Box<T> {}

impl HasPattern for String {}
impl HasPattern for str {}
impl HasPattern for Cow<'_, str> {}
impl<T: HasPattern> HasPattern for Option<T> {}
impl<T: HasPattern + ?Sized> HasPattern for Box<T> {}

macro_rules! int_range {
    ($($t:ty),*) => {$(
        impl HasRange for $t {
            const MIN: i128 = <$t>::MIN as i128;
            const MAX: i128 = <$t>::MAX as i128;
            const WHOLE: bool = true;
        }
    )*};
}
int_range!(u8, u16, u32, u64, usize, i8, i16, i32, i64, isize);

impl HasRange for f32 {
    const MIN: i128 = i128::MIN;
    const MAX: i128 = i128::MAX;
    const WHOLE: bool = false;
}
impl HasRange for f64 {
    const MIN: i128 = i128::MIN;
    const MAX: i128 = i128::MAX;
    const WHOLE: bool = false;
}
impl<T: HasRange> HasRange for Option<T> {
    const MIN: i128 = T::MIN;
    const MAX: i128 = T::MAX;
    const WHOLE: bool = T::WHOLE;
}
impl<T: HasRange> HasRange for Box<T> {
    const MIN: i128 = T::MIN;
    const MAX: i128 = T::MAX;
    const WHOLE: bool = T::WHOLE;
}
