import { ConfigError, loadConfig } from './config';
import { buildContainer } from './container';
import { FormValidationError } from './consent/forms';
import { startServer } from './http/server';
import { bootstrapDemo } from './organisations/bootstrap-demo';

/** Entry: config → container → HTTP server + worker; SIGTERM/SIGINT drain and exit. */
async function main(): Promise<void> {
  const config = loadConfig();
  const container = buildContainer(config);
  const { logger } = container;
  const demo = await bootstrapDemo(container);
  const server = await startServer(container.app, config.port, config.host);
  if (config.workerEnabled) container.worker.start();
  logger.info({ port: server.port, store: container.store.kind, worker: config.workerEnabled }, 'akkoord is listening');
  if (demo) printDemoWelcome(config.publicBaseUrl, demo.secret);

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

/** Printed once, on the first start with an empty store: the key is not stored readably anywhere. */
function printDemoWelcome(baseUrl: string, secret: string): void {
  const lines = [
    '',
    'Akkoord created the organisation "Demo" with a development API key.',
    'It is shown only this once; keep it now:',
    '',
    `  ${secret}`,
    '',
    'Create a consent request:',
    '',
    `curl -s -X POST ${baseUrl}/api/v1/consent-requests \\`,
    `  -H 'Authorization: Bearer ${secret}' -H 'Content-Type: application/json' \\`,
    `  -d '{"formId":"activiteit-onder-16","subject":{"reference":"REG-1042","firstName":"Sam","lastName":"de Vries","dateOfBirth":"2015-04-02"},"recipient":{"name":"Ans de Vries","channel":"sms","phone":"06 12345678","language":"nl"}}'`,
    '',
    `Then open ${baseUrl}/dev/outbox for the link the parent would receive.`,
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof FormValidationError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    process.stderr.write(`Akkoord failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  }
  process.exit(1);
});
