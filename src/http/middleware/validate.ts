import type { RequestHandler } from 'express';
import type { z } from 'zod';

import { AppError } from '../../errors';

type Part = 'body' | 'query' | 'params';

/** One validation middleware: zod schema per route part; the parsed value is in res.locals[part]. */
export function validate<S extends z.ZodType>(part: Part, schema: S): RequestHandler {
  return (req, res, next) => {
    const result = schema.safeParse(req[part] ?? {});
    if (!result.success) {
      const prefix = part === 'body' ? '' : `${part}.`;
      // An unknown key is named by its own path, so the caller sees which field to remove.
      const errors = result.error.issues.flatMap((i) =>
        i.code === 'unrecognized_keys'
          ? i.keys.map((k) => ({ path: prefix + [...i.path, k].join('.'), message: 'Unknown field.' }))
          : [{ path: prefix + (i.path.length ? i.path.join('.') : part), message: i.message }],
      );
      next(new AppError('validation_failed', errors.map((e) => `${e.path}: ${e.message}`).join('; '), { errors }));
      return;
    }
    res.locals[part] = result.data;
    next();
  };
}

export function parsed<S extends z.ZodType>(locals: Record<string, unknown>, part: Part, _schema: S): z.infer<S> {
  return locals[part] as z.infer<S>;
}
