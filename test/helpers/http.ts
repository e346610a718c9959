import type { Response } from 'superagent';

/**
 * A superagent parser that keeps the raw body as one Buffer, for PDFs and images:
 * `app.http.get(path).buffer(true).parse(binary)`.
 */
export const binary = (res: Response, cb: (err: Error | null, body: Buffer) => void) => {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => cb(null, Buffer.concat(chunks)));
};
