/**
 * @module http/request-errors
 * Requests that cannot be read are the client's fault and answered as such, never as a 500:
 * malformed percent-encoding in the path, bodies that cannot be decoded (corrupt or truncated
 * compression, an unsupported encoding or charset), clients that go away mid-body, and
 * requests Node's HTTP parser refuses before Express sees them.
 */
import type { Socket } from 'node:net';
import type { Request, RequestHandler, Response } from 'express';
import type { Logger } from '../logger.js';
import { sendProblem } from './problem.js';

/**
 * Middleware refusing a path with malformed percent-encoding (`%zz`, `%C0%AF`) up front, for
 * every route and for paths no route matches.
 *
 * @example
 * ```ts
 * app.use(rejectMalformedPath);
 * ```
 */
export const rejectMalformedPath: RequestHandler = (req, res, next) => {
  try {
    decodeURIComponent(req.path);
  } catch {
    sendProblem(res, 400, 'malformed_path', 'The path has malformed percent-encoding');
    return;
  }
  next();
};

/** What the body parsers and `http-errors` put on the errors they raise. */
interface RequestError {
  type?: unknown;
  status?: unknown;
  expose?: unknown;
  code?: unknown;
}

/**
 * Answers an error that a request's own malformation caused; false when `err` is not one (the
 * caller then treats it as unexpected). A client that aborted is logged at debug, without a
 * stack, and gets no answer: nobody is there to read it.
 *
 * @example
 * ```ts
 * if (answerRequestError(err, req, res, log)) return;
 * ```
 */
export function answerRequestError(err: unknown, req: Request, res: Response, log: Logger): boolean {
  if (err instanceof URIError) {
    sendProblem(res, 400, 'malformed_path', 'The path has malformed percent-encoding');
    return true;
  }
  if (err === null || typeof err !== 'object') return false;
  const e = err as RequestError;
  if (e.type === 'request.aborted' || (req.destroyed && (req.readableAborted || !req.complete))) {
    log.debug({ method: req.method, path: req.path }, 'client closed the connection before sending the whole request');
    if (!res.headersSent) res.destroy();
    return true;
  }
  if (e.type === 'encoding.unsupported' || e.type === 'charset.unsupported') {
    sendProblem(res, 415, 'unsupported_encoding', 'The request body encoding is not supported (use identity, gzip, deflate or br, and a UTF-8 charset)');
    return true;
  }
  // body-parser raises 400 for anything it could not read: a decompression error (zlib), a body
  // shorter or longer than its Content-Length.
  if (e.status === 400 && e.expose === true) {
    sendProblem(res, 400, 'malformed_body', 'The request body could not be read: corrupt or truncated compression, or a length that does not match Content-Length');
    return true;
  }
  return false;
}

/**
 * A `clientError` listener for the server: requests Node's HTTP parser refuses (a malformed
 * request line or header, headers too large) get a problem document instead of a bare status
 * line, and a connection reset is simply closed.
 *
 * @example
 * ```ts
 * server.on('clientError', answerClientError);
 * ```
 */
export function answerClientError(err: Error & { code?: string }, socket: Socket): void {
  // A response already under way on this connection (the parser failed on bytes after a request
  // that was answered) cannot be followed by another: the connection is just closed.
  const answering = (socket as Socket & { _httpMessage?: { headersSent?: boolean } | null })._httpMessage;
  if (!socket.writable || err.code === 'ECONNRESET' || answering?.headersSent) {
    socket.destroy();
    return;
  }
  const [status, title, code, detail] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'Request Header Fields Too Large', 'headers_too_large', 'The request headers are too large']
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'Request Timeout', 'request_timeout', 'The request was not received in time']
        : [400, 'Bad Request', 'malformed_request', 'The request is not valid HTTP'];
  endWithProblem(socket, status, title, code, detail);
}

/**
 * A `connect` listener for the server: the API is no proxy, so CONNECT gets a 405 problem.
 *
 * @example
 * ```ts
 * server.on('connect', refuseConnect);
 * ```
 */
export function refuseConnect(_req: unknown, socket: Socket): void {
  endWithProblem(socket, 405, 'Method Not Allowed', 'route_not_found', 'CONNECT is not supported');
}

function endWithProblem(socket: Socket, status: number, title: string, code: string, detail: string): void {
  const body = JSON.stringify({ type: `urn:waymark:problem:${code}`, title, status, detail, code });
  socket.end(
    `HTTP/1.1 ${status} ${title}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
