/** Schemas that type themselves: TypeBox builds them, `findProblem` checks values against them. */
export { Type, type Static, type TObject, type TSchema, type TString } from '@sinclair/typebox';
export { Nullable, StringEnum } from './builders.js';
export { findProblem, type CheckOptions, type JsonSchema } from './check.js';
