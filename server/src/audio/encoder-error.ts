/**
 * The error every audio encoder throws, with the cause kept (a program that
 * failed, a WebAssembly module that would not load, an impossible setting).
 */
export class EncoderError extends Error {
  override readonly name = 'EncoderError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
