import { connect } from 'node:net';

/** What a raw connection saw: every byte the server sent, and whether the server ended it. */
export interface Seen {
  text: string;
  /** The server closed the connection (rather than the test giving up on it). */
  closedByServer: boolean;
  /** How many of the parts were written before the server closed it. */
  partsWritten: number;
}

/**
 * Writes `parts` on one connection, `pauseMs` apart, and reads until the server closes it or `giveUpMs`
 * passes. Nothing is added: these are the exact bytes a client sent.
 */
export function rawExchange(port: number, parts: string[], { pauseMs = 0, giveUpMs = 3000 } = {}): Promise<Seen> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    let partsWritten = 0;
    let closedByServer = true;
    socket.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
    socket.on('error', () => undefined);
    const giveUp = setTimeout(() => {
      closedByServer = false;
      socket.destroy();
    }, giveUpMs);
    socket.on('close', () => {
      clearTimeout(giveUp);
      resolve({ text, closedByServer, partsWritten });
    });
    void (async () => {
      for (const part of parts) {
        if (socket.destroyed || socket.writableEnded) return;
        socket.write(part);
        partsWritten++;
        if (pauseMs) await new Promise((done) => setTimeout(done, pauseMs));
      }
    })();
  });
}

export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** The HTTP/1.1 answers in what a connection received, in order (bodies by Content-Length). */
export function answersIn(text: string): RawAnswer[] {
  const answers: RawAnswer[] = [];
  let rest = text;
  while (rest.startsWith('HTTP/1.1 ')) {
    const end = rest.indexOf('\r\n\r\n');
    if (end < 0) break;
    const [statusLine, ...lines] = rest.slice(0, end).split('\r\n');
    const headers = Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
    const length = Number(headers['content-length'] ?? 0);
    answers.push({ status: Number(statusLine!.split(' ')[1]), headers, body: rest.slice(end + 4, end + 4 + length) });
    rest = rest.slice(end + 4 + length);
  }
  return answers;
}
