/**
 * The bare limit of intake's HTTP side: a Fastify 5 server with one POST route that parses the
 * JSON body (as intake must) and answers 202 with `{}` at once. Run as its own process by
 * `BareRouteLimit`; prints `{"port": n}` when listening and exits on SIGTERM.
 */
import Fastify from 'fastify';

// Intake's own body limit (INTAKE_BODY_LIMIT_BYTES default), so batches parse alike.
const bodyLimitBytes = 1_048_576;

const app = Fastify({ logger: false, bodyLimit: bodyLimitBytes });
app.post('/v1/leads', async (_request, reply) => reply.status(202).send({}));
await app.listen({ port: 0, host: '127.0.0.1' });
const address = app.server.address();
if (address === null || typeof address === 'string') throw new Error('the empty Fastify server has no TCP port');
process.stdout.write(`${JSON.stringify({ port: address.port })}\n`);
process.once('SIGTERM', () => {
  void app.close().then(() => process.exit(0));
});
