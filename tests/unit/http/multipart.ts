/**
 * A small multipart/byteranges reader for tests: it finds parts by their
 * delimiters alone, never by the Content-Range they claim, so a wrong length
 * or a misplaced CRLF in the body shows up as a wrong part.
 */

export interface ReadPart {
  /** Header names in lower case. */
  readonly headers: Record<string, string>;
  readonly data: Buffer;
}

/** The boundary parameter of a `multipart/byteranges` Content-Type. */
export function boundaryOf(contentType: string | undefined): string {
  const match = /^multipart\/byteranges;\s*boundary=("?)([^";]+)\1$/i.exec(contentType ?? '');
  if (match?.[2] === undefined) throw new Error(`not multipart/byteranges: ${contentType}`);
  return match[2];
}

/** The parts of a multipart body; throws when the framing is broken. */
export function readMultipart(body: Buffer, boundary: string): ReadPart[] {
  const delimiter = Buffer.from(`--${boundary}`);
  const nextDelimiter = Buffer.from(`\r\n--${boundary}`);
  const parts: ReadPart[] = [];
  // The first delimiter may open the body or follow a preamble ending in CRLF.
  let at = 0;
  if (!body.subarray(0, delimiter.length).equals(delimiter)) {
    const found = body.indexOf(nextDelimiter);
    if (found === -1) throw new Error('no opening delimiter');
    at = found + 2;
  }
  for (;;) {
    at += delimiter.length;
    const after = body.subarray(at, at + 2).toString('latin1');
    if (after === '--') return parts;
    if (after !== '\r\n') throw new Error(`expected CRLF after a delimiter at ${at}, found ${JSON.stringify(after)}`);
    const headerEnd = body.indexOf('\r\n\r\n', at + 2);
    if (headerEnd === -1) throw new Error('a part has no end of headers');
    const headers: Record<string, string> = {};
    for (const line of body.subarray(at + 2, headerEnd).toString('latin1').split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon === -1) throw new Error(`not a header line: ${line}`);
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const dataStart = headerEnd + 4;
    const dataEnd = body.indexOf(nextDelimiter, dataStart);
    if (dataEnd === -1) throw new Error('a part has no closing delimiter');
    parts.push({ headers, data: body.subarray(dataStart, dataEnd) });
    at = dataEnd + 2;
  }
}
