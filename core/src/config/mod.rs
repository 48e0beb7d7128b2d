//! keepalived.conf, read with keepalived's meaning.
//!
//! Reading goes in three steps, each returning a value *plus* every problem found, so an operator
//! sees all of them at once (`file:line: message`):
//!
//! 1. [`reader`] turns text into a [`syntax::Statement`] tree: comments, quotes, braces,
//!    `include`, `@id` lines, `$VAR` definitions and `~SEQ`/`~LST` generators. Files are reached
//!    only through the [`source::SourceLoader`] trait, so the core does no I/O.
//! 2. [`parse`] turns statements into the typed [`model`], classifying every keyword through the
//!    [`keywords`] catalogue: implemented, a keepalived keyword holdfast does not support, or
//!    unknown.
//! 3. [`validate`] applies keepalived's semantic limits (VRID and priority ranges, address
//!    families, duplicate VRIDs, script security).
//!
//! Problems are [`diag::Diagnostic`]s; their [`diag::Class`] decides `holdfast -t`'s exit code.

pub mod diag;
pub mod keywords;
pub mod model;
pub mod parse;
pub mod reader;
pub mod source;
pub mod syntax;
pub mod validate;
