// Serving certificate that follows its files: a Secret mounted into a pod is
// replaced by an atomic symlink swap, which file watchers miss, so the files are
// re-read on an interval and the TLS context swapped when their bytes change.
// New connections get the new certificate; open ones keep theirs.

import { readFileSync } from 'node:fs';
import type { Server } from 'node:https';
import type { Logger } from './log.ts';

export interface CertFiles {
  certFile: string;
  keyFile: string;
}

export interface LoadedCert {
  cert: Buffer;
  key: Buffer;
}

export function readCert(files: CertFiles): LoadedCert {
  return { cert: readFileSync(files.certFile), key: readFileSync(files.keyFile) };
}

export class CertReloader {
  private current: LoadedCert;
  private timer: NodeJS.Timeout | undefined;
  private readonly files: CertFiles;
  private readonly log: Logger;
  reloads = 0;

  constructor(files: CertFiles, log: Logger) {
    this.files = files;
    this.log = log;
    this.current = readCert(files);
  }

  get cert(): LoadedCert {
    return this.current;
  }

  /** Starts polling; `apply` installs a new certificate (server.setSecureContext). */
  watch(server: Server, intervalMs = 5_000): void {
    this.timer = setInterval(() => this.check(server), intervalMs);
    this.timer.unref();
  }

  check(server: Server): boolean {
    let next: LoadedCert;
    try {
      next = readCert(this.files);
    } catch (err) {
      // Mid-swap or briefly missing: keep serving with the current certificate.
      this.log.warn({ err: (err as Error).message }, 'serving certificate unreadable; keeping the current one');
      return false;
    }
    if (next.cert.equals(this.current.cert) && next.key.equals(this.current.key)) return false;
    try {
      server.setSecureContext({ cert: next.cert, key: next.key, minVersion: 'TLSv1.2' });
    } catch (err) {
      this.log.error({ err: (err as Error).message }, 'new serving certificate rejected (key and certificate do not match?); keeping the current one');
      return false;
    }
    this.current = next;
    this.reloads++;
    this.log.info({ certFile: this.files.certFile }, 'serving certificate reloaded');
    return true;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
