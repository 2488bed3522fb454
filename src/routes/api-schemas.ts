import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifyError, FastifyInstance, FastifySchema, FastifySchemaCompiler } from 'fastify';
import { FieldError, validationProblems } from './openapi.ts';
import { sendError } from './send-error.ts';

// How every /api route group reads its input, in one place (the REST API, the analysis routes,
// uploads): JSON schemas compiled by one Ajv setup, a 400 naming each field at fault, unknown
// query parameters refused, whole numbers in the query and path written as plain decimals.

/** A whole number as a query or path value: decimal digits, no sign, spaces, exponent, hex prefix or leading zero. */
const DECIMAL = /^(0|[1-9][0-9]*)$/;
export const NOT_DECIMAL = 'must be a whole number written in decimal digits (no sign, spaces, exponent, 0x or leading zero)';

/** What a route without a `querystring` schema takes: nothing (`?anything=` is a 400 naming it). */
const NO_QUERY = { type: 'object', additionalProperties: false, properties: {} } as const;

type Schema = { type?: unknown; properties?: Record<string, Schema> };

const isInteger = (s: Schema | undefined) => s?.type === 'integer' || (Array.isArray(s?.type) && s.type.includes('integer'));

/** The integer properties of an object schema (params, querystring). */
const integerProperties = (schema: Schema): string[] => Object.entries(schema.properties ?? {}).filter(([, s]) => isInteger(s)).map(([k]) => k);

type Validator = ((data: unknown, ctx?: unknown) => boolean | { error: Error }) & { errors?: ValidateFunction['errors']; schemaEnv?: unknown };

/**
 * Ajv's type coercion reads a query or path value the way JavaScript's Number() does: `0x10`,
 * `1e3`, ` 12`, `+5` and `012` all became integers (GET /api/sessions/0x10 answered session 16).
 * Integer properties are checked as decimals first; Ajv then coerces and checks the bounds.
 */
function strictIntegers(validate: ValidateFunction, schema: Schema): Validator {
  const integers = integerProperties(schema);
  if (integers.length === 0) return validate as Validator;
  const wrapped: Validator = (data, ctx) => {
    if (typeof data === 'object' && data !== null) {
      for (const key of integers) {
        const raw = (data as Record<string, unknown>)[key];
        for (const value of Array.isArray(raw) ? raw : [raw]) {
          if (typeof value === 'string' && !DECIMAL.test(value)) return { error: new FieldError(key, NOT_DECIMAL) };
        }
      }
    }
    const ok = validate(data, ctx as never);
    wrapped.errors = validate.errors;
    return ok;
  };
  wrapped.schemaEnv = validate.schemaEnv;
  return wrapped;
}

/**
 * The one validator compiler of the API. Query strings and path parameters are text, so they are
 * coerced (strictly, above); JSON bodies are not: `"version": "1"` or `"notes": null` is the
 * wrong type, not a number or "". Unknown properties are kept, so `additionalProperties: false`
 * refuses them (Fastify's default drops them silently). strictNumbers: JSON's 1e400 parses to
 * Infinity, which Ajv otherwise takes as a number.
 */
export function apiValidatorCompiler(): FastifySchemaCompiler<FastifySchema> {
  const options = { useDefaults: true, removeAdditional: false, allErrors: false, strict: false, strictNumbers: true } as const;
  const text = new Ajv({ ...options, coerceTypes: 'array' });
  const json = new Ajv({ ...options, coerceTypes: false });
  addFormats.default(text);
  addFormats.default(json);
  return ({ schema, httpPart }) => {
    if (httpPart === 'body') return json.compile(schema);
    return strictIntegers(text.compile(schema), schema as Schema) as ReturnType<FastifySchemaCompiler<FastifySchema>>;
  };
}

/** The field-level 400s; any other error goes on to the service's error handler. */
export function answerInputErrors(err: FastifyError, req: Parameters<typeof sendError>[0], reply: Parameters<typeof sendError>[1]) {
  if (err.validation) {
    const fields = validationProblems(err);
    return sendError(req, reply, 'BAD_REQUEST', fields.map((f) => `${f.field} ${f.problem}`).join('; '), { fields });
  }
  if (err instanceof FieldError) {
    return sendError(req, reply, 'BAD_REQUEST', err.message, { fields: [{ field: err.field, problem: err.problem }] });
  }
  throw err;
}

/**
 * Sets `app`'s context up to read input as the API does: the validator compiler, field-level
 * 400s, and no query parameters on an /api route that declares none.
 */
export function useApiSchemas(app: FastifyInstance): void {
  app.setValidatorCompiler(apiValidatorCompiler());
  app.setErrorHandler(answerInputErrors);
  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith('/api/') || route.schema?.querystring) return;
    route.schema = { ...route.schema, querystring: NO_QUERY };
  });
}
