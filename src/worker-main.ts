import { ConfigError, loadConfig } from './config';
import { openContainer } from './container';
import { FormValidationError } from './consent/forms';

/**
 * `npm run worker`: the outbox worker as its own process, to scale delivery out. Run the web
 * process with WORKER_ENABLED=false then. Several workers can run at once: leases keep them apart.
 */
async function main(): Promise<void> {
  const container = await openContainer(loadConfig());
  container.worker.start();
  container.logger.info({ store: container.store.kind }, 'akkoord worker started');
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    container.logger.info({ signal }, 'worker shutting down');
    await container.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(error instanceof ConfigError || error instanceof FormValidationError ? `${error.message}\n` : `Akkoord worker failed to start: ${String(error)}\n`);
  process.exit(1);
});
