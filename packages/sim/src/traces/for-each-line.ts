import { StringDecoder } from 'node:string_decoder';

/**
 * Calls `onLine` for every line of a UTF-8 byte stream, without holding more than one chunk of text.
 *
 * Lines end at `\n`; a `\r` before it (CRLF files such as the LIRS `loop` trace) is dropped. A last
 * line without a newline still counts. Multi-byte characters split across chunks are decoded whole.
 *
 * @param source - the decompressed bytes, in order.
 * @param onLine - receives each line (without its line end) and its 1-based line number.
 */
export async function forEachLine(
  source: AsyncIterable<Uint8Array>,
  onLine: (line: string, lineNo: number) => void,
): Promise<void> {
  const decoder = new StringDecoder('utf8');
  let carry = '';
  let lineNo = 0;
  const emit = (line: string): void => {
    lineNo++;
    onLine(line.endsWith('\r') ? line.slice(0, -1) : line, lineNo);
  };
  for await (const chunk of source) {
    const text = carry + decoder.write(chunk as Buffer);
    const parts = text.split('\n');
    carry = parts.pop() ?? '';
    for (const part of parts) emit(part);
  }
  const rest = carry + decoder.end();
  if (rest !== '') emit(rest);
}
