import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const target = process.env.CARGO_TARGET_DIR ?? '../target';

async function freePort(): Promise<number> {
  return new Promise((ok, err) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => ok(port));
    });
    s.on('error', err);
  });
}

/** A linli-server of the test's own, serving a copy of a build it can swap or stop. */
export class OwnServer {
  private proc?: ChildProcess;
  readonly dir = mkdtempSync(join(tmpdir(), 'linli-served-'));
  port = 0;

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  /** A server of its own, serving the built app (`../dist`), started. */
  static async started(): Promise<OwnServer> {
    const server = new OwnServer();
    server.serve('../dist');
    await server.start();
    return server;
  }

  /** Serves `build` (dist, dist-next) from now on. */
  serve(build: string) {
    rmSync(this.dir, { recursive: true, force: true });
    cpSync(build, this.dir, { recursive: true });
  }

  /** Moves the server's clock `ms` ahead of the system's (it reads this within 100 ms). */
  setAhead(ms: number) {
    // Renamed into place, so the server never reads a half-written file.
    writeFileSync(`${this.dir}-clock.new`, String(ms));
    renameSync(`${this.dir}-clock.new`, `${this.dir}-clock`);
  }

  /** Runs the server's CLI against its store and returns what it printed. */
  cli(...args: string[]): string {
    return execFileSync(`${target}/server/linli-server`, ['--data', `${this.dir}-data`, ...args]).toString();
  }

  async start() {
    if (!this.port) this.port = await freePort();
    const args = [
      'serve', '--addr', `127.0.0.1:${this.port}`, '--dist', this.dir, '--data', `${this.dir}-data`,
      '--clock-offset-file', `${this.dir}-clock`,
    ];
    this.proc = spawn(`${target}/server/linli-server`, args, {
      stdio: 'ignore',
    });
    for (let i = 0; i < 100; i++) {
      try {
        if ((await fetch(this.url)).ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('linli-server did not start');
  }

  async stop() {
    if (!this.proc) return;
    const exited = new Promise((r) => this.proc!.once('exit', r));
    this.proc.kill('SIGKILL');
    await exited;
    this.proc = undefined;
  }

  async dispose() {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
    rmSync(`${this.dir}-data`, { recursive: true, force: true });
    rmSync(`${this.dir}-clock`, { force: true });
  }
}
