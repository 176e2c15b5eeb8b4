import https from 'https';
import net from 'net';

/**
 * An https.Agent that sends every request, whatever its host (LWA, SP-API, feed document URLs), as plain HTTP to one
 * base URL: how an account pointed at the sandbox reaches it. The amazon-sp-api client is otherwise unchanged: it still
 * builds Amazon's URLs and Host headers, and the sandbox routes on path.
 */
export class EndpointAgent extends https.Agent {
  private readonly target: { host: string; port: number };

  constructor(readonly baseUrl: string) {
    super({ keepAlive: true, maxSockets: 32 });
    const url = new URL(baseUrl);
    if (url.protocol !== 'http:') throw new Error(`endpoint ${baseUrl} must be an http:// URL (a local sandbox)`);
    this.target = { host: url.hostname, port: Number(url.port || 80) };
  }

  override createConnection(_options: unknown, callback?: (err: Error | null, socket: net.Socket) => void): net.Socket {
    const socket = net.connect(this.target);
    if (callback) {
      socket.once('connect', () => callback(null, socket));
      socket.once('error', (err) => callback(err, socket));
    }
    return socket;
  }

  // Connections are keyed by the target, not by Amazon's host name, so keep-alive pools are shared.
  override getName(): string {
    return `${this.target.host}:${this.target.port}`;
  }
}
