/**
 * The one error base of the project. Every error we raise on purpose carries a stable
 * code (listed in docs/errors.md), a message that says what to do, and an optional cause.
 * This module imports nothing, so every layer (including the sans-I/O protocol) may use it.
 */
export class SdsError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}
