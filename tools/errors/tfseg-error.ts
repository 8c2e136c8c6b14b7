import type { z } from 'zod';

/** The marker every tfseg error carries, whichever package (and whichever installed copy) threw it. */
const tfsegMarker = Symbol.for('tfseg.error');

/** A class in the tfseg error tree: a constructor with the marker its instances carry. */
type MarkedErrorClass<T> = (abstract new (...args: never[]) => T) & { readonly marker: symbol };

/**
 * Root of the tfseg error tree. Each package's root error (`LossesError`, `MetricsError`, …) extends it
 * and declares its own `static marker` (`Symbol.for('tfseg.<package>.error')`); an instance carries the
 * markers of its class and of every ancestor, so `isInstance` works across duplicate installs, where
 * `instanceof` would not.
 */
export abstract class TfsegError extends Error {
  /** The marker of this class; subclasses that need their own `isInstance` declare one. */
  static readonly marker: symbol = tfsegMarker;

  /**
   * The message {@link parseWithSchema} gives this class for a zod failure of `argument` at `where`; by default
   * `Error in <where>: <field>: <rule>, but got <value>; …` ({@link describeZodIssues}). Subclasses
   * override it to keep their own wording.
   */
  static formatZodError(error: z.ZodError, where: string, _value: unknown, _argument: string): string {
    return `Error in ${where}: ${describeZodIssues(error)}`;
  }

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    // Mark the instance with the marker of its class and of every ancestor class that declares one.
    for (let type: object | null = new.target; type !== null && type !== Error; type = Object.getPrototypeOf(type) as object | null) {
      const marker: unknown = Object.getOwnPropertyDescriptor(type, 'marker')?.value;
      if (typeof marker === 'symbol') Object.defineProperty(this, marker, { value: true });
    }
  }

  /**
   * True when `error` is an instance of the class it is called on (`LossesError.isInstance(error)`), also
   * one thrown by another copy of that package; `TfsegError.isInstance` is true for any tfseg error.
   */
  static isInstance<T>(this: MarkedErrorClass<T>, error: unknown): error is T {
    return typeof error === 'object' && error !== null && this.marker in error;
  }
}

/** An error class {@link parseWithSchema} can throw: it takes the message and the ZodError as `cause`. */
export type ParseErrorClass = (new (message: string, options: { cause: z.ZodError }) => TfsegError) & {
  formatZodError(error: z.ZodError, where: string, value: unknown, argument: string): string;
};

/**
 * Parses `value` with `schema` at a public boundary, or throws `errorClass` (the package's error) with
 * the message `errorClass.formatZodError` gives and the ZodError as `cause`. The one parse helper of every
 * tfseg package: `parseWithSchema(schema, value, where, errorClass, argument?)`.
 * @param where the public function (or command) that parses, named in the message.
 * @param argument what `value` is to the caller (`options`, `spec`, `descriptor`), for messages that name fields by it.
 */
export function parseWithSchema<Schema extends z.ZodType>(
  schema: Schema,
  value: unknown,
  where: string,
  errorClass: ParseErrorClass,
  argument = 'options',
): z.output<Schema> {
  const result = schema.safeParse(value, { reportInput: true });
  if (result.success) return result.data;
  throw new errorClass(errorClass.formatZodError(result.error, where, value, argument), { cause: result.error });
}

/** How {@link describeZodIssues} names fields and whether it shows the values received. */
export interface DescribeZodIssuesOptions {
  /**
   * Prefix of every field path (`options` gives `options.fold`); without it a field is its bare path,
   * and an issue about the whole value is called `options`.
   */
  source?: string;
  /** Append `, but got <value>` for issues about one field (default true). */
  showValues?: boolean;
}

/** One `field: rule[, but got value]` entry per zod issue, joined by `; `. */
export function describeZodIssues(error: z.ZodError, options: DescribeZodIssuesOptions = {}): string {
  const { source, showValues = true } = options;
  return error.issues
    .map((issue) => {
      const path = issue.path.map(String).join('.');
      const field = source === undefined ? path || 'options' : `${source}${path ? `.${path}` : ''}`;
      // An unknown key or a cross-field rule is about the whole object, whose value would only repeat the input.
      const showsValue = showValues && issue.code !== 'unrecognized_keys' && issue.code !== 'custom' && 'input' in issue && issue.input !== undefined;
      return `${field}: ${issue.message}${showsValue ? `, but got ${previewValue(issue.input)}` : ''}`;
    })
    .join('; ');
}

/**
 * `Error in <where>: <argument>.<field>: <rule>; …` for every issue, without the values: the message of
 * errors about a named argument (`Error in prepareFold: options.fold: Too big: …`).
 */
export function describeArgumentIssues(error: z.ZodError, where: string, argument: string): string {
  return `Error in ${where}: ${describeZodIssues(error, { source: argument, showValues: false })}`;
}

/** A value as short JSON for a message (at most 60 characters). */
export function previewValue(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
