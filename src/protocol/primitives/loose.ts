/**
 * The input shape of an encoder: every field of every struct may be left out, and is
 * then encoded as its schema default. Decoders always return the complete shape.
 */
export type Loose<T> = T extends Buffer | Uint8Array | bigint | string | number | boolean | null | undefined
  ? T
  : T extends readonly (infer E)[]
    ? Loose<E>[]
    : { [K in keyof T]?: Loose<T[K]> };

/** Kafka's all-zero UUID in its text form. */
export const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';

/** A shared empty byte array, for defaults. */
export const EMPTY_BYTES: Buffer = Buffer.alloc(0);
