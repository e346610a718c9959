import busboy from 'busboy';
import type { Request } from 'express';

import { AppError } from '../../errors';

export interface UploadedFile {
  fieldName: string;
  fileName: string | null;
  bytes: Buffer;
}

export interface MultipartBody {
  fields: Record<string, string>;
  file: UploadedFile | null;
}

export interface MultipartOptions {
  /** The largest file accepted, exactly: a file of this many bytes is read, one byte more is refused. */
  maxFileBytes: number;
  fileField: string;
  /**
   * Called when a file part starts, with the fields read so far (so a form sends its CSRF field
   * first). An error here refuses the body before any of the file is read.
   */
  beforeFile?: (fields: Record<string, string>) => AppError | null;
  /** The longest text field, exactly (default 64 KiB, longer ones cut short); with it, a longer field is refused (a pasted list). */
  maxFieldBytes?: number;
}

/** Room for the other fields and the part headers, on top of the file. */
export const MULTIPART_OVERHEAD_BYTES = 1024 * 1024;

const FIELD_BYTES = 64 * 1024;

/** The upload is over its limit: a 422 on the file field, told apart from other refusals by its class. */
export class UploadTooLarge extends AppError {
  constructor(field: string, maxFileBytes: number) {
    const message = `The file is larger than ${describeBytes(maxFileBytes)}.`;
    super('validation_failed', `${field}: ${message}`, { errors: [{ path: field, message }] });
  }
}

/** "10 MiB (10,485,760 bytes)": the exact limit, in words people and programs both read. */
export function describeBytes(bytes: number): string {
  const mib = bytes / (1024 * 1024);
  const exact = bytes.toLocaleString('en-US');
  return Number.isInteger(mib) ? `${mib} MiB (${exact} bytes)` : `${exact} bytes`;
}

/**
 * Reads a multipart/form-data body with one file, and refuses as early as it can: a
 * Content-Length over the file limit plus 1 MiB before reading anything, a body that grows past
 * that while it streams, a file over `maxFileBytes` at the byte that crosses it, and whatever
 * `beforeFile` refuses as the file part starts. A refused body is never buffered: the rest is
 * discarded and the connection closes after the answer.
 */
export function readMultipart(req: Request, options: MultipartOptions): Promise<MultipartBody> {
  return new Promise((resolve, reject) => {
    if (!req.is('multipart/form-data')) {
      reject(AppError.validation(options.fileField, 'Send multipart/form-data with the scan in this field.'));
      return;
    }
    const maxBodyBytes = options.maxFileBytes + MULTIPART_OVERHEAD_BYTES;
    const tooLarge = () => new UploadTooLarge(options.fileField, options.maxFileBytes);
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBodyBytes) {
      stopReadingBody(req);
      reject(tooLarge());
      return;
    }
    let parser: busboy.Busboy;
    try {
      // busboy signals 'limit' when the file REACHES fileSize: one byte of room makes the limit exact.
      // File names are UTF-8 (browsers and curl send them so); busboy's default would read them as Latin-1.
      parser = busboy({ headers: req.headers, defParamCharset: 'utf8', limits: { files: 1, fileSize: options.maxFileBytes + 1, fields: 20, fieldSize: options.maxFieldBytes === undefined ? FIELD_BYTES : options.maxFieldBytes + 1, parts: 25 } });
    } catch (error) {
      reject(AppError.validation(options.fileField, `The multipart body cannot be read: ${(error as Error).message}`));
      return;
    }
    const fields: Record<string, string> = {};
    let file: UploadedFile | null = null;
    let settled = false;
    const refuse = (error: AppError) => {
      if (settled) return;
      settled = true;
      req.unpipe(parser);
      stopReadingBody(req);
      reject(error);
    };
    let received = 0;
    const count = (chunk: Buffer) => {
      received += chunk.length;
      if (received > maxBodyBytes) refuse(tooLarge());
    };
    req.on('data', count);
    // A client that goes away mid-upload: busboy would wait for the rest forever; settle now so
    // the route's clean-up (an Idempotency-Key reservation, buffered chunks) is not held.
    req.once('close', () => {
      if (!req.complete) refuse(AppError.validation(options.fileField, 'The upload was cut off before it was complete.'));
    });
    parser.on('field', (name, value, info) => {
      if (options.maxFieldBytes !== undefined && info.valueTruncated) return refuse(new UploadTooLarge(name, options.maxFieldBytes));
      fields[name] = value;
    });
    parser.on('file', (name, stream, info) => {
      const refusal = options.beforeFile?.({ ...fields }) ?? null;
      if (refusal) {
        stream.resume();
        refuse(refusal);
        return;
      }
      if (name !== options.fileField || file) {
        stream.resume();
        return;
      }
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('limit', () => {
        chunks.length = 0;
        stream.resume();
        refuse(tooLarge());
      });
      stream.on('end', () => {
        if (!settled) file = { fieldName: name, fileName: info.filename ?? null, bytes: Buffer.concat(chunks) };
      });
    });
    parser.on('error', (error: Error) => refuse(AppError.validation(options.fileField, `The multipart body cannot be read: ${error.message}`)));
    parser.on('close', () => {
      req.off('data', count);
      if (settled) return;
      settled = true;
      resolve({ fields, file });
    });
    req.pipe(parser);
  });
}

/**
 * Nothing more of this body is kept: what still arrives is discarded, and the connection closes
 * once the answer is sent, so the client stops sending.
 */
export function stopReadingBody(req: Request): void {
  req.res?.setHeader('Connection', 'close');
  req.resume();
}
