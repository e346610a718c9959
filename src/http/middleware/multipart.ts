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

/**
 * Reads a multipart/form-data body with one file. A file over `maxFileBytes` is refused while it
 * streams in (never buffered whole), with a 422 naming the field.
 */
export function readMultipart(req: Request, options: { maxFileBytes: number; fileField: string }): Promise<MultipartBody> {
  return new Promise((resolve, reject) => {
    if (!req.is('multipart/form-data')) {
      reject(AppError.validation(options.fileField, 'Send multipart/form-data with the scan in this field.'));
      return;
    }
    let parser: busboy.Busboy;
    try {
      // File names are UTF-8 (browsers and curl send them so); busboy's default would read them as Latin-1.
      parser = busboy({ headers: req.headers, defParamCharset: 'utf8', limits: { files: 1, fileSize: options.maxFileBytes, fields: 20, fieldSize: 64 * 1024, parts: 25 } });
    } catch (error) {
      reject(AppError.validation(options.fileField, `The multipart body cannot be read: ${(error as Error).message}`));
      return;
    }
    const fields: Record<string, string> = {};
    let file: UploadedFile | null = null;
    let failure: AppError | null = null;
    parser.on('field', (name, value) => {
      fields[name] = value;
    });
    parser.on('file', (name, stream, info) => {
      if (name !== options.fileField || file) {
        stream.resume();
        return;
      }
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('limit', () => {
        failure = AppError.validation(options.fileField, `The file is larger than ${Math.round(options.maxFileBytes / 1024 / 1024)} MB.`);
        stream.resume();
      });
      stream.on('end', () => {
        if (!failure) file = { fieldName: name, fileName: info.filename ?? null, bytes: Buffer.concat(chunks) };
      });
    });
    parser.on('error', (error: Error) => reject(AppError.validation(options.fileField, `The multipart body cannot be read: ${error.message}`)));
    parser.on('close', () => (failure ? reject(failure) : resolve({ fields, file })));
    req.pipe(parser);
  });
}
