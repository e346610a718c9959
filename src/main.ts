import { ConfigError, loadConfig } from './config';
import { openContainer } from './container';
import { FormValidationError } from './consent/forms';
import { startServer } from './http/server';
import { firstStart } from './organisations/bootstrap-demo';

/** Entry: config → container → HTTP server + worker; SIGTERM/SIGINT drain and exit. */
async function main(): Promise<void> {
  const config = loadConfig();
  const container = await openContainer(config);
  const { logger } = container;
  const welcome = await firstStart(container, config.env, config.publicBaseUrl);
  const server = await startServer(container.app, config.port, config.host);
  if (config.workerEnabled) container.worker.start();
  logger.info({ port: server.port, store: container.store.kind, worker: config.workerEnabled }, 'akkoord is listening');
  if (welcome) process.stdout.write(`${welcome}\n`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    await server.stop();
    await container.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof FormValidationError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    process.stderr.write(`Akkoord failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  }
  process.exit(1);
});
