import type { ServerResponse } from 'node:http';

/** How the simulated PVWA answers: JSON and text bodies, and the error pages IIS sends. */

export type Json = Record<string, unknown>;

export const ERROR_401 = { ErrorCode: 'PASWS006E', ErrorMessage: 'The session token is missing, invalid or expired.' };
export const IIS_400 = '<!DOCTYPE html><html><head><title>Bad Request</title></head><body><h2>Bad Request - Invalid URL</h2><p>HTTP Error 400. The request is badly formed.</p></body></html>';
export const IIS_404 = '<!DOCTYPE html><html><head><title>404 - File or directory not found.</title></head><body><h2>404 - File or directory not found.</h2></body></html>';

export function send(res: ServerResponse, status: number, body: unknown): void {
  sendText(res, status, JSON.stringify(body), 'application/json; charset=utf-8');
}

export function sendText(res: ServerResponse, status: number, text: string | Buffer, contentType: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0) cookies.set(part.slice(0, at).trim(), part.slice(at + 1).trim());
  }
  return cookies;
}
